// The bridge watch's decisions, apart from the kernel so that a unit test
// can drive them: given what the kernel shows of a switch's bridge and
// ports, what to put back (RepairPlan), how to say it, how to count it
// (RepairCounts), and how long to wait between attempts. The daemon side is
// daemon/switch/heal.cc: it observes, plans with plan_bridge_repair(), applies
// the plan over netlink and logs describe_fault() / describe_repair().
//
// What the daemon owns and therefore repairs: the bridge itself (deleted →
// created again with the same name, MAC, STP off and MTU), its link state
// (down → up), its gateway address (removed → added again), the ports it
// knows (unplugged → plugged again; a TAP it made and someone deleted →
// made again under the same name; someone else's interface deleted →
// forgotten, as before).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "libvswitch/health/backoff.h"

namespace vswitch::health {

// A fault is repaired this long after its first notification: one
// `ip link del` sends a message per port and one for the bridge, and all of
// them must be seen before looking.
inline constexpr uint64_t kBridgeRepairDelayUsec = 30'000;
// More than kBridgeFightThreshold repairs within kBridgeFightWindowUsec is
// a fight with another program (a script that keeps deleting the bridge):
// back off from kBridgeFirstBackoffUsec, doubling, up to
// kBridgeMaxBackoffUsec, and raise "bridge-fight" until a window passes
// without a repair.
inline constexpr uint64_t kBridgeFightWindowUsec = 10'000'000;
inline constexpr size_t kBridgeFightThreshold = 8;
inline constexpr uint64_t kBridgeFirstBackoffUsec = 1'000'000;
inline constexpr uint64_t kBridgeMaxBackoffUsec = 30'000'000;
// A repair that fails (the name taken by an interface that is not a
// bridge, the kernel refusing) is tried again after kBridgeFirstRetryUsec,
// doubling per failure, at most kBridgeMaxRetryUsec apart.
inline constexpr uint64_t kBridgeFirstRetryUsec = 250'000;
inline constexpr uint64_t kBridgeMaxRetryUsec = 30'000'000;

// Problem kinds the bridge watch raises.
inline constexpr const char* kBridgeRepairFailed = "bridge-repair-failed";
inline constexpr const char* kBridgeFight = "bridge-fight";

BackoffPolicy bridge_backoff_policy();
// The wait before the next attempt after `failures` (>= 1) failed in a row.
uint64_t bridge_retry_delay(unsigned failures);

// The bridge as the kernel shows it now.
struct ObservedBridge {
    bool exists = false;       // an interface of the bridge's name exists
    int ifindex = 0;           // its index (when it exists)
    bool up = false;           // IFF_UP
    bool has_gateway = false;  // carries the switch's gateway address
};

// One port the switch knows, as the kernel shows it now.
struct ObservedPort {
    std::string ifname;
    bool exists = false;
    bool created = false;  // a TAP the daemon made (it can make it again)
    int master = 0;        // the bridge it is plugged into, 0 none
};

struct RepairPlan {
    bool recreate_bridge = false;  // gone, or replaced by another interface of its name
    bool bring_up = false;
    bool restore_address = false;
    std::vector<std::string> replug;    // exist but are not in the bridge
    std::vector<std::string> recreate;  // TAPs of the daemon's that were deleted
    std::vector<std::string> forget;    // others' interfaces that were deleted
    // The DHCP and DNS sockets are bound to the old bridge's index.
    bool rebind_services() const { return recreate_bridge; }
    bool empty() const {
        return !recreate_bridge && !bring_up && !restore_address && replug.empty() &&
               recreate.empty() && forget.empty();
    }
};

// known_ifindex: the bridge's index as the switch last knew it.
// wants_address: the switch has a gateway (nat, internal).
RepairPlan plan_bridge_repair(const ObservedBridge& bridge, int known_ifindex, bool wants_address,
                              const std::vector<ObservedPort>& ports);

// What happened, for the log line and the problem: "bridge 'vswitch0' was
// deleted", "port 'vm0' was unplugged from bridge 'vswitch0'", ...
std::string describe_fault(const RepairPlan& plan, const std::string& bridge);
// What was done: "re-created the bridge, brought it up, restored its
// address, re-plugged 2 ports ('vm0', 'vm1')".
std::string describe_repair(const RepairPlan& plan);

// Repairs of one switch by kind, for the Switch's Repairs property and the
// statistics. A plan counts once per kind it contains (ports once each).
struct RepairCounts {
    uint64_t bridge_recreated = 0;
    uint64_t link_up = 0;
    uint64_t address_restored = 0;
    uint64_t port_replugged = 0;
    uint64_t port_recreated = 0;
    uint64_t repairs = 0;  // successful repair runs, each possibly of several kinds

    void add(const RepairPlan& plan);
    // {"bridge_recreated", n}, ... in a fixed order.
    std::vector<std::pair<std::string, uint64_t>> by_kind() const;
};

}  // namespace vswitch::health
