// The kernel's IPv4 neighbour table, read over the route socket. The DHCP
// server of a switch reads it once at start (live changes come from the
// observer), so an address a host on the segment answers ARP for (a static
// guest, a port with a fixed address, a leftover from before the daemon) is
// not offered, and no offer ever waits on an ICMP probe.
#pragma once

#include <linux/neighbour.h>

#include <vector>

#include "daemon/netlink/route_socket.h"
#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"

namespace vswitch::netlink {

// States in which the neighbour has (or recently had) a link-layer address.
inline constexpr int kResolvedNeighbourStates =
    NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | NUD_NOARP;
// Only a fresh confirmation counts live: a STALE entry that merely ages may
// belong to a client that has just released its address.
inline constexpr int kLiveNeighbourStates = NUD_REACHABLE | NUD_PERMANENT | NUD_NOARP;

struct Neighbour {
    Ipv4 address;
    Mac mac;
    int state = 0;  // NUD_*
};

// The neighbours inside `subnet` on ifindex in a resolved state.
Result<std::vector<Neighbour>> dump_neighbours(RouteSocket& sock, int ifindex, const Ipv4Prefix& subnet);

}  // namespace vswitch::netlink
