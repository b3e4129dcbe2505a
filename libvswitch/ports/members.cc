#include "libvswitch/ports/members.h"

namespace vswitch::ports {

MemberAction plan_member(const MemberState& s) {
    const bool in_bridge = s.exists && s.bridge != 0 && s.master == s.bridge;
    if (!s.port) return in_bridge ? MemberAction::adopt : MemberAction::none;
    if (*s.port != PortOrigin::bridge) return MemberAction::none;
    if (!s.exists) return MemberAction::forget;
    if (in_bridge) return MemberAction::none;
    return s.bridge == 0 ? MemberAction::keep : MemberAction::forget;
}

std::optional<Mac> choose_guest_mac(const Mac& own, std::span<const LearnedMac> learned,
                                    const std::function<bool(const Mac&)>& has_lease) {
    std::optional<Mac> lowest, leased;
    for (const auto& l : learned) {
        if (l.local || l.mac == own || l.mac.is_zero() || l.mac.is_multicast()) continue;
        if (!lowest || l.mac < *lowest) lowest = l.mac;
        if (has_lease && has_lease(l.mac) && (!leased || l.mac < *leased)) leased = l.mac;
    }
    return leased ? leased : lowest;
}

}  // namespace vswitch::ports
