// What vswitchd asks systemd-resolved to set on a switch's bridge, as plain
// data: the arguments of SetLinkDNS, SetLinkDomains and SetLinkDefaultRoute
// (org.freedesktop.resolve1(5)). Pure, so the unit tests check the lists
// without a bus; daemon/dns/resolved.cc turns them into method calls.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "libvswitch/base/net.h"
#include "libvswitch/config/config.h"

namespace vswitch::dns {

// The address families of resolve1's (iay) pairs are the kernel's.
inline constexpr int32_t kResolvedFamilyInet = 2;  // AF_INET

// One (iay) of SetLinkDNS: family and the address in network byte order.
struct ResolvedDnsServer {
    int32_t family = kResolvedFamilyInet;
    std::vector<uint8_t> address;
    friend bool operator==(const ResolvedDnsServer&, const ResolvedDnsServer&) = default;
};

// One (sb) of SetLinkDomains: routing_only is resolved's "~domain": queries
// under it go to this link, but it is not a search domain.
struct ResolvedDomain {
    std::string name;
    bool routing_only = true;
    friend bool operator==(const ResolvedDomain&, const ResolvedDomain&) = default;
};

// Everything set on one link. default_route false: only the domains above
// are sent to the bridge's server, never the host's other lookups.
struct ResolvedLinkSettings {
    std::string switch_name;  // for log lines
    std::string bridge;
    int32_t ifindex = 0;
    std::vector<ResolvedDnsServer> servers;
    std::vector<ResolvedDomain> domains;
    bool default_route = false;
    friend bool operator==(const ResolvedLinkSettings&, const ResolvedLinkSettings&) = default;
};

// What the Manager knows of one switch.
struct ResolvedSwitch {
    std::string name;
    SwitchType type = SwitchType::nat;
    std::string bridge;
    int ifindex = 0;
    Ipv4 gateway;
    std::string domain;  // "vswitch.internal"; "" = none
};

// The settings for one switch, or nothing when there is nothing to register:
// a private switch (no address, no DNS server), a bridge not yet known
// (ifindex 0) or no gateway. A trailing dot of the domain is dropped and
// the name lower-cased, as resolved itself would normalise it.
std::optional<ResolvedLinkSettings> resolved_link_settings(const ResolvedSwitch& sw);

std::vector<ResolvedLinkSettings> resolved_link_settings(
    const std::vector<ResolvedSwitch>& switches);

}  // namespace vswitch::dns
