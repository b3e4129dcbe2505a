// The repair timing policy, apart from the loop so that a test can drive it
// with a fake clock: how long to wait before re-applying what someone
// removed, and when the removals have become a fight. The constants are the
// firewall guard's; the bridge watch (health/bridge_repair.h) brings its own
// BackoffPolicy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

namespace vswitch::health {

// A removal is repaired this long after its first notification, so that a
// burst (`nft flush ruleset` sends one message per object) costs one
// re-apply, and the repair still lands well within a second.
inline constexpr uint64_t kRepairDelayUsec = 100'000;
// Repairs are counted over this window to tell a reload from a fight.
inline constexpr uint64_t kFightWindowUsec = 60'000'000;
// More repairs than this within the window is a fight: back off.
inline constexpr size_t kFightThreshold = 5;
// The first back-off step; each further repair in the window doubles it.
inline constexpr uint64_t kFirstBackoffUsec = 1'000'000;
// The longest wait between two repairs while fighting.
inline constexpr uint64_t kMaxBackoffUsec = 60'000'000;

struct BackoffPolicy {
    uint64_t repair_delay_usec = kRepairDelayUsec;  // while removals are rare
    uint64_t window_usec = kFightWindowUsec;
    size_t threshold = kFightThreshold;
    uint64_t first_backoff_usec = kFirstBackoffUsec;
    uint64_t max_backoff_usec = kMaxBackoffUsec;
};

// Owns the times of the recent repairs; FirewallGuard and each Switch's
// bridge watch drive one.
class RepairBackoff {
public:
    RepairBackoff() = default;
    explicit RepairBackoff(BackoffPolicy policy) : policy_(policy) {}
    const BackoffPolicy& policy() const { return policy_; }

    // How long to wait, from now, before the next repair.
    uint64_t delay(uint64_t now_usec);
    void record_repair(uint64_t now_usec);
    // Repairs within the window ending now.
    size_t recent(uint64_t now_usec);
    bool fighting(uint64_t now_usec) { return recent(now_usec) >= policy_.threshold; }

private:
    void expire(uint64_t now_usec);
    BackoffPolicy policy_;
    std::deque<uint64_t> repairs_;  // oldest first, at most kMaxRemembered
    static constexpr size_t kMaxRemembered = 64;
};

}  // namespace vswitch::health
