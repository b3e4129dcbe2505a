// What a Switch keeps for repairing its bridge and ports (heal.cc).
#pragma once

#include <cstdint>

#include "daemon/event/event.h"
#include "daemon/event/throttle.h"
#include "daemon/netlink/observer.h"
#include "libvswitch/health/backoff.h"
#include "libvswitch/health/bridge_repair.h"

namespace vswitch {

// Owned by its Switch from start_healing() until teardown: the
// subscriptions to the observer's link and address events, the throttle
// that runs a repair once a fault's burst of notifications is in (its delay
// from the back-off, or the retry delay after a failure), the timer that
// ends a fight, and the counts.
struct SwitchHealing {
    netlink::Subscription links;
    netlink::Subscription addresses;
    // MaximumBandwidth (issue 17): a qdisc deleted or an ifb gone arms this
    // throttle; its run re-checks every limited port (PortSet::repair_bandwidth).
    netlink::Subscription qdiscs;
    event::Throttle bandwidth;
    event::Throttle repair;
    event::Timer fight_over;  // a whole window without repairs ends "bridge-fight"
    health::RepairBackoff backoff{health::bridge_backoff_policy()};
    health::RepairCounts counts;
    uint64_t first_seen = 0;  // CLOCK_MONOTONIC usec: the fault being repaired was noticed
    uint64_t last_repair = 0;
    unsigned failures = 0;        // attempts that failed in a row
    bool rebind_pending = false;  // a new bridge still needs DHCP and DNS on it
    bool fight_raised = false;
};

}  // namespace vswitch
