// Bridge port isolation (IFLA_BRPORT_ISOLATED, Linux 4.18): an isolated
// port's frames reach only non-isolated ports, which on a switch is the
// bridge itself (the host, the gateway) and uplink members, never another
// isolated guest. The kernel keeps the flag while the interface stays in
// the bridge; PortSet sets it again at every plug (daemon/ports/port_security.cc).
#pragma once

#include "daemon/netlink/route_socket.h"
#include "libvswitch/base/result.h"

namespace vswitch::netlink {

// RTM_SETLINK, family AF_BRIDGE, IFLA_PROTINFO { IFLA_BRPORT_ISOLATED }.
Status set_port_isolated(RouteSocket& sock, int ifindex, bool isolated);

}  // namespace vswitch::netlink
