#include "daemon/ports/link.h"

#include "daemon/netlink/route_socket.h"

#include <net/if.h>

#include <algorithm>
#include <array>
#include <netlink/errno.h>
#include <netlink/route/link.h>

namespace vswitch::ports {

namespace {

using LinkPtr = UniqueHandle<rtnl_link, rtnl_link_put>;

Error nl_error(int nle, const std::string& what) {
    return make_error(nl_error_to_errno(nle), what + ": " + nl_geterror(nle));
}

}  // namespace

int nl_error_to_errno(int nle) {
    switch (nle < 0 ? -nle : nle) {
        case NLE_EXIST: return EEXIST;
        case NLE_OBJ_NOTFOUND:
        case NLE_NODEV: return ENODEV;
        case NLE_INVAL:
        case NLE_RANGE:
        case NLE_MSGSIZE: return EINVAL;
        case NLE_PERM: return EPERM;
        case NLE_BUSY: return EBUSY;
        case NLE_NOMEM: return ENOMEM;
        case NLE_OPNOTSUPP: return EOPNOTSUPP;
        case NLE_AGAIN: return EAGAIN;
        default: return EIO;
    }
}

Result<LinkControl> LinkControl::create() {
    SocketPtr sock(nl_socket_alloc());
    if (!sock) return make_error(ENOMEM, "allocating a netlink socket");
    if (int r = nl_connect(sock.get(), NETLINK_ROUTE); r < 0)
        return nl_error(r, "connecting to rtnetlink");
    return LinkControl(std::move(sock));
}

Result<LinkInfo> LinkControl::get(std::string_view ifname) {
    std::string name(ifname);
    return get_impl(0, name.c_str(), "looking up interface '" + name + "'");
}

Result<LinkInfo> LinkControl::get(int ifindex) {
    return get_impl(ifindex, nullptr, "looking up interface #" + std::to_string(ifindex));
}

Result<LinkInfo> LinkControl::get_impl(int ifindex, const char* name, const std::string& what) {
    rtnl_link* raw = nullptr;
    if (int r = rtnl_link_get_kernel(sock_.get(), ifindex, name, &raw); r < 0) {
        if (nl_error_to_errno(r) == ENODEV) return make_error(ENODEV, what + ": no such interface");
        return nl_error(r, what);
    }
    LinkPtr link(raw);
    return to_link_info(link.get());
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

Status LinkControl::change(const LinkInfo& link, const LinkChange& c) {
    const std::string what = "changing interface '" + link.name + "'";
    LinkPtr orig(rtnl_link_alloc());
    LinkPtr req(rtnl_link_alloc());
    if (!orig || !req) return make_error(ENOMEM, what);
    rtnl_link_set_ifindex(orig.get(), link.ifindex);
    if (c.master) rtnl_link_set_master(req.get(), *c.master);
    if (c.mtu) rtnl_link_set_mtu(req.get(), *c.mtu);
    if (c.carrier) rtnl_link_set_carrier(req.get(), *c.carrier ? 1 : 0);
    if (c.alias) rtnl_link_set_ifalias(req.get(), c.alias->c_str());
    if (c.up) {
        if (*c.up) rtnl_link_set_flags(req.get(), IFF_UP);
        else rtnl_link_unset_flags(req.get(), IFF_UP);
    }
    using AddrPtr = UniqueHandle<nl_addr, nl_addr_put>;
    AddrPtr addr;
    if (c.mac) {
        addr.reset(nl_addr_build(AF_LLC, c.mac->bytes().data(), 6));
        if (!addr) return make_error(ENOMEM, what);
        rtnl_link_set_addr(req.get(), addr.get());
    }
    if (int r = rtnl_link_change(sock_.get(), orig.get(), req.get(), 0); r < 0) return nl_error(r, what);
    return ok_status();
}

Status LinkControl::remove(const LinkInfo& link) {
    LinkPtr req(rtnl_link_alloc());
    if (!req) return make_error(ENOMEM, "deleting interface '" + link.name + "'");
    rtnl_link_set_ifindex(req.get(), link.ifindex);
    if (int r = rtnl_link_delete(sock_.get(), req.get()); r < 0)
        return nl_error(r, "deleting interface '" + link.name + "'");
    return ok_status();
}

namespace {

void visit_plugged(nl_object* obj, void* arg) noexcept {
    auto* out = static_cast<std::vector<LinkInfo>*>(arg);
    auto* link = reinterpret_cast<rtnl_link*>(obj);
    if (rtnl_link_get_master(link) == 0) return;
    try {
        out->push_back(to_link_info(link));
    } catch (...) {
    }
}

}  // namespace

Result<std::vector<LinkInfo>> LinkControl::list_plugged() {
    nl_sock* sk = sock_.get();
    auto cache = netlink::dump_cache([sk](nl_cache** c) { return rtnl_link_alloc_cache(sk, AF_UNSPEC, c); },
                                     "listing interfaces");
    if (!cache) return cache.error();
    std::vector<LinkInfo> out;
    nl_cache_foreach(cache->get(), visit_plugged, &out);
    return out;
}

}  // namespace vswitch::ports
