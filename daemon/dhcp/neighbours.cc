#include "daemon/dhcp/neighbours.h"

#include <linux/neighbour.h>
#include <netlink/route/neighbour.h>
#include <sys/socket.h>

#include "daemon/netlink/route_socket.h"

namespace vswitch::dhcpd {

namespace {

struct Walk {
    int ifindex;
    Ipv4Prefix subnet;
    std::vector<Ipv4>* out;
};

constexpr int kResolvedStates =
    NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | NUD_NOARP;

void visit(nl_object* obj, void* arg) noexcept {
    auto* w = static_cast<Walk*>(arg);
    auto* n = reinterpret_cast<rtnl_neigh*>(obj);
    if (rtnl_neigh_get_family(n) != AF_INET || rtnl_neigh_get_ifindex(n) != w->ifindex) return;
    if (!(rtnl_neigh_get_state(n) & kResolvedStates)) return;
    nl_addr* dst = rtnl_neigh_get_dst(n);
    if (!dst || nl_addr_get_len(dst) != 4) return;
    const auto* b = static_cast<const uint8_t*>(nl_addr_get_binary_addr(dst));
    Ipv4 a(b[0], b[1], b[2], b[3]);
    if (!w->subnet.contains(a)) return;
    try {
        w->out->push_back(a);
    } catch (...) {
    }
}

}  // namespace

Result<std::vector<Ipv4>> dump_neighbours(int ifindex, const Ipv4Prefix& subnet) {
    auto sk = netlink::open_route_socket();
    if (!sk) return sk.error().context("reading the neighbour table");
    nl_cache* raw = nullptr;
    int r = rtnl_neigh_alloc_cache(sk->get(), &raw);
    if (r < 0) return netlink::nl_error(r, "reading the neighbour table");
    netlink::CacheHandle cache(raw);
    std::vector<Ipv4> out;
    Walk w{ifindex, subnet, &out};
    nl_cache_foreach(cache.get(), visit, &w);
    return out;
}

}  // namespace vswitch::dhcpd
