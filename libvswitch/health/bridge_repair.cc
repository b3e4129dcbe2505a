#include "libvswitch/health/bridge_repair.h"

#include <algorithm>

namespace vswitch::health {

namespace {

std::string quoted_list(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "'" : ", '") + n + "'";
    return out;
}

std::string ports_phrase(const char* verb, const std::vector<std::string>& names, const char* one,
                         const char* many) {
    return std::string(verb) + " " + std::to_string(names.size()) + " " +
           (names.size() == 1 ? one : many) + " (" + quoted_list(names) + ")";
}

}  // namespace

BackoffPolicy bridge_backoff_policy() {
    BackoffPolicy p;
    p.repair_delay_usec = kBridgeRepairDelayUsec;
    p.window_usec = kBridgeFightWindowUsec;
    p.threshold = kBridgeFightThreshold;
    p.first_backoff_usec = kBridgeFirstBackoffUsec;
    p.max_backoff_usec = kBridgeMaxBackoffUsec;
    return p;
}

uint64_t bridge_retry_delay(unsigned failures) {
    // Bounded shift: 250 ms << 7 is already past the cap.
    unsigned steps = std::min(failures > 0 ? failures - 1 : 0u, 16u);
    return std::min(kBridgeFirstRetryUsec << steps, kBridgeMaxRetryUsec);
}

RepairPlan plan_bridge_repair(const ObservedBridge& bridge, int known_ifindex, bool wants_address,
                              const std::vector<ObservedPort>& ports) {
    RepairPlan plan;
    // Another interface under the bridge's name (deleted and made again by
    // someone) is adopted like at start: its index is not the one we knew.
    plan.recreate_bridge = !bridge.exists || bridge.ifindex != known_ifindex;
    // A bridge made again starts down and bare.
    plan.bring_up = !bridge.exists || !bridge.up;
    plan.restore_address = wants_address && (!bridge.exists || !bridge.has_gateway);
    // A port belongs in the bridge that will be there after the repair; a
    // bridge about to be made has no index yet, so every port goes in.
    const int target = bridge.exists ? bridge.ifindex : 0;
    for (const auto& p : ports) {
        if (!p.exists)
            (p.created ? plan.recreate : plan.forget).push_back(p.ifname);
        else if (target == 0 || p.master != target)
            plan.replug.push_back(p.ifname);
    }
    return plan;
}

std::string describe_fault(const RepairPlan& plan, const std::string& bridge) {
    const std::string br = "bridge '" + bridge + "'";
    std::vector<std::string> parts;
    // The bridge's own fault explains its ports': one cause, not three.
    if (plan.recreate_bridge) {
        parts.push_back(br + " was deleted");
    } else {
        if (plan.bring_up) parts.push_back(br + " was set down");
        if (plan.restore_address) parts.push_back(br + " lost its gateway address");
        if (!plan.replug.empty())
            parts.push_back((plan.replug.size() == 1 ? "port " : "ports ") +
                            quoted_list(plan.replug) +
                            (plan.replug.size() == 1 ? " was" : " were") + " unplugged from " + br);
    }
    if (!plan.recreate.empty())
        parts.push_back((plan.recreate.size() == 1 ? "TAP " : "TAPs ") +
                        quoted_list(plan.recreate) +
                        (plan.recreate.size() == 1 ? " was" : " were") + " deleted");
    if (!plan.forget.empty())
        parts.push_back((plan.forget.size() == 1 ? "interface " : "interfaces ") +
                        quoted_list(plan.forget) + (plan.forget.size() == 1 ? " was" : " were") +
                        " deleted");
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i)
        out += (i == 0 ? "" : i + 1 == parts.size() ? " and " : ", ") + parts[i];
    return out.empty() ? "nothing is wrong" : out;
}

std::string describe_repair(const RepairPlan& plan) {
    std::vector<std::string> parts;
    if (plan.recreate_bridge) parts.push_back("re-created the bridge");
    if (plan.bring_up) parts.push_back("brought it up");
    if (plan.restore_address) parts.push_back("restored its gateway address");
    if (!plan.replug.empty())
        parts.push_back(ports_phrase("re-plugged", plan.replug, "port", "ports"));
    if (!plan.recreate.empty())
        parts.push_back(ports_phrase("re-created", plan.recreate, "TAP", "TAPs"));
    if (!plan.forget.empty()) parts.push_back(ports_phrase("forgot", plan.forget, "port", "ports"));
    if (plan.rebind_services()) parts.push_back("restarted DHCP and DNS on it");
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i)
        out += (i == 0 ? "" : i + 1 == parts.size() ? " and " : ", ") + parts[i];
    return out.empty() ? "nothing" : out;
}

void RepairCounts::add(const RepairPlan& plan) {
    if (plan.empty()) return;
    ++repairs;
    if (plan.recreate_bridge) ++bridge_recreated;
    if (plan.bring_up) ++link_up;
    if (plan.restore_address) ++address_restored;
    port_replugged += plan.replug.size();
    port_recreated += plan.recreate.size();
}

std::vector<std::pair<std::string, uint64_t>> RepairCounts::by_kind() const {
    return {{"bridge_recreated", bridge_recreated},
            {"link_up", link_up},
            {"address_restored", address_restored},
            {"port_replugged", port_replugged},
            {"port_recreated", port_recreated}};
}

}  // namespace vswitch::health
