#include "libvswitch/subnet/renumber.h"

#include <gtest/gtest.h>

#include <vector>

#include "libvswitch/subnet/chooser.h"

using namespace vswitch;
using namespace vswitch::subnet;

namespace {

Ipv4Prefix prefix(const char* s) {
    auto p = Ipv4Prefix::parse(s);
    EXPECT_TRUE(p.ok()) << s;
    return p.ok() ? *p : Ipv4Prefix{};
}

Ipv4 addr(const char* s) {
    auto a = Ipv4::parse(s);
    EXPECT_TRUE(a.ok()) << s;
    return a.ok() ? *a : Ipv4{};
}

}  // namespace

TEST(SubnetRenumber, FindsTheFirstPrefixOverlappingTheSubnet) {
    const Ipv4Prefix today = prefix("172.20.16.0/20");
    std::vector<Ipv4Prefix> taken = {prefix("10.0.0.0/8"), prefix("172.20.32.0/20"),
                                     prefix("172.20.0.0/16"), prefix("172.20.17.5/32")};
    EXPECT_EQ(first_overlap(today, taken), 2u);  // a VPN's wider route
    taken.erase(taken.begin() + 2);
    EXPECT_EQ(first_overlap(today, taken), 2u);  // a single host inside
}

TEST(SubnetRenumber, NeighbouringBlocksAndEmptyListsDoNotConflict) {
    const Ipv4Prefix today = prefix("172.20.16.0/20");
    std::vector<Ipv4Prefix> taken = {prefix("172.20.0.0/20"), prefix("172.20.32.0/19"),
                                     prefix("192.0.2.0/24")};
    EXPECT_FALSE(first_overlap(today, taken).has_value());
    EXPECT_FALSE(first_overlap(today, {}).has_value());
}

TEST(SubnetRenumber, CarriesTheHostOffsetToTheNewBlock) {
    auto moved =
        carry_host_offset(addr("172.20.16.37"), prefix("172.20.16.0/20"), prefix("172.31.48.0/20"));
    ASSERT_TRUE(moved.has_value());
    EXPECT_EQ(*moved, addr("172.31.48.37"));
    // Offsets beyond the first /24 of the block move whole.
    moved =
        carry_host_offset(addr("172.20.31.254"), prefix("172.20.16.0/20"), prefix("10.1.0.0/20"));
    ASSERT_TRUE(moved.has_value());
    EXPECT_EQ(*moved, addr("10.1.15.254"));
}

TEST(SubnetRenumber, RefusesAddressesOutsideTheOldBlockOrTheNewOne) {
    const Ipv4Prefix from = prefix("172.20.16.0/20");
    EXPECT_FALSE(carry_host_offset(addr("172.20.32.5"), from, prefix("10.0.0.0/20")));
    EXPECT_FALSE(carry_host_offset(addr("172.20.16.0"), from, prefix("10.0.0.0/20")));
    // A shorter new block: offset 300 does not fit a /24, 255 is its broadcast.
    EXPECT_FALSE(carry_host_offset(addr("172.20.17.44"), from, prefix("10.0.0.0/24")));
    EXPECT_FALSE(carry_host_offset(addr("172.20.16.255"), from, prefix("10.0.0.0/24")));
    EXPECT_EQ(carry_host_offset(addr("172.20.16.254"), from, prefix("10.0.0.0/24")),
              addr("10.0.0.254"));
}

TEST(SubnetRenumber, TheGatewayMovesToTheNewBlocksGateway) {
    const Ipv4Prefix from = prefix("172.20.16.0/20"), to = prefix("172.25.0.0/20");
    EXPECT_EQ(carry_host_offset(gateway_of(from), from, to), gateway_of(to));
}
