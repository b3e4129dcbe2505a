// A switch's Linux bridge, created or adopted over the route socket. The
// Switch drives it at start-up (and the renumber and repair paths).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "daemon/netlink/route_socket.h"
#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"

namespace vswitch::netlink {

// Creates the Linux bridge `name` with STP off and forward delay 0, so a
// new port forwards at once (DESIGN "Data plane"), and with MAC
// stable_bridge_mac(name); or adopts an existing bridge of that name
// without recreating it (a daemon restart must not drop the VMs' ports),
// re-applying STP off, forward delay 0 and the MTU.
// An existing interface of that name that is not a bridge is refused with
// EEXIST ("interface 'vswitch0' exists but is a veth, not a bridge").
// Returns the ifindex.
Result<int> ensure_bridge(RouteSocket& sock, std::string_view name, std::optional<uint32_t> mtu);

// The MAC a new bridge gets: derived from its name, so it is the same at
// every boot, and locally administered. Given explicitly because the kernel
// otherwise lets a bridge take the lowest MAC of its ports, and the guests'
// gateway would change MAC whenever a VM comes or goes. An adopted bridge
// keeps the MAC it has.
Mac stable_bridge_mac(std::string_view bridge_name);

}  // namespace vswitch::netlink
