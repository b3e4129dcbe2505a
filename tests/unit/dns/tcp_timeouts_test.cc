#include "libvswitch/dns/tcp_timeouts.h"

#include <gtest/gtest.h>

using namespace vswitch::dns;

namespace {

constexpr uint64_t kS = 1'000'000;
// The daemon's values (daemon/dns/limits.h), in seconds from t = 100 s.
constexpr TcpTimeouts kT{10 * kS, 2 * kS, 20 * kS, 5 * kS};
constexpr uint64_t kOpen = 100 * kS;

}  // namespace

TEST(TcpTimeline, AnIdleConnectionClosesAfterTheIdleTime) {
    TcpTimeline t(kT, kOpen);
    EXPECT_TRUE(t.idle());
    EXPECT_EQ(t.deadline(), kOpen + 10 * kS);
    EXPECT_EQ(t.expired(kOpen + 10 * kS - 1), TcpExpiry::none);
    EXPECT_EQ(t.expired(kOpen + 10 * kS), TcpExpiry::idle);
}

TEST(TcpTimeline, ASlowlorisIsCutOffAtTheQueryReadTime) {
    // One byte every 4 s: each read resets the idle time, but the query
    // begun at the first byte must be whole 2 s later.
    TcpTimeline t(kT, kOpen);
    t.on_read(kOpen + 1 * kS, true);
    EXPECT_FALSE(t.idle());
    EXPECT_EQ(t.deadline(), kOpen + 3 * kS);
    EXPECT_EQ(t.expired(kOpen + 3 * kS), TcpExpiry::slow_query);
    // A later byte of the same query does not buy time.
    t.on_read(kOpen + 2 * kS, true);
    EXPECT_EQ(t.deadline(), kOpen + 3 * kS);
}

TEST(TcpTimeline, AWholeQueryStopsTheReadClockAndANewOneRestartsIt) {
    TcpTimeline t(kT, kOpen);
    t.on_read(kOpen + 1 * kS, true);
    t.on_read(kOpen + 2 * kS, false);  // complete
    t.set_busy(kOpen + 2 * kS, true);  // forwarded
    EXPECT_FALSE(t.idle());
    EXPECT_EQ(t.deadline(), kOpen + 20 * kS);  // only the lifetime while busy
    t.set_busy(kOpen + 3 * kS, false);         // answered: idle from now
    EXPECT_EQ(t.deadline(), kOpen + 13 * kS);
    t.on_read(kOpen + 5 * kS, true);
    EXPECT_EQ(t.deadline(), kOpen + 7 * kS);
}

TEST(TcpTimeline, ABusyConnectionIsNeverIdleButReachesItsLifetime) {
    TcpTimeline t(kT, kOpen);
    t.set_busy(kOpen, true);
    EXPECT_EQ(t.expired(kOpen + 15 * kS), TcpExpiry::none);
    EXPECT_EQ(t.expired(kOpen + 20 * kS), TcpExpiry::lifetime);
}

TEST(TcpTimeline, AnActiveConnectionEndsAtItsLifetimeThenDrains) {
    TcpTimeline t(kT, kOpen);
    // A query every second, each answered at once: never idle for long.
    for (uint64_t s = 1; s < 20; ++s) {
        t.on_read(kOpen + s * kS, false);
        t.set_busy(kOpen + s * kS, true);
        t.set_busy(kOpen + s * kS, false);
        EXPECT_EQ(t.expired(kOpen + s * kS), TcpExpiry::none);
    }
    EXPECT_EQ(t.deadline(), kOpen + 20 * kS);
    EXPECT_EQ(t.expired(kOpen + 20 * kS), TcpExpiry::lifetime);
    t.start_draining();
    EXPECT_TRUE(t.draining());
    EXPECT_EQ(t.deadline(), kOpen + 25 * kS);
    EXPECT_EQ(t.expired(kOpen + 24 * kS), TcpExpiry::none);
    EXPECT_EQ(t.expired(kOpen + 25 * kS), TcpExpiry::drained);
}

TEST(TcpTimeline, AHalfReadQueryAtTheLifetimeIsASlowQuery) {
    TcpTimeline t(kT, kOpen);
    t.on_read(kOpen + 19 * kS, true);
    EXPECT_EQ(t.deadline(), kOpen + 20 * kS);
    EXPECT_EQ(t.expired(kOpen + 21 * kS), TcpExpiry::slow_query);
}

TEST(TcpTimeline, ExpiriesHaveNames) {
    EXPECT_STREQ(to_string(TcpExpiry::slow_query), "query read too slowly");
    EXPECT_STREQ(to_string(TcpExpiry::lifetime), "lifetime reached");
}
