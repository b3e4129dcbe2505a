// Port forwards in the compiled table: maps, not rules.
#include "libvswitch/nft/forwards.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <string>

#include "libvswitch/forward/forward.h"
#include "libvswitch/nft/ruleset.h"

using namespace vswitch;
using namespace vswitch::nft;

namespace {

Ruleset with_forwards(size_t n) {
    Ruleset r{{{"vswitch0", Ipv4Prefix(Ipv4(172, 27, 160, 0), 20), SwitchType::nat}}, {}};
    for (size_t i = 0; i < n; ++i)
        r.forwards.push_back({uint8_t(i % 2 ? IPPROTO_UDP : IPPROTO_TCP),
                              std::nullopt,
                              uint16_t(10000 + i),
                              Ipv4(172, 27, 160, uint8_t(10 + i % 200)),
                              uint16_t(80 + i),
                              {}});
    return r;
}

size_t count(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1))
        ++n;
    return n;
}

std::string described(const Ruleset& r) {
    auto b = compile(r, 1);
    EXPECT_TRUE(b.ok()) << b.error().message;
    if (!b.ok()) return {};
    auto d = describe(*b);
    EXPECT_TRUE(d.ok()) << d.error().message;
    return d.ok() ? *d : std::string();
}

}  // namespace

TEST(NftForwards, NoForwardsLeaveTheTableAsItWas) {
    std::string none = described(with_forwards(0));
    EXPECT_EQ(count(none, "fwd_"), 0u);
    EXPECT_EQ(count(none, "forward_dnat"), 0u);
}

TEST(NftForwards, AThousandForwardsAreMapElementsNotRules) {
    std::string one = described(with_forwards(1));
    std::string many = described(with_forwards(1000));
    EXPECT_GT(count(one, "fwd_any"), 0u);
    EXPECT_GT(count(one, "forward_dnat"), 0u);
    EXPECT_EQ(count(one, "rule"), count(many, "rule"));
    auto b = compile(with_forwards(1000), 1);
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b->message_count(), compile(with_forwards(1), 1)->message_count());
}

TEST(NftForwards, TheLargestTableFits) {
    Ruleset r = with_forwards(kMaxForwardEntries);
    auto ok = compile(r, 1);
    ASSERT_TRUE(ok.ok()) << ok.error().message;
    EXPECT_LE(ok->bytes().size(), kMaxBatchBytes);
    r.forwards.push_back({IPPROTO_TCP, std::nullopt, 1, Ipv4(172, 27, 160, 9), 1, {}});
    EXPECT_EQ(compile(r, 1).error().code, E2BIG);
    // The most AllowFrom prefixes on every one: past the batch, refused
    // whole as well.
    r.forwards.pop_back();
    for (auto& e : r.forwards) {
        e.allow_from.clear();
        for (size_t i = 0; i < forward::kMaxAllowFrom; i++)
            e.allow_from.push_back(Ipv4Prefix(Ipv4(198, 51, 100, uint8_t(i * 8)), 29));
    }
    auto big = compile(r, 1);
    ASSERT_FALSE(big.ok());
    EXPECT_EQ(big.error().code, E2BIG);
}

TEST(NftForwards, BadEntriesAreRefusedWhole) {
    Ruleset r = with_forwards(2);
    r.forwards.push_back(r.forwards[0]);
    EXPECT_EQ(compile(r, 1).error().code, EEXIST);
    r = with_forwards(1);
    r.forwards[0].protocol = IPPROTO_ICMP;
    EXPECT_EQ(compile(r, 1).error().code, EINVAL);
}
