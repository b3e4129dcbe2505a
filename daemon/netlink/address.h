// IPv4 addresses and routes: what the host already uses (the input of the
// per-boot subnet choice) and the bridge's one gateway address. Driven by
// a Switch when it comes up and when it renumbers.
#pragma once

#include <string_view>
#include <vector>

#include "daemon/netlink/route_socket.h"
#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"

namespace vswitch::netlink {

// Every IPv4 prefix the host uses: each address as its network
// (192.168.1.7/24 -> 192.168.1.0/24; a point-to-point peer's prefix and
// the local /32) and each IPv4 route in every routing table, policy tables
// of VPNs included. Left out: default routes (0.0.0.0/0 would overlap
// every candidate), and all addresses and routes of ignore_ifname, our own
// bridge, which a restart may renumber. Sorted, without duplicates.
Result<std::vector<Ipv4Prefix>> dump_taken_prefixes(RouteSocket& sock, std::string_view ignore_ifname);

// Leaves the interface holding exactly one IPv4 address, `gateway` (host
// bits = the address, e.g. 172.27.160.1/20) with its broadcast set: other
// IPv4 addresses (yesterday's subnet) are removed; the address is kept,
// not re-added, when already right, so the prefix route does not flap.
Status set_bridge_address(RouteSocket& sock, int ifindex, Ipv4Prefix gateway);

// Whether the interface carries `gateway` (address and prefix length): the
// bridge watch's check after an address was removed.
Result<bool> has_address(RouteSocket& sock, int ifindex, Ipv4Prefix gateway);

}  // namespace vswitch::netlink
