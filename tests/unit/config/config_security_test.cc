#include <gtest/gtest.h>

#include "libvswitch/config/config.h"

using namespace vswitch;

TEST(ConfigPortSecurity, DefaultsWhenUnset) {
    auto c = parse_main_config("", "/etc/vswitch/vswitchd.conf");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->port_security, ports::SecurityDefaults{});
    EXPECT_TRUE(c->port_security.dhcp_guard);
    EXPECT_TRUE(c->port_security.router_guard);
    EXPECT_FALSE(c->port_security.mac_spoofing);
    EXPECT_TRUE(c->port_security.ip_spoofing);
    EXPECT_FALSE(c->port_security.isolated);
}

TEST(ConfigPortSecurity, SwitchKeysSetTheDefaults) {
    auto c = parse_switch_file(
        "[Switch]\nName=lab\nDhcpGuard=no\nRouterGuard=off\nMacSpoofing=yes\nIpSpoofing=false\n"
        "Isolated=on\n",
        "/etc/vswitch/switches.d/lab.switch");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_FALSE(c->port_security.dhcp_guard);
    EXPECT_FALSE(c->port_security.router_guard);
    EXPECT_TRUE(c->port_security.mac_spoofing);
    EXPECT_FALSE(c->port_security.ip_spoofing);
    EXPECT_TRUE(c->port_security.isolated);
}

TEST(ConfigPortSecurity, EmptyResetsAndBadValuesNameTheLine) {
    auto c = parse_main_config("[Switch]\nIsolated=yes\nIsolated=\n", "vswitchd.conf");
    ASSERT_TRUE(c.ok());
    EXPECT_FALSE(c->port_security.isolated);
    auto bad = parse_main_config("[Switch]\nDomain=x.internal\nDhcpGuard=maybe\n", "vswitchd.conf");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, EINVAL);
    EXPECT_NE(bad.error().message.find("vswitchd.conf:3"), std::string::npos)
        << bad.error().message;
    EXPECT_NE(bad.error().message.find("DhcpGuard 'maybe'"), std::string::npos)
        << bad.error().message;
    // Keys are case-sensitive, as every other [Switch] key.
    EXPECT_FALSE(parse_main_config("[Switch]\ndhcpguard=no\n", "vswitchd.conf").ok());
}

TEST(ConfigPortSecurity, MaximumBandwidthTakesARateEmptyResetsAndBadOnesNameTheLimits) {
    auto c = parse_main_config("[Switch]\nMaximumBandwidth=100M\n", "vswitchd.conf");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->port_security.maximum_bandwidth, 100'000'000u);
    auto reset = parse_main_config("[Switch]\nMaximumBandwidth=1G\nMaximumBandwidth=\n", "vswitchd.conf");
    ASSERT_TRUE(reset.ok());
    EXPECT_EQ(reset->port_security.maximum_bandwidth, 0u);
    EXPECT_EQ(parse_main_config("", "vswitchd.conf")->port_security.maximum_bandwidth, 0u);
    auto low = parse_main_config("[Switch]\nMaximumBandwidth=1k\n", "vswitchd.conf");
    ASSERT_FALSE(low.ok());
    EXPECT_EQ(low.error().code, EINVAL);
    EXPECT_NE(low.error().message.find("vswitchd.conf:2"), std::string::npos) << low.error().message;
    EXPECT_NE(low.error().message.find("between 64k and 100G"), std::string::npos) << low.error().message;
    EXPECT_FALSE(parse_main_config("[Switch]\nMaximumBandwidth=100MB\n", "vswitchd.conf").ok());
}
