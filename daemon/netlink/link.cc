#include "daemon/netlink/link.h"

#include <net/if.h>
#include <netlink/errno.h>

#include <algorithm>
#include <array>

#include "libvswitch/base/text.h"

namespace vswitch::netlink {

namespace {

// libnl reports a missing link as NLE_OBJ_NOTFOUND or NLE_NODEV, depending
// on the call and the kernel's errno: both are ENODEV here.
bool is_missing(int nlerr) { return nlerr == -NLE_OBJ_NOTFOUND || nlerr == -NLE_NODEV; }

Result<LinkInfo> get_impl(RouteSocket& sock, int ifindex, const char* name, const std::string& what) {
    nl_sock* sk = sock.get();
    if (!sk) return make_error(EBADF, what + ": no rtnetlink socket");
    rtnl_link* raw = nullptr;
    int err = rtnl_link_get_kernel(sk, ifindex, name, &raw);
    LinkHandle link(raw);
    if (is_missing(err)) return make_error(ENODEV, what + ": No such device");
    if (err < 0) return sock.error(err, what);
    return to_link_info(link.get());
}

void visit_plugged(nl_object* obj, void* arg) noexcept {
    auto* out = static_cast<std::vector<LinkInfo>*>(arg);
    auto* link = reinterpret_cast<rtnl_link*>(obj);  // libnl's documented downcast
    if (rtnl_link_get_master(link) == 0) return;
    try {
        out->push_back(to_link_info(link));
    } catch (...) {
        // Out of memory: the list comes back short, as a dump can.
    }
}

struct AliasQuery {
    std::string_view alias;
    std::vector<LinkInfo> out;
};

void visit_alias(nl_object* obj, void* arg) noexcept {
    auto* q = static_cast<AliasQuery*>(arg);
    auto* link = reinterpret_cast<rtnl_link*>(obj);  // libnl's documented downcast
    const char* alias = rtnl_link_get_ifalias(link);
    if (!alias || q->alias != alias) return;
    try {
        q->out.push_back(to_link_info(link));
    } catch (...) {
        // Out of memory: the list comes back short, as a dump can.
    }
}

}  // namespace

Status check_ifname_length(std::string_view name) {
    if (name.empty() || name.size() >= IFNAMSIZ)
        return make_error(EINVAL, "interface name " + quoted(name) + " must be 1 to " +
                                      std::to_string(IFNAMSIZ - 1) + " bytes long");
    return {};
}

LinkInfo to_link_info(rtnl_link* link) {
    LinkInfo info;
    info.ifindex = rtnl_link_get_ifindex(link);
    if (const char* n = rtnl_link_get_name(link)) info.name = n;
    info.master = rtnl_link_get_master(link);
    if (const char* k = rtnl_link_get_type(link)) info.kind = k;
    info.up = rtnl_link_get_flags(link) & IFF_UP;
    info.carrier = rtnl_link_get_carrier(link) != 0;
    if (const char* alias = rtnl_link_get_ifalias(link)) info.alias = alias;
    if (nl_addr* a = rtnl_link_get_addr(link); a && nl_addr_get_len(a) == 6) {
        std::array<uint8_t, 6> b{};
        const auto* p = static_cast<const uint8_t*>(nl_addr_get_binary_addr(a));
        std::copy(p, p + 6, b.begin());
        info.mac = Mac(b);
    }
    return info;
}

Result<LinkInfo> get_link(RouteSocket& sock, std::string_view ifname) {
    std::string name(ifname);
    if (auto ok = check_ifname_length(name); !ok) return ok.error();
    return get_impl(sock, 0, name.c_str(), "looking up interface " + quoted(name));
}

Result<LinkInfo> get_link(RouteSocket& sock, int ifindex) {
    return get_impl(sock, ifindex, nullptr, "looking up interface #" + std::to_string(ifindex));
}

Result<int> link_index(RouteSocket& sock, std::string_view ifname) {
    auto link = get_link(sock, ifname);
    if (!link) return link.error();
    return link->ifindex;
}

Status change_link(RouteSocket& sock, const LinkInfo& link, const LinkChange& c) {
    const std::string what = "changing interface " + quoted(link.name.empty() ? "#" + std::to_string(link.ifindex)
                                                                                : link.name);
    LinkHandle orig(rtnl_link_alloc());
    LinkHandle req(rtnl_link_alloc());
    if (!orig || !req) return make_error(ENOMEM, what + ": out of memory");
    rtnl_link_set_ifindex(orig.get(), link.ifindex);
    if (c.master) rtnl_link_set_master(req.get(), *c.master);
    if (c.mtu) rtnl_link_set_mtu(req.get(), *c.mtu);
    if (c.carrier) rtnl_link_set_carrier(req.get(), *c.carrier ? 1 : 0);
    if (c.alias) rtnl_link_set_ifalias(req.get(), c.alias->c_str());
    if (c.up) {
        if (*c.up) rtnl_link_set_flags(req.get(), IFF_UP);
        else rtnl_link_unset_flags(req.get(), IFF_UP);
    }
    NlAddrHandle addr;
    if (c.mac) {
        addr.reset(nl_addr_build(AF_LLC, c.mac->bytes().data(), 6));
        if (!addr) return make_error(ENOMEM, what + ": out of memory");
        rtnl_link_set_addr(req.get(), addr.get());
    }
    nl_sock* sk = sock.get();
    if (!sk) return make_error(EBADF, what + ": no rtnetlink socket");
    int err = rtnl_link_change(sk, orig.get(), req.get(), 0);
    if (is_missing(err)) return make_error(ENODEV, what + ": No such device");
    if (err < 0) return sock.error(err, what);
    return {};
}

Status set_link_up(RouteSocket& sock, int ifindex) {
    const std::string what = "bringing up interface " + sock.interface_label(ifindex);
    LinkHandle orig(rtnl_link_alloc());
    LinkHandle change(rtnl_link_alloc());
    if (!orig || !change) return make_error(ENOMEM, what + ": out of memory");
    rtnl_link_set_ifindex(orig.get(), ifindex);
    rtnl_link_set_flags(change.get(), IFF_UP);
    nl_sock* sk = sock.get();
    if (!sk) return make_error(EBADF, what + ": no rtnetlink socket");
    int err = rtnl_link_change(sk, orig.get(), change.get(), 0);
    if (is_missing(err)) return make_error(ENODEV, what + ": No such device");
    if (err < 0) return sock.error(err, what);
    return {};
}

namespace {

// RTM_DELLINK for the link `req` names (by index or by name).
Status send_delete(RouteSocket& sock, rtnl_link* req, const std::string& what) {
    nl_sock* sk = sock.get();
    if (!sk) return make_error(EBADF, what + ": no rtnetlink socket");
    int err = rtnl_link_delete(sk, req);
    if (is_missing(err)) return make_error(ENODEV, what + ": No such device");
    if (err < 0) return sock.error(err, what);
    return {};
}

}  // namespace

Status remove_link(RouteSocket& sock, const LinkInfo& link) {
    const std::string what = "deleting interface " + quoted(link.name);
    LinkHandle req(rtnl_link_alloc());
    if (!req) return make_error(ENOMEM, what + ": out of memory");
    rtnl_link_set_ifindex(req.get(), link.ifindex);
    return send_delete(sock, req.get(), what);
}

Status delete_link(RouteSocket& sock, std::string_view ifname) {
    if (auto ok = check_ifname_length(ifname); !ok) return ok.error();
    const std::string name(ifname);
    const std::string what = "deleting interface " + quoted(name);
    LinkHandle req(rtnl_link_alloc());
    if (!req) return make_error(ENOMEM, what + ": out of memory");
    rtnl_link_set_name(req.get(), name.c_str());
    return send_delete(sock, req.get(), what);
}

Status delete_link_if_exists(RouteSocket& sock, std::string_view ifname) {
    auto r = delete_link(sock, ifname);
    if (!r && r.error().code == ENODEV) return {};
    return r;
}

Result<std::vector<LinkInfo>> list_plugged(RouteSocket& sock) {
    auto cache = sock.dump([](nl_sock* sk, nl_cache** c) { return rtnl_link_alloc_cache(sk, AF_UNSPEC, c); },
                           "listing interfaces");
    if (!cache) return cache.error();
    std::vector<LinkInfo> out;
    nl_cache_foreach(cache->get(), visit_plugged, &out);
    return out;
}

Result<std::vector<LinkInfo>> list_with_alias(RouteSocket& sock, std::string_view alias) {
    auto cache = sock.dump([](nl_sock* sk, nl_cache** c) { return rtnl_link_alloc_cache(sk, AF_UNSPEC, c); },
                           "listing interfaces");
    if (!cache) return cache.error();
    AliasQuery q{alias, {}};
    nl_cache_foreach(cache->get(), visit_alias, &q);
    return std::move(q.out);
}

}  // namespace vswitch::netlink
