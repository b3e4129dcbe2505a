// The host settings the diagnostics read from /proc, judged apart from the
// reading so that a unit test can feed any text (and a host without
// br_netfilter is still covered).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "libvswitch/health/problems.h"

namespace vswitch::health {

// /proc/sys/net/bridge/bridge-nf-call-iptables (nullopt: br_netfilter is
// not loaded): "1" sends bridged frames between VMs through the host's
// iptables FORWARD rules, where a DROP policy cuts VMs off from each other.
std::optional<Problem> br_netfilter_problem(std::optional<std::string> value, std::string_view bridge);

// /proc/sys/net/ipv4/ip_forward: true when it reads "0".
bool forwarding_off(std::string_view value);

}  // namespace vswitch::health
