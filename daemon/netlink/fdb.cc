#include "daemon/netlink/fdb.h"

#include <linux/if_bridge.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <netlink/route/neighbour.h>

#include <array>
#include <cstring>

namespace vswitch::netlink {

namespace {

using CbHandle = UniqueHandle<nl_cb, nl_cb_put>;

int on_entry(nl_msg* msg, void* arg) noexcept {
    auto* port = static_cast<int*>(arg);
    nlmsghdr* h = nlmsg_hdr(msg);
    if (h->nlmsg_type != RTM_NEWNEIGH || !nlmsg_valid_hdr(h, sizeof(ndmsg))) return NL_SKIP;
    ndmsg ndm;
    std::memcpy(&ndm, nlmsg_data(h), sizeof ndm);
    *port = ndm.ndm_ifindex;
    return NL_OK;
}

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

Result<int> bridge_port_of(RouteSocket& sock, int bridge_ifindex, const Mac& mac) {
    const char* what = "looking up a MAC in the bridge's forwarding database";
    nl_sock* sk = sock.get();
    if (!sk) return make_error(EIO, std::string(what) + ": no netlink socket");
    MsgHandle msg(nlmsg_alloc_simple(RTM_GETNEIGH, 0));
    if (!msg) return make_error(ENOMEM, what);
    // The kernel checks a get strictly: only these fields and attributes.
    ndmsg ndm{};
    ndm.ndm_family = AF_BRIDGE;
    if (nlmsg_append(msg.get(), &ndm, sizeof ndm, NLMSG_ALIGNTO) < 0 ||
        nla_put(msg.get(), NDA_LLADDR, 6, mac.bytes().data()) < 0 ||
        nla_put_u32(msg.get(), NDA_MASTER, uint32_t(bridge_ifindex)) < 0)
        return make_error(ENOMEM, what);
    if (int err = nl_send_auto(sk, msg.get()); err < 0) return sock.error(err, what);
    CbHandle cb(nl_cb_alloc(NL_CB_DEFAULT));
    if (!cb) return make_error(ENOMEM, what);
    int port = 0;
    nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, on_entry, &port);
    // The entry, then (auto-ack) the ACK in a datagram of its own; a
    // missing entry is one error message instead.
    if (int err = nl_recvmsgs(sk, cb.get()); err < 0) {
        if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NOADDR) return make_error(ENOENT, what);
        return sock.error(err, what);
    }
    if (int err = nl_wait_for_ack(sk); err < 0) return sock.error(err, what);
    if (port <= 0) return make_error(ENOENT, what);
    return port;
}

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
