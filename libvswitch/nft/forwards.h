// Port forwards in the table `inet vswitch` (issue 16): flat in the number
// of forwards. Each forwarded (protocol, port) is one element of a map;
// the rules are fixed and exist only while some forward does, so a table
// without forwards is what it was before.
//
//   map fwd_any    inet_proto . inet_service : ipv4_addr . inet_service
//   map fwd_addr   ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service
//   set fwd_targets     ipv4_addr . inet_proto . inet_service   (after DNAT)
//   set fwd_restricted  inet_proto . inet_service               (with AllowFrom)
//   set fwd_allow       inet_proto . inet_service . ipv4_addr   (interval)
//
//   chain forward_dnat  nat hook prerouting priority dstnat (-100)
//     meta l4proto . th dport @fwd_restricted
//       meta l4proto . th dport . ip saddr != @fwd_allow return
//     fib daddr type local dnat ip to ip daddr . meta l4proto . th dport map @fwd_addr
//     fib daddr type local ip daddr != @nat_subnets
//       dnat ip to meta l4proto . th dport map @fwd_any
//   chain forward_output  nat hook output priority -100: the same two DNATs
//     (the host's own connections, to its addresses and to 127.0.0.1)
//   chain forward_snat  nat hook postrouting priority srcnat (100)
//     ct status dnat ip saddr @nat_subnets oifname @nat_bridges masquerade
//       (hairpin: a guest reaching a forward; the target answers the host)
//     ct status dnat ip saddr 127.0.0.0/8 masquerade
//       (the host through 127.0.0.1; needs route_localnet on the bridge)
//   chain forward_guard  filter hook prerouting priority raw (-300)
//     iifname @nat_bridges ip saddr 127.0.0.0/8 drop
//     iifname @nat_bridges ip daddr 127.0.0.0/8 drop
//       (route_localnet must not let a guest reach the host's loopback)
//   and in chain forward, before "new connections into a switch":
//     ct status dnat ip daddr . meta l4proto . th dport @fwd_targets accept
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"
#include "libvswitch/nft/batch.h"
#include "libvswitch/nft/nftnl_handles.h"

namespace vswitch::nft {

// One forwarded (protocol, host port) with its resolved target: a map element.
struct ForwardEntry {
    uint8_t protocol = 6;              // IPPROTO_TCP or IPPROTO_UDP
    std::optional<Ipv4> host_address;  // none: every host address outside the switches
    uint16_t host_port = 0;
    Ipv4 target;
    uint16_t target_port = 0;
    std::vector<Ipv4Prefix> allow_from;  // empty: any source

    friend bool operator==(const ForwardEntry&, const ForwardEntry&) = default;
};

// Map elements per ruleset: this many without AllowFrom fit kMaxBatchBytes
// (about 65 bytes each); AllowFrom adds two elements a port, and a table
// past kMaxBatchBytes is refused whole (E2BIG) when compiled.
inline constexpr size_t kMaxForwardEntries = 2048;

// A set of ruleset.cc the forward rules look up (by name, and by id in
// the same transaction).
struct SetRef {
    const char* name;
    uint32_t id;
};

// EINVAL for a protocol other than TCP/UDP or a port 0, EEXIST for two
// entries on the same key, E2BIG past kMaxForwardEntries.
Status validate_forwards(const std::vector<ForwardEntry>& entries);
// The maps and sets with their elements; before any rule.
Status add_forward_sets(BatchBuilder& b, const std::vector<ForwardEntry>& entries);
// The rule of chain `forward` that lets DNATed flows past the drop.
Result<NftnlRule> forward_accept_rule(const char* chain);
// The forward_* chains and their rules; after the sets ruleset.cc makes.
Status add_forward_chains(BatchBuilder& b, const std::vector<ForwardEntry>& entries,
                          SetRef nat_subnets, SetRef nat_bridges);

}  // namespace vswitch::nft
