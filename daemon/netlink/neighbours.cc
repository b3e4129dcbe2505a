#include "daemon/netlink/neighbours.h"

#include <netlink/route/neighbour.h>

#include <array>

namespace vswitch::netlink {

namespace {

struct Walk {
    int ifindex;
    Ipv4Prefix subnet;
    std::vector<Neighbour>* out;
};

void visit(nl_object* obj, void* arg) noexcept {
    auto* w = static_cast<Walk*>(arg);
    auto* n = reinterpret_cast<rtnl_neigh*>(obj);  // libnl's documented downcast
    if (rtnl_neigh_get_family(n) != AF_INET || rtnl_neigh_get_ifindex(n) != w->ifindex) return;
    int state = rtnl_neigh_get_state(n);
    if (!(state & kResolvedNeighbourStates)) return;
    auto a = ipv4_of(rtnl_neigh_get_dst(n));
    if (!a || !w->subnet.contains(*a)) return;
    Neighbour nb{*a, Mac(), state};
    if (nl_addr* ll = rtnl_neigh_get_lladdr(n); ll && nl_addr_get_len(ll) == 6) {
        std::array<uint8_t, 6> b{};
        const auto* p = static_cast<const uint8_t*>(nl_addr_get_binary_addr(ll));
        std::copy(p, p + 6, b.begin());
        nb.mac = Mac(b);
    }
    try {
        w->out->push_back(nb);
    } catch (...) {
        // Out of memory: the list comes back short.
    }
}

}  // namespace

Result<std::vector<Neighbour>> dump_neighbours(RouteSocket& sock, int ifindex, const Ipv4Prefix& subnet) {
    auto cache = sock.dump([](nl_sock* sk, nl_cache** c) { return rtnl_neigh_alloc_cache(sk, c); },
                           "reading the neighbour table");
    if (!cache) return cache.error();
    std::vector<Neighbour> out;
    Walk w{ifindex, subnet, &out};
    nl_cache_foreach(cache->get(), visit, &w);
    return out;
}

}  // namespace vswitch::netlink
