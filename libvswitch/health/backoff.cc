#include "libvswitch/health/backoff.h"

#include <algorithm>

namespace vswitch::health {

void RepairBackoff::expire(uint64_t now_usec) {
    while (!repairs_.empty() && repairs_.front() + policy_.window_usec <= now_usec) repairs_.pop_front();
}

size_t RepairBackoff::recent(uint64_t now_usec) {
    expire(now_usec);
    return repairs_.size();
}

void RepairBackoff::record_repair(uint64_t now_usec) {
    expire(now_usec);
    repairs_.push_back(now_usec);
    if (repairs_.size() > kMaxRemembered) repairs_.pop_front();
}

uint64_t RepairBackoff::delay(uint64_t now_usec) {
    size_t n = recent(now_usec);
    if (n < policy_.threshold) return policy_.repair_delay_usec;
    // Doubling per repair beyond the threshold; the shift is bounded so
    // that it cannot overflow before the cap applies.
    size_t steps = std::min<size_t>(n - policy_.threshold, 16);
    return std::min(policy_.first_backoff_usec << steps, policy_.max_backoff_usec);
}

}  // namespace vswitch::health
