#include "libvswitch/dhcp/lease.h"

#include <gtest/gtest.h>

#include "libvswitch/dhcp/limits.h"

using namespace vswitch;
using namespace vswitch::dhcp;
using namespace std::chrono_literals;

namespace {

const Clock::time_point t0{std::chrono::seconds(1'800'000'000)};

Lease lease(std::string key, Ipv4 a, Clock::time_point expiry) {
    return Lease{std::move(key), *Mac::parse("52:54:00:00:00:01"), a, "vm", expiry};
}

}  // namespace

TEST(DhcpClientKey, ClientIdWinsElseHardwareTypeAndMac) {
    auto mac = *Mac::parse("52:54:00:12:34:56");
    EXPECT_EQ(client_key_to_hex(make_client_key(std::nullopt, mac)), "01:52:54:00:12:34:56");
    const uint8_t id[] = {0xff, 0x00, 0x12};
    EXPECT_EQ(client_key_to_hex(make_client_key(std::span<const uint8_t>(id), mac)), "ff:00:12");
}

TEST(DhcpClientKey, HexRoundTripsAndRefusesGarbage) {
    std::string key("\x01\xab\x00\xff", 4);
    EXPECT_EQ(client_key_from_hex(client_key_to_hex(key)), key);
    for (const char* bad : {"", "a", "0g", "01:0", "01-02", "01:02:", "010203"})
        EXPECT_EQ(client_key_from_hex(bad), std::nullopt) << bad;
}

TEST(DhcpLeaseTable, FindsByKeyAndAddressAndMovesAClient) {
    LeaseTable t;
    ASSERT_TRUE(t.upsert(lease("a", Ipv4(10, 0, 0, 2), t0 + 1h)).ok());
    ASSERT_TRUE(t.upsert(lease("b", Ipv4(10, 0, 0, 3), t0 + 2h)).ok());
    ASSERT_NE(t.find_by_key("a"), nullptr);
    EXPECT_EQ(t.find_by_key("a")->address, Ipv4(10, 0, 0, 2));
    EXPECT_EQ(t.find_by_address(Ipv4(10, 0, 0, 3))->client_key, "b");
    // Client a moves: its old address is free again.
    ASSERT_TRUE(t.upsert(lease("a", Ipv4(10, 0, 0, 4), t0 + 3h)).ok());
    EXPECT_EQ(t.find_by_address(Ipv4(10, 0, 0, 2)), nullptr);
    EXPECT_EQ(t.find_by_address(Ipv4(10, 0, 0, 4))->client_key, "a");
    EXPECT_EQ(t.size(), 2u);
}

TEST(DhcpLeaseTable, RefusesAnAddressHeldByAnotherClient) {
    LeaseTable t;
    ASSERT_TRUE(t.upsert(lease("a", Ipv4(10, 0, 0, 2), t0)).ok());
    auto st = t.upsert(lease("b", Ipv4(10, 0, 0, 2), t0));
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, EEXIST);
    EXPECT_EQ(t.find_by_key("b"), nullptr);
}

TEST(DhcpLeaseTable, ExpiresInOrderAndTracksNextExpiry) {
    LeaseTable t;
    EXPECT_EQ(t.next_expiry(), std::nullopt);
    ASSERT_TRUE(t.upsert(lease("a", Ipv4(10, 0, 0, 2), t0 + 2h)).ok());
    ASSERT_TRUE(t.upsert(lease("b", Ipv4(10, 0, 0, 3), t0 + 1h)).ok());
    EXPECT_EQ(t.next_expiry(), t0 + 1h);
    // Renewing b moves its expiry past a's.
    ASSERT_TRUE(t.upsert(lease("b", Ipv4(10, 0, 0, 3), t0 + 3h)).ok());
    EXPECT_EQ(t.next_expiry(), t0 + 2h);
    EXPECT_TRUE(t.expire(t0 + 2h - 1s).empty());
    auto gone = t.expire(t0 + 2h);
    ASSERT_EQ(gone.size(), 1u);
    EXPECT_EQ(gone[0].client_key, "a");
    EXPECT_EQ(t.find_by_address(Ipv4(10, 0, 0, 2)), nullptr);
    EXPECT_EQ(t.next_expiry(), t0 + 3h);
    EXPECT_EQ(t.erase("b")->address, Ipv4(10, 0, 0, 3));
    EXPECT_TRUE(t.empty());
    EXPECT_EQ(t.erase("b"), std::nullopt);
}

TEST(DhcpLeaseTable, ListsLeasesByAddress) {
    LeaseTable t;
    ASSERT_TRUE(t.upsert(lease("z", Ipv4(10, 0, 0, 9), t0)).ok());
    ASSERT_TRUE(t.upsert(lease("y", Ipv4(10, 0, 0, 3), t0)).ok());
    auto all = t.leases();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].client_key, "y");
    EXPECT_EQ(all[1].client_key, "z");
}

TEST(LeaseTable, AddressIndexFollowsReplacedAndErasedLeases) {
    LeaseTable t;
    const Clock::time_point now{std::chrono::seconds(1'800'000'000)};
    ASSERT_TRUE(t.upsert(Lease{"a", Mac(), Ipv4(10, 0, 0, 5), "x", now}).ok());
    ASSERT_TRUE(t.upsert(Lease{"b", Mac(), Ipv4(10, 0, 0, 6), "", now}).ok());
    // The client moves: its old address is free, the new one is its.
    ASSERT_TRUE(t.upsert(Lease{"a", Mac(), Ipv4(10, 0, 0, 7), "y", now}).ok());
    EXPECT_EQ(t.find_by_address(Ipv4(10, 0, 0, 5)), nullptr);
    ASSERT_NE(t.find_by_address(Ipv4(10, 0, 0, 7)), nullptr);
    EXPECT_EQ(t.find_by_address(Ipv4(10, 0, 0, 7))->hostname, "y");
    EXPECT_EQ(t.leased_run(Ipv4(10, 0, 0, 6), Ipv4(10, 0, 0, 254), "z"), 2u);
    EXPECT_EQ(t.leased_run(Ipv4(10, 0, 0, 6), Ipv4(10, 0, 0, 6), "z"), 1u);  // stops at last
    EXPECT_EQ(t.leased_run(Ipv4(10, 0, 0, 6), Ipv4(10, 0, 0, 254), "a"), 1u);  // stops at a's own
    EXPECT_EQ(t.leased_run(Ipv4(10, 0, 0, 5), Ipv4(10, 0, 0, 254), "z"), 0u);
    ASSERT_TRUE(t.erase("b"));
    EXPECT_EQ(t.find_by_address(Ipv4(10, 0, 0, 6)), nullptr);
    EXPECT_EQ(t.leases().size(), 1u);
}

TEST(LeaseTable, FindsALeaseByMac) {
    LeaseTable t;
    Lease a{"01:aa", *Mac::parse("52:54:00:00:00:01"), Ipv4(10, 0, 0, 2), "a", Clock::time_point{}};
    Lease b{"01:bb", *Mac::parse("52:54:00:00:00:02"), Ipv4(10, 0, 0, 3), "b", Clock::time_point{}};
    ASSERT_TRUE(t.upsert(a).ok());
    ASSERT_TRUE(t.upsert(b).ok());
    const Lease* found = t.find_by_mac(*Mac::parse("52:54:00:00:00:02"));
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(found->address, Ipv4(10, 0, 0, 3));
    EXPECT_EQ(t.find_by_mac(*Mac::parse("52:54:00:00:00:09")), nullptr);
    (void)t.erase("01:bb");
    EXPECT_EQ(t.find_by_mac(*Mac::parse("52:54:00:00:00:02")), nullptr);
}
