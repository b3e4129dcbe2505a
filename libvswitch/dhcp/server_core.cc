#include "libvswitch/dhcp/server_core.h"

#include <algorithm>

#include "libvswitch/dhcp/reservation.h"

namespace vswitch::dhcp {

namespace {

constexpr uint16_t kServerPort = 67;
constexpr uint16_t kClientPort = 68;
constexpr uint16_t kDefaultMtu = 1500;
constexpr uint16_t kMinMtu = 68;  // RFC 2132 §5.1
constexpr std::chrono::seconds kMinLeaseTime{60};
// 0xffffffff means "infinite" on the wire (RFC 2132 §9.2); stay below.
constexpr std::chrono::seconds kMaxLeaseTime{0xfffffffe};
const Ipv4 kBroadcast(255, 255, 255, 255);
constexpr uint8_t kFqdnServerRcode = 255;  // RFC 4702 §3.1

std::string key_of(const Message& m) {
    auto id = m.options.client_id();
    if (id) return make_client_key(std::span<const uint8_t>(*id), m.mac());
    return make_client_key(std::nullopt, m.mac());
}

// RFC 4702 §4: the reply's option 81 names what the server will publish,
// the client's host label in our domain (the local zone is the A and PTR
// "update"), in the client's encoding (E). S=1: the server publishes the A
// record; O=1 when that overrides the client's wish (it sent S=0); N is
// echoed when the client asked for no updates (and then S=0). RCODE1 and
// RCODE2 are 255 from a server (§3.1).
ClientFqdn fqdn_reply(const ClientFqdn& asked, const std::string& host, const std::string& domain) {
    ClientFqdn f;
    f.flags = asked.flags & ClientFqdn::kFlagE;
    if (asked.flags & ClientFqdn::kFlagN) {
        f.flags |= ClientFqdn::kFlagN;
    } else {
        f.flags |= ClientFqdn::kFlagS;
        if (!(asked.flags & ClientFqdn::kFlagS)) f.flags |= ClientFqdn::kFlagO;
    }
    f.rcode1 = f.rcode2 = kFqdnServerRcode;
    f.name = domain.empty() ? host : host + "." + domain;
    // Fully qualified: with E a final empty label, without E no dot (§3.1).
    if (f.flags & ClientFqdn::kFlagE) f.name += '.';
    return f;
}

// The client's own name: option 12, else the first label of option 81.
std::string host_name_of(const Message& m) {
    if (auto name = m.options.text(OptionCode::host_name)) return sanitize_host_name(*name);
    if (auto fqdn = m.options.client_fqdn()) {
        std::string_view n = fqdn->name;
        return sanitize_host_name(n.substr(0, n.find('.')));
    }
    return {};
}

}  // namespace

std::string_view to_string(DecisionKind k) {
    switch (k) {
        case DecisionKind::ignore: return "ignore";
        case DecisionKind::offer: return "offer";
        case DecisionKind::ack: return "ack";
        case DecisionKind::nak: return "nak";
    }
    return "unknown";
}

std::string_view to_string(LeaseEvent e) {
    switch (e) {
        case LeaseEvent::added: return "added";
        case LeaseEvent::renewed: return "renewed";
        case LeaseEvent::released: return "released";
        case LeaseEvent::expired: return "expired";
    }
    return "unknown";
}

std::string_view to_string(Limit l) {
    switch (l) {
        case Limit::pool: return "pool";
        case Limit::pending_offers: return "pending-offers";
        case Limit::offers_per_source: return "offers-per-port";
        case Limit::leases_per_source: return "leases-per-port";
    }
    return "unknown";
}

uint64_t ServerCounters::dropped_total() const {
    uint64_t total = 0;
    for (auto n : dropped) total += n;
    return total;
}

std::string sanitize_host_name(std::string_view name) {
    if (name.empty() || name.size() > kMaxHostNameLength) return {};
    if (name.front() == '-' || name.back() == '-') return {};
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-';
        if (!ok) return {};
    }
    return std::string(name);
}

Result<ServerCore> ServerCore::create(ServerConfig config) {
    config.subnet = config.subnet.normalized();
    auto pool = AddressPool::create(config.subnet);
    if (!pool) return pool.error().context("configuring DHCP");
    if (config.gateway.is_zero()) config.gateway = pool->gateway();
    if (!config.subnet.contains(config.gateway) || config.gateway == config.subnet.network() ||
        config.gateway == config.subnet.broadcast())
        return make_error(EINVAL, "configuring DHCP: gateway " + config.gateway.to_string() +
                                      " is not a host address of " + config.subnet.to_string());
    if (config.lease_time < kMinLeaseTime || config.lease_time > kMaxLeaseTime)
        return make_error(EINVAL, "configuring DHCP: lease time " +
                                      std::to_string(config.lease_time.count()) +
                                      "s is out of range");
    if (config.max_leases_per_source < 1 || config.max_leases_per_source > kMaxLeases)
        return make_error(EINVAL, "configuring DHCP: " + std::to_string(config.max_leases_per_source) +
                                      " leases per port is out of range (1 to " + std::to_string(kMaxLeases) + ")");
    if (config.mtu < kMinMtu)
        return make_error(EINVAL, "configuring DHCP: MTU " + std::to_string(config.mtu) +
                                      " is below " + std::to_string(kMinMtu));
    if (auto st = check_boot_config(config.boot); !st) return st.error().context("configuring DHCP");
    // The gateway is not in the pool's range by construction unless it was
    // configured elsewhere in the subnet; then it must not be leased.
    if (pool->in_range(config.gateway)) {
        if (auto st = pool->reserve(config.gateway); !st) return st.error();
    }

    // Options that describe the network, in the order sent when the client
    // has no parameter request list; RFC 2131 §4.3.1 lets a server send
    // these ("non-default values on the client's subnet") unasked.
    Options net;
    net.set_address(OptionCode::subnet_mask, Ipv4(config.subnet.mask()));
    const Ipv4 gw[] = {config.gateway};
    net.set_addresses(OptionCode::router, gw);
    net.set_addresses(OptionCode::dns_server, gw);
    if (!config.domain.empty()) {
        Options search;
        const std::vector<std::string> names{config.domain};
        if (auto st = search.set_domain_search(names); !st)
            return st.error().context("configuring DHCP domain '" + config.domain + "'");
        net.set_text(OptionCode::domain_name, config.domain);
        net.set(OptionCode::domain_search, *search.find(OptionCode::domain_search));
    }
    if (config.mtu != kDefaultMtu) net.set_u16(OptionCode::mtu, config.mtu);
    net.set_address(OptionCode::broadcast_address, config.subnet.broadcast());
    return ServerCore(std::move(config), std::move(*pool), std::move(net));
}

ServerCore::ServerCore(ServerConfig config, AddressPool pool, Options network_options)
    : config_(std::move(config)), pool_(std::move(pool)),
      network_options_(std::move(network_options)) {}

Decision ServerCore::drop(DropReason reason) {
    ++counters_.dropped[size_t(reason)];
    Decision d;
    d.dropped = reason;
    return d;
}

Decision ServerCore::handle_packet(std::span<const uint8_t> bytes, Clock::time_point now, Source source) {
    DropReason reason = DropReason::count;
    auto m = Message::parse(bytes, &reason);
    if (!m) return drop(reason);
    return handle(*m, now, source);
}

Status ServerCore::reserve_for_neighbour(Ipv4 a, const Mac& mac) {
    if (pool_.reserved(a)) return {};  // someone else's already (a port, the gateway)
    if (auto s = pool_.reserve(a); !s) return s;
    neighbour_reserved_[a.value()] = mac;
    return {};
}

void ServerCore::lift_neighbour_reservations(const Mac& mac) {
    for (auto it = neighbour_reserved_.begin(); it != neighbour_reserved_.end();) {
        if (it->second == mac) {
            pool_.unreserve(Ipv4(it->first));
            it = neighbour_reserved_.erase(it);
        } else {
            ++it;
        }
    }
}

Decision ServerCore::handle(const Message& req, Clock::time_point now, Source source) {
    DropReason reason = DropReason::count;
    if (!check_request(req, &reason)) return drop(reason);
    // RFC 2131 §4.1 trusts giaddr: a reply goes to the relay it names, and
    // a "relay" could claim leases for clients on other links. The switch's
    // ports are guests, and no guest is a relay; only the host may be one.
    if (!req.giaddr.is_zero() && source != 0 && !(relay_trusted_ && relay_trusted_(source)))
        return drop(DropReason::relay_from_port);
    if (!neighbour_reserved_.empty()) lift_neighbour_reservations(req.mac());
    const std::string key = key_of(req);
    switch (*req.type()) {
        case MessageType::discover: return handle_discover(req, key, now, source);
        case MessageType::request: return handle_request(req, key, now, source);
        case MessageType::release: return handle_release(req, key);
        case MessageType::decline: return handle_decline(req, key, now);
        case MessageType::inform: return handle_inform(req);
        default: return drop(DropReason::unexpected_type);  // check_request refused the rest
    }
}

Decision ServerCore::handle_discover(const Message& req, const std::string& key,
                                     Clock::time_point now, Source source) {
    // RFC 2131 §4.3.1 order: the client's current binding, then the
    // address it asks for, then a new one from the pool. A reservation
    // comes before all of them: it is the binding the admin made.
    const Mac mac = req.mac();
    std::optional<Ipv4> address;
    if (auto fixed = fixed_address_of(mac)) {
        if (pool_.available(*fixed, key, leases_, now, &mac)) address = fixed;
        else note_conflict(mac, *fixed);
    }
    const Lease* lease = leases_.find_by_key(key);
    if (!address && lease && pool_.available(lease->address, key, leases_, now, &mac)) address = lease->address;
    if (!address) {
        if (auto held = pool_.held_for(key, now); held && pool_.available(*held, key, leases_, now, &mac))
            address = held;
    }
    if (!address) {
        auto wanted = req.options.address(OptionCode::requested_address);
        if (wanted && pool_.available(*wanted, key, leases_, now, &mac)) address = wanted;
    }
    // A source at its lease limit gets no offer for a new client (its
    // clients with a lease keep theirs, above).
    if (!address && over_lease_limit(key, source)) {
        ++counters_.leases_refused;
        limit_hit(Limit::leases_per_source, source, config_.max_leases_per_source, now);
        return {};
    }
    if (!address) {
        address = pool_.pick(key, leases_, now, &mac);
        // Only a fresh address ends an exhaustion: a client that got its
        // own lease back says nothing about the pool.
        if (address) limit_ok(Limit::pool, 0, now);
    }
    if (!address) {
        ++counters_.pool_exhausted;
        limit_hit(Limit::pool, 0, pool_.size(), now);
        return {};
    }
    if (!lease || lease->address != *address) {
        auto held = pool_.hold(key, *address, now, source);
        if (held.evicted_own) {
            ++counters_.offers_evicted;
            limit_hit(Limit::offers_per_source, source, pool_.offer_share(), now);
        } else {
            limit_ok(Limit::offers_per_source, source, now);
        }
        if (held.evicted_other) {
            ++counters_.offers_evicted;
            limit_hit(Limit::pending_offers, 0, kMaxPendingOffers, now);  // one table: one episode
        } else {
            limit_ok(Limit::pending_offers, 0, now);
        }
    }
    Decision d = reply(req, DecisionKind::offer, MessageType::offer);
    d.reply.yiaddr = *address;
    add_options(req, d.reply, true);
    d.destination = destination_for(req, d.reply, d.kind);
    ++counters_.offers;
    return d;
}

Decision ServerCore::handle_request(const Message& req, const std::string& key,
                                    Clock::time_point now, Source source) {
    auto server_id = req.options.address(OptionCode::server_id);
    auto requested = req.options.address(OptionCode::requested_address);
    Ipv4 address;
    if (server_id) {
        // SELECTING (RFC 2131 §4.3.2): the client answers one server's offer.
        if (*server_id != config_.gateway) {
            pool_.release_hold(key);  // it chose another server
            return {};
        }
        if (!requested) return drop(DropReason::bad_request);
        address = *requested;
    } else if (requested && req.ciaddr.is_zero()) {
        // INIT-REBOOT: ciaddr zero, the address it had in option 50. We are
        // the only server on the bridge, so with no record of the client we
        // answer anyway (authoritative): a client whose lease we lost gets
        // it back if it is still free.
        address = *requested;
    } else if (!req.ciaddr.is_zero()) {
        address = req.ciaddr;  // RENEWING (unicast) or REBINDING (broadcast)
    } else {
        return drop(DropReason::bad_request);
    }

    // NAK what is not on today's network (a VM that kept yesterday's lease
    // then starts over at once) or belongs to someone else.
    if (!config_.subnet.contains(address) || !pool_.in_range(address))
        return nak(req, "requested address is not on this network");
    const Mac mac = req.mac();
    const Lease* current = leases_.find_by_key(key);
    // A lease on an address reserved for someone else since: its holder
    // keeps it until the lease ends (renewed, not extended), then it is
    // the owner's.
    const Mac* owner = pool_.fixed_owner(address);
    const bool outgoing = owner && *owner != mac && current && current->address == address && current->expiry > now;
    if (!outgoing && !pool_.available(address, key, leases_, now, &mac)) {
        if (owner && *owner == mac) note_conflict(mac, address);
        return nak(req, "requested address is not available");
    }
    // A client with a reservation moves to it when it starts over
    // (SELECTING, INIT-REBOOT: ciaddr zero), not in the middle of a lease.
    if (auto fixed = fixed_address_of(mac);
        fixed && *fixed != address && req.ciaddr.is_zero() && pool_.available(*fixed, key, leases_, now, &mac))
        return nak(req, "this client has a reserved address");
    if (over_lease_limit(key, source)) {
        ++counters_.leases_refused;
        limit_hit(Limit::leases_per_source, source, config_.max_leases_per_source, now);
        return nak(req, "this port holds too many leases");
    }

    const Lease* old = leases_.find_by_key(key);
    LeaseEvent event = old && old->address == address ? LeaseEvent::renewed : LeaseEvent::added;
    if (old && old->address != address) {
        auto moved = leases_.erase(key);
        if (moved) notify(LeaseEvent::released, *moved);
    }
    Lease lease{key, mac, address, host_name_of(req), outgoing ? current->expiry : now + config_.lease_time};
    if (!leases_.upsert(lease)) {
        ++counters_.offers_refused;  // table full: no reply, the client retries
        return {};
    }
    pool_.release_hold(key);
    if (owner && *owner == mac) conflicts_reported_.erase(address);
    bind_source(key, source);
    if (event == LeaseEvent::added) limit_ok(Limit::leases_per_source, source, now);
    notify(event, lease);

    Decision d = reply(req, DecisionKind::ack, MessageType::ack);
    d.reply.ciaddr = req.ciaddr;
    d.reply.yiaddr = address;
    add_options(req, d.reply, true,
                outgoing ? std::max(std::chrono::seconds(1),
                                    std::chrono::duration_cast<std::chrono::seconds>(current->expiry - now))
                         : std::chrono::seconds(0));
    d.destination = destination_for(req, d.reply, d.kind);
    ++counters_.acks;
    return d;
}

Decision ServerCore::handle_release(const Message& req, const std::string& key) {
    auto server_id = req.options.address(OptionCode::server_id);
    if (server_id && *server_id != config_.gateway) return {};
    const Lease* lease = leases_.find_by_key(key);
    if (!lease || lease->address != req.ciaddr) return {};  // not ours to free
    auto gone = leases_.erase(key);
    if (gone) {
        remember_offset(*gone);
        notify(LeaseEvent::released, *gone);
    }
    ++counters_.releases;
    return {};
}

Decision ServerCore::handle_decline(const Message& req, const std::string& key,
                                    Clock::time_point now) {
    auto server_id = req.options.address(OptionCode::server_id);
    if (server_id && *server_id != config_.gateway) return {};
    auto address = req.options.address(OptionCode::requested_address);
    if (!address) return drop(DropReason::bad_request);
    // Only the client the address was given to may take it out of play;
    // anyone else could empty the pool with forged DECLINEs.
    const Lease* lease = leases_.find_by_key(key);
    bool leased = lease && lease->address == *address;
    bool held = pool_.held_for(key, now) == address;
    if (!leased && !held) return {};
    if (leased) {
        if (auto gone = leases_.erase(key)) notify(LeaseEvent::released, *gone);
    }
    pool_.release_hold(key);
    pool_.quarantine(*address, now);
    ++counters_.declines;
    return {};
}

Decision ServerCore::handle_inform(const Message& req) {
    // RFC 2131 §4.3.5: parameters only, no lease, no yiaddr, to ciaddr.
    if (req.ciaddr.is_zero() && req.giaddr.is_zero()) return drop(DropReason::bad_request);
    Decision d = reply(req, DecisionKind::ack, MessageType::ack);
    d.reply.ciaddr = req.ciaddr;
    add_options(req, d.reply, false);
    d.destination = destination_for(req, d.reply, d.kind);
    ++counters_.informs;
    return d;
}

Decision ServerCore::reply(const Message& req, DecisionKind kind, MessageType type) const {
    Decision d;
    d.kind = kind;
    Message& r = d.reply;
    r.op = Op::reply;
    r.htype = req.htype;
    r.hlen = req.hlen;
    r.xid = req.xid;
    r.flags = req.flags;  // RFC 2131 table 3: flags and giaddr from the client
    r.giaddr = req.giaddr;
    r.chaddr = req.chaddr;
    r.options.set_message_type(type);
    r.options.set_address(OptionCode::server_id, config_.gateway);
    // RFC 6842: the client identifier goes back as it came, in every reply
    // (a client behind a shared chaddr tells its replies by it).
    if (const auto* id = req.options.find(OptionCode::client_id)) r.options.set(OptionCode::client_id, *id);
    d.max_size = max_size_for(req);
    return d;
}

Decision ServerCore::nak(const Message& req, std::string_view why) {
    Decision d = reply(req, DecisionKind::nak, MessageType::nak);
    d.reply.options.set_text(OptionCode::message, why);
    // RFC 2131 §4.3.2: a NAK through a relay asks it to broadcast.
    if (!req.giaddr.is_zero()) d.reply.set_broadcast(true);
    d.destination = destination_for(req, d.reply, d.kind);
    ++counters_.naks;
    return d;
}

void ServerCore::add_options(const Message& req, Message& r, bool with_lease, std::chrono::seconds lease) const {
    if (with_lease) {
        // RFC 2131 §4.4.5: T1 = 0.5, T2 = 0.875 of the lease.
        auto secs = uint32_t((lease.count() > 0 ? lease : config_.lease_time).count());
        r.options.set_u32(OptionCode::lease_time, secs);
        r.options.set_u32(OptionCode::renewal_time, secs / 2);
        r.options.set_u32(OptionCode::rebinding_time, uint32_t(uint64_t(secs) * 7 / 8));
    }
    Options offered = network_options_;
    if (std::string host = host_name_of(req); !host.empty()) {
        offered.set_text(OptionCode::host_name, host);  // echoed
        if (auto fqdn = req.options.client_fqdn()) (void)r.options.set_client_fqdn(fqdn_reply(*fqdn, host, config_.domain));
    }
    add_boot_options(config_.boot, req, offered, r);
    // RFC 2132 §9.8: requested options in the client's order first; then
    // the rest, which build() drops first when the reply is too big.
    for (uint8_t code : req.options.parameter_request_list()) {
        const auto* data = offered.find(OptionCode(code));
        if (data && !r.options.has(OptionCode(code))) r.options.set(OptionCode(code), *data);
    }
    for (const auto& o : offered.items())
        if (!r.options.has(o.code)) r.options.set(o.code, o.data);
}

Destination ServerCore::destination_for(const Message& req, const Message& reply,
                                        DecisionKind kind) const {
    // RFC 2131 §4.1, in its order.
    Destination d;
    if (!req.giaddr.is_zero()) {
        d.kind = Destination::Kind::relay;
        d.address = req.giaddr;
        d.port = kServerPort;
    } else if (kind == DecisionKind::nak) {
        d.kind = Destination::Kind::broadcast;
        d.address = kBroadcast;
    } else if (!req.ciaddr.is_zero()) {
        d.kind = Destination::Kind::unicast;
        d.address = req.ciaddr;
    } else if (req.broadcast()) {
        d.kind = Destination::Kind::broadcast;
        d.address = kBroadcast;
    } else {
        d.kind = Destination::Kind::link_layer;
        d.address = reply.yiaddr;
        d.mac = req.mac();
    }
    if (d.kind != Destination::Kind::relay) d.port = kClientPort;
    return d;
}

size_t ServerCore::max_size_for(const Message& req) const {
    // Option 57 and the MTU both count the IP datagram; the payload is what
    // is left after the IP and UDP headers.
    size_t datagram = req.options.max_message_size().value_or(kMinMaxMessageSize);
    datagram = std::min<size_t>(datagram, std::max<size_t>(config_.mtu, kMinMaxMessageSize));
    return datagram - kIpUdpHeaderSize;
}

std::vector<Lease> ServerCore::expire(Clock::time_point now) {
    pool_.prune(now);
    auto gone = leases_.expire(now);
    for (const auto& lease : gone) {
        remember_offset(lease);
        notify(LeaseEvent::expired, lease);
    }
    return gone;
}

Status ServerCore::restore(const Lease& lease) {
    // check_request drops every packet with a zero chaddr: no lease of ours
    // has one, so a file that says otherwise was edited or damaged.
    if (lease.mac.is_zero())
        return make_error(EINVAL, "restoring lease of " + lease.address.to_string() + ": MAC " +
                                      lease.mac.to_string() + " is no client's");
    if (pool_.in_range(lease.address)) {
        auto st = leases_.upsert(lease);
        if (!st) return st.error().context("restoring lease of " + lease.address.to_string());
        return {};
    }
    // Another subnet (yesterday's): keep the host offset, assuming the
    // same prefix length, so the client lands at the same place today.
    uint32_t host = lease.address.value() & ~config_.subnet.mask();
    if (host >= 2) pool_.set_hint(lease.client_key, host - 2);
    return {};
}

Status ServerCore::set_fixed_addresses(std::vector<FixedAddress> fixed) {
    if (fixed.size() > kMaxReservations)
        return make_error(E2BIG, std::to_string(fixed.size()) + " reservations (at most " +
                                     std::to_string(kMaxReservations) + ")");
    std::map<Mac, Ipv4> by_mac;
    std::map<Ipv4, Mac> by_address;
    const uint32_t network = config_.subnet.network().value();
    for (const auto& f : fixed) {
        const Ipv4 a(network + f.host_offset);
        if (f.host_offset < 2 || !pool_.in_range(a) || a == config_.gateway)
            return make_error(EINVAL, "host offset " + std::to_string(f.host_offset) + " of " + f.mac.to_string() +
                                          " is not a client address of " + config_.subnet.to_string());
        if (!by_mac.emplace(f.mac, a).second)
            return make_error(EEXIST, f.mac.to_string() + " has two reservations");
        if (auto [it, fresh] = by_address.emplace(a, f.mac); !fresh)
            return make_error(EEXIST, a.to_string() + " is reserved for " + it->second.to_string() + " and " +
                                          f.mac.to_string());
    }
    fixed_ = std::move(fixed);
    fixed_by_mac_ = std::move(by_mac);
    pool_.set_fixed(std::move(by_address));
    conflicts_reported_.clear();
    return {};
}

std::optional<Ipv4> ServerCore::fixed_address_of(const Mac& mac) const {
    if (fixed_by_mac_.empty()) return std::nullopt;  // the usual case: no lookup
    auto it = fixed_by_mac_.find(mac);
    if (it == fixed_by_mac_.end()) return std::nullopt;
    return it->second;
}

void ServerCore::note_conflict(const Mac& owner, Ipv4 address) {
    const Lease* holder = leases_.find_by_address(address);
    if (!holder || holder->mac == owner) return;  // held offer, quarantine, a stranger: not a lease conflict
    auto [it, fresh] = conflicts_reported_.try_emplace(address, holder->mac);
    if (!fresh && it->second == holder->mac) return;
    it->second = holder->mac;
    // Bounded: one per reservation until the owner gets it; the daemon
    // takes them after every packet.
    conflicts_.push_back(ReservationConflict{owner, address, holder->mac, holder->expiry});
}

void ServerCore::remember_offset(const Lease& lease) {
    if (pool_.in_range(lease.address))
        pool_.set_hint(lease.client_key, lease.address.value() - pool_.first().value());
}

void ServerCore::notify(LeaseEvent event, const Lease& lease) {
    if (event == LeaseEvent::released || event == LeaseEvent::expired) unbind_source(lease.client_key);
    if (listener_) listener_->on_lease_changed(event, lease);
}

size_t ServerCore::leases_of(Source source) const {
    auto it = leases_per_source_.find(source);
    return it == leases_per_source_.end() ? 0 : it->second;
}

// True when a lease for this client would be a new one for `source` and
// the source already holds its limit. A client keeps its lease when it
// moves ports; it is then counted against the new one.
bool ServerCore::over_lease_limit(const std::string& key, Source source) const {
    if (source == 0) return false;
    if (auto it = lease_source_.find(key); it != lease_source_.end() && it->second == source) return false;
    return leases_of(source) >= config_.max_leases_per_source;
}

void ServerCore::bind_source(const std::string& key, Source source) {
    auto it = lease_source_.find(key);
    if (it != lease_source_.end() && it->second == source) return;
    unbind_source(key);
    if (source == 0) return;
    lease_source_.emplace(key, source);
    ++leases_per_source_[source];
}

void ServerCore::unbind_source(const std::string& key) {
    auto it = lease_source_.find(key);
    if (it == lease_source_.end()) return;
    auto n = leases_per_source_.find(it->second);
    if (n != leases_per_source_.end() && --n->second == 0) leases_per_source_.erase(n);
    lease_source_.erase(it);
}

void ServerCore::limit_hit(Limit limit, Source source, size_t value, Clock::time_point now) {
    auto [it, began] = episodes_.try_emplace({limit, source});
    it->second.last_refusal = now;
    ++it->second.refused;
    // Bounded: an edge needs a new (limit, source) pair, and the daemon
    // takes them after every packet.
    if (began) limit_events_.push_back(LimitEvent{limit, true, source, 0, value});
}

void ServerCore::limit_ok(Limit limit, Source source, Clock::time_point now) {
    if (episodes_.empty()) return;  // the usual case: no lookup
    auto it = episodes_.find({limit, source});
    if (it == episodes_.end() || now - it->second.last_refusal < kLimitQuietTime) return;
    limit_events_.push_back(LimitEvent{limit, false, source, it->second.refused, 0});
    episodes_.erase(it);
}

}  // namespace vswitch::dhcp
