#include "libvswitch/health/backoff.h"

#include <gtest/gtest.h>

namespace vswitch::health {
namespace {

TEST(RepairBackoff, RepairsQuicklyWhileRemovalsAreRare) {
    RepairBackoff b;
    uint64_t t = 1'000'000;
    for (size_t i = 0; i + 1 < kFightThreshold; ++i) {
        EXPECT_EQ(b.delay(t), kRepairDelayUsec);
        b.record_repair(t);
        t += 1'000'000;
    }
    EXPECT_FALSE(b.fighting(t));
}

TEST(RepairBackoff, DoublesOnceRemovalsBecomeAFightAndCaps) {
    RepairBackoff b;
    uint64_t t = 1'000'000;
    for (size_t i = 0; i < kFightThreshold; ++i) b.record_repair(t += 100'000);
    EXPECT_TRUE(b.fighting(t));
    EXPECT_EQ(b.delay(t), kFirstBackoffUsec);
    b.record_repair(t += 100'000);
    EXPECT_EQ(b.delay(t), 2 * kFirstBackoffUsec);
    for (int i = 0; i < 40; ++i) b.record_repair(t += 1000);
    EXPECT_EQ(b.delay(t), kMaxBackoffUsec);
}

TEST(RepairBackoff, AQuietWindowEndsTheFight) {
    RepairBackoff b;
    uint64_t t = 1'000'000;
    for (size_t i = 0; i < kFightThreshold + 3; ++i) b.record_repair(t += 100'000);
    EXPECT_TRUE(b.fighting(t));
    t += kFightWindowUsec;
    EXPECT_EQ(b.recent(t), 0u);
    EXPECT_EQ(b.delay(t), kRepairDelayUsec);
}

}  // namespace
}  // namespace vswitch::health
