// The switch-over of an external switch as data (issue 20): the ordered
// netlink steps that put a host NIC into a bridge while the host keeps
// using it, and the exact reverse. Pure: the daemon's adapter
// (daemon/switch/external.cc) runs the steps one by one; the unit tests read
// them as text.
//
// Shared (ShareWithHost=yes), in this order so the host stays reachable:
//   1. create the bridge with the NIC's MAC and MTU (the LAN's ARP caches
//      and DHCP reservation for the host stay valid);
//   2. enslave the NIC, 3. bring the bridge up: from here frames for the
//      host arrive on the bridge; IPv4 addresses are host-wide, so the
//      NIC's, still in place, keep answering;
//   4. add each address to the bridge (IPv6 ones without DAD: the address
//      is already in use on this very link);
//   5. add each route via the bridge, before the NIC's copy (the kernel
//      prefers the newer of two equal routes: no moment without one);
//   6. remove the addresses from the NIC (the kernel drops the routes
//      through it with the last one), 7. remove what routes remain on it.
// Kernel-made routes (proto kernel, the local table) are not moved: the
// addresses make them. IPv6 link-local addresses stay: the bridge makes the
// same one from the same MAC.
// Dedicated (ShareWithHost=no): create (the host gets no IPv6 link-local
// on the bridge either), enslave, up, then the NIC's addresses and routes
// go (recorded, so a teardown gives them back).
// Teardown: the IPv4 addresses back on the NIC with their own flags and
// remaining lifetimes, and its IPv4 routes, while it is still a port
// (IPv4 addresses are host-wide: no gap); then delete the bridge (which
// releases the NIC and takes the moved copies with it); then the IPv6
// addresses and routes (after: the bridge would fail their DAD); then the
// NIC up if it was. Measured: 2-3 pings every 1 ms lost with the bridge
// deleted first, none this way.
#pragma once

#include <string>
#include <vector>

#include "libvswitch/external/snapshot.h"

namespace vswitch::external {

enum class StepKind {
    create_bridge,   // link = bridge, with mac, mtu; no_ipv6_ll: dedicated
    enslave,         // link = NIC, master = bridge
    link_up,         // link
    add_address,     // link, address
    remove_address,  // link, address
    add_route,       // link (the route's device), route
    remove_route,    // link, route
    delete_bridge,   // link = bridge
};

struct Step {
    StepKind kind;
    std::string link;  // the interface the step acts on
    std::string master;
    Mac mac;
    uint32_t mtu = 0;
    bool no_ipv6_ll = false;
    AddressRecord address;
    RouteRecord route;
    // Already done is success (an address already there, a route already
    // gone): the same plan can be run again after a crash.
    std::string describe() const;
};

// The addresses and routes a switch-over moves (the filters above).
bool moves_address(const AddressRecord& a);
bool moves_route(const RouteRecord& r);

std::vector<Step> plan_switch_over(const NicSnapshot& nic, const std::string& bridge, bool share);
// elapsed: seconds since the snapshot, taken off the lifetimes.
std::vector<Step> plan_teardown(const NicSnapshot& nic, const std::string& bridge,
                                uint64_t elapsed);

}  // namespace vswitch::external
