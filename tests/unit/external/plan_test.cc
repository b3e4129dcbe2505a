#include "libvswitch/external/plan.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/external/fixtures.h"

using namespace vswitch::external;
using vswitch::external::testing::recorded_lan_nic;

namespace {

std::vector<std::string> text(const std::vector<Step>& steps) {
    std::vector<std::string> out;
    for (const auto& s : steps) out.push_back(s.describe());
    return out;
}

}  // namespace

// The order that keeps the host reachable (plan.h): bridge with the NIC's
// MAC, NIC in, bridge up, addresses on the bridge, routes through it, then
// the NIC's copies go. Kernel routes and the link-local address stay.
TEST(ExternalPlan, SharedSwitchOverKeepsTheHostReachable) {
    std::vector<std::string> want = {
        "create bridge 'vs-lan' mac 52:54:00:12:34:56 mtu 1500",
        "enslave 'enp3s0' to 'vs-lan'",
        "set 'vs-lan' up",
        "add address 192.0.2.57/24 to 'vs-lan'",
        "add address 192.0.2.58/24 to 'vs-lan'",
        "add address 2001:db8:1::57/64 to 'vs-lan'",
        "add route default via 192.0.2.1 table 254 metric 100 dev 'vs-lan'",
        "add route 198.51.100.0/24 via 192.0.2.254 table 100 metric 0 dev 'vs-lan'",
        "remove route default (IPv6) via fe80::1 table 254 metric 1024 dev 'enp3s0'",
        "add route default (IPv6) via fe80::1 table 254 metric 1024 dev 'vs-lan'",
        "remove address 192.0.2.57/24 from 'enp3s0'",
        "remove address 192.0.2.58/24 from 'enp3s0'",
        "remove address 2001:db8:1::57/64 from 'enp3s0'",
        "remove route default via 192.0.2.1 table 254 metric 100 dev 'enp3s0'",
        "remove route 198.51.100.0/24 via 192.0.2.254 table 100 metric 0 dev 'enp3s0'",
    };
    EXPECT_EQ(text(plan_switch_over(recorded_lan_nic(), "vs-lan", true)), want);
}

TEST(ExternalPlan, MovedAddressesKeepFlagsAndLifetimesIPv6SkipsDad) {
    auto steps = plan_switch_over(recorded_lan_nic(), "vs-lan", true);
    ASSERT_EQ(steps[3].kind, StepKind::add_address);
    EXPECT_EQ(steps[3].address.valid_lft, 600u);
    EXPECT_EQ(steps[3].address.broadcast, vswitch::external::testing::ip("192.0.2.255"));
    // A label names its device: the bridge's copy has the kernel's default.
    EXPECT_EQ(steps[4].address.label, "");
    // The IPv6 address is in use on this link already: no DAD on the bridge.
    EXPECT_EQ(steps[5].address.flags, 0x80u | 0x200u | kAddrFlagNoDad);
}

TEST(ExternalPlan, DedicatedTakesTheHostOffTheNicAndAddsNothing) {
    std::vector<std::string> want = {
        "create bridge 'vs-lan' mac 52:54:00:12:34:56 mtu 1500 without IPv6 link-local",
        "enslave 'enp3s0' to 'vs-lan'",
        "set 'vs-lan' up",
        "remove address 192.0.2.57/24 from 'enp3s0'",
        "remove address 192.0.2.58/24 from 'enp3s0'",
        "remove address 2001:db8:1::57/64 from 'enp3s0'",
        "remove route default via 192.0.2.1 table 254 metric 100 dev 'enp3s0'",
        "remove route 198.51.100.0/24 via 192.0.2.254 table 100 metric 0 dev 'enp3s0'",
        "remove route default (IPv6) via fe80::1 table 254 metric 1024 dev 'enp3s0'",
    };
    EXPECT_EQ(text(plan_switch_over(recorded_lan_nic(), "vs-lan", false)), want);
}

TEST(ExternalPlan, ADownNicIsBroughtUpAndLeftUpOnlyIfItWas) {
    auto nic = recorded_lan_nic();
    nic.up = false;
    auto over = text(plan_switch_over(nic, "vs-lan", true));
    EXPECT_EQ(over[2], "set 'enp3s0' up");
    auto back = text(plan_teardown(nic, "vs-lan", 0));
    EXPECT_NE(back.back(), "set 'enp3s0' up");
}

// The reverse: IPv4 back on the NIC while it is still a port (host-wide
// addresses, no gap), the bridge goes (with its copies, releasing the NIC),
// then IPv6 (the bridge would have failed its DAD), each with its own
// flags, label and what is left of its lifetime.
TEST(ExternalPlan, TeardownGivesBackExactlyWhatMoved) {
    auto nic = recorded_lan_nic();
    auto steps = plan_teardown(nic, "vs-lan", 100);
    std::vector<std::string> want = {
        "add address 192.0.2.57/24 to 'enp3s0'",
        "add address 192.0.2.58/24 to 'enp3s0'",
        "add route default via 192.0.2.1 table 254 metric 100 dev 'enp3s0'",
        "add route 198.51.100.0/24 via 192.0.2.254 table 100 metric 0 dev 'enp3s0'",
        "delete bridge 'vs-lan'",
        "add address 2001:db8:1::57/64 to 'enp3s0'",
        "add route default (IPv6) via fe80::1 table 254 metric 1024 dev 'enp3s0'",
        "set 'enp3s0' up",
    };
    EXPECT_EQ(text(steps), want);
    EXPECT_EQ(steps[0].address.valid_lft, 500u);
    EXPECT_EQ(steps[1].address.label, "enp3s0:1");
    EXPECT_EQ(steps[1].address.valid_lft, kForever);
    EXPECT_EQ(steps[5].address.flags, 0x80u | 0x200u);  // no NODAD added
    EXPECT_EQ(steps[2].route, nic.routes[0]);
}

TEST(ExternalPlan, LifetimesRunOutButNeverToZero) {
    EXPECT_EQ(remaining_lifetime(kForever, 1u << 30), kForever);
    EXPECT_EQ(remaining_lifetime(600, 0), 600u);
    EXPECT_EQ(remaining_lifetime(600, 599), 1u);
    EXPECT_EQ(remaining_lifetime(600, 600), 1u);
    EXPECT_EQ(remaining_lifetime(600, 99999), 1u);
}

TEST(ExternalPlan, KernelRoutesAndLinkLocalNeverMove) {
    auto nic = recorded_lan_nic();
    EXPECT_FALSE(moves_address(nic.addresses[3]));  // fe80::
    EXPECT_FALSE(moves_route(nic.routes[1]));       // proto kernel
    EXPECT_FALSE(moves_route(nic.routes[2]));       // table local
    EXPECT_FALSE(moves_route(nic.routes[5]));       // ff00::/8
    EXPECT_TRUE(moves_route(nic.routes[3]));        // policy table 100
}
