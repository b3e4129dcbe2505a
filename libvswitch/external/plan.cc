#include "libvswitch/external/plan.h"

namespace vswitch::external {

bool moves_address(const AddressRecord& a) {
    return !a.local.is_ipv6_link_local();
}

bool moves_route(const RouteRecord& r) {
    if (r.protocol == kProtoKernel || r.table == kTableLocal) return false;
    // IPv6 multicast and link-local prefixes: every IPv6 link has its own.
    if (r.family == 10 && r.dst && r.dst->bytes[0] == 0xff) return false;
    return true;
}

uint32_t remaining_lifetime(uint32_t recorded, uint64_t elapsed) {
    if (recorded == kForever) return kForever;
    if (elapsed >= recorded) return 1;
    return uint32_t(recorded - elapsed);
}

std::vector<Step> plan_switch_over(const NicSnapshot& nic, const std::string& bridge, bool share) {
    std::vector<Step> out;
    Step create{StepKind::create_bridge, bridge};
    create.mac = nic.mac;
    create.mtu = nic.mtu;
    create.no_ipv6_ll = !share;
    out.push_back(create);
    Step enslave{StepKind::enslave, nic.name};
    enslave.master = bridge;
    out.push_back(enslave);
    if (!nic.up) out.push_back(Step{StepKind::link_up, nic.name});
    out.push_back(Step{StepKind::link_up, bridge});
    if (share) {
        for (const auto& a : nic.addresses) {
            if (!moves_address(a)) continue;
            Step s{StepKind::add_address, bridge};
            s.address = a;
            if (a.family() == 10) s.address.flags |= kAddrFlagNoDad;
            // The kernel takes no label of another interface's name.
            s.address.label.clear();
            out.push_back(s);
        }
        for (const auto& r : nic.routes) {
            if (!moves_route(r)) continue;
            // IPv6 takes no second route equal but for its device (it would
            // make them one multipath route, or refuse it): the NIC's goes
            // first, its copy right after.
            if (r.family == 10) {
                Step rm{StepKind::remove_route, nic.name};
                rm.route = r;
                out.push_back(rm);
            }
            Step s{StepKind::add_route, bridge};
            s.route = r;
            out.push_back(s);
        }
    }
    for (const auto& a : nic.addresses) {
        if (!moves_address(a)) continue;
        Step s{StepKind::remove_address, nic.name};
        s.address = a;
        out.push_back(s);
    }
    for (const auto& r : nic.routes) {
        if (!moves_route(r) || (share && r.family == 10)) continue;
        Step s{StepKind::remove_route, nic.name};
        s.route = r;
        out.push_back(s);
    }
    return out;
}

std::vector<Step> plan_teardown(const NicSnapshot& nic, const std::string& bridge,
                                uint64_t elapsed) {
    std::vector<Step> out;
    auto give_back = [&](int family) {
        for (const auto& a : nic.addresses) {
            if (!moves_address(a) || a.family() != family) continue;
            Step s{StepKind::add_address, nic.name};
            s.address = a;
            s.address.valid_lft = remaining_lifetime(a.valid_lft, elapsed);
            s.address.preferred_lft = remaining_lifetime(a.preferred_lft, elapsed);
            out.push_back(s);
        }
        for (const auto& r : nic.routes) {
            if (!moves_route(r) || r.family != family) continue;
            Step s{StepKind::add_route, nic.name};
            s.route = r;
            out.push_back(s);
        }
    };
    // IPv4 first, while the NIC is still a port: IPv4 addresses are
    // host-wide, so its own answer at once and its routes go before the
    // bridge's; deleting the bridge then leaves no moment without them.
    give_back(2);
    out.push_back(Step{StepKind::delete_bridge, bridge});
    // IPv6 after: the bridge, still holding the address, would answer the
    // NIC's duplicate address detection and fail it.
    give_back(10);
    if (nic.up) out.push_back(Step{StepKind::link_up, nic.name});
    return out;
}

std::string Step::describe() const {
    switch (kind) {
        case StepKind::create_bridge:
            return "create bridge '" + link + "' mac " + mac.to_string() + " mtu " +
                   std::to_string(mtu) + (no_ipv6_ll ? " without IPv6 link-local" : "");
        case StepKind::enslave:
            return "enslave '" + link + "' to '" + master + "'";
        case StepKind::link_up:
            return "set '" + link + "' up";
        case StepKind::add_address:
            return "add address " + address.describe() + " to '" + link + "'";
        case StepKind::remove_address:
            return "remove address " + address.describe() + " from '" + link + "'";
        case StepKind::add_route:
            return "add route " + route.describe() + " dev '" + link + "'";
        case StepKind::remove_route:
            return "remove route " + route.describe() + " dev '" + link + "'";
        case StepKind::delete_bridge:
            return "delete bridge '" + link + "'";
    }
    return "?";
}

}  // namespace vswitch::external
