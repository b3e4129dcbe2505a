#include "libvswitch/dhcp6/server.h"

#include <algorithm>

#include "libvswitch/dhcp6/names.h"

namespace vswitch::dhcp6 {

std::string_view to_string(DecisionKind k) {
    switch (k) {
        case DecisionKind::ignore:
            return "ignore";
        case DecisionKind::advertise:
            return "advertise";
        case DecisionKind::reply:
            return "reply";
    }
    return "unknown";
}

std::string_view to_string(LeaseEvent e) {
    switch (e) {
        case LeaseEvent::added:
            return "added";
        case LeaseEvent::renewed:
            return "renewed";
        case LeaseEvent::released:
            return "released";
        case LeaseEvent::declined:
            return "declined";
        case LeaseEvent::expired:
            return "expired";
    }
    return "unknown";
}

uint64_t ServerCounters::dropped_total() const {
    uint64_t n = 0;
    for (auto d : dropped) n += d;
    return n;
}

namespace {

uint32_t seconds32(std::chrono::seconds s) {
    return uint32_t(std::clamp<int64_t>(s.count(), 0, int64_t{0xffffffff}));
}

}  // namespace

Result<Server> Server::create(ServerConfig c) {
    if (c.prefix.lower() != 0)
        return make_error(
            EINVAL, "prefix " + c.prefix.to_string() + " has host bits set (a /64 is expected)");
    if (c.prefix.is_multicast() || c.prefix.is_link_local() || c.prefix.is_zero())
        return make_error(EINVAL, "prefix " + c.prefix.to_string() + " is no unicast /64");
    if (auto d = Duid::parse(c.server_duid.bytes); !d) return d.error().context("server DUID");
    if (c.dns_servers.size() > kMaxDnsServers)
        return make_error(EINVAL, "more than 16 DNS servers");
    for (const auto& a : c.dns_servers)
        if (a.is_zero() || a.is_multicast())
            return make_error(EINVAL, "DNS server " + a.to_string() + " is no unicast address");
    if (c.domains.size() > kMaxDomains) return make_error(EINVAL, "more than 16 domains");
    for (const auto& d : c.domains)
        if (!valid_domain(d)) return make_error(EINVAL, "bad domain '" + d + "'");
    if (c.valid_lifetime.count() <= 0 || c.valid_lifetime.count() >= 0xffffffffll)
        return make_error(EINVAL, "valid lifetime out of range");
    if (c.preferred_lifetime.count() <= 0 || c.preferred_lifetime > c.valid_lifetime)
        return make_error(EINVAL, "preferred lifetime not within 1 s .. the valid lifetime");
    if (c.t1.count() == 0) c.t1 = c.preferred_lifetime / 2;
    if (c.t2.count() == 0) c.t2 = c.preferred_lifetime * 4 / 5;
    if (c.t1.count() < 0 || c.t1 > c.t2 || c.t2 > c.preferred_lifetime)
        return make_error(EINVAL, "T1/T2 not in order (T1 <= T2 <= preferred lifetime)");
    if (c.information_refresh.count() < 600 || c.information_refresh.count() >= 0xffffffffll)
        return make_error(EINVAL, "information refresh time below RFC 8415's minimum of 600 s");
    return Server(std::move(c));
}

Decision Server::drop(DropReason reason) {
    ++counters_.dropped[size_t(reason)];
    Decision d;
    d.dropped = reason;
    return d;
}

Decision Server::handle_packet(std::span<const uint8_t> bytes, Clock::time_point now,
                               Source source) {
    DropReason reason = DropReason::bad_option;
    auto m = Message::parse(bytes, &reason);
    if (!m) return drop(reason);
    return handle(*m, now, source);
}

Decision Server::handle(const Message& req, Clock::time_point now, Source source) {
    using T = MessageType;
    switch (req.type) {
        case T::advertise:
        case T::reply:
            return drop(DropReason::server_message);
        case T::reconfigure:
            return drop(DropReason::reconfigure);
        case T::relay_forw:
        case T::relay_repl:
            return drop(DropReason::relay);
        default:
            break;
    }
    // RFC 8415 §16: which messages must, may and must not name a server.
    if (req.type != T::information_request && !req.client_id) return drop(DropReason::no_client_id);
    bool ours = req.server_id && req.server_id->bytes == config_.server_duid.bytes;
    switch (req.type) {
        case T::solicit:
        case T::confirm:
        case T::rebind:
            if (req.server_id) return drop(DropReason::unexpected_server_id);
            break;
        case T::request:
        case T::renew:
        case T::release:
        case T::decline:
            if (!req.server_id) return drop(DropReason::no_server_id);
            if (!ours) return drop(DropReason::other_server);
            break;
        case T::information_request:
            // §16.12: another server's ID, or an IA, and it is not for us.
            if (req.server_id && !ours) return drop(DropReason::other_server);
            if (!req.ia_na.empty() || !req.ia_ta.empty() || !req.ia_pd.empty())
                return drop(DropReason::unexpected_ia);
            break;
        default:
            break;
    }
    switch (req.type) {
        case T::solicit:
            return handle_solicit(req, now, source);
        case T::request:
        case T::renew:
        case T::rebind:
            return handle_commit(req, now, source);
        case T::release:
        case T::decline:
            return handle_release_decline(req, now);
        case T::confirm:
            return handle_confirm(req);
        case T::information_request:
            return handle_information_request(req);
        default:
            return drop(DropReason::unknown_type);
    }
}

Message Server::reply_to(const Message& req, MessageType type) const {
    Message r;
    r.type = type;
    r.transaction_id = req.transaction_id;
    r.server_id = config_.server_duid;
    r.client_id = req.client_id;
    return r;
}

void Server::add_dns(Message& reply) const {
    // RFC 8415 §18.3: options beyond the ORO's may be sent; every client
    // of ours wants these, and some forget to ask.
    reply.dns_servers = config_.dns_servers;
    reply.domains = config_.domains;
}

std::optional<Address> Server::choose(const std::string& key, const Duid& duid, uint32_t iaid,
                                      Clock::time_point now, Source source) {
    if (const Lease* l = leases_.find(key)) return l->address;
    if (source != 0 && leases_of(source) >= config_.max_leases_per_source) {
        ++counters_.leases_refused;
        return std::nullopt;
    }
    if (leases_.size() >= kMaxLeases) return std::nullopt;
    for (unsigned probe = 0; probe < kMaxProbes; ++probe) {
        uint64_t host = candidate_host_part(config_.key, duid.bytes, iaid, probe);
        if (!usable_host_part(host)) continue;
        Address a = Address::from_halves(config_.prefix.upper(), host);
        if (leases_.find_by_address(a) || quarantined(a, now)) continue;
        return a;
    }
    return std::nullopt;
}

std::optional<Fqdn> Server::fqdn_answer(const Message& req, std::string* hostname) const {
    hostname->clear();
    if (!req.fqdn) return std::nullopt;
    Fqdn out;
    if (req.fqdn->flags & Fqdn::kN) {
        // RFC 4704 §6.1: the client wants no updates; the name is not used.
        out.flags = Fqdn::kN;
        return out;
    }
    // The server puts the name in its own zone, whatever the client's S
    // said: S=1, and O=1 when that overrides the client's S=0 (§6.1).
    out.flags = Fqdn::kS;
    if (!(req.fqdn->flags & Fqdn::kS)) out.flags |= Fqdn::kO;
    *hostname = host_label(req.fqdn->name);
    if (!hostname->empty()) {
        if (config_.domains.empty()) {
            out.name = *hostname;
        } else {
            out.name = *hostname + "." + config_.domains.front();
            out.fully_qualified = true;
        }
    }
    return out;
}

Ia Server::answer_ia_na(const Message& req, const Ia& ia, Clock::time_point now, Source source,
                        bool commit, const std::string& hostname, size_t& echo_budget) {
    Ia out;
    out.iaid = ia.iaid;
    std::string key = binding_key(req.client_id->bytes, ia.iaid);
    auto address = choose(key, *req.client_id, ia.iaid, now, source);
    Lease lease;
    bool bound = false;
    if (address && commit) {
        const Lease* old = leases_.find(key);
        lease =
            Lease{req.client_id->bytes, ia.iaid, *address, hostname, now + config_.valid_lifetime};
        if (old && !req.fqdn)
            lease.hostname = old->hostname;  // a Renew without FQDN keeps the name
        bool added = old == nullptr;
        if (leases_.upsert(lease).ok()) {
            bound = true;
            bind_source(key, source);
            notify(added ? LeaseEvent::added : LeaseEvent::renewed, lease);
        }
    }
    if (!address || (commit && !bound)) {
        ++counters_.no_addrs_avail;
        out.status =
            StatusOption{StatusCode::no_addrs_avail, "no address available for this client"};
        return out;
    }
    out.t1 = seconds32(config_.t1);
    out.t2 = seconds32(config_.t2);
    out.addresses.push_back(IaAddress{*address, seconds32(config_.preferred_lifetime),
                                      seconds32(config_.valid_lifetime), std::nullopt});
    // RFC 8415 §18.3.4/§18.3.5: an address the client holds that is not
    // its binding (yesterday's prefix, a lost binding) goes back with zero
    // lifetimes, so the client drops it at once.
    if (commit) {
        for (const auto& held : ia.addresses)
            if (held.address != *address && out.addresses.size() < kMaxIaAddresses &&
                echo_budget > 0) {
                out.addresses.push_back(IaAddress{held.address, 0, 0, std::nullopt});
                --echo_budget;
            }
    }
    return out;
}

void Server::answer_ias(const Message& req, Message& reply, Clock::time_point now, Source source,
                        bool commit) {
    std::string hostname;
    reply.fqdn = fqdn_answer(req, &hostname);
    // The echoed addresses are bounded so that a reply stays within what
    // a parser (ours: kMaxOptions) takes, however many the client listed.
    size_t echo_budget = kMaxOptions / 2;
    for (const auto& ia : req.ia_na)
        reply.ia_na.push_back(answer_ia_na(req, ia, now, source, commit, hostname, echo_budget));
    // RFC 8415 §18.3.9/§18.3.10: what is not given is refused in the IA.
    for (const auto& ta : req.ia_ta) {
        Ia out;
        out.iaid = ta.iaid;
        out.status =
            StatusOption{StatusCode::no_addrs_avail, "temporary addresses are not offered"};
        reply.ia_ta.push_back(std::move(out));
    }
    for (const auto& pd : req.ia_pd)
        reply.ia_pd.push_back(IaPd{
            pd.iaid, 0, 0, StatusOption{StatusCode::no_prefix_avail, "no prefixes are delegated"}});
    if (req.ia_na.empty() && req.ia_ta.empty() && req.ia_pd.empty())
        reply.status = StatusOption{StatusCode::no_addrs_avail, "no IA in the message"};
    add_dns(reply);
}

Decision Server::handle_solicit(const Message& req, Clock::time_point now, Source source) {
    Decision d;
    // RFC 8415 §18.3.1: with Rapid Commit asked and allowed, the Solicit
    // binds and is answered by a Reply carrying Rapid Commit.
    bool rapid = req.rapid_commit && config_.rapid_commit;
    d.kind = rapid ? DecisionKind::reply : DecisionKind::advertise;
    d.reply = reply_to(req, rapid ? MessageType::reply : MessageType::advertise);
    answer_ias(req, d.reply, now, source, rapid);
    if (rapid) {
        d.reply.rapid_commit = true;
        ++counters_.rapid_commits;
        ++counters_.replies;
    } else {
        d.reply.preference = config_.preference;
        ++counters_.advertises;
    }
    return d;
}

Decision Server::handle_commit(const Message& req, Clock::time_point now, Source source) {
    Decision d;
    d.kind = DecisionKind::reply;
    d.reply = reply_to(req, MessageType::reply);
    answer_ias(req, d.reply, now, source, true);
    ++counters_.replies;
    return d;
}

Decision Server::handle_release_decline(const Message& req, Clock::time_point now) {
    bool decline = req.type == MessageType::decline;
    Decision d;
    d.kind = DecisionKind::reply;
    d.reply = reply_to(req, MessageType::reply);
    // RFC 8415 §18.3.7/§18.3.8: bindings named are removed (a declined
    // address is kept out of use); an IA with no binding is answered
    // NoBinding; the message as a whole Success.
    for (const auto& ia : req.ia_na) {
        std::string key = binding_key(req.client_id->bytes, ia.iaid);
        const Lease* l = leases_.find(key);
        bool named = l && std::any_of(ia.addresses.begin(), ia.addresses.end(),
                                      [&](const IaAddress& a) { return a.address == l->address; });
        if (!named) {
            Ia out;
            out.iaid = ia.iaid;
            out.status = StatusOption{StatusCode::no_binding, "no binding for this IA"};
            d.reply.ia_na.push_back(std::move(out));
            continue;
        }
        Lease gone = *leases_.erase(key);
        unbind_source(key);
        if (decline) {
            quarantine(gone.address, now);
            ++counters_.declines;
        } else {
            ++counters_.releases;
        }
        notify(decline ? LeaseEvent::declined : LeaseEvent::released, gone);
    }
    d.reply.status = StatusOption{StatusCode::success, decline ? "declined" : "released"};
    ++counters_.replies;
    return d;
}

Decision Server::handle_confirm(const Message& req) {
    // RFC 8415 §18.3.3: on link or not; a Confirm with no address at all
    // gets no reply.
    bool any = false;
    bool all_on_link = true;
    for (const auto* list : {&req.ia_na, &req.ia_ta})
        for (const auto& ia : *list)
            for (const auto& a : ia.addresses) {
                any = true;
                all_on_link = all_on_link && on_link(a.address);
            }
    if (!any) return drop(DropReason::nothing_to_confirm);
    Decision d;
    d.kind = DecisionKind::reply;
    d.reply = reply_to(req, MessageType::reply);
    if (all_on_link) {
        d.reply.status = StatusOption{StatusCode::success, "all addresses on link"};
    } else {
        d.reply.status = StatusOption{StatusCode::not_on_link, "an address is not on this link"};
        ++counters_.confirms_not_on_link;
    }
    ++counters_.replies;
    return d;
}

Decision Server::handle_information_request(const Message& req) {
    Decision d;
    d.kind = DecisionKind::reply;
    d.reply = reply_to(req, MessageType::reply);
    add_dns(d.reply);
    d.reply.information_refresh_time = seconds32(config_.information_refresh);
    ++counters_.information_requests;
    ++counters_.replies;
    return d;
}

std::vector<Lease> Server::expire(Clock::time_point now) {
    auto gone = leases_.expire(now);
    for (const auto& l : gone) {
        unbind_source(binding_key(l.duid, l.iaid));
        notify(LeaseEvent::expired, l);
    }
    for (auto it = quarantine_.begin(); it != quarantine_.end();)
        it = it->second <= now ? quarantine_.erase(it) : std::next(it);
    return gone;
}

Status Server::restore(const Lease& lease) {
    if (!on_link(lease.address))
        return make_error(EADDRNOTAVAIL,
                          "address " + lease.address.to_string() + " is not on today's prefix");
    if (!usable_host_part(lease.address.lower()))
        return make_error(EADDRNOTAVAIL, "address " + lease.address.to_string() + " is reserved");
    return leases_.upsert(lease);
}

bool Server::quarantined(const Address& a, Clock::time_point now) const {
    auto it = quarantine_.find(a);
    return it != quarantine_.end() && it->second > now;
}

void Server::quarantine(const Address& a, Clock::time_point now) {
    if (quarantine_.size() >= kMaxQuarantined && !quarantine_.count(a)) {
        auto oldest =
            std::min_element(quarantine_.begin(), quarantine_.end(),
                             [](const auto& x, const auto& y) { return x.second < y.second; });
        quarantine_.erase(oldest);
    }
    quarantine_[a] = now + kDeclineQuarantine;
}

size_t Server::leases_of(Source source) const {
    auto it = leases_per_source_.find(source);
    return it == leases_per_source_.end() ? 0 : it->second;
}

void Server::bind_source(const std::string& key, Source source) {
    auto it = lease_source_.find(key);
    if (it != lease_source_.end()) {
        if (it->second == source) return;
        unbind_source(key);
    }
    if (source == 0) return;
    lease_source_[key] = source;
    ++leases_per_source_[source];
}

void Server::unbind_source(const std::string& key) {
    auto it = lease_source_.find(key);
    if (it == lease_source_.end()) return;
    auto c = leases_per_source_.find(it->second);
    if (c != leases_per_source_.end() && --c->second == 0) leases_per_source_.erase(c);
    lease_source_.erase(it);
}

void Server::notify(LeaseEvent e, const Lease& l) {
    if (listener_) listener_->on_lease_changed(e, l);
}

}  // namespace vswitch::dhcp6
