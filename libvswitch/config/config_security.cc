// The [Switch] keys that set the defaults of the ports' guards (issue 17):
// DhcpGuard=, RouterGuard=, MacSpoofing=, IpSpoofing=, Isolated=, the
// names of the Port properties. A port's own setting (D-Bus, vswitchctl
// set) wins over them; MacSpoofing= is the default of the daemon's own
// TAPs only (ports/security.h says why).
#include "libvswitch/base/text.h"
#include "libvswitch/config/config_internal.h"
#include "libvswitch/ports/bandwidth.h"
#include "libvswitch/ports/port_record.h"

namespace vswitch::config_detail {

std::optional<Status> parse_security_default(ports::SecurityDefaults& d, std::string_view key,
                                             std::string_view value) {
    if (key == ports::kMaximumBandwidthKey) {
        // MaximumBandwidth=100M: the ports' default limit; empty or 0: none.
        if (value.empty()) {
            d.maximum_bandwidth = 0;
            return Status();
        }
        auto bits = ports::parse_bit_rate(value);
        if (!bits) return Status(make_error(EINVAL, "invalid " + bits.error().message));
        d.maximum_bandwidth = *bits;
        return Status();
    }
    auto k = ports::parse_security_key(key);
    if (!k) return std::nullopt;
    // systemd: an empty assignment resets to the built-in default.
    bool v = false;
    if (value.empty()) {
        v = ports::default_of(ports::SecurityDefaults{}, ports::PortOrigin::daemon, *k);
    } else {
        auto parsed = ports::parse_security_value(*k, value);
        if (!parsed)
            return Status(make_error(EINVAL, "invalid " + std::string(key) + " " + quoted(value) +
                                                 ": not a boolean (expected yes or no)"));
        v = *parsed;
    }
    switch (*k) {
        case ports::SecurityKey::dhcp_guard:
            d.dhcp_guard = v;
            break;
        case ports::SecurityKey::router_guard:
            d.router_guard = v;
            break;
        case ports::SecurityKey::mac_spoofing:
            d.mac_spoofing = v;
            break;
        case ports::SecurityKey::ip_spoofing:
            d.ip_spoofing = v;
            break;
        case ports::SecurityKey::isolated:
            d.isolated = v;
            break;
    }
    return Status();
}

}  // namespace vswitch::config_detail
