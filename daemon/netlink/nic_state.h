// The netlink half of an external switch (issue 20): reads a NIC's facts
// (for the refusal checks) and its addresses and routes (the snapshot the
// switch-over moves), and runs one step of the pure plan
// (libvswitch/external/plan.h) over the route socket. Each call is
// synchronous; errors name the step ("add address 192.0.2.7/24 to
// 'vs-lan': File exists"). A step already done (an address already there,
// a route already gone) is success, so a plan can be run again after a
// crash.
#pragma once

#include <string_view>

#include "daemon/netlink/route_socket.h"
#include "libvswitch/base/result.h"
#include "libvswitch/external/plan.h"
#include "libvswitch/external/refusal.h"

namespace vswitch::netlink {

// What netlink, /sys/class/net and, for a wireless one, nl80211 (its mode)
// say of the interface (no bus answers: the caller adds NetworkManager's
// and networkd's). ENODEV if it is gone.
Result<external::NicFacts> nic_facts(RouteSocket& sock, std::string_view ifname);

// The interface whose MAC is `mac` (not a bridge, not a bridge's port
// other than of `bridge`); ENODEV naming the MAC when none.
Result<std::string> ifname_by_mac(RouteSocket& sock, const Mac& mac);

// Its link facts, every address and every route through it, all tables.
Result<external::NicSnapshot> snapshot_nic(RouteSocket& sock, std::string_view ifname);

Status apply_step(RouteSocket& sock, const external::Step& step);

}  // namespace vswitch::netlink
