// A bridge's forwarding database, read over the route socket: which MACs
// the bridge learned on which of its ports. A switch reads it to learn the
// guest's MAC on a member it adopted (members.cc): the member's own MAC is
// the host end's, the guest's is what the bridge learned behind it.
#pragma once

#include <vector>

#include "daemon/netlink/route_socket.h"
#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"

namespace vswitch::netlink {

struct FdbEntry {
    int ifindex = 0;  // the bridge port it was learned on
    Mac mac;
    bool local = false;  // NUD_PERMANENT: the port's (or bridge's) own address
};

// The AF_BRIDGE neighbours whose master is `bridge`.
Result<std::vector<FdbEntry>> dump_fdb(RouteSocket& sock, int bridge);

}  // namespace vswitch::netlink
