#include "libvswitch/ports/security.h"

#include <gtest/gtest.h>

#include "libvswitch/ports/port_record.h"

using namespace vswitch;
using namespace vswitch::ports;

TEST(PortSecurity, DefaultsGuardDhcpAndRoutersAndTheDaemonsOwnMacs) {
    SecurityDefaults d;
    auto daemon = effective_security(d, PortOrigin::daemon, {});
    EXPECT_TRUE(daemon.dhcp_guard);
    EXPECT_TRUE(daemon.router_guard);
    EXPECT_FALSE(daemon.mac_spoofing);
    EXPECT_TRUE(daemon.ip_spoofing);
    EXPECT_FALSE(daemon.isolated);
    // Attached and adopted ports may show the interface's own MAC.
    EXPECT_TRUE(effective_security(d, PortOrigin::attached, {}).mac_spoofing);
    EXPECT_TRUE(effective_security(d, PortOrigin::bridge, {}).mac_spoofing);
}

TEST(PortSecurity, OverridesWinOverSwitchDefaults) {
    SecurityDefaults d;
    d.isolated = true;
    d.dhcp_guard = false;
    SecurityOverrides o;
    o.isolated = false;
    o.mac_spoofing = false;
    auto s = effective_security(d, PortOrigin::attached, o);
    EXPECT_FALSE(s.isolated);
    EXPECT_FALSE(s.dhcp_guard);
    EXPECT_FALSE(s.mac_spoofing);
}

TEST(PortSecurity, KeysAndValuesParse) {
    for (auto k : kSecurityKeys) EXPECT_EQ(*parse_security_key(to_string(k)), k);
    auto bad = parse_security_key("dhcpguard");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, EINVAL);
    EXPECT_NE(bad.error().message.find("'dhcpguard'"), std::string::npos);
    EXPECT_TRUE(*parse_security_value(SecurityKey::isolated, "YES"));
    EXPECT_FALSE(*parse_security_value(SecurityKey::isolated, "off"));
    auto v = parse_security_value(SecurityKey::isolated, "maybe");
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.error().code, EINVAL);
    EXPECT_NE(v.error().message.find("Isolated"), std::string::npos);
}

TEST(PortSecurity, OverridesRoundTrip) {
    SecurityOverrides o;
    EXPECT_EQ(format_overrides(o), "-");
    EXPECT_EQ(*parse_overrides("-"), o);
    o.dhcp_guard = false;
    o.isolated = true;
    EXPECT_EQ(format_overrides(o), "DhcpGuard=no,Isolated=yes");
    EXPECT_EQ(*parse_overrides(format_overrides(o)), o);
}

TEST(PortSecurity, MalformedOverridesAreRefused) {
    for (const char* t : {"", "DhcpGuard", "DhcpGuard=maybe", "Foo=yes",
                          "DhcpGuard=yes,DhcpGuard=no", "DhcpGuard=yes,", "DhcpGuard=1"}) {
        auto r = parse_overrides(t);
        ASSERT_FALSE(r.ok()) << t;
        EXPECT_EQ(r.error().code, EBADMSG) << t;
    }
}

TEST(PortsFile, ReadsOldLinesWithoutSettingsAndKeepsNewOnes) {
    std::string old =
        "# vswitch ports v1\nvstap0\tDefault\tvm1\t52:54:00:00:00:01\tcreated\t-\t-\t0\n";
    auto ports = parse_ports_file(old);
    ASSERT_TRUE(ports.ok()) << ports.error().message;
    ASSERT_EQ(ports->size(), 1u);
    EXPECT_TRUE((*ports)[0].security.empty());
    // Nothing set: the line is the old one, byte for byte.
    EXPECT_EQ(format_ports_file(*ports), old);

    (*ports)[0].security.ip_spoofing = false;
    std::string text = format_ports_file(*ports);
    EXPECT_NE(text.find("\t0\tIpSpoofing=no\n"), std::string::npos);
    auto back = parse_ports_file(text);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, *ports);
    // The alias carries them too (a kill -9 before the lazy write).
    auto alias = parse_port_alias(format_port_alias((*ports)[0]));
    ASSERT_TRUE(alias);
    EXPECT_EQ(alias->security, (*ports)[0].security);
}

TEST(PortSecurity, MaximumBandwidthIsAKeyOfTheSameField) {
    SecurityOverrides o;
    o.isolated = true;
    o.maximum_bandwidth = 100'000'000;
    EXPECT_EQ(format_overrides(o), "Isolated=yes,MaximumBandwidth=100000000");
    EXPECT_EQ(*parse_overrides("Isolated=yes,MaximumBandwidth=100000000"), o);
    SecurityOverrides only;
    only.maximum_bandwidth = 0;  // set to none, over a switch default
    EXPECT_FALSE(only.empty());
    EXPECT_EQ(*parse_overrides(format_overrides(only)), only);
    for (const char* bad : {"MaximumBandwidth=100M", "MaximumBandwidth=1", "MaximumBandwidth=",
                            "MaximumBandwidth=5000000,MaximumBandwidth=5000000"})
        EXPECT_EQ(parse_overrides(bad).error().code, EBADMSG) << bad;
    SecurityDefaults d;
    d.maximum_bandwidth = 1'000'000'000;
    EXPECT_EQ(effective_security(d, PortOrigin::attached, {}).maximum_bandwidth, 1'000'000'000u);
    EXPECT_EQ(effective_security(d, PortOrigin::attached, only).maximum_bandwidth, 0u);
}
