#include "libvswitch/base/flat_index.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace vswitch {
namespace {

TEST(FlatIndex, InsertFindEraseAndItsLimits) {
    FlatIndex ix(4);
    EXPECT_EQ(ix.capacity(), 4u);
    EXPECT_FALSE(ix.find(1));
    EXPECT_TRUE(ix.insert(1, 10));
    EXPECT_FALSE(ix.insert(1, 11));  // there already
    EXPECT_EQ(ix.find(1), 10u);
    EXPECT_TRUE(ix.insert(2, 20));
    EXPECT_TRUE(ix.insert(3, 30));
    EXPECT_TRUE(ix.insert(4, 40));
    EXPECT_FALSE(ix.insert(5, 50));  // full
    EXPECT_EQ(ix.size(), 4u);
    EXPECT_TRUE(ix.erase(2));
    EXPECT_FALSE(ix.erase(2));
    EXPECT_FALSE(ix.find(2));
    EXPECT_TRUE(ix.insert(5, 50));
    EXPECT_EQ(ix.find(5), 50u);
    ix.clear();
    EXPECT_EQ(ix.size(), 0u);
    EXPECT_FALSE(ix.find(1));
}

// Random inserts and erases against std::map, full and empty many times
// over: backward-shift deletion never loses an entry a probe run needs.
TEST(FlatIndex, AgreesWithAMapUnderChurn) {
    FlatIndex ix(512);
    std::map<uint64_t, uint32_t> ref;
    std::mt19937_64 rng(42);
    for (int step = 0; step < 200000; ++step) {
        // Keys from a small space so erases hit and runs collide.
        uint64_t key = rng() % 2048;
        if (rng() % 2) {
            bool want = ref.size() < 512 && !ref.count(key);
            ASSERT_EQ(ix.insert(key, uint32_t(step)), want) << step;
            if (want) ref[key] = uint32_t(step);
        } else {
            ASSERT_EQ(ix.erase(key), ref.erase(key) == 1) << step;
        }
        ASSERT_EQ(ix.size(), ref.size());
        if (step % 1000 == 0)
            for (uint64_t k = 0; k < 2048; ++k) {
                auto it = ref.find(k);
                auto got = ix.find(k);
                ASSERT_EQ(bool(got), it != ref.end()) << k;
                if (got) {
                    ASSERT_EQ(*got, it->second);
                }
            }
    }
}

}  // namespace
}  // namespace vswitch
