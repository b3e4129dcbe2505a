#include "daemon/netlink/address.h"

#include <netinet/in.h>
#include <netlink/errno.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <optional>
#include <string>

#include "daemon/netlink/link.h"
#include "daemon/netlink/route_socket.h"
#include "daemon/netlink/host_prefixes.h"

namespace vswitch::netlink {

namespace {

Result<NlAddrHandle> build_nl_addr(Ipv4 a) {
    uint32_t be = a.to_network();
    NlAddrHandle out(nl_addr_build(AF_INET, &be, sizeof be));
    if (!out) return make_error(ENOMEM, "building address " + a.to_string() + ": out of memory");
    return out;
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

Result<std::vector<Address>> dump_ipv4_addresses(RouteSocket& sock, std::optional<int> only_ifindex) {
    auto cache = sock.dump([](nl_sock* sk, nl_cache** c) { return rtnl_addr_alloc_cache(sk, c); },
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

}  // namespace

Result<std::vector<Ipv4Prefix>> dump_taken_prefixes(RouteSocket& sock, std::string_view ignore_ifname) {
    const std::string what = "listing the host's IPv4 addresses and routes";
    // No such interface (the bridge before its first creation): nothing to
    // ignore. Index 0 is never a real interface.
    int ignored = 0;
    if (!ignore_ifname.empty()) {
        auto idx = link_index(sock, ignore_ifname);
        if (idx) ignored = *idx;
        else if (idx.error().code != ENODEV) return idx.error().context(what);
    }

    // The bridge's own addresses and the routes that only lead into it are
    // the switch itself, not something it must avoid.
    auto host = dump_host_prefixes(sock);
    if (!host) return host.error();
    std::vector<Ipv4Prefix> taken;
    for (const auto& p : *host)
        if (ignored == 0 || p.ifindex != ignored) taken.push_back(p.prefix);

    std::sort(taken.begin(), taken.end(), [](const Ipv4Prefix& a, const Ipv4Prefix& b) {
        return a.network() != b.network() ? a.network() < b.network() : a.length() < b.length();
    });
    taken.erase(std::unique(taken.begin(), taken.end()), taken.end());
    return taken;
}

Status set_bridge_address(RouteSocket& sock, int ifindex, Ipv4Prefix gateway) {
    const std::string label = sock.interface_label(ifindex);
    const std::string what = "setting address " + gateway.to_string() + " on interface " + label;
    if (gateway.length() == 0 || gateway.length() > 30 || gateway.address() == gateway.network() ||
        gateway.address() == gateway.broadcast())
        return make_error(EINVAL, what + ": not a host address of a /1../30 subnet");
    const Ipv4 want_broadcast = gateway.broadcast();

    auto is_wanted = [&](const Address& a) {
        return a.local == gateway.address() && a.prefix_length == gateway.length() && !a.peer &&
               a.broadcast == want_broadcast;
    };

    auto current = dump_ipv4_addresses(sock, ifindex);
    if (!current) return current.error().context(what);
    bool have = false;
    bool removed_any = false;
    for (auto& a : *current) {
        if (!have && is_wanted(a)) {
            have = true;  // already right: keep it, no flap of the prefix route
            continue;
        }
        nl_sock* sk = sock.get();
        int err = sk ? rtnl_addr_delete(sk, a.object.get(), 0) : -NLE_BAD_SOCK;
        // Removing a primary address takes its secondaries with it: already
        // gone is fine.
        if (err < 0 && err != -NLE_NOADDR && err != -NLE_OBJ_NOTFOUND)
            return sock.error(err, "removing address " +
                                     Ipv4Prefix(a.local, a.prefix_length).to_string() +
                                     " from interface " + label);
        removed_any = true;
    }
    if (have && removed_any) {
        // The wanted address may have been a secondary of one just removed.
        auto after = dump_ipv4_addresses(sock, ifindex);
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
    nl_sock* sk = sock.get();
    if (!sk) return make_error(EBADF, what + ": no rtnetlink socket");
    if (int err = rtnl_addr_add(sk, addr.get(), 0); err < 0) return sock.error(err, what);
    return {};
}

Result<bool> has_address(RouteSocket& sock, int ifindex, Ipv4Prefix gateway) {
    auto current = dump_ipv4_addresses(sock, ifindex);
    if (!current) return current.error().context("looking for " + gateway.to_string() + " on interface " +
                                                 sock.interface_label(ifindex));
    return std::any_of(current->begin(), current->end(), [&](const Address& a) {
        return a.local == gateway.address() && a.prefix_length == gateway.length() && !a.peer;
    });
}

}  // namespace vswitch::netlink
