#include "libvswitch/dns/fair_share.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

using namespace vswitch;
using namespace vswitch::dns;

namespace {

const Ipv4 kGuestA(172, 16, 0, 100);
const Ipv4 kGuestB(172, 16, 0, 101);
const Ipv4 kGuestC(172, 16, 0, 102);

}  // namespace

TEST(FairShare, AcceptsUntilTheSourceHoldsItsShare) {
    FairShare t(64, 8);
    for (uint64_t id = 1; id <= 8; ++id) EXPECT_EQ(t.admit(id, kGuestA, id).verdict, Admit::accept);
    Admission a = t.admit(9, kGuestA, 9);
    EXPECT_EQ(a.verdict, Admit::source_full);
    EXPECT_FALSE(a.accepted());
    EXPECT_EQ(t.held_by(kGuestA), 8u);
    EXPECT_FALSE(t.contains(9));
    EXPECT_EQ(t.counters().refused_source, 1u);
    // Another guest is not touched by the first one's limit.
    EXPECT_EQ(t.admit(10, kGuestB, 10).verdict, Admit::accept);
}

TEST(FairShare, TwoThousandIdleConnectionsFromOneGuestLeaveTheOthersRoom) {
    // The attack of issue 13: one guest opens connection after connection
    // and leaves them idle.
    FairShare t(64, 8);
    size_t evicted = 0;
    for (uint64_t id = 1; id <= 2000; ++id) {
        Admission a = t.admit(id, kGuestA, id);
        ASSERT_TRUE(a.accepted()) << id;
        if (a.verdict == Admit::evict) {
            ++evicted;
            // Its own longest-idle connection made room.
            EXPECT_EQ(a.victim, id - 8);
        }
        t.set_idle(id, true, id);
    }
    EXPECT_EQ(evicted, 2000u - 8);
    EXPECT_EQ(t.held_by(kGuestA), 8u);
    EXPECT_EQ(t.size(), 8u);
    EXPECT_EQ(t.admit(5000, kGuestB, 5000).verdict, Admit::accept);
}

TEST(FairShare, BusyEntriesOfAFullSourceAreNotTakenForItsNewOnes) {
    FairShare t(64, 2);
    t.admit(1, kGuestA, 1);
    t.admit(2, kGuestA, 2);
    t.set_idle(2, true, 5);
    Admission a = t.admit(3, kGuestA, 6);
    EXPECT_EQ(a.verdict, Admit::evict);
    EXPECT_EQ(a.victim, 2u);
    EXPECT_TRUE(t.contains(1));
    EXPECT_FALSE(t.contains(2));
    t.set_idle(3, false, 7);
    EXPECT_EQ(t.admit(4, kGuestA, 8).verdict, Admit::source_full);
}

TEST(FairShare, AFullTableGivesTheHeaviestSourcesOldestIdleEntry) {
    FairShare t(8, 6);
    for (uint64_t id = 1; id <= 6; ++id) t.admit(id, kGuestA, id);  // A: 6
    t.admit(7, kGuestB, 7);                                         // B: 1
    t.admit(8, kGuestB, 8);                                         // B: 2
    t.set_idle(4, true, 20);
    t.set_idle(5, true, 10);  // idle longest
    Admission a = t.admit(9, kGuestC, 30);
    EXPECT_EQ(a.verdict, Admit::evict);
    EXPECT_EQ(a.victim, 5u);
    EXPECT_EQ(t.held_by(kGuestA), 5u);
    EXPECT_EQ(t.held_by(kGuestC), 1u);
    EXPECT_EQ(t.size(), 8u);
    EXPECT_EQ(t.counters().evicted, 1u);
}

TEST(FairShare, AFullTableWithNothingIdleGivesTheHeaviestSourcesOldest) {
    // Pending forwards are never idle: the oldest of the heaviest goes.
    FairShare t(4, 4);
    for (uint64_t id = 1; id <= 4; ++id) t.admit(id, kGuestA, 100 + id);
    Admission a = t.admit(5, kGuestB, 200);
    EXPECT_EQ(a.verdict, Admit::evict);
    EXPECT_EQ(a.victim, 1u);
}

TEST(FairShare, EqualSourcesDoNotTakeTurns) {
    FairShare t(4, 4);
    t.admit(1, kGuestA, 1);
    t.admit(2, kGuestA, 2);
    t.admit(3, kGuestB, 3);
    t.admit(4, kGuestB, 4);
    // C holds none, A and B two each: one of them gives one up.
    EXPECT_EQ(t.admit(5, kGuestC, 5).verdict, Admit::evict);
    // Now C holds one and the heaviest two: taking one would only swap them.
    Admission a = t.admit(6, kGuestC, 6);
    EXPECT_EQ(a.verdict, Admit::table_full);
    EXPECT_EQ(t.counters().refused_full, 1u);
    EXPECT_EQ(t.size(), 4u);
}

TEST(FairShare, ATableFullOfOneSourceServesASecond) {
    // Issue 13 item 6: one guest floods, the other's lookups still go out.
    FairShare t(512, 512);
    for (uint64_t id = 1; id <= 512; ++id) t.admit(id, kGuestA, id);
    // B's first lookup takes A's oldest place; A refills the table at once.
    for (uint64_t id = 1000; id < 1020; ++id) {
        Admission a = t.admit(id, kGuestB, id);
        EXPECT_EQ(a.verdict, Admit::evict) << id;
        EXPECT_EQ(a.victim, id - 999) << id;
        EXPECT_EQ(t.admit(id + 1000, kGuestA, id).verdict, Admit::table_full);
        t.remove(id);  // answered
        EXPECT_EQ(t.admit(id + 2000, kGuestA, id).verdict, Admit::accept);
    }
    EXPECT_EQ(t.held_by(kGuestA), 512u);
    EXPECT_EQ(t.counters().evicted, 20u);
}

TEST(FairShare, RemoveAndSetIdleIgnoreUnknownIds) {
    FairShare t(2, 2);
    t.admit(1, kGuestA, 1);
    t.remove(7);
    t.set_idle(7, true, 2);
    t.set_idle(1, true, 2);
    t.set_idle(1, true, 3);  // no change, no double count
    t.remove(1);
    t.remove(1);
    EXPECT_EQ(t.size(), 0u);
    EXPECT_EQ(t.held_by(kGuestA), 0u);
    // Admitting the same id twice keeps one entry.
    t.admit(2, kGuestA, 4);
    t.admit(2, kGuestA, 5);
    EXPECT_EQ(t.held_by(kGuestA), 1u);
}

TEST(FairShare, LimitsAreClampedToSense) {
    FairShare t(0, 0);
    EXPECT_EQ(t.capacity(), 1u);
    EXPECT_EQ(t.per_source(), 1u);
    FairShare u(4, 10);
    EXPECT_EQ(u.per_source(), 4u);
}

TEST(FairShare, RandomOperationsKeepEveryBound) {
    // 20000 admits, removals and idle changes from 6 sources (fixed seed):
    // never more than the capacity, never more than a share per source, and
    // a victim is always an entry that was there.
    FairShare t(16, 5);
    std::mt19937 rng(13);
    std::map<uint64_t, Ipv4> live;
    std::map<uint32_t, size_t> held;
    for (uint64_t id = 1; id <= 20000; ++id) {
        const Ipv4 source(172, 16, 0, uint8_t(100 + rng() % 6));
        switch (rng() % 3) {
            case 0: {
                Admission a = t.admit(id, source, id);
                if (a.verdict == Admit::evict) {
                    ASSERT_TRUE(live.count(a.victim)) << id;
                    --held[live[a.victim].value()];
                    live.erase(a.victim);
                }
                if (a.accepted()) {
                    live[id] = source;
                    ++held[source.value()];
                }
                break;
            }
            case 1:
                if (!live.empty()) {
                    auto it = std::next(live.begin(), long(rng() % live.size()));
                    t.remove(it->first);
                    --held[it->second.value()];
                    live.erase(it);
                }
                break;
            default:
                if (!live.empty())
                    t.set_idle(std::next(live.begin(), long(rng() % live.size()))->first, rng() % 2,
                               id);
        }
        ASSERT_LE(t.size(), 16u);
        ASSERT_EQ(t.size(), live.size());
        for (const auto& [addr, n] : held) {
            ASSERT_LE(n, 5u);
            ASSERT_EQ(t.held_by(Ipv4(addr)), n);
        }
    }
    const auto& c = t.counters();
    EXPECT_GT(c.evicted, 0u);
    EXPECT_GT(c.refused_source + c.refused_full, 0u);
}
