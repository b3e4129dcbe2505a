#include "libvswitch/dns/resolved_link.h"

#include <gtest/gtest.h>

using namespace vswitch;
using namespace vswitch::dns;

namespace {

ResolvedSwitch nat_switch() {
    return {"Default", SwitchType::nat, "vswitch0", 7, Ipv4(172, 27, 160, 1), "vswitch.internal"};
}

}  // namespace

TEST(ResolvedLink, GatewayIsTheOneDnsServerInNetworkByteOrder) {
    auto s = resolved_link_settings(nat_switch());
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->ifindex, 7);
    ASSERT_EQ(s->servers.size(), 1u);
    EXPECT_EQ(s->servers[0].family, 2);  // AF_INET, as resolve1 expects
    EXPECT_EQ(s->servers[0].address, (std::vector<uint8_t>{172, 27, 160, 1}));
}

TEST(ResolvedLink, DomainIsRoutingOnlyAndDefaultRouteOff) {
    auto s = resolved_link_settings(nat_switch());
    ASSERT_TRUE(s.has_value());
    ASSERT_EQ(s->domains.size(), 1u);
    EXPECT_EQ(s->domains[0].name, "vswitch.internal");
    EXPECT_TRUE(s->domains[0].routing_only);
    EXPECT_FALSE(s->default_route);
    EXPECT_EQ(s->bridge, "vswitch0");
    EXPECT_EQ(s->switch_name, "Default");
}

TEST(ResolvedLink, DomainLosesTrailingDotAndCase) {
    auto sw = nat_switch();
    sw.domain = "Lab.Example.";
    auto s = resolved_link_settings(sw);
    ASSERT_TRUE(s.has_value());
    ASSERT_EQ(s->domains.size(), 1u);
    EXPECT_EQ(s->domains[0].name, "lab.example");
}

TEST(ResolvedLink, EmptyDomainSetsTheServerButNoDomain) {
    auto sw = nat_switch();
    sw.domain = "";
    auto s = resolved_link_settings(sw);
    ASSERT_TRUE(s.has_value());
    EXPECT_TRUE(s->domains.empty());
    EXPECT_EQ(s->servers.size(), 1u);
}

TEST(ResolvedLink, InternalSwitchIsRegisteredPrivateIsNot) {
    auto sw = nat_switch();
    sw.type = SwitchType::internal;
    EXPECT_TRUE(resolved_link_settings(sw).has_value());
    sw.type = SwitchType::private_;
    EXPECT_FALSE(resolved_link_settings(sw).has_value());
}

TEST(ResolvedLink, UnknownBridgeOrNoGatewayIsSkipped) {
    auto sw = nat_switch();
    sw.ifindex = 0;
    EXPECT_FALSE(resolved_link_settings(sw).has_value());
    sw = nat_switch();
    sw.gateway = Ipv4();
    EXPECT_FALSE(resolved_link_settings(sw).has_value());
}

TEST(ResolvedLink, ListKeepsOrderAndDropsWhatHasNothingToRegister) {
    auto a = nat_switch();
    ResolvedSwitch p{"Isolated", SwitchType::private_, "vsw-iso", 9, Ipv4(), ""};
    ResolvedSwitch b{"Lab", SwitchType::internal, "vsw-lab",
                     8,     Ipv4(172, 20, 0, 1),  "lab.internal"};
    auto v = resolved_link_settings(std::vector<ResolvedSwitch>{a, p, b});
    ASSERT_EQ(v.size(), 2u);
    EXPECT_EQ(v[0].bridge, "vswitch0");
    EXPECT_EQ(v[1].bridge, "vsw-lab");
    EXPECT_EQ(v[1].servers[0].address, (std::vector<uint8_t>{172, 20, 0, 1}));
}

TEST(ResolvedLink, EqualSettingsCompareEqualSoRefreshSkipsThem) {
    auto a = resolved_link_settings(nat_switch());
    auto b = resolved_link_settings(nat_switch());
    ASSERT_TRUE(a && b);
    EXPECT_EQ(*a, *b);
    auto renumbered = nat_switch();
    renumbered.gateway = Ipv4(172, 29, 0, 1);
    EXPECT_NE(*a, *resolved_link_settings(renumbered));
}
