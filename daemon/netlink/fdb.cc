#include "daemon/netlink/fdb.h"

#include <linux/neighbour.h>
#include <netlink/route/neighbour.h>

#include <array>

namespace vswitch::netlink {

namespace {

struct Walk {
    int bridge;
    std::vector<FdbEntry>* out;
};

void visit(nl_object* obj, void* arg) noexcept {
    auto* w = static_cast<Walk*>(arg);
    auto* n = reinterpret_cast<rtnl_neigh*>(obj);  // libnl's documented downcast
    if (rtnl_neigh_get_family(n) != AF_BRIDGE || rtnl_neigh_get_master(n) != w->bridge) return;
    nl_addr* ll = rtnl_neigh_get_lladdr(n);
    if (!ll || nl_addr_get_len(ll) != 6) return;
    std::array<uint8_t, 6> b{};
    const auto* p = static_cast<const uint8_t*>(nl_addr_get_binary_addr(ll));
    std::copy(p, p + 6, b.begin());
    FdbEntry e{rtnl_neigh_get_ifindex(n), Mac(b), (rtnl_neigh_get_state(n) & NUD_PERMANENT) != 0};
    try {
        w->out->push_back(e);
    } catch (...) {
        // Out of memory: the list comes back short.
    }
}

}  // namespace

Result<std::vector<FdbEntry>> dump_fdb(RouteSocket& sock, int bridge) {
    // NL_CACHE_AF_ITER dumps each family of the neighbour cache apart, the
    // bridge's (PF_BRIDGE RTM_GETNEIGH) among them; an AF_UNSPEC dump
    // holds only the ARP and ND tables.
    auto cache = sock.dump(
        [](nl_sock* sk, nl_cache** c) {
            return rtnl_neigh_alloc_cache_flags(sk, c, NL_CACHE_AF_ITER);
        },
        "reading the bridge's forwarding database");
    if (!cache) return cache.error();
    std::vector<FdbEntry> out;
    Walk w{bridge, &out};
    nl_cache_foreach(cache->get(), visit, &w);
    return out;
}

}  // namespace vswitch::netlink
