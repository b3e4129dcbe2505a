// Packets through the compiled ruleset: a guest namespace on a bridge, an
// "uplink" namespace with a documentation address (203.0.113.0/24), and
// this test's own private namespace as the host in between. Each test also
// shows the opposite outcome without the firewall, so it cannot pass by
// accident.
#include <gtest/gtest.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "daemon/firewall/firewall.h"
#include "tests/privileged/firewall/netns_util.h"

using namespace vswitch;
using namespace vswitch::firewall;
using namespace vswitch::firewall::fwtest;

namespace {

class FirewallTraffic : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(in_own_netns()) << kNotIsolated;
        static int test_number = 0;  // fresh names per test: deletion is asynchronous
        std::string tag = std::to_string(::getpid()) + "-" + std::to_string(++test_number);
        guest_ = "vsh-nft-" + tag + "-guest";
        uplink_ = "vsh-nft-" + tag + "-up";
        created_ = true;
        // Host side: the bridge with the gateway, a veth to the uplink.
        const std::string steps[] = {
            "ip netns add " + guest_,
            "ip netns add " + uplink_,
            "ip link set lo up",
            "ip link add vswitch0 type bridge forward_delay 0 stp_state 0",
            "ip addr add 172.27.160.1/20 dev vswitch0",
            "ip link set vswitch0 up",
            "ip link add vg-host type veth peer name eth0 netns " + guest_,
            "ip link set vg-host master vswitch0 up",
            "ip netns exec " + guest_ + " ip addr add 172.27.160.10/20 dev eth0",
            "ip netns exec " + guest_ + " ip link set eth0 up",
            "ip netns exec " + guest_ + " ip route add default via 172.27.160.1",
            "ip link add vu-host type veth peer name eth0 netns " + uplink_,
            "ip addr add 203.0.113.1/24 dev vu-host",
            "ip link set vu-host up",
            "ip netns exec " + uplink_ + " ip addr add 203.0.113.2/24 dev eth0",
            "ip netns exec " + uplink_ + " ip link set eth0 up",
            "ip route add default via 203.0.113.2",
        };
        for (const auto& step : steps) ASSERT_TRUE(succeeds(step)) << step;
        // Our own namespace only (guarded above).
        ASSERT_TRUE(succeeds("echo 1 > /proc/sys/net/ipv4/ip_forward"));
        // Links take a moment to come up; wait until both neighbours answer.
        bool ready = false;
        for (int i = 0; i < 50 && !ready; ++i) {
            ready = guest_pings("172.27.160.1") && uplink_pings("203.0.113.1");
            if (!ready) ::usleep(100 * 1000);
        }
        ASSERT_TRUE(ready) << "the test network did not come up";
        auto fw = Firewall::create();
        ASSERT_TRUE(fw.ok()) << fw.error().message;
        fw_.emplace(std::move(*fw));
    }

    void TearDown() override {
        if (!created_) return;  // SetUp refused: touch nothing
        if (fw_) {
            EXPECT_TRUE(fw_->remove().ok());
        }
        // Delete the veths here, synchronously: a namespace's links are
        // destroyed asynchronously after `ip netns del`, and the next test's
        // SetUp would otherwise find vg-host still there ("File exists").
        succeeds("ip link del vg-host");
        succeeds("ip link del vu-host");
        succeeds("ip netns del " + guest_);
        succeeds("ip netns del " + uplink_);
        succeeds("ip link del vswitch0");
    }

    bool guest_pings(const std::string& address) {
        return succeeds("ip netns exec " + guest_ + " ping -c1 -W1 " + address);
    }
    bool uplink_pings(const std::string& address) {
        return succeeds("ip netns exec " + uplink_ + " ping -c1 -W1 " + address);
    }

    Ipv4Prefix subnet_ = *Ipv4Prefix::parse("172.27.160.0/20");
    std::string guest_, uplink_;
    bool created_ = false;
    std::optional<Firewall> fw_;
};

}  // namespace

TEST_F(FirewallTraffic, GuestReachesUplinkThroughMasquerade) {
    // The uplink has no route back to the guest's subnet: only NAT helps.
    EXPECT_FALSE(guest_pings("203.0.113.2"));
    auto st = fw_->apply({{{"vswitch0", subnet_, SwitchType::nat}}});
    ASSERT_TRUE(st.ok()) << st.error().message;
    EXPECT_TRUE(guest_pings("203.0.113.2"));
    EXPECT_NE(run("nft list chain inet vswitch postrouting").find("counter packets 1 "),
              std::string::npos);
}

TEST_F(FirewallTraffic, OutsideCannotOpenConnectionsToGuest) {
    ASSERT_TRUE(
        succeeds("ip netns exec " + uplink_ + " ip route add 172.27.160.0/20 via 203.0.113.1"));
    EXPECT_TRUE(uplink_pings("172.27.160.10"));  // routed, no firewall yet
    ASSERT_TRUE(fw_->apply({{{"vswitch0", subnet_, SwitchType::nat}}}).ok());
    EXPECT_FALSE(uplink_pings("172.27.160.10"));
    std::string forward = run("nft list chain inet vswitch forward");
    EXPECT_EQ(forward.find("oifname @bridges counter packets 0 "), std::string::npos) << forward;
    // Replies to what the guest opened still come in.
    EXPECT_TRUE(guest_pings("203.0.113.2"));
}

TEST_F(FirewallTraffic, InternalSwitchDoesNotForward) {
    ASSERT_TRUE(
        succeeds("ip netns exec " + uplink_ + " ip route add 172.27.160.0/20 via 203.0.113.1"));
    EXPECT_TRUE(guest_pings("203.0.113.2"));  // routed both ways, no firewall yet
    ASSERT_TRUE(fw_->apply({{{"vswitch0", subnet_, SwitchType::internal}}}).ok());
    EXPECT_FALSE(guest_pings("203.0.113.2"));
    EXPECT_TRUE(guest_pings("172.27.160.1"));  // the host is still reachable
}

TEST_F(FirewallTraffic, SpoofedSourceIsNotForwarded) {
    // A guest claiming an address outside its switch's subnet; the uplink
    // routes that address back, so only the firewall stops it.
    ASSERT_TRUE(succeeds("ip netns exec " + guest_ + " ip addr add 10.99.0.5/32 dev eth0"));
    ASSERT_TRUE(
        succeeds("ip netns exec " + uplink_ + " ip route add 10.99.0.5/32 via 203.0.113.1"));
    ASSERT_TRUE(succeeds("ip route add 10.99.0.5/32 dev vswitch0"));
    std::string ping = "ip netns exec " + guest_ + " ping -c1 -W1 -I 10.99.0.5 203.0.113.2";
    EXPECT_TRUE(succeeds(ping));
    ASSERT_TRUE(fw_->apply({{{"vswitch0", subnet_, SwitchType::nat}}}).ok());
    EXPECT_FALSE(succeeds(ping));
    EXPECT_TRUE(guest_pings("203.0.113.2"));  // its own address still goes out
}
