// Which bridge port a MAC was last seen on, from the bridge's forwarding
// database (RTM_GETNEIGH, AF_BRIDGE, one entry: kernel 4.20+).
//
// Why: a packet socket on the bridge sees a guest's frame only after the
// bridge passed it up, with the bridge as its device (PACKET_ORIGDEV names
// the bridge too: the bridge re-injects the frame). But the bridge learns
// the frame's source MAC on its ingress port before it passes it up, so the
// entry for that MAC names the port the frame came in on. Taps on the ports
// themselves would cost every guest frame a filter run; this costs one
// netlink round trip per DHCP request only.
#pragma once

#include "daemon/netlink/route_socket.h"
#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"

namespace vswitch::netlink {

// The ifindex of the port of bridge_ifindex where mac was learnt. ENOENT
// when the bridge has no entry for it (learning off on the port, aged out).
Result<int> bridge_port_of(RouteSocket& sock, int bridge_ifindex, const Mac& mac);

}  // namespace vswitch::netlink
