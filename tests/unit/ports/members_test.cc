#include "libvswitch/ports/members.h"

#include <gtest/gtest.h>

#include <vector>

using namespace vswitch;
using namespace vswitch::ports;

namespace {

constexpr int kBridge = 7;

MemberState state(std::optional<PortOrigin> port, bool exists, int master, int bridge = kBridge) {
    return MemberState{port, exists, master, bridge};
}

Mac mac(uint8_t last, uint8_t first = 0x52) {
    return Mac({first, 0x54, 0x00, 0x00, 0x00, last});
}

}  // namespace

TEST(BridgeMembers, AnInterfacePutIntoTheBridgeIsAdopted) {
    EXPECT_EQ(plan_member(state(std::nullopt, true, kBridge)), MemberAction::adopt);
}

TEST(BridgeMembers, OnlyMembersOfThisBridgeThatStillExistAreAdopted) {
    EXPECT_EQ(plan_member(state(std::nullopt, true, 0)), MemberAction::none);
    EXPECT_EQ(plan_member(state(std::nullopt, true, 9)), MemberAction::none);  // another bridge
    EXPECT_EQ(plan_member(state(std::nullopt, false, kBridge)),
              MemberAction::none);  // a stale event
    // The bridge is gone: index 0 matches no master.
    EXPECT_EQ(plan_member(state(std::nullopt, true, 0, 0)), MemberAction::none);
}

TEST(BridgeMembers, AnAdoptedMemberUnpluggedOrMovedIsForgotten) {
    EXPECT_EQ(plan_member(state(PortOrigin::bridge, true, 0)), MemberAction::forget);
    EXPECT_EQ(plan_member(state(PortOrigin::bridge, true, 9)), MemberAction::forget);
    EXPECT_EQ(plan_member(state(PortOrigin::bridge, false, 0)), MemberAction::forget);
}

TEST(BridgeMembers, AnAdoptedMemberStillInTheBridgeStays) {
    EXPECT_EQ(plan_member(state(PortOrigin::bridge, true, kBridge)), MemberAction::none);
}

TEST(BridgeMembers, AnAdoptedMemberOfADeletedBridgeIsKeptForTheRepair) {
    EXPECT_EQ(plan_member(state(PortOrigin::bridge, true, 0, 0)), MemberAction::keep);
}

TEST(BridgeMembers, PortsTheDaemonPluggedAreLeftToHealing) {
    for (PortOrigin o : {PortOrigin::daemon, PortOrigin::attached}) {
        EXPECT_EQ(plan_member(state(o, true, 0)), MemberAction::none);
        EXPECT_EQ(plan_member(state(o, false, 0)), MemberAction::none);
        EXPECT_EQ(plan_member(state(o, true, kBridge)), MemberAction::none);
    }
}

TEST(BridgeMembers, GuestMacSkipsTheInterfacesOwnLocalAndMulticastEntries) {
    const Mac own = mac(1, 0xfe);
    std::vector<LearnedMac> learned = {
        {own, false}, {mac(2), true}, {Mac({0x01, 0x00, 0x5e, 0, 0, 1}), false}, {Mac(), false}};
    EXPECT_EQ(choose_guest_mac(own, learned, nullptr), std::nullopt);
    learned.push_back({mac(3), false});
    EXPECT_EQ(choose_guest_mac(own, learned, nullptr), mac(3));
}

TEST(BridgeMembers, GuestMacPrefersALeaseThenTheLowest) {
    std::vector<LearnedMac> learned = {{mac(9), false}, {mac(4), false}, {mac(6), false}};
    EXPECT_EQ(choose_guest_mac(mac(1, 0xfe), learned, nullptr), mac(4));
    EXPECT_EQ(choose_guest_mac(mac(1, 0xfe), learned, [](const Mac& m) { return m == mac(6); }),
              mac(6));
}

TEST(PortOrigin, NamesTheThreeOrigins) {
    PortRecord p;
    EXPECT_EQ(to_string(origin_of(p)), "attached");
    p.adopted = true;
    EXPECT_EQ(to_string(origin_of(p)), "bridge");
    p.adopted = false;
    p.created = true;
    EXPECT_EQ(to_string(origin_of(p)), "daemon");
}
