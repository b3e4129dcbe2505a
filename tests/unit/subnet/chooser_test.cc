#include "libvswitch/subnet/chooser.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <vector>

using namespace vswitch;
using namespace vswitch::subnet;

namespace {

constexpr std::string_view kBootId = "0f4c6e1a-9d2b-4c3e-8a7f-5b6d7e8f9a0b";

Ipv4Prefix prefix(const char* s) {
    auto p = Ipv4Prefix::parse(s);
    EXPECT_TRUE(p.ok()) << s;
    return p.ok() ? *p : Ipv4Prefix{};
}

SubnetRequest default_request(std::string_view boot_id = kBootId) {
    SubnetRequest r;
    r.pool = prefix("172.16.0.0/12");
    r.prefix_length = 20;
    r.boot_id = boot_id;
    r.switch_name = "Default";
    return r;
}

Ipv4Prefix choose_ok(const SubnetRequest& r) {
    auto p = choose_subnet(r);
    EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
    return p.ok() ? *p : Ipv4Prefix{};
}

// Boot ids from a fixed-seed generator: the statistical tests are
// reproducible, not flaky.
std::vector<std::string> boot_ids(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<std::string> out;
    for (size_t i = 0; i < n; ++i) {
        char buf[37];
        std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%04x%08x", unsigned(rng()),
                      unsigned(rng() & 0xffff), unsigned(rng() & 0xffff), unsigned(rng() & 0xffff),
                      unsigned(rng() & 0xffff), unsigned(rng()));
        out.emplace_back(buf);
    }
    return out;
}

}  // namespace

TEST(SubnetChooser, SameBootIdAndSwitchGiveSameBlock) {
    auto a = choose_ok(default_request());
    auto b = choose_ok(default_request());
    EXPECT_EQ(a, b);
}

TEST(SubnetChooser, ChosenBlockIsAlignedInsidePool) {
    for (const auto& id : boot_ids(200, 7)) {
        auto p = choose_ok(default_request(id));
        EXPECT_EQ(p.length(), 20);
        EXPECT_EQ(p.network(), p.address()) << p.to_string();
        EXPECT_TRUE(prefix("172.16.0.0/12").contains(p)) << p.to_string();
    }
}

// Pins the visiting order: the seed hash (FNV-1a) and std::mt19937_64 are
// both fixed by specification, so every build on every platform must agree;
// a change here renumbers every user's switch at upgrade.
TEST(SubnetChooser, OrderIsStableAcrossBuilds) {
    EXPECT_EQ(choose_ok(default_request()).to_string(), "172.17.160.0/20");
    auto r = default_request();
    r.switch_name = "Lab";
    EXPECT_EQ(choose_ok(r).to_string(), "172.24.16.0/20");
}

TEST(SubnetChooser, DifferentSwitchNameUsuallyGivesDifferentBlock) {
    int differ = 0;
    auto ids = boot_ids(100, 11);
    for (const auto& id : ids) {
        auto a = default_request(id);
        auto b = default_request(id);
        b.switch_name = "Lab";
        if (choose_ok(a) != choose_ok(b)) ++differ;
    }
    // Equal by chance with probability 1/256 each: ~0.4 of 100 expected.
    EXPECT_GE(differ, 95);
}

// ("<id>x", "Default") and ("<id>", "xDefault") concatenate to the same
// bytes; the separator in the seed must keep them apart.
TEST(SubnetChooser, SeparatorKeepsBootIdAndNameApart) {
    int differ = 0;
    for (const auto& id : boot_ids(50, 3)) {
        std::string left_id = id + "x";
        SubnetRequest p = default_request(left_id);
        SubnetRequest q = default_request(id);
        q.switch_name = "xDefault";
        if (choose_ok(p) != choose_ok(q)) ++differ;
    }
    EXPECT_GE(differ, 45);
}

// 1000 boots over 256 blocks: ~3.9 per block (Poisson). Expected distinct
// blocks 256 * (1 - e^-3.9) ~ 251; P(a given block >= 16) ~ 1e-5, so the
// bounds below only fail for a biased order.
TEST(SubnetChooser, RandomBootIdsSpreadOverThePool) {
    std::map<uint32_t, int> hits;
    for (const auto& id : boot_ids(1000, 42)) hits[choose_ok(default_request(id)).network().value()]++;
    int max_hits = 0;
    for (auto& [block, n] : hits) max_hits = std::max(max_hits, n);
    EXPECT_GE(hits.size(), 235u);
    EXPECT_LE(max_hits, 15);
}

// With half the pool taken the free half must still be used evenly: the
// block after a taken run must not soak up the choices (as it would with
// a fixed-stride walk).
TEST(SubnetChooser, SpreadsOverFreeBlocksWhenHalfIsTaken) {
    std::vector<Ipv4Prefix> taken = {prefix("172.16.0.0/13")};  // the first 128 blocks
    std::map<uint32_t, int> hits;
    for (const auto& id : boot_ids(1000, 5)) {
        auto r = default_request(id);
        r.taken = taken;
        auto p = choose_ok(r);
        EXPECT_FALSE(taken[0].overlaps(p)) << p.to_string();
        hits[p.network().value()]++;
    }
    int max_hits = 0;
    for (auto& [block, n] : hits) max_hits = std::max(max_hits, n);
    // 1000 over 128 blocks: mean 7.8; Poisson tail P(>= 22) ~ 1e-5.
    EXPECT_GE(hits.size(), 124u);
    EXPECT_LE(max_hits, 22);
}

TEST(SubnetChooser, SkipsBlockHoldingARouteOrAddress) {
    auto first = choose_ok(default_request());
    // A /24 route inside the chosen block, e.g. a LAN at home.
    std::vector<Ipv4Prefix> taken = {Ipv4Prefix(Ipv4(first.network().value() + 0x300), 24)};
    auto r = default_request();
    r.taken = taken;
    auto second = choose_ok(r);
    EXPECT_NE(second, first);
    EXPECT_FALSE(second.overlaps(taken[0]));
    // A single host address (/32) in the block counts as well.
    std::vector<Ipv4Prefix> host = {Ipv4Prefix(Ipv4(first.network().value() + 77), 32)};
    r.taken = host;
    EXPECT_EQ(choose_ok(r), second);
}

TEST(SubnetChooser, SkipsEveryBlockUnderAWiderRoute) {
    std::vector<Ipv4Prefix> taken = {prefix("172.20.0.0/16"), prefix("172.16.0.0/14")};
    for (const auto& id : boot_ids(300, 9)) {
        auto r = default_request(id);
        r.taken = taken;
        auto p = choose_ok(r);
        EXPECT_FALSE(p.overlaps(taken[0])) << p.to_string();
        EXPECT_FALSE(p.overlaps(taken[1])) << p.to_string();
    }
}

TEST(SubnetChooser, SkipsExcludedSubnets) {
    auto first = choose_ok(default_request());
    std::vector<Ipv4Prefix> excluded = {first};
    auto r = default_request();
    r.excluded = excluded;
    EXPECT_NE(choose_ok(r), first);
}

TEST(SubnetChooser, ChoiceDoesNotMoveWhenAnotherBlockIsTaken) {
    auto first = choose_ok(default_request());
    // Take every other block of the pool except the chosen one.
    std::vector<Ipv4Prefix> taken;
    for (uint32_t i = 0; i < 256; i += 3) {
        Ipv4Prefix b(Ipv4(prefix("172.16.0.0/12").network().value() + (i << 12)), 20);
        if (b != first) taken.push_back(b);
    }
    auto r = default_request();
    r.taken = taken;
    EXPECT_EQ(choose_ok(r), first);
}

// Taking each chosen block in turn must walk all 256 blocks exactly once,
// then fail: the order is a permutation of the pool.
TEST(SubnetChooser, VisitsEveryBlockOnceThenFails) {
    std::vector<Ipv4Prefix> taken;
    std::set<uint32_t> seen;
    for (int i = 0; i < 256; ++i) {
        auto r = default_request();
        r.taken = taken;
        auto p = choose_subnet(r);
        ASSERT_TRUE(p.ok()) << i << ": " << p.error().message;
        EXPECT_TRUE(seen.insert(p->network().value()).second) << p->to_string();
        taken.push_back(*p);
    }
    auto r = default_request();
    r.taken = taken;
    auto p = choose_subnet(r);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().code, EADDRNOTAVAIL);
}

TEST(SubnetChooser, FindsTheOnlyFreeBlock) {
    const Ipv4Prefix free_block = prefix("172.30.16.0/20");
    std::vector<Ipv4Prefix> taken;
    for (uint32_t i = 0; i < 256; ++i) {
        Ipv4Prefix b(Ipv4(prefix("172.16.0.0/12").network().value() + (i << 12)), 20);
        if (b != free_block) taken.push_back(b);
    }
    for (const auto& id : boot_ids(20, 1)) {
        auto r = default_request(id);
        r.taken = taken;
        EXPECT_EQ(choose_ok(r), free_block);
    }
}

TEST(SubnetChooser, SupernetRouteLeavesNothingAndSaysSo) {
    std::vector<Ipv4Prefix> taken = {prefix("172.0.0.0/8")};
    auto r = default_request();
    r.taken = taken;
    auto p = choose_subnet(r);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().code, EADDRNOTAVAIL);
    EXPECT_EQ(p.error().message,
              "no free /20 left in pool 172.16.0.0/12 (256 blocks, all overlap host addresses, "
              "routes or ExcludeSubnet)");
}

TEST(SubnetChooser, PoolFilledByManyPiecesIsFull) {
    // Pieces of all sizes that only together cover the pool.
    std::vector<Ipv4Prefix> taken = {prefix("172.16.0.0/13"), prefix("172.24.0.0/14"),
                                     prefix("172.28.0.0/15")};
    std::vector<Ipv4Prefix> excluded = {prefix("172.30.0.0/16"), prefix("172.31.0.0/17")};
    for (uint32_t i = 0; i < 8; ++i) taken.push_back(Ipv4Prefix(Ipv4(172, 31, uint8_t(128 + i * 16), 5), 32));
    auto r = default_request();
    r.taken = taken;
    r.excluded = excluded;
    auto p = choose_subnet(r);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().code, EADDRNOTAVAIL);
    // Dropping one host address frees exactly its block.
    taken.pop_back();
    r.taken = taken;
    EXPECT_EQ(choose_ok(r).to_string(), "172.31.240.0/20");
}

TEST(SubnetChooser, PrefixLengthOfThePoolGivesThePool) {
    auto r = default_request();
    r.prefix_length = 12;
    EXPECT_EQ(choose_ok(r).to_string(), "172.16.0.0/12");
    std::vector<Ipv4Prefix> taken = {prefix("172.17.3.0/24")};
    r.taken = taken;
    auto p = choose_subnet(r);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().message,
              "no free /12 left in pool 172.16.0.0/12 (1 block, it overlaps host addresses, "
              "routes or ExcludeSubnet)");
}

TEST(SubnetChooser, RejectsBlocksWiderThanPoolOrTooSmall) {
    auto r = default_request();
    r.prefix_length = 8;
    auto p = choose_subnet(r);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().code, EINVAL);
    EXPECT_NE(p.error().message.find("172.16.0.0/12"), std::string::npos);
    r.prefix_length = 31;
    EXPECT_FALSE(choose_subnet(r).ok());
    r.prefix_length = 30;
    EXPECT_TRUE(choose_subnet(r).ok());
}

TEST(SubnetChooser, PoolWithHostBitsIsNormalised) {
    auto r = default_request();
    r.pool = Ipv4Prefix(Ipv4(172, 16, 9, 9), 12);
    EXPECT_EQ(choose_ok(r), choose_ok(default_request()));
}

// 0.0.0.0/0 cut into /30s is 2^30 blocks: materialising them would take
// gigabytes; the keyed permutation answers at once.
TEST(SubnetChooser, HugePoolsAreNeverMaterialised) {
    auto start = std::chrono::steady_clock::now();
    auto r = default_request();
    r.pool = prefix("10.0.0.0/8");
    r.prefix_length = 30;
    auto p = choose_ok(r);
    EXPECT_TRUE(r.pool.contains(p));
    r.pool = prefix("0.0.0.0/0");
    std::vector<Ipv4Prefix> taken = {prefix("0.0.0.0/1")};
    r.taken = taken;
    p = choose_ok(r);
    EXPECT_TRUE(prefix("128.0.0.0/1").contains(p)) << p.to_string();
    taken.push_back(prefix("128.0.0.0/1"));
    r.taken = taken;
    EXPECT_FALSE(choose_subnet(r).ok());
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
}

// One free /30 among 4M: the walk may be long but each step is a binary
// search over the merged taken ranges.
TEST(SubnetChooser, HugePoolWithOneFreeBlockFindsIt) {
    const Ipv4Prefix free_block = prefix("10.255.255.248/30");
    // The complement of free_block in 10.0.0.0/8: the sibling of each of its
    // ancestors, /9 to /30, split between routes and excludes.
    std::vector<Ipv4Prefix> taken, excluded;
    for (uint8_t len = 9; len <= 30; ++len) {
        uint32_t ancestor = free_block.network().value() & Ipv4Prefix(Ipv4(), len).mask();
        Ipv4Prefix sibling(Ipv4(ancestor ^ (uint32_t{1} << (32 - len))), len);
        (len % 2 ? taken : excluded).push_back(sibling);
    }
    auto r = default_request();
    r.pool = prefix("10.0.0.0/8");
    r.prefix_length = 30;
    r.taken = taken;
    r.excluded = excluded;
    EXPECT_EQ(choose_ok(r), free_block);
    excluded.push_back(free_block);
    r.excluded = excluded;
    auto p = choose_subnet(r);
    ASSERT_FALSE(p.ok());
    EXPECT_NE(p.error().message.find("4194304 blocks"), std::string::npos) << p.error().message;
}

TEST(SubnetChooser, GatewayAndDhcpRange) {
    auto block = prefix("172.27.160.0/20");
    EXPECT_EQ(gateway_of(block).to_string(), "172.27.160.1");
    auto range = dhcp_range_of(block);
    EXPECT_EQ(range.first.to_string(), "172.27.160.2");
    EXPECT_EQ(range.last.to_string(), "172.27.175.254");
    auto tiny = dhcp_range_of(prefix("10.0.0.4/30"));
    EXPECT_EQ(tiny.first, tiny.last);
    EXPECT_EQ(tiny.first.to_string(), "10.0.0.6");
}

TEST(BootId, NormalisesCaseDashesAndNewline) {
    auto a = normalize_boot_id("0F4C6E1A-9D2B-4C3E-8A7F-5B6D7E8F9A0B\n");
    ASSERT_TRUE(a.ok()) << a.error().message;
    EXPECT_EQ(*a, "0f4c6e1a-9d2b-4c3e-8a7f-5b6d7e8f9a0b");
    auto b = normalize_boot_id("0f4c6e1a9d2b4c3e8a7f5b6d7e8f9a0b");
    ASSERT_TRUE(b.ok()) << b.error().message;
    EXPECT_EQ(*b, *a);
}

TEST(BootId, RefusesWhatIsNotAUuid) {
    for (const char* s : {"", "\n", "0f4c6e1a-9d2b-4c3e-8a7f-5b6d7e8f9a0", "0f4c6e1a-9d2b-4c3e-8a7f-5b6d7e8f9a0bc",
                          "0f4c6e1a9-d2b-4c3e-8a7f-5b6d7e8f9a0b", "0f4c6e1a-9d2b-4c3e-8a7f-5b6d7e8f9a0g",
                          "0f4c6e1a-9d2b-4c3e-8a7f_5b6d7e8f9a0b", "{0f4c6e1a-9d2b-4c3e-8a7f-5b6d7e8f9a0b}",
                          "0f4c6e1a 9d2b 4c3e 8a7f 5b6d7e8f9a0b", "0f4c6e1a9d2b4c3e8a7f5b6d7e8f9a0b-"}) {
        auto r = normalize_boot_id(s);
        EXPECT_FALSE(r.ok()) << s;
        if (!r.ok()) {
            EXPECT_EQ(r.error().code, EINVAL);
            EXPECT_NE(r.error().message.find("is not a boot id"), std::string::npos);
        }
    }
}
