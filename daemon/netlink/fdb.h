// The bridge's forwarding database, over the route socket: which MACs the
// bridge learned on which of its ports.
//
// bridge_port_of (DHCP's fairness): a packet socket on the bridge sees a
// guest's frame only after the bridge passed it up, with the bridge as its
// device (PACKET_ORIGDEV names the bridge too: the bridge re-injects the
// frame). But the bridge learns the frame's source MAC on its ingress port
// before it passes it up, so the entry for that MAC names the port the
// frame came in on. Taps on the ports themselves would cost every guest
// frame a filter run; this costs one netlink round trip for a MAC the DHCP
// server's table (fed by the observer's FDB notifications) lacks.
//
// dump_fdb (members.cc): the guest's MAC on a member the switch adopted —
// the member's own MAC is the host end's, the guest's is what the bridge
// learned behind it.
#pragma once

#include <vector>

#include "daemon/netlink/route_socket.h"
#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"

namespace vswitch::netlink {

// The ifindex of the port of bridge_ifindex where mac was learnt. ENOENT
// when the bridge has no entry for it (learning off on the port, aged out).
Result<int> bridge_port_of(RouteSocket& sock, int bridge_ifindex, const Mac& mac);

struct FdbEntry {
    int ifindex = 0;  // the bridge port it was learned on
    Mac mac;
    bool local = false;  // NUD_PERMANENT: the port's (or bridge's) own address
};

// The AF_BRIDGE neighbours whose master is `bridge`.
Result<std::vector<FdbEntry>> dump_fdb(RouteSocket& sock, int bridge);

}  // namespace vswitch::netlink
