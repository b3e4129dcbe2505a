#include "daemon/netlink/bandwidth.h"

#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/tc.h>
#include <arpa/inet.h>

#include <cstring>
#include <string>
#include <vector>

#include "daemon/netlink/link.h"
#include "libvswitch/base/text.h"
#include "libvswitch/ports/bandwidth.h"

namespace vswitch::netlink {

namespace {

constexpr uint32_t kIngressHandle = 0xffff0000;  // ffff:, the only handle ingress takes
constexpr uint16_t kFilterPriority = 1;

using QdiscCache = CacheHandle;

// libnl-route's tbf setter takes an int of bytes per second (17 Gbit/s at
// most) and has no TCA_TBF_BURST: the request is built with libnl's
// message API instead, as port_isolation.cc does.
MsgHandle tc_message(int type, int flags, int ifindex, uint32_t handle, uint32_t parent,
                     uint32_t info = 0) {
    MsgHandle msg(nlmsg_alloc_simple(type, flags));
    if (!msg) return msg;
    tcmsg t{};
    t.tcm_family = AF_UNSPEC;
    t.tcm_ifindex = ifindex;
    t.tcm_handle = handle;
    t.tcm_parent = parent;
    t.tcm_info = info;
    if (nlmsg_append(msg.get(), &t, sizeof t, NLMSG_ALIGNTO) < 0) return MsgHandle();
    return msg;
}

Status send(RouteSocket& sock, MsgHandle msg, const std::string& what) {
    if (!msg) return make_error(ENOMEM, what + ": building the request failed");
    nl_sock* sk = sock.get();
    if (!sk) return make_error(EBADF, what + ": no rtnetlink socket");
    if (int err = nl_send_sync(sk, msg.release()); err < 0) return sock.error(err, what);
    return {};
}

// Deleting what is not there (ENOENT) or is someone else's (EINVAL: the
// handle does not match) is no failure of a removal.
Status send_delete(RouteSocket& sock, MsgHandle msg, const std::string& what) {
    auto s = send(sock, std::move(msg), what);
    if (!s && (s.error().code == ENOENT || s.error().code == EINVAL || s.error().code == ENODEV))
        return {};
    return s;
}

Status put_tbf(RouteSocket& sock, int ifindex, const ports::Shaping& sh, const std::string& what) {
    MsgHandle msg = tc_message(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE, ifindex,
                               kBandwidthHandle, TC_H_ROOT);
    if (!msg) return make_error(ENOMEM, what + ": out of memory");
    tc_tbf_qopt q{};
    // Ethernet link layer: the kernel computes the times itself, no rate table.
    q.rate.linklayer = TC_LINKLAYER_ETHERNET;
    q.rate.rate = sh.rate_bytes >= 0xffffffffull ? 0xffffffffu : uint32_t(sh.rate_bytes);
    q.limit = sh.limit_bytes;
    nl_msg* m = msg.get();
    nlattr* opts = nullptr;
    bool built = nla_put_string(m, TCA_KIND, "tbf") >= 0 &&
                 (opts = nla_nest_start(m, TCA_OPTIONS)) != nullptr &&
                 nla_put(m, TCA_TBF_PARMS, sizeof q, &q) >= 0 &&
                 (sh.rate_bytes < 0xffffffffull || nla_put_u64(m, TCA_TBF_RATE64, sh.rate_bytes) >= 0) &&
                 nla_put_u32(m, TCA_TBF_BURST, sh.burst_bytes) >= 0 && nla_nest_end(m, opts) >= 0;
    if (!built) return make_error(EMSGSIZE, what + ": message too large");
    return send(sock, std::move(msg), what);
}

// u32 with one key that matches everything (mask 0), terminal, and a
// mirred action that steals the packet onto the ifb's transmit path.
Status put_redirect(RouteSocket& sock, int ifindex, int ifb, const std::string& what) {
    MsgHandle msg = tc_message(RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, ifindex, 0, kIngressHandle,
                               TC_H_MAKE(uint32_t(kFilterPriority) << 16, htons(ETH_P_ALL)));
    if (!msg) return make_error(ENOMEM, what + ": out of memory");
    std::vector<uint8_t> sel(sizeof(tc_u32_sel) + sizeof(tc_u32_key), 0);
    tc_u32_sel s{};
    s.flags = TC_U32_TERMINAL;
    s.nkeys = 1;
    std::memcpy(sel.data(), &s, sizeof s);  // the key after it stays zero: match all
    tc_mirred mirred{};
    mirred.action = TC_ACT_STOLEN;
    mirred.eaction = TCA_EGRESS_REDIR;
    mirred.ifindex = uint32_t(ifb);
    nl_msg* m = msg.get();
    nlattr *opts = nullptr, *acts = nullptr, *act = nullptr, *act_opts = nullptr;
    bool built = nla_put_string(m, TCA_KIND, "u32") >= 0 &&
                 (opts = nla_nest_start(m, TCA_OPTIONS)) != nullptr &&
                 nla_put(m, TCA_U32_SEL, int(sel.size()), sel.data()) >= 0 &&
                 (acts = nla_nest_start(m, TCA_U32_ACT)) != nullptr &&
                 (act = nla_nest_start(m, 1)) != nullptr &&
                 nla_put_string(m, TCA_ACT_KIND, "mirred") >= 0 &&
                 (act_opts = nla_nest_start(m, TCA_ACT_OPTIONS)) != nullptr &&
                 nla_put(m, TCA_MIRRED_PARMS, sizeof mirred, &mirred) >= 0 &&
                 nla_nest_end(m, act_opts) >= 0 && nla_nest_end(m, act) >= 0 &&
                 nla_nest_end(m, acts) >= 0 && nla_nest_end(m, opts) >= 0;
    if (!built) return make_error(EMSGSIZE, what + ": message too large");
    return send(sock, std::move(msg), what);
}

Status create_ifb(RouteSocket& sock, const std::string& name) {
    const std::string what = "creating ifb device " + quoted(name);
    MsgHandle msg(nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL));
    if (!msg) return make_error(ENOMEM, what + ": out of memory");
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    nl_msg* m = msg.get();
    nlattr* info = nullptr;
    bool built = nlmsg_append(m, &ifi, sizeof ifi, NLMSG_ALIGNTO) >= 0 &&
                 nla_put_string(m, IFLA_IFNAME, name.c_str()) >= 0 &&
                 (info = nla_nest_start(m, IFLA_LINKINFO)) != nullptr &&
                 nla_put_string(m, IFLA_INFO_KIND, "ifb") >= 0 && nla_nest_end(m, info) >= 0;
    if (!built) return make_error(EMSGSIZE, what + ": message too large");
    return send(sock, std::move(msg), what);
}

Result<int> ensure_ifb(RouteSocket& sock, const std::string& name) {
    auto link = get_link(sock, name);
    if (!link) {
        if (link.error().code != ENODEV) return link.error();
        if (auto s = create_ifb(sock, name); !s) return s.error();
        link = get_link(sock, name);
        if (!link) return link.error();
    }
    if (link->kind != "ifb")
        return make_error(EEXIST, "interface " + quoted(name) + " exists and is not an ifb device");
    // The alias is not taken at creation; it marks the ifb as ours.
    if (!link->up || link->alias != kBandwidthIfbAlias) {
        LinkChange c;
        c.up = true;
        c.alias = std::string(kBandwidthIfbAlias);
        if (auto s = change_link(sock, *link, c); !s) return s.error();
    }
    return link->ifindex;
}

}  // namespace

Status apply_bandwidth(RouteSocket& sock, int ifindex, std::string_view port, uint64_t bits) {
    const std::string label = quoted(port);
    const std::string ifb_name = ports::ifb_name_for(port);
    const ports::Shaping sh = ports::shaping_for(bits);
    auto ifb = ensure_ifb(sock, ifb_name);
    if (!ifb) return ifb.error().context("limiting what port " + label + " sends");
    if (auto s = put_tbf(sock, ifindex, sh, "shaping what port " + label + " receives (tbf)"); !s)
        return s;
    if (auto s = put_tbf(sock, *ifb, sh, "shaping what port " + label + " sends (tbf on " + quoted(ifb_name) + ")");
        !s)
        return s;
    // The ingress qdisc is made afresh, so exactly one filter hangs off it.
    if (auto s = send_delete(sock, tc_message(RTM_DELQDISC, 0, ifindex, kIngressHandle, TC_H_INGRESS),
                             "removing the ingress qdisc of port " + label);
        !s)
        return s;
    MsgHandle ingress = tc_message(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, ifindex, kIngressHandle, TC_H_INGRESS);
    if (ingress && nla_put_string(ingress.get(), TCA_KIND, "ingress") < 0) ingress.reset();
    if (auto s = send(sock, std::move(ingress), "adding an ingress qdisc to port " + label); !s) return s;
    return put_redirect(sock, ifindex, *ifb,
                        "redirecting what port " + label + " sends to " + quoted(ifb_name));
}

Status remove_bandwidth(RouteSocket& sock, int ifindex, std::string_view port) {
    const std::string label = quoted(port);
    Status first;
    auto keep = [&first](Status s) {
        if (!s && first) first = std::move(s);
    };
    // Teardown goes on after an error; the first is returned.
    if (ifindex != 0) {
        keep(send_delete(sock, tc_message(RTM_DELQDISC, 0, ifindex, kIngressHandle, TC_H_INGRESS),
                         "removing the ingress qdisc of port " + label));
        keep(send_delete(sock, tc_message(RTM_DELQDISC, 0, ifindex, kBandwidthHandle, TC_H_ROOT),
                         "removing the tbf of port " + label));
    }
    keep(delete_link_if_exists(sock, ports::ifb_name_for(port)));
    return first;
}

Result<bool> bandwidth_intact(RouteSocket& sock, int ifindex, std::string_view port) {
    auto ifb = get_link(sock, ports::ifb_name_for(port));
    if (!ifb) {
        if (ifb.error().code == ENODEV) return false;
        return ifb.error();
    }
    auto cache = sock.dump([](nl_sock* sk, nl_cache** c) { return rtnl_qdisc_alloc_cache(sk, c); },
                           "listing qdiscs");
    if (!cache) return cache.error();
    bool root = false, ingress = false, ifb_root = false;
    for (nl_object* o = nl_cache_get_first(cache->get()); o; o = nl_cache_get_next(o)) {
        auto* tc = TC_CAST(o);
        const char* kind = rtnl_tc_get_kind(tc);
        const std::string k = kind ? kind : "";
        const int dev = rtnl_tc_get_ifindex(tc);
        const uint32_t parent = rtnl_tc_get_parent(tc), handle = rtnl_tc_get_handle(tc);
        if (dev == ifindex && parent == TC_H_ROOT && handle == kBandwidthHandle && k == "tbf") root = true;
        if (dev == ifindex && parent == TC_H_INGRESS && k == "ingress") ingress = true;
        if (dev == ifb->ifindex && parent == TC_H_ROOT && handle == kBandwidthHandle && k == "tbf")
            ifb_root = true;
    }
    return root && ingress && ifb_root;
}

}  // namespace vswitch::netlink
