#include "daemon/netlink/nic_state.h"

#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netlink/errno.h>
#include <netlink/route/link/inet6.h>
#include <netlink/route/nexthop.h>
#include <sys/stat.h>
#include <time.h>

#include <cstring>

#include "daemon/netlink/link.h"
#include "daemon/netlink/nl80211.h"
#include "libvswitch/base/text.h"

namespace vswitch::netlink {

namespace {

using external::IpAddress;

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

std::optional<IpAddress> ip_of(nl_addr* a) {
    if (!a) return std::nullopt;
    int family = nl_addr_get_family(a);
    unsigned len = nl_addr_get_len(a);
    if (!((family == AF_INET && len == 4) || (family == AF_INET6 && len == 16)))
        return std::nullopt;
    IpAddress out;
    out.family = family;
    std::memcpy(out.bytes.data(), nl_addr_get_binary_addr(a), len);
    return out;
}

NlAddrHandle build(const IpAddress& a, int prefix_length) {
    NlAddrHandle out(nl_addr_build(a.family, a.bytes.data(), a.size()));
    if (out) nl_addr_set_prefixlen(out.get(), prefix_length);
    return out;
}

uint64_t boottime_sec() {
    timespec ts{};
    clock_gettime(CLOCK_BOOTTIME, &ts);
    return uint64_t(ts.tv_sec);
}

Result<LinkHandle> kernel_link(RouteSocket& sock, std::string_view ifname) {
    nl_sock* sk = sock.get();
    if (!sk) return make_error(EBADF, "no rtnetlink socket");
    rtnl_link* raw = nullptr;
    std::string name(ifname);
    int err = rtnl_link_get_kernel(sk, 0, name.c_str(), &raw);
    if (err == -NLE_NODEV || err == -NLE_OBJ_NOTFOUND)
        return make_error(ENODEV, "interface " + quoted(ifname) + " does not exist");
    if (err < 0) return sock.error(err, "looking up interface " + quoted(ifname));
    return LinkHandle(raw);
}

// Kernel-derived flags the kernel sets itself (and refuses or ignores).
constexpr uint32_t kDerivedFlags =
    IFA_F_SECONDARY | IFA_F_DADFAILED | IFA_F_DEPRECATED | IFA_F_TENTATIVE | IFA_F_PERMANENT;

bool missing(int err) {
    return err == -NLE_OBJ_NOTFOUND || err == -NLE_NOADDR || err == -NLE_NODEV;
}

Status address_step(RouteSocket& sock, int ifindex, const external::Step& step, bool add) {
    const std::string what = step.describe();
    const external::AddressRecord& a = step.address;
    AddrHandle addr(rtnl_addr_alloc());
    if (!addr) return make_error(ENOMEM, what + ": out of memory");
    rtnl_addr_set_ifindex(addr.get(), ifindex);
    rtnl_addr_set_family(addr.get(), a.family());
    auto local = build(a.local, a.prefix_length);
    if (!local) return make_error(ENOMEM, what + ": out of memory");
    if (int err = rtnl_addr_set_local(addr.get(), local.get()); err < 0) return nl_error(err, what);
    rtnl_addr_set_prefixlen(addr.get(), a.prefix_length);
    NlAddrHandle peer, brd;
    if (a.peer) {
        peer = build(*a.peer, a.prefix_length);
        if (!peer || rtnl_addr_set_peer(addr.get(), peer.get()) < 0)
            return make_error(ENOMEM, what + ": out of memory");
    }
    nl_sock* sk = sock.get();
    if (!sk) return make_error(EBADF, what + ": no rtnetlink socket");
    if (!add) {
        int err = rtnl_addr_delete(sk, addr.get(), 0);
        if (err < 0 && !missing(err)) return sock.error(err, what);
        return {};
    }
    if (a.broadcast) {
        brd = build(*a.broadcast, 32);
        if (!brd || rtnl_addr_set_broadcast(addr.get(), brd.get()) < 0)
            return make_error(ENOMEM, what + ": out of memory");
    }
    rtnl_addr_set_scope(addr.get(), a.scope);
    rtnl_addr_set_flags(addr.get(), a.flags & ~kDerivedFlags);
    if (!a.label.empty()) rtnl_addr_set_label(addr.get(), a.label.c_str());
    if (a.valid_lft != external::kForever || a.preferred_lft != external::kForever) {
        rtnl_addr_set_valid_lifetime(addr.get(), a.valid_lft);
        rtnl_addr_set_preferred_lifetime(addr.get(), a.preferred_lft);
    }
    int err = rtnl_addr_add(sk, addr.get(), 0);
    if (err == -NLE_EXIST) return {};
    if (err < 0) return sock.error(err, what);
    return {};
}

Status route_step(RouteSocket& sock, int ifindex, const external::Step& step, bool add) {
    const std::string what = step.describe();
    const external::RouteRecord& r = step.route;
    UniqueHandle<rtnl_route, rtnl_route_put> route(rtnl_route_alloc());
    if (!route) return make_error(ENOMEM, what + ": out of memory");
    rtnl_route_set_family(route.get(), uint8_t(r.family));
    rtnl_route_set_table(route.get(), r.table);
    IpAddress zero;
    zero.family = r.family;
    auto dst = build(r.dst ? *r.dst : zero, r.dst_len);
    if (!dst || rtnl_route_set_dst(route.get(), dst.get()) < 0)
        return make_error(ENOMEM, what + ": out of memory");
    rtnl_route_set_priority(route.get(), r.priority);
    rtnl_route_set_protocol(route.get(), r.protocol);
    rtnl_route_set_scope(route.get(), r.scope);
    rtnl_route_set_type(route.get(), r.type);
    rtnl_route_set_tos(route.get(), r.tos);
    NlAddrHandle src, gw;
    if (r.pref_src) {
        src = build(*r.pref_src, r.family == AF_INET ? 32 : 128);
        if (!src || rtnl_route_set_pref_src(route.get(), src.get()) < 0)
            return make_error(ENOMEM, what + ": out of memory");
    }
    rtnl_nexthop* nh = rtnl_route_nh_alloc();  // owned by the route once added
    if (!nh) return make_error(ENOMEM, what + ": out of memory");
    rtnl_route_nh_set_ifindex(nh, ifindex);
    if (r.gateway) {
        gw = build(*r.gateway, r.family == AF_INET ? 32 : 128);
        if (!gw) {
            rtnl_route_nh_free(nh);
            return make_error(ENOMEM, what + ": out of memory");
        }
        rtnl_route_nh_set_gateway(nh, gw.get());
    }
    if (r.nh_flags) rtnl_route_nh_set_flags(nh, r.nh_flags);
    rtnl_route_add_nexthop(route.get(), nh);
    nl_sock* sk = sock.get();
    if (!sk) return make_error(EBADF, what + ": no rtnetlink socket");
    if (!add) {
        int err = rtnl_route_delete(sk, route.get(), 0);
        if (err < 0 && !missing(err)) return sock.error(err, what);
        return {};
    }
    // NLM_F_CREATE without NLM_F_EXCL: an equal IPv4 route through another
    // device stays, the new one goes before it (the kernel prefers it).
    int err = rtnl_route_add(sk, route.get(), 0);
    if (err == -NLE_EXIST) return {};
    if (err < 0) return sock.error(err, what);
    return {};
}

// RTM_NEWLINK creating the bridge with the NIC's MAC and MTU, STP off,
// forward delay 0 (DESIGN "Data plane") and, for a dedicated switch, no
// IPv6 link-local address of the host on it.
Status create_bridge(RouteSocket& sock, const external::Step& step) {
    const std::string what = step.describe();
    MsgHandle msg(nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL));
    if (!msg) return make_error(ENOMEM, what + ": out of memory");
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    nl_msg* m = msg.get();
    nlattr *linkinfo = nullptr, *data = nullptr, *af = nullptr, *in6 = nullptr;
    bool built = nlmsg_append(m, &ifi, sizeof ifi, NLMSG_ALIGNTO) >= 0 &&
                 nla_put_string(m, IFLA_IFNAME, step.link.c_str()) >= 0 &&
                 nla_put(m, IFLA_ADDRESS, 6, step.mac.bytes().data()) >= 0 &&
                 (step.mtu == 0 || nla_put_u32(m, IFLA_MTU, step.mtu) >= 0) &&
                 (linkinfo = nla_nest_start(m, IFLA_LINKINFO)) != nullptr &&
                 nla_put_string(m, IFLA_INFO_KIND, "bridge") >= 0 &&
                 (data = nla_nest_start(m, IFLA_INFO_DATA)) != nullptr &&
                 nla_put_u32(m, IFLA_BR_STP_STATE, 0) >= 0 &&
                 nla_put_u32(m, IFLA_BR_FORWARD_DELAY, 0) >= 0 && nla_nest_end(m, data) >= 0 &&
                 nla_nest_end(m, linkinfo) >= 0;
    if (!built) return make_error(EMSGSIZE, what + ": message too large");
    nl_sock* sk = sock.get();
    if (!sk) return make_error(EBADF, what + ": no rtnetlink socket");
    if (int err = nl_send_sync(sk, msg.release()); err < 0) return sock.error(err, what);
    if (!step.no_ipv6_ll) return {};
    // IFLA_AF_SPEC only on a link that exists (creation refuses it with
    // EAFNOSUPPORT); still down, so it has made no link-local yet.
    auto index = link_index(sock, step.link);
    if (!index) return index.error().context(what);
    MsgHandle change(nlmsg_alloc_simple(RTM_NEWLINK, 0));
    if (!change) return make_error(ENOMEM, what + ": out of memory");
    ifinfomsg ifc{};
    ifc.ifi_family = AF_UNSPEC;
    ifc.ifi_index = *index;
    m = change.get();
    built = nlmsg_append(m, &ifc, sizeof ifc, NLMSG_ALIGNTO) >= 0 &&
            (af = nla_nest_start(m, IFLA_AF_SPEC)) != nullptr &&
            (in6 = nla_nest_start(m, AF_INET6)) != nullptr &&
            nla_put_u8(m, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE) >= 0 &&
            nla_nest_end(m, in6) >= 0 && nla_nest_end(m, af) >= 0;
    if (!built) return make_error(EMSGSIZE, what + ": message too large");
    if (!(sk = sock.get())) return make_error(EBADF, what + ": no rtnetlink socket");
    if (int err = nl_send_sync(sk, change.release()); err < 0)
        return sock.error(err, what + " (IPv6 address mode)");
    return {};
}

}  // namespace

Result<external::NicFacts> nic_facts(RouteSocket& sock, std::string_view ifname) {
    auto link = kernel_link(sock, ifname);
    if (!link) return link.error();
    external::NicFacts f;
    rtnl_link* l = link->get();
    f.name = std::string(ifname);
    f.ifindex = rtnl_link_get_ifindex(l);
    if (const char* kind = rtnl_link_get_type(l)) f.kind = kind;
    f.loopback =
        (rtnl_link_get_flags(l) & IFF_LOOPBACK) || rtnl_link_get_arptype(l) == ARPHRD_LOOPBACK;
    f.master = rtnl_link_get_master(l);
    if (f.master) {
        auto m = get_link(sock, f.master);
        if (m) {
            f.master_name = m->name;
            f.master_kind = m->kind;
        }
    }
    const std::string sys = "/sys/class/net/" + f.name;
    f.wireless = exists(sys + "/wireless") || exists(sys + "/phy80211");
    if (f.wireless)
        if (auto mode = wireless_mode(f.ifindex)) {
            f.iftype = mode->iftype;
            f.four_address = mode->four_address;
        }
    return f;
}

Result<std::string> ifname_by_mac(RouteSocket& sock, const Mac& mac) {
    auto cache =
        sock.dump([](nl_sock* sk, nl_cache** c) { return rtnl_link_alloc_cache(sk, AF_UNSPEC, c); },
                  "listing interfaces");
    if (!cache) return cache.error();
    for (nl_object* obj = nl_cache_get_first(cache->get()); obj; obj = nl_cache_get_next(obj)) {
        auto* l = reinterpret_cast<rtnl_link*>(obj);  // libnl's documented downcast
        LinkInfo info = to_link_info(l);
        // The switch's own bridge has the NIC's MAC too: never it.
        if (info.mac == mac && info.kind != "bridge") return info.name;
    }
    return make_error(ENODEV, "no interface has MAC address " + mac.to_string());
}

Result<external::NicSnapshot> snapshot_nic(RouteSocket& sock, std::string_view ifname) {
    const std::string what = "recording the addresses and routes of " + quoted(ifname);
    auto link = kernel_link(sock, ifname);
    if (!link) return link.error().context(what);
    external::NicSnapshot s;
    s.name = std::string(ifname);
    s.ifindex = rtnl_link_get_ifindex(link->get());
    s.mtu = rtnl_link_get_mtu(link->get());
    s.up = rtnl_link_get_flags(link->get()) & IFF_UP;
    if (nl_addr* a = rtnl_link_get_addr(link->get()); a && nl_addr_get_len(a) == 6) {
        std::array<uint8_t, 6> b{};
        std::memcpy(b.data(), nl_addr_get_binary_addr(a), 6);
        s.mac = Mac(b);
    }
    s.taken_at_sec = boottime_sec();

    auto addrs = sock.dump([](nl_sock* sk, nl_cache** c) { return rtnl_addr_alloc_cache(sk, c); },
                           "dumping addresses");
    if (!addrs) return addrs.error().context(what);
    for (nl_object* obj = nl_cache_get_first(addrs->get()); obj; obj = nl_cache_get_next(obj)) {
        auto* a = reinterpret_cast<rtnl_addr*>(obj);  // libnl's documented downcast
        if (rtnl_addr_get_ifindex(a) != s.ifindex) continue;
        auto local = ip_of(rtnl_addr_get_local(a));
        if (!local) continue;
        external::AddressRecord r;
        r.local = *local;
        r.prefix_length = uint8_t(rtnl_addr_get_prefixlen(a));
        r.peer = ip_of(rtnl_addr_get_peer(a));
        if (r.peer == r.local) r.peer.reset();
        r.broadcast = ip_of(rtnl_addr_get_broadcast(a));
        r.scope = uint8_t(rtnl_addr_get_scope(a));
        r.flags = rtnl_addr_get_flags(a);
        if (const char* label = rtnl_addr_get_label(a); label && s.name != label) r.label = label;
        r.valid_lft = rtnl_addr_get_valid_lifetime(a);
        r.preferred_lft = rtnl_addr_get_preferred_lifetime(a);
        if (s.addresses.size() >= external::kMaxMovedAddresses)
            return make_error(E2BIG, what + ": more than " +
                                         std::to_string(external::kMaxMovedAddresses) +
                                         " addresses");
        s.addresses.push_back(std::move(r));
    }

    // AF_UNSPEC, no table in the request: every table of both families.
    auto routes = sock.dump(
        [](nl_sock* sk, nl_cache** c) { return rtnl_route_alloc_cache(sk, AF_UNSPEC, 0, c); },
        "dumping routes");
    if (!routes) return routes.error().context(what);
    for (nl_object* obj = nl_cache_get_first(routes->get()); obj; obj = nl_cache_get_next(obj)) {
        auto* rt = reinterpret_cast<rtnl_route*>(obj);  // libnl's documented downcast
        int family = rtnl_route_get_family(rt);
        if ((family != AF_INET && family != AF_INET6) || rtnl_route_get_nnexthops(rt) != 1)
            continue;
        rtnl_nexthop* nh = rtnl_route_nexthop_n(rt, 0);
        if (!nh || rtnl_route_nh_get_ifindex(nh) != s.ifindex) continue;
        external::RouteRecord r;
        r.family = family;
        r.table = rtnl_route_get_table(rt);
        nl_addr* dst = rtnl_route_get_dst(rt);
        r.dst_len = dst ? uint8_t(nl_addr_get_prefixlen(dst)) : 0;
        if (r.dst_len > 0) r.dst = ip_of(dst);
        r.gateway = ip_of(rtnl_route_nh_get_gateway(nh));
        r.pref_src = ip_of(rtnl_route_get_pref_src(rt));
        r.priority = rtnl_route_get_priority(rt);
        r.protocol = rtnl_route_get_protocol(rt);
        r.scope = rtnl_route_get_scope(rt);
        r.type = rtnl_route_get_type(rt);
        r.tos = rtnl_route_get_tos(rt);
        r.nh_flags = rtnl_route_nh_get_flags(nh) & RTNH_F_ONLINK;
        if (s.routes.size() >= external::kMaxMovedRoutes)
            return make_error(E2BIG, what + ": more than " +
                                         std::to_string(external::kMaxMovedRoutes) + " routes");
        s.routes.push_back(std::move(r));
    }
    return s;
}

Status apply_step(RouteSocket& sock, const external::Step& step) {
    using external::StepKind;
    if (step.kind == StepKind::create_bridge) return create_bridge(sock, step);
    if (step.kind == StepKind::delete_bridge) {
        auto s = delete_link_if_exists(sock, step.link);
        return s ? s : Status(s.error().context(step.describe()));
    }
    auto link = get_link(sock, step.link);
    if (!link) return link.error().context(step.describe());
    switch (step.kind) {
        case StepKind::enslave: {
            auto master = link_index(sock, step.master);
            if (!master) return master.error().context(step.describe());
            if (link->master == *master) return {};
            auto s = change_link(sock, *link, LinkChange{.master = *master});
            return s ? s : Status(s.error().context(step.describe()));
        }
        case StepKind::link_up: {
            auto s = set_link_up(sock, link->ifindex);
            return s ? s : Status(s.error().context(step.describe()));
        }
        case StepKind::add_address:
        case StepKind::remove_address:
            return address_step(sock, link->ifindex, step, step.kind == StepKind::add_address);
        case StepKind::add_route:
        case StepKind::remove_route:
            return route_step(sock, link->ifindex, step, step.kind == StepKind::add_route);
        default:
            return {};
    }
}

}  // namespace vswitch::netlink
