// One guest cannot deny service to another: the pool-exhaustion episode,
// each source's share of held offers, the per-source lease limit and the
// refusal of relayed packets from ports (issue 13, item 4).
#include <gtest/gtest.h>

#include <set>

#include "libvswitch/dhcp/server_core.h"

using namespace vswitch;
using namespace vswitch::dhcp;
using namespace std::chrono_literals;

namespace {

const Clock::time_point t0{std::chrono::seconds(1'800'000'000)};

ServerConfig config(const char* subnet, size_t max_leases_per_source = kDefaultMaxLeasesPerSource) {
    ServerConfig c;
    c.subnet = *Ipv4Prefix::parse(subnet);
    c.lease_time = 3600s;
    c.max_leases_per_source = max_leases_per_source;
    return c;
}

ServerCore make_server(ServerConfig c) {
    auto s = ServerCore::create(std::move(c));
    EXPECT_TRUE(s.ok()) << s.error().message;
    return std::move(s).value();
}

Mac mac(int n) { return Mac({0x52, 0x54, 0x00, uint8_t(n >> 16), uint8_t(n >> 8), uint8_t(n)}); }

Message client(MessageType type, int n) {
    Message m;
    m.xid = uint32_t(n);
    m.set_mac(mac(n));
    m.options.set_message_type(type);
    return m;
}

// DISCOVER then REQUEST (selecting); the ACK's kind, or the first refusal.
DecisionKind dora(ServerCore& s, int n, Source source, Clock::time_point now) {
    auto offer = s.handle(client(MessageType::discover, n), now, source);
    if (offer.kind != DecisionKind::offer) return offer.kind;
    Message req = client(MessageType::request, n);
    req.options.set_address(OptionCode::server_id, s.server_id());
    req.options.set_address(OptionCode::requested_address, offer.reply.yiaddr);
    return s.handle(req, now, source).kind;
}

size_t count(const std::vector<LimitEvent>& events, Limit limit, bool began) {
    size_t n = 0;
    for (const auto& e : events) n += e.limit == limit && e.began == began;
    return n;
}

}  // namespace

TEST(DhcpServerFairness, PoolExhaustionIsOneEpisodeWhileLeasedAndNewClientsInterleave) {
    ServerCore s = make_server(config("10.9.8.0/29"));  // .2 .. .6: five addresses
    for (int n = 1; n <= 5; ++n) ASSERT_EQ(dora(s, n, 0, t0), DecisionKind::ack) << n;
    std::vector<LimitEvent> events;
    // A leased client's DISCOVER (it gets its own address back) between
    // new clients' used to end the episode and warn again each time.
    for (int i = 0; i < 200; ++i) {
        auto now = t0 + std::chrono::milliseconds(100 * i);
        EXPECT_EQ(s.handle(client(MessageType::discover, 1), now).kind, DecisionKind::offer);
        EXPECT_EQ(s.handle(client(MessageType::discover, 100 + i), now).kind, DecisionKind::ignore);
        for (auto& e : s.take_limit_events()) events.push_back(e);
    }
    EXPECT_EQ(count(events, Limit::pool, true), 1u);
    EXPECT_EQ(count(events, Limit::pool, false), 0u);
    EXPECT_EQ(s.counters().pool_exhausted, 200u);
    // A lease expires: the next new client gets it and the episode ends,
    // saying how many were turned away.
    s.expire(t0 + 3600s);
    EXPECT_EQ(s.handle(client(MessageType::discover, 999), t0 + 3600s).kind, DecisionKind::offer);
    events = s.take_limit_events();
    ASSERT_EQ(count(events, Limit::pool, false), 1u);
    EXPECT_EQ(events.back().refused, 200u);
}

TEST(DhcpServerFairness, PoolEpisodeDoesNotEndWithinTheQuietTime) {
    ServerCore s = make_server(config("10.9.8.0/29"));
    for (int n = 1; n <= 5; ++n) ASSERT_EQ(dora(s, n, 0, t0), DecisionKind::ack);
    EXPECT_EQ(s.handle(client(MessageType::discover, 50), t0).kind, DecisionKind::ignore);
    s.expire(t0 + 3600s);  // all five expire at once
    auto later = t0 + 3600s;
    // Free again, but the last refusal is an hour old: ends at once.
    EXPECT_EQ(s.handle(client(MessageType::discover, 51), later).kind, DecisionKind::offer);
    EXPECT_EQ(count(s.take_limit_events(), Limit::pool, false), 1u);
    // Refill, refuse, free one and retry within kLimitQuietTime: no end yet.
    for (int n = 52; n <= 55; ++n) ASSERT_EQ(dora(s, n, 0, later), DecisionKind::ack);
    ASSERT_EQ(dora(s, 51, 0, later), DecisionKind::ack);
    EXPECT_EQ(s.handle(client(MessageType::discover, 60), later).kind, DecisionKind::ignore);
    EXPECT_EQ(count(s.take_limit_events(), Limit::pool, true), 1u);
    Message release = client(MessageType::release, 52);
    release.ciaddr = s.leases().find_by_mac(mac(52))->address;
    s.handle(release, later + 1s);
    EXPECT_EQ(s.handle(client(MessageType::discover, 61), later + 2s).kind, DecisionKind::offer);
    EXPECT_TRUE(s.take_limit_events().empty());
}

TEST(DhcpServerFairness, ADiscoverStreamFromOnePortOnlyChurnsItsOwnHolds) {
    ServerCore s = make_server(config("172.27.160.0/20"));
    // 50 random MACs a second for a minute from port 7: more than the table
    // holds in one hold time (the lock-out).
    for (int i = 0; i < 3000; ++i) {
        auto now = t0 + std::chrono::milliseconds(20 * i);
        ASSERT_EQ(s.handle(client(MessageType::discover, 100000 + i), now, 7).kind, DecisionKind::offer) << i;
        ASSERT_LE(s.pool().pending_offers_of(7), kMaxPendingOffersPerSource);
        if (i % 500 == 250) {
            // Meanwhile a guest on port 8 gets an offer and its lease.
            EXPECT_EQ(dora(s, i, 8, now), DecisionKind::ack) << i;
        }
    }
    EXPECT_EQ(s.leases_of(8), 6u);
    EXPECT_GT(s.counters().offers_evicted, 0u);
    auto events = s.take_limit_events();
    ASSERT_EQ(count(events, Limit::offers_per_source, true), 1u);
    EXPECT_EQ(events.front().source, 7u);
    EXPECT_EQ(count(events, Limit::pending_offers, true), 0u);
    // The stream stops; its next DISCOVER after the quiet time ends it.
    auto after = t0 + 60s + kOfferHoldTime;
    EXPECT_EQ(s.handle(client(MessageType::discover, 5), after, 7).kind, DecisionKind::offer);
    events = s.take_limit_events();
    ASSERT_EQ(count(events, Limit::offers_per_source, false), 1u);
    EXPECT_GT(events.back().refused, 2000u);
}

TEST(DhcpServerFairness, AFullTableOfHeldOffersStillServesALightPort) {
    ServerCore s = make_server(config("172.27.0.0/16"));
    // Four ports flooding fill the whole table.
    int n = 1;
    for (Source port = 1; port <= 4; ++port)
        for (size_t i = 0; i < kMaxPendingOffersPerSource; ++i)
            ASSERT_EQ(s.handle(client(MessageType::discover, n++), t0, port).kind, DecisionKind::offer);
    ASSERT_EQ(s.pool().pending_offers(), kMaxPendingOffers);
    // A fifth port's guest is served, at the cost of a heavy port's oldest hold.
    EXPECT_EQ(dora(s, n++, 5, t0 + 1s), DecisionKind::ack);
    EXPECT_EQ(s.pool().pending_offers(), kMaxPendingOffers - 1);  // its hold became a lease
    EXPECT_EQ(s.counters().offers_evicted, 1u);
    EXPECT_EQ(count(s.take_limit_events(), Limit::pending_offers, true), 1u);
}

TEST(DhcpServerFairness, CapsLeasesPerPort) {
    ServerCore s = make_server(config("172.27.160.0/20", 3));
    for (int n = 1; n <= 3; ++n) ASSERT_EQ(dora(s, n, 9, t0), DecisionKind::ack) << n;
    // The fourth client on port 9: no offer; a REQUEST straight away is NAKed.
    EXPECT_EQ(s.handle(client(MessageType::discover, 4), t0, 9).kind, DecisionKind::ignore);
    Message reboot = client(MessageType::request, 4);
    reboot.options.set_address(OptionCode::requested_address, Ipv4(172, 27, 161, 1));
    EXPECT_EQ(s.handle(reboot, t0, 9).kind, DecisionKind::nak);
    EXPECT_EQ(s.counters().leases_refused, 2u);
    EXPECT_EQ(s.leases_of(9), 3u);
    auto events = s.take_limit_events();
    ASSERT_EQ(count(events, Limit::leases_per_source, true), 1u);
    EXPECT_EQ(events.front().limit_value, 3u);
    // Another port is not affected; the host (source 0) has no limit.
    EXPECT_EQ(dora(s, 5, 10, t0), DecisionKind::ack);
    for (int n = 6; n <= 10; ++n) EXPECT_EQ(dora(s, n, 0, t0), DecisionKind::ack);
    // Port 9's clients renew as before.
    Message renew = client(MessageType::request, 1);
    renew.ciaddr = s.leases().find_by_mac(mac(1))->address;
    EXPECT_EQ(s.handle(renew, t0 + 1800s, 9).kind, DecisionKind::ack);
    // One releases: after the quiet time a new client fits, and the episode ends.
    Message release = client(MessageType::release, 2);
    release.ciaddr = s.leases().find_by_mac(mac(2))->address;
    s.handle(release, t0 + 1800s, 9);
    EXPECT_EQ(s.leases_of(9), 2u);
    EXPECT_EQ(dora(s, 4, 9, t0 + 1800s), DecisionKind::ack);
    EXPECT_EQ(count(s.take_limit_events(), Limit::leases_per_source, false), 1u);
    // A client moving to another port is counted there.
    renew = client(MessageType::request, 3);
    renew.ciaddr = s.leases().find_by_mac(mac(3))->address;
    EXPECT_EQ(s.handle(renew, t0 + 1900s, 10).kind, DecisionKind::ack);
    EXPECT_EQ(s.leases_of(9), 2u);
    EXPECT_EQ(s.leases_of(10), 2u);
}

TEST(DhcpServerFairness, ExpiredLeasesLeaveTheirPortsCount) {
    ServerCore s = make_server(config("172.27.160.0/20", 2));
    ASSERT_EQ(dora(s, 1, 4, t0), DecisionKind::ack);
    ASSERT_EQ(dora(s, 2, 4, t0), DecisionKind::ack);
    EXPECT_EQ(dora(s, 3, 4, t0), DecisionKind::ignore);
    s.expire(t0 + 3600s);
    EXPECT_EQ(s.leases_of(4), 0u);
    EXPECT_EQ(dora(s, 3, 4, t0 + 3600s), DecisionKind::ack);
}

TEST(DhcpServerFairness, RelayedPacketsFromAPortAreDroppedAndCounted) {
    ServerCore s = make_server(config("172.27.160.0/20"));
    Message relayed = client(MessageType::discover, 1);
    relayed.giaddr = Ipv4(172, 27, 160, 50);
    relayed.hops = 1;
    auto d = s.handle(relayed, t0, 3);
    EXPECT_EQ(d.kind, DecisionKind::ignore);
    ASSERT_TRUE(d.dropped);
    EXPECT_EQ(*d.dropped, DropReason::relay_from_port);
    EXPECT_EQ(s.counters().dropped[size_t(DropReason::relay_from_port)], 1u);
    EXPECT_EQ(s.pool().pending_offers(), 0u);
    // The host itself may relay.
    EXPECT_EQ(s.handle(relayed, t0, 0).kind, DecisionKind::offer);
}

TEST(DhcpServerFairness, InASmallPoolOnePortsHoldsLeaveRoomForOthers) {
    ServerCore s = make_server(config("10.9.8.0/26"));  // 61 addresses: a share of 15
    ASSERT_EQ(s.pool().offer_share(), 15u);
    for (int i = 0; i < 500; ++i)
        ASSERT_EQ(s.handle(client(MessageType::discover, 1000 + i), t0, 3).kind, DecisionKind::offer) << i;
    EXPECT_EQ(s.pool().pending_offers_of(3), 15u);
    for (int n = 1; n <= 40; ++n) EXPECT_EQ(dora(s, n, Source(100 + n), t0 + 1s), DecisionKind::ack) << n;
}

TEST(DhcpServerFairness, RefusesALeaseLimitOfZero) {
    EXPECT_FALSE(ServerCore::create(config("172.27.160.0/20", 0)).ok());
}
