#include "libvswitch/dhcp6/host_part.h"

#include <gtest/gtest.h>

#include <vector>

using namespace vswitch::dhcp6;

TEST(Dhcp6HostPart, SipHashMatchesThePapersVector) {
    // SipHash paper, Appendix A: key 00..0f, message 00..0e.
    HashKey key{};
    for (int i = 0; i < 16; ++i) key[i] = uint8_t(i);
    std::vector<uint8_t> msg;
    for (int i = 0; i < 15; ++i) msg.push_back(uint8_t(i));
    EXPECT_EQ(siphash24(key, msg), 0xa129ca6149be45e5ull);
    // The reference implementation's vectors.h, lengths 0 and 8.
    EXPECT_EQ(siphash24(key, {}), 0x726fdb47dd0e0e31ull);
    EXPECT_EQ(siphash24(key, std::vector<uint8_t>(msg.begin(), msg.begin() + 8)),
              0x93f5f5799a932462ull);
}

TEST(Dhcp6HostPart, CandidatesDependOnDuidIaidProbeAndKey) {
    HashKey key{1};
    std::vector<uint8_t> duid{0, 3, 0, 1, 0x52, 0x54, 0, 1, 2, 3};
    uint64_t a = candidate_host_part(key, duid, 1, 0);
    EXPECT_EQ(a, candidate_host_part(key, duid, 1, 0));
    EXPECT_NE(a, candidate_host_part(key, duid, 2, 0));
    EXPECT_NE(a, candidate_host_part(key, duid, 1, 1));
    HashKey other{2};
    EXPECT_NE(a, candidate_host_part(other, duid, 1, 0));
}

TEST(Dhcp6HostPart, NeverTheAnycastTheGatewayOrReservedIdentifiers) {
    EXPECT_FALSE(usable_host_part(0));  // Subnet-Router anycast
    EXPECT_FALSE(usable_host_part(1));  // the gateway
    EXPECT_TRUE(usable_host_part(2));
    EXPECT_FALSE(usable_host_part(0xfdffffffffffff80ull));
    EXPECT_FALSE(usable_host_part(0xfdffffffffffffffull));
    EXPECT_TRUE(usable_host_part(0xfdffffffffffff7full));
    EXPECT_FALSE(usable_host_part(0x02005efffe000000ull));
    EXPECT_FALSE(usable_host_part(0x02005efffeffffffull));
    EXPECT_TRUE(usable_host_part(0x02005eff00000000ull));
}
