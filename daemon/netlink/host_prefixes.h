// What the host's IPv4 network uses, for the per-boot subnet choice and for
// issue 7's "a VPN connects over the switch's subnet": a described dump of
// every address and route of every table, so a conflict can be named
// exactly ("route 172.20.0.0/16 table 100 dev wg0"). The observer
// (observer.h) says when to look again.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "daemon/netlink/route_socket.h"
#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"

namespace vswitch::netlink {

// One IPv4 prefix the host uses, with what it came from.
struct HostPrefix {
    enum class Kind : uint8_t { address, route };
    Kind kind = Kind::route;
    Ipv4Prefix prefix;   // normalized
    int ifindex = 0;     // the address's interface; the route's only device (0: several/none)
    uint32_t table = 0;  // routes only
};

// Every IPv4 address (as its network; a point-to-point peer's prefix and
// the local /32) and every IPv4 route of every table but default routes.
Result<std::vector<HostPrefix>> dump_host_prefixes(RouteSocket& sock);

// "route 172.20.0.0/16 table 100 dev wg0", "address 172.20.5.1/24 dev eth1".
std::string describe(const HostPrefix& p);

}  // namespace vswitch::netlink
