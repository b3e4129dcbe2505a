#include "libvswitch/health/bridge_repair.h"

#include <gtest/gtest.h>

namespace vswitch::health {
namespace {

using Ports = std::vector<ObservedPort>;

ObservedBridge healthy(int ifindex = 7) {
    return {true, ifindex, true, true};
}

TEST(BridgeRepair, AHealthyBridgeNeedsNothing) {
    auto plan = plan_bridge_repair(healthy(), 7, true,
                                   Ports{{"vm0", true, false, 7}, {"vstap0", true, true, 7}});
    EXPECT_TRUE(plan.empty());
    EXPECT_EQ(describe_fault(plan, "vswitch0"), "nothing is wrong");
    RepairCounts c;
    c.add(plan);
    EXPECT_EQ(c.repairs, 0u);
}

TEST(BridgeRepair, ADeletedBridgeIsRecreatedUpAddressedWithEveryPortReplugged) {
    ObservedBridge gone;
    // Deleting a bridge releases its ports (master 0); TAPs and veths survive it.
    auto plan = plan_bridge_repair(gone, 7, true,
                                   Ports{{"vm0", true, false, 0}, {"vstap0", true, true, 0}});
    EXPECT_TRUE(plan.recreate_bridge);
    EXPECT_TRUE(plan.bring_up);
    EXPECT_TRUE(plan.restore_address);
    EXPECT_TRUE(plan.rebind_services());
    EXPECT_EQ(plan.replug, (std::vector<std::string>{"vm0", "vstap0"}));
    EXPECT_EQ(describe_fault(plan, "vswitch0"), "bridge 'vswitch0' was deleted");
    EXPECT_EQ(describe_repair(plan),
              "re-created the bridge, brought it up, restored its gateway address, re-plugged 2 "
              "ports ('vm0', "
              "'vstap0') and restarted DHCP and DNS on it");
}

TEST(BridgeRepair, APrivateSwitchGetsNoAddressBack) {
    auto plan = plan_bridge_repair(ObservedBridge{}, 7, false, {});
    EXPECT_TRUE(plan.recreate_bridge);
    EXPECT_FALSE(plan.restore_address);
}

TEST(BridgeRepair, ABridgeMadeAgainBySomeoneIsAdoptedAndItsPortsStay) {
    // Deleted and made again under the same name: another index. A port the
    // admin already plugged into the new one stays as it is.
    ObservedBridge again{true, 9, false, false};
    auto plan =
        plan_bridge_repair(again, 7, true, Ports{{"vm0", true, false, 9}, {"vm1", true, false, 0}});
    EXPECT_TRUE(plan.recreate_bridge);
    EXPECT_TRUE(plan.bring_up);
    EXPECT_TRUE(plan.restore_address);
    EXPECT_EQ(plan.replug, std::vector<std::string>{"vm1"});
}

TEST(BridgeRepair, DownIsBroughtUpAlone) {
    auto b = healthy();
    b.up = false;
    auto plan = plan_bridge_repair(b, 7, true, Ports{{"vm0", true, false, 7}});
    EXPECT_FALSE(plan.recreate_bridge);
    EXPECT_TRUE(plan.bring_up);
    EXPECT_FALSE(plan.restore_address);
    EXPECT_TRUE(plan.replug.empty());
    EXPECT_FALSE(plan.rebind_services());
    EXPECT_EQ(describe_fault(plan, "vswitch0"), "bridge 'vswitch0' was set down");
    EXPECT_EQ(describe_repair(plan), "brought it up");
}

TEST(BridgeRepair, AFlushedAddressIsRestored) {
    auto b = healthy();
    b.has_gateway = false;
    auto plan = plan_bridge_repair(b, 7, true, {});
    EXPECT_TRUE(plan.restore_address);
    EXPECT_FALSE(plan.bring_up);
    EXPECT_EQ(describe_fault(plan, "vswitch0"), "bridge 'vswitch0' lost its gateway address");
}

TEST(BridgeRepair, PortsUnpluggedOrMovedArePluggedBack) {
    auto plan = plan_bridge_repair(
        healthy(), 7, true,
        Ports{{"vm0", true, false, 0}, {"vm1", true, false, 12}, {"vm2", true, false, 7}});
    EXPECT_EQ(plan.replug, (std::vector<std::string>{"vm0", "vm1"}));
    EXPECT_EQ(describe_fault(plan, "vswitch0"),
              "ports 'vm0', 'vm1' were unplugged from bridge 'vswitch0'");
}

TEST(BridgeRepair, ADeletedTapOfOursIsMadeAgainOthersAreForgotten) {
    auto plan = plan_bridge_repair(healthy(), 7, true,
                                   Ports{{"vstap0", false, true, 0}, {"vnet3", false, false, 0}});
    EXPECT_EQ(plan.recreate, std::vector<std::string>{"vstap0"});
    EXPECT_EQ(plan.forget, std::vector<std::string>{"vnet3"});
    EXPECT_TRUE(plan.replug.empty());
    EXPECT_EQ(describe_fault(plan, "vswitch0"),
              "TAP 'vstap0' was deleted and interface 'vnet3' was deleted");
    EXPECT_EQ(describe_repair(plan), "re-created 1 TAP ('vstap0') and forgot 1 port ('vnet3')");
}

TEST(BridgeRepair, CountsEachKindOncePerRepairAndPortsEach) {
    RepairCounts c;
    c.add(plan_bridge_repair(ObservedBridge{}, 7, true,
                             Ports{{"a", true, false, 0}, {"b", true, true, 0}}));
    auto down = healthy();
    down.up = false;
    c.add(plan_bridge_repair(down, 7, true, {}));
    c.add(plan_bridge_repair(healthy(), 7, true, Ports{{"t", false, true, 0}}));
    EXPECT_EQ(c.repairs, 3u);
    EXPECT_EQ(c.bridge_recreated, 1u);
    EXPECT_EQ(c.link_up, 2u);
    EXPECT_EQ(c.address_restored, 1u);
    EXPECT_EQ(c.port_replugged, 2u);
    EXPECT_EQ(c.port_recreated, 1u);
    auto kinds = c.by_kind();
    ASSERT_EQ(kinds.size(), 5u);
    EXPECT_EQ(kinds[0], (std::pair<std::string, uint64_t>{"bridge_recreated", 1}));
    EXPECT_EQ(kinds[4], (std::pair<std::string, uint64_t>{"port_recreated", 1}));
}

TEST(BridgeRepair, FailedAttemptsBackOffDoublingToTheCap) {
    EXPECT_EQ(bridge_retry_delay(1), kBridgeFirstRetryUsec);
    EXPECT_EQ(bridge_retry_delay(2), 2 * kBridgeFirstRetryUsec);
    EXPECT_EQ(bridge_retry_delay(3), 4 * kBridgeFirstRetryUsec);
    EXPECT_EQ(bridge_retry_delay(40), kBridgeMaxRetryUsec);
    EXPECT_EQ(bridge_retry_delay(~0u), kBridgeMaxRetryUsec);
}

TEST(BridgeRepair, AFightUsesTheBridgePolicy) {
    RepairBackoff b(bridge_backoff_policy());
    uint64_t t = 1'000'000;
    EXPECT_EQ(b.delay(t), kBridgeRepairDelayUsec);
    for (size_t i = 0; i + 1 < kBridgeFightThreshold; ++i) b.record_repair(t += 100'000);
    EXPECT_FALSE(b.fighting(t));
    EXPECT_EQ(b.delay(t), kBridgeRepairDelayUsec);
    b.record_repair(t += 100'000);
    EXPECT_TRUE(b.fighting(t));
    EXPECT_EQ(b.delay(t), kBridgeFirstBackoffUsec);
    t += kBridgeFightWindowUsec;
    EXPECT_FALSE(b.fighting(t));
}

}  // namespace
}  // namespace vswitch::health
