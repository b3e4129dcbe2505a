#include "libvswitch/ports/security.h"

#include <utility>
#include <vector>

#include "libvswitch/base/text.h"
#include "libvswitch/ports/bandwidth.h"
#include "libvswitch/ports/port_record.h"

namespace vswitch::ports {

namespace {

constexpr std::string_view kKeyNames = "DhcpGuard, RouterGuard, MacSpoofing, IpSpoofing, Isolated";

std::vector<std::string_view> split_commas(std::string_view s) {
    std::vector<std::string_view> out;
    for (;;) {
        size_t at = s.find(',');
        out.push_back(s.substr(0, at));
        if (at == std::string_view::npos) return out;
        s.remove_prefix(at + 1);
    }
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        char x = a[i] >= 'A' && a[i] <= 'Z' ? char(a[i] - 'A' + 'a') : a[i];
        if (x != b[i]) return false;  // b is lower case
    }
    return true;
}

}  // namespace

std::string_view to_string(SecurityKey key) {
    switch (key) {
        case SecurityKey::dhcp_guard:
            return "DhcpGuard";
        case SecurityKey::router_guard:
            return "RouterGuard";
        case SecurityKey::mac_spoofing:
            return "MacSpoofing";
        case SecurityKey::ip_spoofing:
            return "IpSpoofing";
        case SecurityKey::isolated:
            return "Isolated";
    }
    return "DhcpGuard";
}

Result<SecurityKey> parse_security_key(std::string_view name) {
    for (auto k : kSecurityKeys)
        if (to_string(k) == name) return k;
    return make_error(EINVAL, "unknown port setting " + quoted(name) +
                                  " (settings: " + std::string(kKeyNames) + ")");
}

Result<bool> parse_security_value(SecurityKey key, std::string_view value) {
    for (std::string_view t : {"1", "yes", "true", "on"})
        if (iequals(value, t)) return true;
    for (std::string_view f : {"0", "no", "false", "off"})
        if (iequals(value, f)) return false;
    return make_error(EINVAL,
                      std::string(to_string(key)) + " wants yes or no, not " + quoted(value));
}

std::optional<bool>& SecurityOverrides::at(SecurityKey key) {
    return const_cast<std::optional<bool>&>(std::as_const(*this).at(key));
}

const std::optional<bool>& SecurityOverrides::at(SecurityKey key) const {
    switch (key) {
        case SecurityKey::dhcp_guard:
            return dhcp_guard;
        case SecurityKey::router_guard:
            return router_guard;
        case SecurityKey::mac_spoofing:
            return mac_spoofing;
        case SecurityKey::ip_spoofing:
            return ip_spoofing;
        case SecurityKey::isolated:
            return isolated;
    }
    return dhcp_guard;
}

bool SecurityOverrides::empty() const {
    for (auto k : kSecurityKeys)
        if (at(k)) return false;
    return !maximum_bandwidth;
}

bool default_of(const SecurityDefaults& d, PortOrigin origin, SecurityKey key) {
    switch (key) {
        case SecurityKey::dhcp_guard:
            return d.dhcp_guard;
        case SecurityKey::router_guard:
            return d.router_guard;
        // Only the daemon's own TAPs have a MAC the daemon chose.
        case SecurityKey::mac_spoofing:
            return origin == PortOrigin::daemon ? d.mac_spoofing : true;
        case SecurityKey::ip_spoofing:
            return d.ip_spoofing;
        case SecurityKey::isolated:
            return d.isolated;
    }
    return false;
}

bool value_of(const PortSecurity& s, SecurityKey key) {
    switch (key) {
        case SecurityKey::dhcp_guard:
            return s.dhcp_guard;
        case SecurityKey::router_guard:
            return s.router_guard;
        case SecurityKey::mac_spoofing:
            return s.mac_spoofing;
        case SecurityKey::ip_spoofing:
            return s.ip_spoofing;
        case SecurityKey::isolated:
            return s.isolated;
    }
    return false;
}

PortSecurity effective_security(const SecurityDefaults& d, PortOrigin origin,
                                const SecurityOverrides& o) {
    auto v = [&](SecurityKey k) { return o.at(k).value_or(default_of(d, origin, k)); };
    PortSecurity s;
    s.dhcp_guard = v(SecurityKey::dhcp_guard);
    s.router_guard = v(SecurityKey::router_guard);
    s.mac_spoofing = v(SecurityKey::mac_spoofing);
    s.ip_spoofing = v(SecurityKey::ip_spoofing);
    s.isolated = v(SecurityKey::isolated);
    s.maximum_bandwidth = o.maximum_bandwidth.value_or(d.maximum_bandwidth);
    return s;
}

std::string format_overrides(const SecurityOverrides& o) {
    std::string out;
    for (auto k : kSecurityKeys) {
        if (!o.at(k)) continue;
        if (!out.empty()) out += ',';
        out += std::string(to_string(k)) + (*o.at(k) ? "=yes" : "=no");
    }
    if (o.maximum_bandwidth) {
        if (!out.empty()) out += ',';
        out += std::string(kMaximumBandwidthKey) + "=" + std::to_string(*o.maximum_bandwidth);
    }
    return out.empty() ? "-" : out;
}

Result<SecurityOverrides> parse_overrides(std::string_view text) {
    SecurityOverrides o;
    if (text == "-") return o;
    for (auto item : split_commas(text)) {
        size_t eq = item.find('=');
        if (eq == std::string_view::npos)
            return make_error(EBADMSG, "port setting " + quoted(item) + " is not Key=yes|no");
        if (item.substr(0, eq) == kMaximumBandwidthKey) {
            std::string_view digits = item.substr(eq + 1);
            if (o.maximum_bandwidth)
                return make_error(EBADMSG, "port setting " + quoted(kMaximumBandwidthKey) + " given twice");
            bool numeric = !digits.empty() && digits.size() <= 20 &&
                           digits.find_first_not_of("0123456789") == std::string_view::npos;
            auto rate = numeric ? parse_bit_rate(digits) : Result<uint64_t>(make_error(EINVAL, ""));
            if (!rate)
                return make_error(EBADMSG, "port setting " + quoted(item) +
                                               " is not MaximumBandwidth=<bit/s within the limits>");
            o.maximum_bandwidth = *rate;
            continue;
        }
        auto key = parse_security_key(item.substr(0, eq));
        if (!key) return make_error(EBADMSG, key.error().message);
        std::string_view value = item.substr(eq + 1);
        if (value != "yes" && value != "no")
            return make_error(EBADMSG, "port setting " + quoted(item) + " is not Key=yes|no");
        if (o.at(*key))
            return make_error(EBADMSG, "port setting " + quoted(to_string(*key)) + " given twice");
        o.at(*key) = value == "yes";
    }
    return o;
}

}  // namespace vswitch::ports
