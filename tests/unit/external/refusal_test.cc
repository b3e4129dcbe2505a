// The refusals of an external switch's NIC, over recorded facts: what
// netlink and /sys/class/net show of a laptop's Wi-Fi adapter (wireless/,
// phy80211 -> nl80211 iftype station), of a NIC already in a bridge or a
// bond, and NetworkManager's and networkd's answers.
#include "libvswitch/external/refusal.h"

#include <gtest/gtest.h>

using namespace vswitch::external;

namespace {

NicFacts wired() {
    NicFacts f;
    f.name = "enp3s0";
    f.ifindex = 2;
    return f;
}

const Claim kShared{"lan", "vs-lan", 0, true};
const Claim kDedicated{"lan", "vs-lan", 0, false};

std::string refusal(const NicFacts& f, const Claim& c = kShared) {
    auto s = check_nic(f, c);
    if (s) return {};
    EXPECT_EQ(s.error().message.find('\n'), std::string::npos) << "one line";
    return s.error().message;
}

}  // namespace

TEST(ExternalRefusal, AWiredNicNobodyManagesIsFine) {
    EXPECT_EQ(refusal(wired()), "");
    NicFacts nm = wired();
    nm.nm_managed = false;  // NetworkManager runs but leaves it alone
    nm.networkd_state = "unmanaged";
    EXPECT_EQ(refusal(nm), "");
}

// Recorded from an Intel AX201 in a laptop: /sys/class/net/wlp0s20f3/wireless
// and /phy80211 exist, nl80211 GET_INTERFACE says iftype 2 (station).
TEST(ExternalRefusal, AWirelessClientPointsToTheNatSwitch) {
    NicFacts w = wired();
    w.name = "wlp0s20f3";
    w.wireless = true;
    w.iftype = kIftypeStation;
    std::string m = refusal(w);
    EXPECT_NE(m.find("wireless adapter in managed mode"), std::string::npos) << m;
    EXPECT_NE(m.find("Type=nat"), std::string::npos) << m;
    EXPECT_NE(m.find("[PortForward]"), std::string::npos) << m;
    EXPECT_EQ(check_nic(w, kShared).error().code, EOPNOTSUPP);
    // Without nl80211's answer a wireless adapter is taken to be a client.
    w.iftype.reset();
    EXPECT_NE(refusal(w, kDedicated), "");
    // An access point (iftype 3) or a 4-address station bridges fine.
    w.iftype = 3;
    EXPECT_EQ(refusal(w), "");
    w.iftype = kIftypeStation;
    w.four_address = true;
    EXPECT_EQ(refusal(w), "");
}

TEST(ExternalRefusal, ABridgePortOrBondSlaveSaysWhatToTakeInstead) {
    NicFacts p = wired();
    p.master = 7;
    p.master_name = "br0";
    p.master_kind = "bridge";
    std::string m = refusal(p);
    EXPECT_NE(m.find("already a port of bridge 'br0'"), std::string::npos) << m;
    EXPECT_NE(m.find("ip link set enp3s0 nomaster"), std::string::npos) << m;
    p.master_name = "bond0";
    p.master_kind = "bond";
    m = refusal(p, kDedicated);
    EXPECT_NE(m.find("slave of bond 'bond0': name the bond itself"), std::string::npos) << m;
    // In the switch's own bridge already: a restart adopting it.
    p.master_kind = "bridge";
    EXPECT_EQ(refusal(p, Claim{"lan", "vs-lan", 7, true}), "");
}

TEST(ExternalRefusal, LoopbackAndBridgesAreNoNics) {
    NicFacts lo = wired();
    lo.name = "lo";
    lo.loopback = true;
    EXPECT_NE(refusal(lo).find("is the loopback"), std::string::npos);
    NicFacts own = wired();
    own.name = "vs-lan";
    own.kind = "bridge";
    EXPECT_NE(refusal(own).find("the switch's own bridge"), std::string::npos);
    NicFacts other = wired();
    other.name = "vswitch0";
    other.kind = "bridge";
    EXPECT_NE(refusal(other).find("is itself a bridge"), std::string::npos);
}

TEST(ExternalRefusal, NetworkManagerOrNetworkdOnlyMatterWhenShared) {
    NicFacts f = wired();
    f.nm_managed = true;
    std::string m = refusal(f);
    EXPECT_NE(m.find("managed by NetworkManager"), std::string::npos) << m;
    EXPECT_NE(m.find("nmcli device set enp3s0 managed no"), std::string::npos) << m;
    EXPECT_EQ(refusal(f, kDedicated), "");
    f.nm_managed.reset();
    f.networkd_state = "configured";
    m = refusal(f);
    EXPECT_NE(m.find("managed by systemd-networkd"), std::string::npos) << m;
    EXPECT_NE(m.find("Unmanaged=yes"), std::string::npos) << m;
    EXPECT_EQ(refusal(f, kDedicated), "");
}

// /run/systemd/netif/links/2 as networkd writes it.
TEST(ExternalRefusal, ReadsNetworkdsStateFile) {
    const char* state =
        "# This is private data. Do not parse.\nADMIN_STATE=configured\nOPER_STATE=routable\n"
        "CARRIER_STATE=carrier\nNETWORK_FILE=/etc/systemd/network/20-wired.network\n";
    auto s = networkd_state_from_file(state);
    ASSERT_TRUE(s);
    EXPECT_EQ(*s, "configured");
    EXPECT_TRUE(networkd_manages(*s));
    EXPECT_FALSE(networkd_manages("unmanaged"));
    EXPECT_FALSE(networkd_manages("linger"));
    EXPECT_FALSE(networkd_state_from_file("OPER_STATE=off\n"));
}
