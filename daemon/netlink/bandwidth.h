// A port's MaximumBandwidth in the kernel (issue 17), with tc over the
// daemon's route socket. Both directions are shaped by a token bucket
// (tbf) that queues instead of dropping:
//   - to the guest (the port transmits): a root tbf on the port, handle
//     kBandwidthHandle;
//   - from the guest (the port receives): an ingress qdisc on the port with
//     one u32 match-all filter whose action is `mirred egress redirect` to
//     the port's own ifb device (ports::ifb_name_for), which carries a root
//     tbf of its own. The kernel has no act_police or cls_matchall here,
//     and a policer drops rather than queues anyway.
// The daemon owns the ingress qdisc of a port with a limit, its root qdisc
// while it is the daemon's tbf, and the ifb. Calls are synchronous.
#pragma once

#include <cstdint>
#include <string_view>

#include "daemon/netlink/route_socket.h"
#include "libvswitch/base/result.h"

namespace vswitch::netlink {

// "vb:" (0x7662): a root qdisc with another handle is not ours to delete.
inline constexpr uint32_t kBandwidthHandle = 0x76620000;
// The alias of every ifb the daemon made: at start, one no port with a
// limit needs (its port went while the daemon was down) is deleted.
inline constexpr std::string_view kBandwidthIfbAlias = "vswitch-bandwidth";

// Puts the shaping of `bits_per_second` (non-zero, valid) on the port and
// its ifb, making the ifb when it is missing. Replaces what was there; on
// an error some of it may be in place (the caller applies the old value).
Status apply_bandwidth(RouteSocket& sock, int ifindex, std::string_view port,
                       uint64_t bits_per_second);
// Removes the shaping from the port (when ifindex is non-zero: the port's
// interface still exists) and deletes its ifb. What is already gone is
// success.
Status remove_bandwidth(RouteSocket& sock, int ifindex, std::string_view port);

// Whether the three qdiscs (the port's root tbf and ingress, the ifb's
// root tbf) are all there: the repair's look (one qdisc dump).
Result<bool> bandwidth_intact(RouteSocket& sock, int ifindex, std::string_view port);

}  // namespace vswitch::netlink
