#include "daemon/dhcp/dhcp_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>

#include "daemon/log.h"
#include "daemon/netlink/fdb.h"
#include "daemon/netlink/neighbours.h"
#include "libvswitch/base/file.h"
#include "libvswitch/dhcp/frame.h"
#include "libvswitch/dhcp/lease_file.h"
#include "libvswitch/subnet/renumber.h"

namespace vswitch::dhcpd {

namespace {

uint64_t to_usec(dhcp::Clock::time_point t) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
    return us < 0 ? 0 : uint64_t(us);
}

Status set_int_option(int fd, int level, int name, int value, const char* what) {
    if (setsockopt(fd, level, name, &value, sizeof value) < 0) return errno_error(errno, what);
    return {};
}

uint64_t usec(std::chrono::microseconds us) { return uint64_t(us.count()); }

uint64_t monotonic_usec() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000 + uint64_t(ts.tv_nsec) / 1000;
}

Status attach_filter(int fd, std::span<const sock_filter> code, const char* what) {
    sock_fprog prog{uint16_t(code.size()), const_cast<sock_filter*>(code.data())};
    if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0) return errno_error(errno, what);
    return {};
}

// The packet socket's filter, on the IPv4 packet (SOCK_DGRAM: offsets from
// the IP header): frames to the host (its MAC or broadcast; not what it
// sends, nor what a promiscuous bridge overhears), UDP, not a fragment,
// destination port 67. Everything else never reaches the daemon.
constexpr uint32_t kSnapLength = 0x40000;
constexpr sock_filter kRequestFilter[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, uint32_t(SKF_AD_OFF + SKF_AD_PKTTYPE)),
    BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, PACKET_BROADCAST, 8, 0),  // OTHERHOST, OUTGOING...
    BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),                          // protocol
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 0, 6),
    BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6),                          // flags, fragment offset
    BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x3fff, 4, 0),
    BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),                         // X = header length
    BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),                          // UDP destination port
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kServerPort, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, kSnapLength),
    BPF_STMT(BPF_RET | BPF_K, 0),
};
// The UDP socket's: only what the host itself sends on the bridge (its
// broadcasts, looped back); the guests' requests come through the packet
// socket, which knows their port. Bound all the same, so that the kernel
// answers no request with ICMP port unreachable.
constexpr sock_filter kLocalFilter[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, uint32_t(SKF_AD_OFF + SKF_AD_PKTTYPE)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_LOOPBACK, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, kSnapLength),
    BPF_STMT(BPF_RET | BPF_K, 0),
};

}  // namespace

DhcpServer::DhcpServer(Key, DhcpServerParams params, dhcp::ServerCore core, netlink::RouteSocket& sock)
    : params_(std::move(params)), core_(std::move(core)), sock_(sock) {}

Result<std::unique_ptr<DhcpServer>> DhcpServer::create(sd_event* event, DhcpServerParams params,
                                                       netlink::RouteSocket& sock, netlink::Observer& observer) {
    const std::string what = "DHCP server of switch '" + params.switch_name + "'";
    auto core = dhcp::ServerCore::create(params.core);
    if (!core) return core.error().context(what);
    auto s = std::make_unique<DhcpServer>(Key(), std::move(params), std::move(*core), sock);
    DhcpServer* self = s.get();
    s->core_.set_listener(self);
    s->trust_relays();
    if (auto st = s->load_leases(); !st) return st.error().context(what);
    if (auto st = s->open_sockets(); !st) return st.error().context(what);

    auto io = event::add_io(event, s->packet_in_.get(), EPOLLIN, "DHCP packet socket" + what.substr(11),
                            [self](uint32_t) { self->receive(true); });
    if (!io) return io.error().context(what);
    s->io_ = std::move(*io);
    io = event::add_io(event, s->udp_.get(), EPOLLIN, "DHCP socket" + what.substr(11),
                       [self](uint32_t) { self->receive(false); });
    if (!io) return io.error().context(what);
    s->io_local_ = std::move(*io);
    // The throttle and the timer exist from the start and are re-armed in
    // place (no allocation per packet).
    auto save = event::Throttle::create(event, "saving the leases" + what.substr(11),
                                        {usec(kLeaseSaveDelay), usec(kLeaseSaveInterval)}, [self] { self->save(); });
    if (!save) return save.error().context(what);
    s->save_ = std::move(*save);
    // Lease expiry is on the wall clock, like the leases themselves.
    auto expiry = event::Timer::create(event, "expiring the leases" + what.substr(11), [self] {
        self->expire();
        self->arm_expiry();
    }, CLOCK_REALTIME);
    if (!expiry) return expiry.error().context(what);
    s->expiry_ = std::move(*expiry);

    s->expire();  // leases that ran out while the daemon was away
    // Watch first, then dump: a host that shows up in between is not missed.
    // An overrun may have hidden one: dump again.
    s->neighbours_ = observer.watch_neighbours([self](const netlink::NeighbourEvent& ev) { self->on_neighbour(ev); },
                                               [self] { self->reserve_neighbours(); });
    s->reserve_neighbours();
    // Before the first request is read: the table fills as the bridge
    // learns, and a MAC it lacks is asked for once.
    s->fdb_ = observer.watch_fdb([self](const netlink::FdbEvent& ev) { self->on_fdb(ev); },
                                 [self] { self->port_of_mac_.clear(); });
    s->arm_expiry();
    // Written only when something changed: a start on a full disk serves.
    if (s->dirty_) s->save();
    log::info("DHCP serves " + s->core_.config().subnet.to_string() + " on '" + s->params_.bridge + "' (" +
                  std::to_string(s->core_.leases().size()) + " leases restored)",
              {{"VSWITCH_SWITCH", s->params_.switch_name}});
    return s;
}

DhcpServer::~DhcpServer() {
    // Clean stop: the lazy changes too.
    if (auto st = flush(); !st)
        log::warning(st.error().message + ", keeping only the journal's bindings since the last save");
}

std::optional<dhcp::Lease> DhcpServer::lease_of(const Mac& mac) const {
    if (const auto* l = core_.leases().find_by_mac(mac)) return *l;
    return std::nullopt;
}

Status DhcpServer::load_leases() {
    const std::string& path = params_.lease_path;
    auto content = dhcp::load_lease_file(path);
    if (!content) {
        if (content.error().code != ENOENT && content.error().code != EBADMSG && content.error().code != ENOTSUP)
            return content.error();
        std::string why = content.error().message;
        bool missing = content.error().code == ENOENT;
        content = dhcp::LeaseFileContent{};
        if (!missing) {
            content->bad_lines = 1;
            content->first_error = why;
        }
    }
    if (content->bad_lines > 0) {
        // Keep the evidence, keep serving: the parsable leases stay, the
        // file is rewritten from them.
        auto aside = move_aside_corrupt(path);
        if (!aside) return aside.error();
        log::warning("lease file '" + path + "' is corrupt (" + std::to_string(content->bad_lines) +
                         " bad lines, first: " + content->first_error + "); moved to '" + *aside + "', kept " +
                         std::to_string(content->leases.size()) + " leases",
                     {{"VSWITCH_SWITCH", params_.switch_name}});
        dirty_ = true;
    }
    std::vector<dhcp::Lease> leases = std::move(content->leases);
    if (auto st = load_journal(leases); !st) return st;
    size_t refused = 0;
    for (const auto& l : leases) {
        if (auto st = core_.restore(l); !st) {
            ++refused;
            log::debug("lease file '" + path + "': " + st.error().message + ", ignoring");
        }
    }
    if (refused > 0) {
        log::warning("lease file '" + path + "': " + std::to_string(refused) +
                         " leases not restored (run with --log-level debug for why), ignoring",
                     {{"VSWITCH_SWITCH", params_.switch_name}});
        dirty_ = true;
    }
    return {};
}

// The changes since the lease file was last written whole, replayed onto
// its leases; then the journal is opened for the appends of this run.
Status DhcpServer::load_journal(std::vector<dhcp::Lease>& leases) {
    const std::string path = params_.lease_path + ".journal";
    uint64_t torn = 0;
    auto content = dhcp::load_journal(path);
    if (!content && content.error().code != ENOENT) {
        if (content.error().code != EBADMSG && content.error().code != ENOTSUP && content.error().code != E2BIG)
            return content.error();
        auto aside = move_aside_corrupt(path);
        if (!aside) return aside.error();
        log::warning(content.error().message + "; moved to '" + *aside + "', its changes are lost",
                     {{"VSWITCH_SWITCH", params_.switch_name}});
        dirty_ = true;
    } else if (content) {
        if (content->bad_records > 0) {
            // The good records are replayed (and reach the lease file at
            // the end of create()); the journal is kept as evidence.
            auto aside = move_aside_corrupt(path);
            if (!aside) return aside.error();
            log::warning("lease journal '" + path + "' is corrupt (" + std::to_string(content->bad_records) +
                             " bad records, first: " + content->first_error + "); replayed the " +
                             std::to_string(content->records.size()) + " good ones, moved it to '" + *aside + "'",
                         {{"VSWITCH_SWITCH", params_.switch_name}});
            content->torn_bytes = 0;  // a new journal
        }
        if (content->torn_bytes > 0)
            log::info("lease journal '" + path + "': dropped an unfinished last write (" +
                          std::to_string(content->torn_bytes) + " bytes; never acknowledged)",
                      {{"VSWITCH_SWITCH", params_.switch_name}});
        if (!content->records.empty() || content->bad_records > 0 || content->torn_bytes > 0) dirty_ = true;
        leases = dhcp::apply_journal(leases, content->records);
        torn = content->torn_bytes;
    }
    auto journal = dhcp::LeaseJournal::open(path, torn);
    if (!journal) {
        // A full disk may not even take the new file: serve, and retry.
        storage_result(journal.error());
        dirty_ = true;
        return {};
    }
    journal_ = std::move(*journal);
    return {};
}

// TrustRelayFrom=: a port is named by its interface, looked up when a
// relayed request comes from it (one ioctl, on that path only), so a port
// created or renamed later is known too.
void DhcpServer::trust_relays() {
    if (params_.trust_relay_from.empty()) return;
    core_.set_relay_trust([names = params_.trust_relay_from](dhcp::Source source) {
        char name[IF_NAMESIZE] = {};
        if (source == dhcp::kUnknownSource || !if_indextoname(source, name)) return false;
        return std::find(names.begin(), names.end(), name) != names.end();
    });
}

// Hosts already on the segment that hold no lease of ours keep their
// address: it is reserved rather than probed for at each offer.
void DhcpServer::reserve_neighbours() {
    auto n = netlink::dump_neighbours(sock_, params_.ifindex, core_.config().subnet);
    if (!n) {
        log::warning(n.error().message + ", ignoring", {{"VSWITCH_SWITCH", params_.switch_name}});
        return;
    }
    for (const auto& nb : *n) {
        Ipv4 a = nb.address;
        if (a == core_.server_id() || core_.leases().find_by_address(a) || core_.pool().reserved(a)) continue;
        if (const Mac* owner = core_.pool().fixed_owner(a); owner && *owner == nb.mac) continue;  // its owner
        if (auto st = core_.reserve_for_neighbour(a, nb.mac); !st) continue;
        log::info("DHCP: " + a.to_string() + " is in use by " + nb.mac.to_string() + " on '" + params_.bridge +
                      "' without a lease, not offering it to anyone else",
                  {{"VSWITCH_SWITCH", params_.switch_name}});
    }
}

void DhcpServer::on_neighbour(const netlink::NeighbourEvent& ev) {
    if (ev.deleted || ev.ifindex != params_.ifindex || !(ev.state & netlink::kLiveNeighbourStates) ||
        ev.mac.is_zero() || !core_.config().subnet.contains(ev.address))
        return;
    const Ipv4 a = ev.address;
    const Mac& mac = ev.mac;
    if (a == core_.server_id() || core_.pool().reserved(a)) return;
    // One of our clients (at its lease, or briefly at an old one after a
    // move) is not a stranger.
    if (const auto* l = core_.leases().find_by_address(a); l && l->mac == mac) return;  // the usual case
    // A reservation's owner at its address (after a RELEASE, say) is no
    // stranger either: its address stays its own.
    if (const Mac* owner = core_.pool().fixed_owner(a); owner && *owner == mac) return;
    if (core_.leases().find_by_mac(mac)) return;
    if (const auto* l = core_.leases().find_by_address(a)) {
        log::warning("DHCP: " + mac.to_string() + " answers for " + a.to_string() + ", leased to " +
                         l->mac.to_string() + ", ignoring",
                     {{"VSWITCH_SWITCH", params_.switch_name}});
        return;
    }
    if (!core_.reserve_for_neighbour(a, mac)) return;
    log::info("DHCP: " + a.to_string() + " is in use by " + mac.to_string() + " on '" + params_.bridge +
                  "' without a lease, not offering it to anyone else",
              {{"VSWITCH_SWITCH", params_.switch_name}});
}

Status DhcpServer::open_sockets() {
    const std::string& dev = params_.bridge;
    int raw = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_UDP);
    if (raw < 0) return errno_error(errno, "creating the DHCP UDP socket");
    udp_.reset(raw);
    // Several switches each bind 0.0.0.0:67, told apart by the device.
    if (auto s = set_int_option(raw, SOL_SOCKET, SO_REUSEADDR, 1, "setting SO_REUSEADDR"); !s) return s;
    if (auto s = set_int_option(raw, SOL_SOCKET, SO_BROADCAST, 1, "setting SO_BROADCAST"); !s) return s;
    if (auto s = set_int_option(raw, IPPROTO_IP, IP_PKTINFO, 1, "setting IP_PKTINFO"); !s) return s;
    // FORCE passes rmem_max with CAP_NET_ADMIN; without it the default stays.
    if (!set_int_option(raw, SOL_SOCKET, SO_RCVBUFFORCE, kReceiveBufferBytes, "setting SO_RCVBUFFORCE"))
        (void)set_int_option(raw, SOL_SOCKET, SO_RCVBUF, kReceiveBufferBytes, "setting SO_RCVBUF");
    if (auto s = attach_filter(raw, kLocalFilter, "filtering the DHCP UDP socket"); !s) return s;
    if (setsockopt(raw, SOL_SOCKET, SO_BINDTODEVICE, dev.c_str(), socklen_t(dev.size())) < 0)
        return errno_error(errno, "binding the DHCP socket to '" + dev + "'");
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(kServerPort);
    sin.sin_addr.s_addr = htonl(INADDR_ANY);
    if (bind(raw, reinterpret_cast<sockaddr*>(&sin), sizeof sin) < 0)
        return errno_error(errno, "binding UDP port 67 on '" + dev + "'");

    // Protocol 0: this socket only sends, it never receives a copy of traffic.
    raw = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (raw < 0) return errno_error(errno, "creating the DHCP packet socket");
    packet_.reset(raw);

    // Protocol 0 until bound: the filter is in place before the first frame.
    raw = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (raw < 0) return errno_error(errno, "creating the DHCP receiving packet socket");
    packet_in_.reset(raw);
    if (auto s = attach_filter(raw, kRequestFilter, "filtering the DHCP packet socket"); !s) return s;
    if (!set_int_option(raw, SOL_SOCKET, SO_RCVBUFFORCE, kReceiveBufferBytes, "setting SO_RCVBUFFORCE"))
        (void)set_int_option(raw, SOL_SOCKET, SO_RCVBUF, kReceiveBufferBytes, "setting SO_RCVBUF");
    sockaddr_ll ll{};
    ll.sll_family = AF_PACKET;
    ll.sll_protocol = htons(ETH_P_IP);
    ll.sll_ifindex = params_.ifindex;
    if (bind(raw, reinterpret_cast<sockaddr*>(&ll), sizeof ll) < 0)
        return errno_error(errno, "binding the DHCP packet socket to '" + dev + "'");
    return {};
}

void DhcpServer::receive(bool frames) {
    std::array<uint8_t, dhcp::kMaxMessageSize + 128> buf;
    for (int i = 0; i < kMaxPacketsPerWakeup; ++i) {
        auto in = frames ? read_frame(buf) : read_local(buf);
        if (!in) break;
        if (!in->payload.empty()) handle_datagram(in->payload, in->source);
    }
    commit_and_send();
    arm_expiry();
}

// A guest's request, from the packet socket: IPv4 + UDP parsed here (the
// kernel's UDP stack does not see it for us), the source its port.
std::optional<DhcpServer::Inbound> DhcpServer::read_frame(std::span<uint8_t> buf) {
    sockaddr_ll from{};
    socklen_t len = sizeof from;
    ssize_t n = recvfrom(packet_in_.get(), buf.data(), buf.size(), MSG_DONTWAIT | MSG_TRUNC,
                         reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            log::debug("DHCP: receiving on '" + params_.bridge + "': " + std::strerror(errno));
        return std::nullopt;
    }
    Inbound in;
    if (size_t(n) > buf.size()) {
        log::debug("DHCP: dropped a " + std::to_string(n) + "-byte frame on '" + params_.bridge + "' (oversized)",
                   {{"VSWITCH_SWITCH", params_.switch_name}});
        return in;
    }
    auto d = dhcp::parse_udp_frame(std::span<const uint8_t>(buf.data(), size_t(n)));
    if (!d) {
        log::debug("DHCP: " + d.error().message + " on '" + params_.bridge + "', dropped",
                   {{"VSWITCH_SWITCH", params_.switch_name}});
        return in;
    }
    // What the UDP socket on 0.0.0.0:67 would have been given: to the
    // broadcast addresses or to us, not something routed through the host.
    const auto& c = core_.config();
    if (d->destination != Ipv4(0xffffffffu) && d->destination != c.gateway && d->destination != c.subnet.broadcast())
        return in;
    in.payload = d->payload;
    in.source = source_of(from);
    return in;
}

// The port a frame came in on: where the bridge learnt its source MAC (see
// netlink/fdb.h). A guest's frame whose port is unknown is still a guest's:
// kUnknownSource, not the host.
namespace {

uint64_t mac_key(const uint8_t* b) {
    uint64_t k = 0;
    for (int i = 0; i < ETH_ALEN; ++i) k = (k << 8) | b[i];
    return k;
}

}  // namespace

// The bridge learned (or moved, or aged out) a MAC: the table follows it.
void DhcpServer::on_fdb(const netlink::FdbEvent& ev) {
    if (ev.bridge != params_.ifindex || ev.local) return;
    const uint64_t key = mac_key(ev.mac.bytes().data());
    if (ev.deleted) {
        port_of_mac_.erase(key);
        return;
    }
    if (auto it = port_of_mac_.find(key); it != port_of_mac_.end())
        it->second = ev.port;
    else if (port_of_mac_.size() < kMaxFdbCacheEntries)
        port_of_mac_.emplace(key, ev.port);
}

dhcp::Source DhcpServer::source_of(const sockaddr_ll& from) {
    if (from.sll_halen != ETH_ALEN) return dhcp::kUnknownSource;
    const uint64_t key = mac_key(from.sll_addr);
    int port = 0;
    if (auto it = port_of_mac_.find(key); it != port_of_mac_.end()) {
        port = it->second;
    } else {
        // The notification of this MAC may still wait in the observer's
        // socket (sources are served in turn): ask the kernel.
        std::array<uint8_t, 6> b{};
        std::memcpy(b.data(), from.sll_addr, ETH_ALEN);
        auto asked = netlink::bridge_port_of(sock_, params_.ifindex, Mac(b));
        if (!asked) {
            log::debug("DHCP: " + asked.error().message + " (" + Mac(b).to_string() + "), ignoring",
                       {{"VSWITCH_SWITCH", params_.switch_name}});
            return dhcp::kUnknownSource;
        }
        port = *asked;
        if (port_of_mac_.size() < kMaxFdbCacheEntries) port_of_mac_.emplace(key, port);
    }
    return port == params_.ifindex ? dhcp::kUnknownSource : dhcp::Source(port);
}

// The host's own request (a client or relay on the host itself), from the
// UDP socket whose filter lets only those through.
std::optional<DhcpServer::Inbound> DhcpServer::read_local(std::span<uint8_t> buf) {
    alignas(cmsghdr) std::array<uint8_t, CMSG_SPACE(sizeof(in_pktinfo))> control;
    iovec iov{buf.data(), buf.size()};
    sockaddr_in from{};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    ssize_t n = recvmsg(udp_.get(), &msg, MSG_DONTWAIT);
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            log::debug("DHCP: receiving on '" + params_.bridge + "': " + std::strerror(errno));
        return std::nullopt;
    }
    // SO_BINDTODEVICE already filters; IP_PKTINFO double-checks, so
    // nothing is ever served off the bridge.
    int ifindex = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            in_pktinfo pi;
            std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
            ifindex = pi.ipi_ifindex;
        }
    }
    Inbound in;
    if (ifindex != 0 && ifindex != params_.ifindex) return in;
    in.payload = std::span<const uint8_t>(buf.data(), size_t(n));
    return in;
}

void DhcpServer::handle_datagram(std::span<const uint8_t> bytes, dhcp::Source source) {
    auto d = core_.handle_packet(bytes, dhcp::Clock::now(), source);
    report_limits();
    report_conflicts();
    if (d.dropped) {
        log::debug("DHCP: dropped a packet from " + port_name(source) + " (" + std::string(dhcp::to_string(*d.dropped)) +
                       ")",
                   {{"VSWITCH_SWITCH", params_.switch_name}});
        return;
    }
    if (d.kind == dhcp::DecisionKind::ignore) return;
    if (log::enabled(log::Level::debug))
        log::debug("DHCP: " + std::string(dhcp::to_string(d.kind)) + " " + d.reply.yiaddr.to_string() + " to " +
                       d.reply.mac().to_string(),
                   {{"VSWITCH_SWITCH", params_.switch_name}});
    queue_reply(std::move(d));
}

// An OFFER or a NAK promises nothing that must survive a crash: it goes at
// once. An ACK waits for the group commit (commit_and_send), also one that
// made no binding of its own: it may confirm one still waiting (a client
// that repeated its REQUEST).
void DhcpServer::queue_reply(dhcp::Decision d) {
    if (d.kind != dhcp::DecisionKind::ack) {
        send(d);
        return;
    }
    if (replies_.empty()) batch_started_ = monotonic_usec();
    replies_.push_back(std::move(d));
}

// Group commit: the bindings of every datagram this loop read reach the
// disk in one write and one fdatasync, then the ACKs go. A reply waits
// at most one fdatasync; a failed commit is reported (a problem on the
// switch) and the replies still go: guests keep being served.
void DhcpServer::commit_and_send() {
    // Under a backlog (more datagrams queued, the read loop stopped at its
    // limit) the ACKs wait for the next wake-up, up to kMaxCommitBatch:
    // one fdatasync then covers many more bindings, which is what keeps the
    // rate up when the disk is slow. The socket is still readable, so the
    // loop comes back to it after its other sources.
    // The hold is bounded in time too: under overload the REQUESTs are a
    // trickle among DISCOVERs, and the first ACKs must not wait for 512.
    if (pending_binding_ && replies_.size() < kMaxCommitBatch &&
        monotonic_usec() - batch_started_ < usec(kMaxCommitHold)) {
        int queued = 0;
        // Guests' requests queue on the packet socket, the host's on UDP.
        if (ioctl(packet_in_.get(), FIONREAD, &queued) == 0 && queued > 0) return;
        if (ioctl(udp_.get(), FIONREAD, &queued) == 0 && queued > 0) return;
    }
    if (pending_binding_) {
        if (auto st = commit(); !st)
            log::debug(st.error().message + ", replying anyway", {{"VSWITCH_SWITCH", params_.switch_name}});
    }
    for (const auto& d : replies_) send(d);
    replies_.clear();
}

void DhcpServer::send(const dhcp::Decision& d) {
    std::vector<uint8_t> payload = d.build();
    Status st;
    using Kind = dhcp::Destination::Kind;
    switch (d.destination.kind) {
        case Kind::relay:
            st = send_udp(d.destination.address, kServerPort, payload);
            break;
        case Kind::unicast:
            st = send_udp(d.destination.address, d.destination.port, payload);
            break;
        case Kind::broadcast:
            st = send_link_layer(Mac({0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), Ipv4(0xffffffffu), payload);
            break;
        case Kind::link_layer:
            st = send_link_layer(d.destination.mac, d.destination.address, payload);
            break;
    }
    if (!st)
        log::debug("DHCP: " + st.error().message + ", dropping the reply", {{"VSWITCH_SWITCH", params_.switch_name}});
}

Status DhcpServer::send_udp(Ipv4 to, uint16_t port, std::span<const uint8_t> payload) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = to.to_network();
    if (sendto(udp_.get(), payload.data(), payload.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&sin),
               sizeof sin) < 0)
        return errno_error(errno, "sending to " + to.to_string() + ":" + std::to_string(port));
    return {};
}

Status DhcpServer::send_link_layer(const Mac& to, Ipv4 ip_to, std::span<const uint8_t> payload) {
    auto frame = dhcp::build_udp_frame(core_.server_id(), kServerPort, ip_to, kClientPort, payload);
    sockaddr_ll ll{};
    ll.sll_family = AF_PACKET;
    ll.sll_protocol = htons(ETH_P_IP);
    ll.sll_ifindex = params_.ifindex;
    ll.sll_halen = ETH_ALEN;
    std::memcpy(ll.sll_addr, to.bytes().data(), ETH_ALEN);
    if (sendto(packet_.get(), frame.data(), frame.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&ll),
               sizeof ll) < 0)
        return errno_error(errno, "sending to " + to.to_string() + " on '" + params_.bridge + "'");
    return {};
}

std::string DhcpServer::port_name(dhcp::Source source) const {
    if (source == 0) return "the host";
    if (source == dhcp::kUnknownSource) return "an unknown port";
    char name[IF_NAMESIZE] = {};
    if (!if_indextoname(source, name)) return "port #" + std::to_string(source);
    return "port '" + std::string(name) + "'";
}

// One line when a limit starts refusing, one when it is over (the core
// reports edges only).
void DhcpServer::report_limits() {
    for (const auto& e : core_.take_limit_events()) {
        using dhcp::Limit;
        std::string port = port_name(e.source);
        std::string n = std::to_string(e.limit_value);
        std::string m;
        if (e.began) {
            switch (e.limit) {
                case Limit::pool:
                    m = "the pool of " + core_.config().subnet.to_string() + " is exhausted; no offers to new clients";
                    break;
                case Limit::pending_offers:
                    m = "the table of held offers is full (" + n +
                        "); the oldest holds of the port holding most make room";
                    break;
                case Limit::offers_per_source:
                    m = port + " holds its share of offers (" + n + "); its oldest holds make room for its new ones";
                    break;
                case Limit::leases_per_source:
                    m = port + " holds its limit of leases (" + n + ", MaxLeasesPerPort=); its new clients get none";
                    break;
            }
        } else {
            std::string k = std::to_string(e.refused);
            switch (e.limit) {
                case Limit::pool: m = "the pool has free addresses again (" + k + " DISCOVERs went unanswered)"; break;
                case Limit::pending_offers: m = "the table of held offers has room again (" + k + " holds dropped)"; break;
                case Limit::offers_per_source:
                    m = port + " is under its share of offers again (" + k + " of its holds dropped)";
                    break;
                case Limit::leases_per_source:
                    m = port + " is under its limit of leases again (" + k + " requests refused)";
                    break;
            }
        }
        char name[IF_NAMESIZE] = {};
        if (e.source == 0 || e.source == dhcp::kUnknownSource || !if_indextoname(e.source, name)) std::snprintf(name, sizeof name, "%u", e.source);
        log::write(e.began ? log::Level::warning : log::Level::info, "DHCP: " + m,
                   {{"VSWITCH_SWITCH", params_.switch_name},
                    {"VSWITCH_LIMIT", std::string(dhcp::to_string(e.limit))},
                    {"VSWITCH_PORT", e.source == 0 ? std::string() : std::string(name)}});
    }
}

// Once per reservation until its owner gets the address (the core says when).
void DhcpServer::report_conflicts() {
    for (const auto& c : core_.take_reservation_conflicts()) {
        auto left = std::chrono::duration_cast<std::chrono::seconds>(c.holder_expiry - dhcp::Clock::now()).count();
        log::warning("DHCP: " + c.address.to_string() + " is reserved for " + c.owner.to_string() + " but leased to " +
                         c.holder.to_string() + "; the holder keeps it until its lease ends (in " +
                         std::to_string(std::max<int64_t>(left, 0)) + " s), the owner gets another address meanwhile",
                     {{"VSWITCH_SWITCH", params_.switch_name}});
    }
}

void DhcpServer::expire() {
    for (const auto& l : core_.expire(dhcp::Clock::now()))
        log::debug("DHCP: lease of " + l.address.to_string() + " (" + l.mac.to_string() + ") expired",
                   {{"VSWITCH_SWITCH", params_.switch_name}});
    report_limits();
}

// One timer for all leases: at the earliest expiry.
void DhcpServer::arm_expiry() {
    auto next = core_.next_expiry();
    if (!next) {
        expiry_.disarm();
        return;
    }
    expiry_.arm_at(to_usec(*next));
}

void DhcpServer::schedule_save() {
    dirty_ = true;
    save_.request();  // none yet while in create(): it saves at its end
}

Status DhcpServer::commit() {
    pending_binding_ = false;
    if (pending_.empty()) return {};
    const std::string path = params_.lease_path + ".journal";
    Status st;
    if (!journal_)
        st = make_error(EBADF, "lease journal '" + path + "' is not open");
    else if (journal_.size() + pending_.size() > dhcp::kMaxJournalBytes)
        st = make_error(E2BIG, "lease journal '" + path + "' is full (the lease file could not be written)");
    else
        st = journal_.append(pending_);
    pending_.clear();
    if (!st) {
        // Only in memory now, and in the lease file at its next write.
        Error e = st.error().context("saving leases of switch '" + params_.switch_name + "'");
        storage_result(e);
        return e;
    }
    return {};
}

// The throttle's run, the journal's compaction: the lease file written
// whole, the journal emptied.
void DhcpServer::save() {
    if (auto st = flush(); !st) {
        log::debug(st.error().message + ", retrying in " + std::to_string(kLeaseSaveRetry.count()) + " s",
                   {{"VSWITCH_SWITCH", params_.switch_name}});
        save_.request_in(usec(kLeaseSaveRetry));
    }
}

Status DhcpServer::flush() {
    if (!dirty_) return {};
    save_.cancel();
    save_.ran();
    const std::string what = "saving leases of switch '" + params_.switch_name + "'";
    auto leases = core_.leases().leases();
    // The file first, then the journal emptied: a crash in between replays
    // the journal onto a file that already holds it, which changes nothing
    // a client was told (apply_journal keeps the later expiry).
    if (auto st = dhcp::save_lease_file(params_.lease_path, leases); !st) {
        Error e = st.error().context(what);
        storage_result(e);
        return e;
    }
    dirty_ = false;
    pending_.clear();  // in the file now
    pending_binding_ = false;
    Status js;
    if (!journal_) {
        auto j = dhcp::LeaseJournal::open(params_.lease_path + ".journal");
        if (j) journal_ = std::move(*j);
        js = j ? Status() : Status(j.error());
    }
    if (js && journal_.size() > dhcp::format_journal_header().size()) js = journal_.reset();
    if (!js) {
        // The lease file holds everything; bindings wait for a journal.
        journal_ = dhcp::LeaseJournal();
        Error e = js.error().context(what);
        storage_result(e);
        return e;
    }
    storage_result({});
    return {};
}

void DhcpServer::storage_result(const Status& st) {
    if (bool(st) != storage_failed_) return;  // no change
    storage_failed_ = !st;
    if (params_.on_storage) params_.on_storage(st);
    else if (!st) log::warning(st.error().message + ", serving on", {{"VSWITCH_SWITCH", params_.switch_name}});
}

Status DhcpServer::renumber(Ipv4Prefix subnet, Ipv4 gateway) {
    dhcp::ServerConfig config = core_.config();
    const Ipv4Prefix old = config.subnet;
    config.subnet = subnet;
    config.gateway = gateway;
    auto fresh = dhcp::ServerCore::create(config);
    if (!fresh) return fresh.error().context("renumbering the DHCP server of switch '" + params_.switch_name + "'");
    // Reservations are host offsets: the same ones hold in the new block.
    if (auto st = fresh->set_fixed_addresses(core_.fixed_addresses()); !st)
        log::error(st.error().message + " after renumbering, dropping the reservations",
                   {{"VSWITCH_SWITCH", params_.switch_name}});
    std::vector<dhcp::Lease> moved;
    for (dhcp::Lease l : core_.leases().leases()) {
        // Same host offset when it fits; otherwise restore() keeps the
        // offset as a hint for the client's next request.
        if (auto a = subnet::carry_host_offset(l.address, old, subnet.normalized())) l.address = *a;
        if (auto st = fresh->restore(l); !st) {
            log::debug(st.error().message + ", ignoring", {{"VSWITCH_SWITCH", params_.switch_name}});
            continue;
        }
        if (fresh->leases().find_by_key(l.client_key)) moved.push_back(std::move(l));
    }
    core_ = std::move(*fresh);
    core_.set_listener(this);  // the neighbour events filter on core_'s subnet: they follow it
    trust_relays();
    log::info("DHCP serves " + core_.config().subnet.to_string() + " on '" + params_.bridge + "' now (" +
                  std::to_string(moved.size()) + " leases moved from " + old.to_string() + ")",
              {{"VSWITCH_SWITCH", params_.switch_name}});
    schedule_save();
    arm_expiry();
    for (const auto& l : moved) on_lease_changed(dhcp::LeaseEvent::renewed, l);
    return {};
}

void DhcpServer::on_lease_changed(dhcp::LeaseEvent event, const dhcp::Lease& lease) {
    // Every change reaches the lease file at its next whole write; a new
    // binding also reaches the journal before its ACK goes (commit_and_send).
    // A renewal only moves the expiry, so a restart keeps the lease as long
    // as the client was promised.
    schedule_save();
    if (event == dhcp::LeaseEvent::added) {
        dhcp::append_journal_record(pending_, lease);
        pending_binding_ = true;
    }
    if (event != dhcp::LeaseEvent::renewed)
        log::info("DHCP: " + std::string(dhcp::to_string(event)) + " " + lease.address.to_string() + " for " +
                      lease.mac.to_string() + (lease.hostname.empty() ? "" : " ('" + lease.hostname + "')"),
                  {{"VSWITCH_SWITCH", params_.switch_name}});
    for (auto& fn : listeners_) fn(event, lease);
}

}  // namespace vswitch::dhcpd
