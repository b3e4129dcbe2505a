#include "libvswitch/dns/resolved_link.h"

#include <algorithm>
#include <cctype>

namespace vswitch::dns {

std::optional<ResolvedLinkSettings> resolved_link_settings(const ResolvedSwitch& sw) {
    if (sw.type == SwitchType::private_ || sw.ifindex <= 0 || sw.gateway.is_zero())
        return std::nullopt;
    ResolvedLinkSettings s;
    s.switch_name = sw.name;
    s.bridge = sw.bridge;
    s.ifindex = sw.ifindex;
    auto bytes = sw.gateway.bytes();
    s.servers.push_back({kResolvedFamilyInet, {bytes.begin(), bytes.end()}});
    std::string domain = sw.domain;
    while (!domain.empty() && domain.back() == '.') domain.pop_back();
    std::transform(domain.begin(), domain.end(), domain.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    if (!domain.empty()) s.domains.push_back({domain, true});
    s.default_route = false;
    return s;
}

std::vector<ResolvedLinkSettings> resolved_link_settings(
    const std::vector<ResolvedSwitch>& switches) {
    std::vector<ResolvedLinkSettings> out;
    for (const auto& sw : switches)
        if (auto s = resolved_link_settings(sw)) out.push_back(std::move(*s));
    return out;
}

}  // namespace vswitch::dns
