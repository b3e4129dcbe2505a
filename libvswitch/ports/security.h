// Per-port protection (issue 17): which guards the data plane applies to
// what a port sends. A port keeps only what was set for it explicitly
// (SecurityOverrides, in the ports file); everything else follows its
// switch's defaults (config keys DhcpGuard=, RouterGuard=, MacSpoofing=,
// IpSpoofing=, Isolated=) and, for MacSpoofing, where the port came from.
// Pure: the nft compilation (libvswitch/nft/port_guard.h) and the bridge
// port flag (daemon/netlink/port_isolation.h) take the effective values.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "libvswitch/base/result.h"

namespace vswitch::ports {

enum class PortOrigin;  // port_record.h

// The effective settings of one port.
struct PortSecurity {
    bool dhcp_guard = true;     // drop DHCP/DHCPv6 server messages sent from the port
    bool router_guard = true;   // drop ICMPv6 Router Advertisements and Redirects from it
    bool mac_spoofing = false;  // false: frames (and ARP) must carry the port's MAC
    bool ip_spoofing = true;    // false: sources must be the port's leased/reserved addresses
    bool isolated = false;      // bridge port isolation: only the host, not other ports
    uint64_t maximum_bandwidth = 0;  // bit/s each way, 0: none (bandwidth.h)

    friend bool operator==(const PortSecurity&, const PortSecurity&) = default;
};

// A switch's defaults. MacSpoofing=no guards the TAPs the daemon makes
// (it picked their MAC, so it knows it); a port plugged in by
// AttachInterface or found on the bridge allows it unless set per port,
// because its MAC may be the interface's own rather than the guest's.
struct SecurityDefaults {
    bool dhcp_guard = true;
    bool router_guard = true;
    bool mac_spoofing = false;  // for ports of origin daemon
    bool ip_spoofing = true;
    bool isolated = false;
    uint64_t maximum_bandwidth = 0;  // MaximumBandwidth=

    friend bool operator==(const SecurityDefaults&, const SecurityDefaults&) = default;
};

// The keys, as D-Bus properties, `vswitchctl set` and the ports file name them.
enum class SecurityKey { dhcp_guard, router_guard, mac_spoofing, ip_spoofing, isolated };
inline constexpr std::array<SecurityKey, 5> kSecurityKeys = {
    SecurityKey::dhcp_guard, SecurityKey::router_guard, SecurityKey::mac_spoofing,
    SecurityKey::ip_spoofing, SecurityKey::isolated};
// "DhcpGuard", "RouterGuard", "MacSpoofing", "IpSpoofing", "Isolated".
std::string_view to_string(SecurityKey key);
// The names to_string gives, exactly (EINVAL names the known keys).
Result<SecurityKey> parse_security_key(std::string_view name);
// systemd's booleans: yes/no, true/false, on/off, 1/0 (EINVAL otherwise).
Result<bool> parse_security_value(SecurityKey key, std::string_view value);

// What was set per port; unset keys follow the switch.
struct SecurityOverrides {
    std::optional<bool> dhcp_guard, router_guard, mac_spoofing, ip_spoofing, isolated;
    // Not a SecurityKey: a number (bit/s), "MaximumBandwidth=N" in the field.
    std::optional<uint64_t> maximum_bandwidth;

    std::optional<bool>& at(SecurityKey key);
    const std::optional<bool>& at(SecurityKey key) const;
    bool empty() const;
    friend bool operator==(const SecurityOverrides&, const SecurityOverrides&) = default;
};

bool default_of(const SecurityDefaults& d, PortOrigin origin, SecurityKey key);
PortSecurity effective_security(const SecurityDefaults& d, PortOrigin origin,
                                const SecurityOverrides& o);
bool value_of(const PortSecurity& s, SecurityKey key);

// The ports file's field: "-" when nothing is set, else
// "DhcpGuard=no,Isolated=yes" in kSecurityKeys order, then
// "MaximumBandwidth=100000000" (bit/s) when set.
std::string format_overrides(const SecurityOverrides& o);
// Strict (EBADMSG): unknown or repeated keys, values other than yes/no
// (MaximumBandwidth: a decimal number of bit/s within bandwidth.h's limits).
Result<SecurityOverrides> parse_overrides(std::string_view text);

}  // namespace vswitch::ports
