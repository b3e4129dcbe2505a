#include "daemon/netlink/address.h"

#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <optional>
#include <string>

#include "daemon/netlink/link.h"
#include "daemon/netlink/route_socket.h"

namespace vswitch::netlink {

namespace {

Result<NlAddrHandle> build_nl_addr(Ipv4 a) {
    uint32_t be = a.to_network();
    NlAddrHandle out(nl_addr_build(AF_INET, &be, sizeof be));
    if (!out) return make_error(ENOMEM, "building address " + a.to_string() + ": out of memory");
    return out;
}

// Dumps a cache, again if a concurrent change interrupted the dump.
Result<CacheHandle> dump(const std::function<int(nl_cache**)>& alloc, std::string_view what) {
    int err = 0;
    for (int attempt = 0; attempt < kMaxDumpAttempts; ++attempt) {
        nl_cache* raw = nullptr;
        err = alloc(&raw);
        CacheHandle cache(raw);
        if (err >= 0) return cache;
        if (err != -NLE_DUMP_INTR) break;
    }
    return nl_error(err, what);
}

// One IPv4 address as the kernel reports it, with a reference to the
// libnl object so it can be deleted exactly as it is.
struct Address {
    AddrHandle object;
    int ifindex = 0;
    Ipv4 local;
    uint8_t prefix_length = 0;
    std::optional<Ipv4> peer;       // point-to-point, when it differs from local
    std::optional<Ipv4> broadcast;
};

Result<std::vector<Address>> dump_ipv4_addresses(nl_sock* sk, std::optional<int> only_ifindex) {
    auto cache = dump([sk](nl_cache** c) { return rtnl_addr_alloc_cache(sk, c); },
                      "dumping IPv4 addresses");
    if (!cache) return cache.error();
    std::vector<Address> out;
    for (nl_object* obj = nl_cache_get_first(cache->get()); obj; obj = nl_cache_get_next(obj)) {
        // libnl's documented downcast: every object of an address cache is
        // an rtnl_addr.
        auto* addr = reinterpret_cast<rtnl_addr*>(obj);
        if (rtnl_addr_get_family(addr) != AF_INET) continue;
        int ifindex = rtnl_addr_get_ifindex(addr);
        if (only_ifindex && ifindex != *only_ifindex) continue;
        auto local = ipv4_of(rtnl_addr_get_local(addr));
        if (!local) continue;
        nl_object_get(obj);  // the Address holds its own reference
        Address a{AddrHandle(addr), ifindex, *local, uint8_t(rtnl_addr_get_prefixlen(addr)),
                  ipv4_of(rtnl_addr_get_peer(addr)), ipv4_of(rtnl_addr_get_broadcast(addr))};
        if (a.peer == a.local) a.peer.reset();
        out.push_back(std::move(a));
    }
    return out;
}

// Whether every next hop of the route leaves through ifindex. A route
// without next hops (blackhole, unreachable, prohibit) belongs to nobody.
bool only_via(rtnl_route* route, int ifindex) {
    int n = rtnl_route_get_nnexthops(route);
    if (n <= 0) return false;
    for (int i = 0; i < n; ++i) {
        rtnl_nexthop* nh = rtnl_route_nexthop_n(route, i);
        if (!nh || rtnl_route_nh_get_ifindex(nh) != ifindex) return false;
    }
    return true;
}

}  // namespace

Result<std::vector<Ipv4Prefix>> dump_taken_prefixes(std::string_view ignore_ifname) {
    const std::string what = "listing the host's IPv4 addresses and routes";
    auto sk = open_route_socket();
    if (!sk) return sk.error().context(what);

    // No such interface (the bridge before its first creation): nothing to
    // ignore. Index 0 is never a real interface.
    int ignored = 0;
    if (!ignore_ifname.empty()) {
        auto idx = link_index(ignore_ifname);
        if (idx) ignored = *idx;
        else if (idx.error().code != ENODEV) return idx.error().context(what);
    }

    std::vector<Ipv4Prefix> taken;
    auto addresses = dump_ipv4_addresses(sk->get(), std::nullopt);
    if (!addresses) return addresses.error().context(what);
    for (const auto& a : *addresses) {
        if (a.ifindex == ignored) continue;
        if (a.peer) {
            // "10.8.0.2 peer 10.8.0.1/24": the prefix is the peer's side.
            taken.push_back(Ipv4Prefix(*a.peer, a.prefix_length).normalized());
            taken.push_back(Ipv4Prefix(a.local, 32));
        } else {
            taken.push_back(Ipv4Prefix(a.local, a.prefix_length).normalized());
        }
    }

    // Family AF_INET with no table in the request: the kernel dumps every
    // table (main, local, and the policy tables VPNs install routes in).
    auto routes = dump([&sk](nl_cache** c) { return rtnl_route_alloc_cache(sk->get(), AF_INET, 0, c); },
                       "dumping IPv4 routes");
    if (!routes) return routes.error().context(what);
    for (nl_object* obj = nl_cache_get_first(routes->get()); obj; obj = nl_cache_get_next(obj)) {
        auto* route = reinterpret_cast<rtnl_route*>(obj);  // libnl's documented downcast
        if (rtnl_route_get_family(route) != AF_INET) continue;
        nl_addr* dst = rtnl_route_get_dst(route);
        if (!dst) continue;
        unsigned len = nl_addr_get_prefixlen(dst);
        if (len == 0 || len > 32) continue;  // default routes overlap everything
        auto net = ipv4_of(dst);
        if (!net) continue;
        if (ignored != 0 && only_via(route, ignored)) continue;
        taken.push_back(Ipv4Prefix(*net, uint8_t(len)).normalized());
    }

    std::sort(taken.begin(), taken.end(), [](const Ipv4Prefix& a, const Ipv4Prefix& b) {
        return a.network() != b.network() ? a.network() < b.network() : a.length() < b.length();
    });
    taken.erase(std::unique(taken.begin(), taken.end()), taken.end());
    return taken;
}

Status set_bridge_address(int ifindex, Ipv4Prefix gateway) {
    auto sk = open_route_socket();
    if (!sk) return sk.error().context("setting the address of interface #" + std::to_string(ifindex));
    const std::string label = interface_label(sk->get(), ifindex);
    const std::string what = "setting address " + gateway.to_string() + " on interface " + label;
    if (gateway.length() == 0 || gateway.length() > 30 || gateway.address() == gateway.network() ||
        gateway.address() == gateway.broadcast())
        return make_error(EINVAL, what + ": not a host address of a /1../30 subnet");
    const Ipv4 want_broadcast = gateway.broadcast();

    auto is_wanted = [&](const Address& a) {
        return a.local == gateway.address() && a.prefix_length == gateway.length() && !a.peer &&
               a.broadcast == want_broadcast;
    };

    auto current = dump_ipv4_addresses(sk->get(), ifindex);
    if (!current) return current.error().context(what);
    bool have = false;
    bool removed_any = false;
    for (auto& a : *current) {
        if (!have && is_wanted(a)) {
            have = true;  // already right: keep it, no flap of the prefix route
            continue;
        }
        int err = rtnl_addr_delete(sk->get(), a.object.get(), 0);
        // Removing a primary address takes its secondaries with it: already
        // gone is fine.
        if (err < 0 && err != -NLE_NOADDR && err != -NLE_OBJ_NOTFOUND)
            return nl_error(err, "removing address " +
                                     Ipv4Prefix(a.local, a.prefix_length).to_string() +
                                     " from interface " + label);
        removed_any = true;
    }
    if (have && removed_any) {
        // The wanted address may have been a secondary of one just removed.
        auto after = dump_ipv4_addresses(sk->get(), ifindex);
        if (!after) return after.error().context(what);
        have = std::any_of(after->begin(), after->end(), is_wanted);
    }
    if (have) return {};

    AddrHandle addr(rtnl_addr_alloc());
    if (!addr) return make_error(ENOMEM, what + ": out of memory");
    auto local = build_nl_addr(gateway.address());
    if (!local) return local.error().context(what);
    auto broadcast = build_nl_addr(want_broadcast);
    if (!broadcast) return broadcast.error().context(what);
    rtnl_addr_set_ifindex(addr.get(), ifindex);
    rtnl_addr_set_family(addr.get(), AF_INET);
    if (int err = rtnl_addr_set_local(addr.get(), local->get()); err < 0) return nl_error(err, what);
    rtnl_addr_set_prefixlen(addr.get(), gateway.length());
    if (int err = rtnl_addr_set_broadcast(addr.get(), broadcast->get()); err < 0)
        return nl_error(err, what);
    if (int err = rtnl_addr_add(sk->get(), addr.get(), 0); err < 0) return nl_error(err, what);
    return {};
}

}  // namespace vswitch::netlink
