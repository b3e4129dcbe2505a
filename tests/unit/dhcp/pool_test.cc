#include "libvswitch/dhcp/pool.h"

#include <gtest/gtest.h>

#include <set>

#include "libvswitch/dhcp/limits.h"

using namespace vswitch;
using namespace vswitch::dhcp;
using namespace std::chrono_literals;

namespace {

const Clock::time_point t0{std::chrono::seconds(1'800'000'000)};

AddressPool make_pool(const char* prefix) {
    auto p = AddressPool::create(*Ipv4Prefix::parse(prefix));
    EXPECT_TRUE(p.ok());
    return std::move(p).value();
}

}  // namespace

TEST(DhcpPool, GatewayIsFirstRangeIsSecondToBeforeBroadcast) {
    auto p = make_pool("172.27.160.0/20");
    EXPECT_EQ(p.gateway(), Ipv4(172, 27, 160, 1));
    EXPECT_EQ(p.first(), Ipv4(172, 27, 160, 2));
    EXPECT_EQ(p.last(), Ipv4(172, 27, 175, 254));
    EXPECT_EQ(p.size(), 4093u);
    EXPECT_FALSE(p.in_range(p.gateway()));
    EXPECT_FALSE(p.in_range(Ipv4(172, 27, 175, 255)));
}

TEST(DhcpPool, RefusesSubnetsWithoutRoom) {
    EXPECT_FALSE(AddressPool::create(*Ipv4Prefix::parse("10.0.0.0/31")).ok());
    EXPECT_FALSE(AddressPool::create(*Ipv4Prefix::parse("10.0.0.0/8")).ok());
    auto p = AddressPool::create(*Ipv4Prefix::parse("10.0.0.0/30"));
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->size(), 1u);
}

TEST(DhcpPool, SameClientSameHostOffsetInAnotherSubnet) {
    auto today = make_pool("172.27.160.0/20");
    auto tomorrow = make_pool("172.19.48.0/20");
    LeaseTable none;
    auto a = today.pick("client-a", none, t0);
    auto b = tomorrow.pick("client-a", none, t0);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->value() - today.first().value(), b->value() - tomorrow.first().value());
    auto other = today.pick("client-b", none, t0);
    ASSERT_TRUE(other);
    EXPECT_NE(*other, *a);  // (with these keys; FNV-1a is fixed)
}

TEST(DhcpPool, ProbesPastLeasedReservedQuarantinedAndHeld) {
    auto p = make_pool("10.0.0.0/24");
    LeaseTable leases;
    const std::string key = "me";
    Ipv4 home(p.first().value() + p.preferred_index(key));
    auto next = [&](Ipv4 a) { return Ipv4(a == p.last() ? p.first().value() : a.value() + 1); };
    ASSERT_EQ(p.pick(key, leases, t0), home);
    ASSERT_TRUE(leases.upsert(Lease{"other", Mac(), home, "", t0 + 1h}).ok());
    EXPECT_EQ(p.pick(key, leases, t0), next(home));
    ASSERT_TRUE(p.reserve(next(home)).ok());
    EXPECT_EQ(p.pick(key, leases, t0), next(next(home)));
    p.quarantine(next(next(home)), t0);
    EXPECT_EQ(p.pick(key, leases, t0), next(next(next(home))));
    p.hold("third", next(next(next(home))), t0);
    Ipv4 fifth = next(next(next(next(home))));
    EXPECT_EQ(p.pick(key, leases, t0), fifth);
    // Holds and quarantines run out; reservations and leases do not.
    EXPECT_EQ(p.pick(key, leases, t0 + kOfferHoldTime), next(next(next(home))));
    EXPECT_EQ(p.pick(key, leases, t0 + kDeclineQuarantine), next(next(home)));
    p.unreserve(next(home));
    EXPECT_EQ(p.pick(key, leases, t0 + kDeclineQuarantine), next(home));
}

TEST(DhcpPool, OwnLeaseAndOwnHoldAreAvailableToTheirClient) {
    auto p = make_pool("10.0.0.0/24");
    LeaseTable leases;
    Ipv4 a(10, 0, 0, 50);
    ASSERT_TRUE(leases.upsert(Lease{"me", Mac(), a, "", t0 + 1h}).ok());
    EXPECT_TRUE(p.available(a, "me", leases, t0));
    EXPECT_FALSE(p.available(a, "you", leases, t0));
    Ipv4 b(10, 0, 0, 51);
    p.hold("me", b, t0);
    EXPECT_EQ(p.held_for("me", t0), b);
    EXPECT_TRUE(p.available(b, "me", leases, t0));
    EXPECT_FALSE(p.available(b, "you", leases, t0));
    // A new hold for the same client replaces the old one.
    p.hold("me", Ipv4(10, 0, 0, 52), t0);
    EXPECT_TRUE(p.available(b, "you", leases, t0));
    EXPECT_EQ(p.pending_offers(), 1u);
    p.release_hold("me");
    EXPECT_EQ(p.held_for("me", t0), std::nullopt);
    EXPECT_EQ(p.pending_offers(), 0u);
}

TEST(DhcpPool, ASourcePastItsShareEvictsItsOwnOldestHold) {
    auto p = make_pool("10.0.0.0/16");
    auto addr = [](size_t i) { return Ipv4(Ipv4(10, 0, 1, 0).value() + uint32_t(i)); };
    ASSERT_FALSE(p.hold("light", Ipv4(10, 0, 200, 1), t0, 2).evicted_own);
    for (size_t i = 0; i < kMaxPendingOffersPerSource; ++i) {
        auto out = p.hold("c" + std::to_string(i), addr(i), t0 + std::chrono::milliseconds(i), 1);
        ASSERT_FALSE(out.evicted_own || out.evicted_other) << i;
    }
    auto out = p.hold("one-more", Ipv4(10, 0, 200, 2), t0 + 1s, 1);
    EXPECT_TRUE(out.evicted_own);
    EXPECT_FALSE(out.evicted_other);
    EXPECT_EQ(p.pending_offers_of(1), kMaxPendingOffersPerSource);
    EXPECT_EQ(p.held_for("c0", t0 + 1s), std::nullopt);  // the oldest went
    EXPECT_EQ(p.held_for("c1", t0 + 1s), addr(1));
    EXPECT_TRUE(p.available(addr(0), "anyone", LeaseTable{}, t0 + 1s));
    EXPECT_EQ(p.held_for("light", t0 + 1s), Ipv4(10, 0, 200, 1));  // another source's hold stays
    // An expired oldest hold is no eviction.
    EXPECT_FALSE(p.hold("later", Ipv4(10, 0, 200, 3), t0 + kOfferHoldTime + 1s, 1).evicted_own);
}

TEST(DhcpPool, AFullTableEvictsTheHeaviestSourcesOldestHold) {
    auto p = make_pool("10.0.0.0/16");
    uint32_t next = Ipv4(10, 0, 1, 0).value();
    // Sources 1..4 each hold their share but source 3, which holds one less.
    for (uint32_t source = 1; source <= 4; ++source) {
        size_t n = kMaxPendingOffersPerSource - (source == 3 ? 1 : 0);
        for (size_t i = 0; i < n; ++i)
            p.hold("s" + std::to_string(source) + "-" + std::to_string(i), Ipv4(next++), t0, source);
    }
    p.hold("s5-0", Ipv4(next++), t0, 5);
    ASSERT_EQ(p.pending_offers(), kMaxPendingOffers);
    auto out = p.hold("s6-0", Ipv4(next++), t0 + 1s, 6);
    EXPECT_TRUE(out.evicted_other);
    EXPECT_EQ(out.evicted_source, p.pending_offers_of(1) < kMaxPendingOffersPerSource ? 1u
                                  : p.pending_offers_of(2) < kMaxPendingOffersPerSource ? 2u : 4u);
    EXPECT_EQ(p.pending_offers(), kMaxPendingOffers);
    EXPECT_EQ(p.pending_offers_of(5), 1u);  // the light sources keep theirs
    EXPECT_EQ(p.pending_offers_of(6), 1u);
    EXPECT_EQ(p.pending_offers_of(3), kMaxPendingOffersPerSource - 1);
    // Once the earlier offers expire there is room again, evicting nobody.
    out = p.hold("s7-0", Ipv4(next++), t0 + kOfferHoldTime, 7);
    EXPECT_FALSE(out.evicted_other);
    EXPECT_EQ(p.pending_offers(), 2u);
}

TEST(DhcpPool, HintBeatsHashWhenInRange) {
    auto p = make_pool("10.0.0.0/24");
    uint32_t hashed = p.preferred_index("me");
    p.set_hint("me", (hashed + 7) % p.size());
    EXPECT_EQ(p.preferred_index("me"), (hashed + 7) % p.size());
    p.set_hint("me", 100000);  // from a bigger subnet: ignored
    EXPECT_EQ(p.preferred_index("me"), hashed);
}

TEST(DhcpPool, StepsOverLongLeasedRunsAndWrapsAround) {
    auto p = make_pool("10.0.0.0/20");
    LeaseTable leases;
    // A client whose home is well inside the range, so that the run after
    // it is long and the range's start has room before it.
    std::string key;
    for (int i = 0; key.empty(); ++i)
        if (uint32_t h = p.preferred_index("me" + std::to_string(i)); h > 100 && h < p.size() - 100)
            key = "me" + std::to_string(i);
    uint32_t home = p.preferred_index(key);
    // Every address from the client's home to the end of the range is
    // leased, and the first three of the range too: the pick wraps and
    // lands on the fourth.
    for (uint32_t i = home; i < p.size(); ++i)
        ASSERT_TRUE(leases.upsert(Lease{"c" + std::to_string(i), Mac(), Ipv4(p.first().value() + i), "", t0 + 1h}).ok());
    for (uint32_t i = 0; i < 3; ++i)
        ASSERT_TRUE(leases.upsert(Lease{"w" + std::to_string(i), Mac(), Ipv4(p.first().value() + i), "", t0 + 1h}).ok());
    Ipv4 want(p.first().value() + 3);
    EXPECT_EQ(p.pick(key, leases, t0), want);
    // A reserved address right after a run is stepped over too.
    ASSERT_TRUE(p.reserve(want).ok());
    EXPECT_EQ(p.pick(key, leases, t0), Ipv4(want.value() + 1));
}

TEST(DhcpPool, FindsTheClientsOwnLeaseInsideARun) {
    auto p = make_pool("10.0.0.0/24");
    LeaseTable leases;
    const std::string key = "me";
    uint32_t home = p.preferred_index(key);
    // Others hold home .. home+4, the client itself home+5, others after.
    for (uint32_t k = 0; k < 10; ++k) {
        Ipv4 a(p.first().value() + (home + k) % p.size());
        ASSERT_TRUE(leases.upsert(Lease{k == 5 ? key : "o" + std::to_string(k), Mac(), a, "", t0 + 1h}).ok());
    }
    EXPECT_EQ(p.pick(key, leases, t0), Ipv4(p.first().value() + (home + 5) % p.size()));
    EXPECT_EQ(leases.leased_run(Ipv4(p.first().value() + home), p.last(), key),
              std::min<uint32_t>(5, p.size() - home));
}
