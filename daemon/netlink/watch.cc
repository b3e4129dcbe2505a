#include "daemon/netlink/watch.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>

#include <cstring>
#include <optional>
#include <vector>

#include "daemon/log.h"

namespace vswitch::netlink {

namespace {

// The one device all next hops leave through; 0 for none (blackhole,
// unreachable) or several.
int only_device(rtnl_route* route) {
    int n = rtnl_route_get_nnexthops(route);
    int dev = 0;
    for (int i = 0; i < n; ++i) {
        rtnl_nexthop* nh = rtnl_route_nexthop_n(route, i);
        int idx = nh ? rtnl_route_nh_get_ifindex(nh) : 0;
        if (idx == 0 || (dev != 0 && idx != dev)) return 0;
        dev = idx;
    }
    return dev;
}

std::string table_name(uint32_t table) {
    switch (table) {
        case RT_TABLE_MAIN:
            return "main";
        case RT_TABLE_LOCAL:
            return "local";
        case RT_TABLE_DEFAULT:
            return "default";
        default:
            return std::to_string(table);
    }
}

}  // namespace

Result<std::vector<HostPrefix>> dump_host_prefixes() {
    const std::string what = "listing the host's IPv4 addresses and routes";
    auto sk = open_route_socket();
    if (!sk) return sk.error().context(what);
    std::vector<HostPrefix> out;

    auto addrs = dump_cache([&sk](nl_cache** c) { return rtnl_addr_alloc_cache(sk->get(), c); },
                            "dumping IPv4 addresses");
    if (!addrs) return addrs.error().context(what);
    for (nl_object* obj = nl_cache_get_first(addrs->get()); obj; obj = nl_cache_get_next(obj)) {
        auto* addr = reinterpret_cast<rtnl_addr*>(obj);  // libnl's documented downcast
        if (rtnl_addr_get_family(addr) != AF_INET) continue;
        auto local = ipv4_of(rtnl_addr_get_local(addr));
        if (!local) continue;
        auto peer = ipv4_of(rtnl_addr_get_peer(addr));
        int ifindex = rtnl_addr_get_ifindex(addr);
        auto len = uint8_t(rtnl_addr_get_prefixlen(addr));
        if (peer && *peer != *local) {
            // "10.8.0.2 peer 10.8.0.1/24": the prefix is the peer's side.
            out.push_back(
                {HostPrefix::Kind::address, Ipv4Prefix(*peer, len).normalized(), ifindex, 0});
            out.push_back({HostPrefix::Kind::address, Ipv4Prefix(*local, 32), ifindex, 0});
        } else {
            out.push_back(
                {HostPrefix::Kind::address, Ipv4Prefix(*local, len).normalized(), ifindex, 0});
        }
    }

    // AF_INET with no table in the request: the kernel dumps every table,
    // the policy tables VPN clients use included.
    auto routes =
        dump_cache([&sk](nl_cache** c) { return rtnl_route_alloc_cache(sk->get(), AF_INET, 0, c); },
                   "dumping IPv4 routes");
    if (!routes) return routes.error().context(what);
    for (nl_object* obj = nl_cache_get_first(routes->get()); obj; obj = nl_cache_get_next(obj)) {
        auto* route = reinterpret_cast<rtnl_route*>(obj);  // libnl's documented downcast
        if (rtnl_route_get_family(route) != AF_INET) continue;
        nl_addr* dst = rtnl_route_get_dst(route);
        if (!dst) continue;
        unsigned len = nl_addr_get_prefixlen(dst);
        if (len == 0 || len > 32) continue;  // a default route overlaps everything
        auto net = ipv4_of(dst);
        if (!net) continue;
        out.push_back({HostPrefix::Kind::route, Ipv4Prefix(*net, uint8_t(len)).normalized(),
                       only_device(route), rtnl_route_get_table(route)});
    }
    return out;
}

std::string describe(const HostPrefix& p) {
    std::string s = p.kind == HostPrefix::Kind::address ? "address " : "route ";
    s += p.prefix.to_string();
    if (p.kind == HostPrefix::Kind::route) s += " table " + table_name(p.table);
    if (p.ifindex != 0) {
        char name[IF_NAMESIZE] = {};
        s += " dev ";
        s += if_indextoname(unsigned(p.ifindex), name) ? std::string(name)
                                                       : "#" + std::to_string(p.ifindex);
    }
    return s;
}

Result<std::unique_ptr<RouteWatch>> RouteWatch::create(sd_event* event, ChangeFn on_change) {
    const std::string what = "watching the host's addresses and routes";
    auto w = std::make_unique<RouteWatch>(Key(), event, std::move(on_change));
    SocketHandle sk(nl_socket_alloc());
    if (!sk) return make_error(ENOMEM, what + ": out of memory");
    // Notifications carry no sequence number of ours.
    nl_socket_disable_seq_check(sk.get());
    if (int err = nl_connect(sk.get(), NETLINK_ROUTE); err < 0) return nl_error(err, what);
    if (int err = nl_socket_add_memberships(sk.get(), RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV4_ROUTE,
                                            RTNLGRP_IPV4_RULE, 0);
        err < 0)
        return nl_error(err, what + ": joining the IPv4 address, route and rule groups");
    if (int err = nl_socket_set_nonblocking(sk.get()); err < 0) return nl_error(err, what);
    int fd = nl_socket_get_fd(sk.get());
    int size = kWatchReceiveBufferBytes;
    // FORCE passes rmem_max with CAP_NET_ADMIN; without it the default stays.
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    w->sock_ = std::move(sk);

    sd_event_source* raw = nullptr;
    int r = sd_event_add_io(event, &raw, fd, EPOLLIN, on_io, w.get());
    if (r < 0) return errno_error(r, what + ": adding the netlink socket to the loop");
    w->io_.reset(raw);
    r = sd_event_add_time(event, &raw, CLOCK_MONOTONIC, 0, 0, on_timer, w.get());
    if (r < 0) return errno_error(r, what + ": adding the coalescing timer");
    w->timer_.reset(raw);
    sd_event_source_set_enabled(raw, SD_EVENT_OFF);
    return w;
}

int RouteWatch::on_io(sd_event_source*, int, uint32_t, void* userdata) noexcept {
    try {
        static_cast<RouteWatch*>(userdata)->drain();
    } catch (...) {
        log::error("route watch: unexpected exception while reading notifications, ignoring");
    }
    return 0;
}

int RouteWatch::on_timer(sd_event_source*, uint64_t, void* userdata) noexcept {
    auto* self = static_cast<RouteWatch*>(userdata);
    self->armed_ = false;
    ++self->bursts_;
    try {
        if (self->on_change_) self->on_change_();
    } catch (...) {
        log::error("route watch: unexpected exception while re-checking the subnets, ignoring");
    }
    return 0;
}

void RouteWatch::drain() {
    bool changed = false;
    for (int i = 0; i < kWatchMaxReadsPerWakeup; ++i) {
        ssize_t n = recv(nl_socket_get_fd(sock_.get()), buf_.data(), buf_.size(), MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR) continue;
            // The kernel dropped notifications: something changed, and the
            // dump after the burst sees it whatever it was.
            if (errno == ENOBUFS) {
                ++overruns_;
                changed = true;
                continue;
            }
            if (errno != EAGAIN)
                log::warning("route watch: reading notifications: " +
                             std::string(std::strerror(errno)) + ", ignoring");
            break;
        }
        ++datagrams_;
        changed = true;
    }
    if (changed) arm();
}

// Leading edge plus a fixed delay, never pushed back: a steady flood still
// gets re-evaluated every kWatchCoalesceUsec rather than never.
void RouteWatch::arm() {
    if (armed_) return;
    uint64_t now = 0;
    sd_event_now(event_, CLOCK_MONOTONIC, &now);
    sd_event_source_set_time(timer_.get(), now + kWatchCoalesceUsec);
    sd_event_source_set_enabled(timer_.get(), SD_EVENT_ONESHOT);
    armed_ = true;
}

}  // namespace vswitch::netlink
