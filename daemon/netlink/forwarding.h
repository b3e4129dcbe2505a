// net.ipv4.ip_forward for the daemon's own network namespace: the switch
// routes its guests' traffic out of the host (DESIGN "Data plane").
#pragma once

#include "libvswitch/base/result.h"

namespace vswitch::netlink {

// Writes "1" to /proc/sys/net/ipv4/ip_forward, which the kernel resolves
// in the caller's network namespace.
Status enable_ip_forwarding();

}  // namespace vswitch::netlink
