#include "libvswitch/dhcp6/address.h"

#include <gtest/gtest.h>

using namespace vswitch::dhcp6;

TEST(Dhcp6Address, ParsesAnyTextFormAndPrintsRfc5952) {
    auto a = Address::parse("FD12:3456:789A:0001:0000:0000:0000:00AB");
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->to_string(), "fd12:3456:789a:1::ab");
    EXPECT_EQ(a->upper(), 0xfd123456789a0001ull);
    EXPECT_EQ(a->lower(), 0xabull);
    EXPECT_EQ(Address::from_halves(a->upper(), a->lower()), *a);
    EXPECT_TRUE(Address::parse("fe80::1")->is_link_local());
    EXPECT_TRUE(Address::parse("ff02::1:2")->is_multicast());
    EXPECT_TRUE(Address::parse("::")->is_zero());
}

TEST(Dhcp6Address, RefusesWhatIsNoAddress) {
    for (const char* bad : {"", "fd00::1/64", "fe80::1%eth0", "fd00:::1", "172.16.0.1", "fd00::g",
                            "1:2:3:4:5:6:7:8:9"})
        EXPECT_FALSE(Address::parse(bad).ok()) << bad;
    EXPECT_EQ(Address::parse("x").error().message, "bad IPv6 address 'x'");
}
