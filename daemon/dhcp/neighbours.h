// The kernel's IPv4 neighbour table on the bridge, read once when a DHCP
// server starts: an address a host on the segment already answers ARP for
// (a static guest, a leftover from before the daemon) is not offered, and
// the daemon never blocks on an ICMP probe to find that out.
#pragma once

#include <vector>

#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"

namespace vswitch::dhcpd {

// Addresses inside `subnet` with a resolved link-layer address on ifindex
// (NUD_REACHABLE, STALE, DELAY, PROBE, PERMANENT, NOARP).
Result<std::vector<Ipv4>> dump_neighbours(int ifindex, const Ipv4Prefix& subnet);

}  // namespace vswitch::dhcpd
