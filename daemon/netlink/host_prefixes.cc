#include "daemon/netlink/host_prefixes.h"

#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>

#include <string>
#include <vector>

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

Result<std::vector<HostPrefix>> dump_host_prefixes(RouteSocket& sock) {
    const std::string what = "listing the host's IPv4 addresses and routes";
    std::vector<HostPrefix> out;

    auto addrs = sock.dump([](nl_sock* sk, nl_cache** c) { return rtnl_addr_alloc_cache(sk, c); },
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
    auto routes = sock.dump(
        [](nl_sock* sk, nl_cache** c) { return rtnl_route_alloc_cache(sk, AF_INET, 0, c); },
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

}  // namespace vswitch::netlink
