// Links: the switch's bridge and the generic link operations the daemon
// needs on it and on its ports. Free functions over a private rtnetlink
// socket each (see route_socket.h); the Manager drives them at start-up, on
// attach/detach and at teardown. Every error names the interface and what
// was being done ("creating bridge 'vswitch0': Operation not permitted").
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

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
Result<int> ensure_bridge(std::string_view name, std::optional<uint32_t> mtu);

// The MAC a new bridge gets: derived from its name, so it is the same at
// every boot, and locally administered. Given explicitly because the kernel
// otherwise lets a bridge take the lowest MAC of its ports, and the guests'
// gateway would change MAC whenever a VM comes or goes. An adopted bridge
// keeps the MAC it has.
Mac stable_bridge_mac(std::string_view bridge_name);

// ENODEV if there is no such interface.
Result<int> link_index(std::string_view name);

Status set_link_up(int ifindex);

// Deletes the interface; ENODEV if it does not exist.
Status delete_link(std::string_view name);

// Teardown variant: an interface that is already gone is success, so a
// teardown interrupted half-way can simply be run again.
Status delete_link_if_exists(std::string_view name);

}  // namespace vswitch::netlink
