#include "libvswitch/ctl/port_settings.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "libvswitch/ports/bandwidth.h"

namespace vswitch::ctl {

namespace {

bool same_lower(const std::string& a, const char* b) {
    std::string l = a;
    std::transform(l.begin(), l.end(), l.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    return l == b;
}

}  // namespace

const std::vector<std::string>& port_setting_names() {
    static const std::vector<std::string> names = {"DhcpGuard", "RouterGuard", "MacSpoofing",
                                                   "IpSpoofing", "Isolated"};
    return names;
}

Result<std::vector<PortSetting>> parse_port_settings(const std::vector<std::string>& args) {
    std::vector<PortSetting> out;
    for (const auto& a : args) {
        size_t eq = a.find('=');
        if (eq == std::string::npos) return make_error(EINVAL, "'" + a + "' is not KEY=VALUE");
        std::string key = a.substr(0, eq), value = a.substr(eq + 1);
        if (key == ports::kMaximumBandwidthKey) {
            auto bits = ports::parse_bit_rate(value);
            if (!bits) return bits.error();
            out.push_back(PortSetting{key, false, *bits});
            continue;
        }
        const auto& names = port_setting_names();
        if (std::find(names.begin(), names.end(), key) == names.end()) {
            std::string list;
            for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
            list += ", " + std::string(ports::kMaximumBandwidthKey);
            return make_error(EINVAL,
                              "unknown port setting '" + key + "' (settings: " + list + ")");
        }
        PortSetting s{key, false};
        if (same_lower(value, "yes") || same_lower(value, "true") || same_lower(value, "on") ||
            value == "1")
            s.value = true;
        else if (same_lower(value, "no") || same_lower(value, "false") ||
                 same_lower(value, "off") || value == "0")
            s.value = false;
        else
            return make_error(EINVAL, key + " wants yes or no, not '" + value + "'");
        out.push_back(std::move(s));
    }
    return out;
}

std::string port_text(const PortProperties& props) {
    size_t width = 0;
    for (const auto& [k, v] : props) width = std::max(width, k.size());
    std::string out;
    for (const auto& [k, v] : props)
        out += k + ':' + std::string(width - k.size() + 1, ' ') + v + '\n';
    return out;
}

std::string port_json(const PortProperties& props, const std::vector<std::string>& booleans) {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    for (const auto& [k, v] : props) {
        if (std::find(booleans.begin(), booleans.end(), k) != booleans.end())
            j[k] = v == "yes";
        else if (k == ports::kMaximumBandwidthKey && ports::parse_bit_rate(v))
            j[k] = *ports::parse_bit_rate(v);  // bit/s as a number
        else
            j[k] = v;
    }
    return j.dump();
}

}  // namespace vswitch::ctl
