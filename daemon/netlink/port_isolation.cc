#include "daemon/netlink/port_isolation.h"

#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

namespace vswitch::netlink {

Status set_port_isolated(RouteSocket& sock, int ifindex, bool isolated) {
    // libnl-route has no setter for this bridge port attribute.
    MsgHandle msg(nlmsg_alloc_simple(RTM_SETLINK, 0));
    if (!msg) return make_error(ENOMEM, "allocating a netlink message: out of memory");
    ifinfomsg ifi{};
    ifi.ifi_family = AF_BRIDGE;
    ifi.ifi_index = ifindex;
    nl_msg* m = msg.get();
    nlattr* info = nullptr;
    bool built = nlmsg_append(m, &ifi, sizeof ifi, NLMSG_ALIGNTO) >= 0 &&
                 (info = nla_nest_start(m, IFLA_PROTINFO | NLA_F_NESTED)) != nullptr &&
                 nla_put_u8(m, IFLA_BRPORT_ISOLATED, isolated ? 1 : 0) >= 0 &&
                 nla_nest_end(m, info) >= 0;
    std::string what = std::string(isolated ? "isolating" : "un-isolating") + " bridge port " +
                       sock.interface_label(ifindex);
    if (!built) return make_error(EMSGSIZE, what + ": message too large");
    nl_sock* sk = sock.get();
    if (!sk) return make_error(EBADF, what + ": no rtnetlink socket");
    if (int err = nl_send_sync(sk, msg.release()); err < 0) return sock.error(err, what);
    return {};
}

}  // namespace vswitch::netlink
