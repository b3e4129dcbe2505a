#include "libvswitch/health/checks.h"

#include "libvswitch/base/text.h"

namespace vswitch::health {

namespace {

// A /proc/sys value as read: "1\n".
std::string_view trimmed(std::string_view s) { return trim(s, " \t\n"); }

}  // namespace

std::optional<Problem> br_netfilter_problem(std::optional<std::string> value, std::string_view bridge) {
    if (!value || trimmed(*value) != "1") return std::nullopt;
    std::string br(bridge);
    return Problem{"br-netfilter",
                   "br_netfilter is loaded with net.bridge.bridge-nf-call-iptables=1: traffic between "
                   "VMs on '" + br + "' passes the host's iptables FORWARD rules, and a DROP there "
                   "cuts them off from each other",
                   "sysctl -w net.bridge.bridge-nf-call-iptables=0  # or: iptables -I FORWARD -i " + br +
                       " -o " + br + " -j ACCEPT"};
}

bool forwarding_off(std::string_view value) { return trimmed(value) == "0"; }

}  // namespace vswitch::health
