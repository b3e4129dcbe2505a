// vswitchd.conf and switches.d/*.switch: a systemd-style INI subset parsed
// into plain values.
//
// The parsers are pure (text in, value out) so they can be fuzzed and tested
// without files; load_config() is the one place that touches the disk. Every
// error message is "<path>:<line>: <reason>", ready to be printed as is by
// the daemon and by `vswitchd --check-config`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"
#include "libvswitch/dhcp/reservation.h"
#include "libvswitch/forward/forward.h"
#include "libvswitch/ports/security.h"

namespace vswitch {

// Limits on what a configuration file may hold. The files belong to root,
// but a typo or a stray binary file must still give a clear error rather
// than a huge allocation or a subnet search over millions of exclusions.
inline constexpr size_t kMaxConfigFileSize = 1u << 20;  // bytes per file
inline constexpr size_t kMaxConfigLineLength = 4096;    // bytes, without '\n'
inline constexpr size_t kMaxExcludeSubnets = 1024;      // per switch
inline constexpr size_t kMaxSwitchFiles = 256;          // in switches.d
inline constexpr size_t kMaxSwitchNameLength = 32;
inline constexpr size_t kMaxIfnameLength = 15;  // IFNAMSIZ - 1
inline constexpr uint8_t kMinPrefixLength = 8;
inline constexpr uint8_t kMaxPrefixLength = 30;  // a /31 leaves no DHCP pool
inline constexpr uint32_t kMinLeaseTimeSec = 120;
inline constexpr uint32_t kMaxLeaseTimeSec = 31536000;  // one year
inline constexpr uint32_t kMinMtu = 68;                 // RFC 791 minimum
inline constexpr uint32_t kMaxMtu = 65535;
inline constexpr size_t kMaxDomainLength = 253;
inline constexpr size_t kMaxDomainLabelLength = 63;

inline constexpr std::string_view kDefaultSwitchName = "Default";
inline constexpr std::string_view kDefaultBridge = "vswitch0";
inline constexpr std::string_view kDefaultDomain = "vswitch.internal";
inline constexpr std::string_view kDefaultAllowGroup = "vswitch";
inline constexpr uint8_t kDefaultPrefixLength = 20;
inline constexpr uint32_t kDefaultLeaseTimeSec = 86400;
// MaxLeasesPerPort=: leases one bridge port's clients may hold (a VM with
// nested containers needs a few dozen; see dhcp/limits.h).
inline constexpr uint32_t kDefaultMaxLeasesPerPort = 64;
inline constexpr uint32_t kMaxMaxLeasesPerPort = 65536;
inline constexpr size_t kMaxTrustRelayFrom = 16;  // TrustRelayFrom= names per switch
// Bridges of switches.d switches default to this prefix + the switch name.
inline constexpr std::string_view kSwitchBridgePrefix = "vs-";

// nat: host is gateway, NAT to the uplink (the Default switch; Hyper-V "ICS").
// internal: VMs and host, no NAT. private_: VMs only.
// external: a host NIC in the bridge, guests on its LAN (config_external.cc).
enum class SwitchType { nat, internal, private_, external };

// "nat", "internal", "private", "external".
std::string_view to_string(SwitchType type);
// Accepts the names to_string gives.
Result<SwitchType> parse_switch_type(std::string_view s);

struct SwitchConfig {
    std::string name{kDefaultSwitchName};
    SwitchType type = SwitchType::nat;
    std::string bridge{kDefaultBridge};
    Ipv4Prefix subnet_pool{Ipv4(172, 16, 0, 0), 12};  // per-boot blocks are drawn from here
    uint8_t prefix_length = kDefaultPrefixLength;     // length of the per-boot block
    std::optional<Ipv4Prefix> subnet;                 // pinned: no per-boot choice
    std::vector<Ipv4Prefix> exclude_subnets;          // never chosen
    std::string domain{kDefaultDomain};               // lower case, no trailing dot
    uint32_t lease_time_sec = kDefaultLeaseTimeSec;
    uint32_t max_leases_per_port = kDefaultMaxLeasesPerPort;
    // Ports (host-side interface names) whose relayed DHCP requests (giaddr
    // set) are served: a VM that is a DHCP relay agent for a network behind
    // it, or a load generator such as perfdhcp. From every other port they
    // are dropped: no guest is a relay unless the administrator says so.
    std::vector<std::string> trust_relay_from;
    std::optional<uint32_t> mtu;  // unset: the bridge's own
    // A route or address of the host that starts overlapping the subnet at
    // runtime (a VPN connects) moves the switch to a fresh block; no: only
    // report it.
    bool renumber_on_conflict = true;
    // Apply the well-known fix for a foreign firewall that drops the
    // switch's traffic (Docker's FORWARD policy DROP), and undo it on
    // teardown. Off by default: the daemon only reports it.
    bool fix_foreign_firewall = false;
    // Whether the switch's DNS forwards names it does not know to the
    // host's resolvers; unset: yes on a nat switch, no on an internal one
    // (host-only, like Hyper-V's Internal switch: no path out, not even by
    // name). See forwards_dns().
    std::optional<bool> forward_dns;
    // [Reservation] sections: fixed addresses by MAC or VM name, each as a
    // host offset (see libvswitch/dhcp/reservation.h).
    std::vector<dhcp::Reservation> reservations;
    // Network boot (BootServer=, BootFile=, IPXEBootFile=), for DHCP
    // clients that boot from the network only; empty: none. See dhcp/boot.h.
    std::string boot_server;     // an IPv4 address or a host name
    std::string boot_file;       // a path or a URL
    std::string ipxe_boot_file;  // given instead of boot_file to iPXE
    // Type=external (config_external.cc): the host NIC put into the bridge,
    // by name or by MAC (Interface=), and whether the host keeps using it
    // (ShareWithHost=, Hyper-V's AllowManagementOS): its addresses and
    // routes move onto the bridge. Empty and unset on other types.
    std::string interface;            // Interface= as written (a name)
    std::optional<Mac> interface_mac; // Interface= given as a MAC
    bool share_with_host = true;
    // [PortForward] sections (libvswitch/forward/forward.h); fixed targets
    // are checked against the subnet when the switch starts.
    std::vector<forward::Forward> forwards;
    std::string source;           // file the switch came from, for messages
    // Defaults of the ports' guards (issue 17): DhcpGuard=, RouterGuard=,
    // MacSpoofing= (the daemon's own TAPs), IpSpoofing=, Isolated=.
    ports::SecurityDefaults port_security;
    // AllowGroup= (issue 19): a group name or a numeric gid whose members may
    // call OpenAdapter on this switch, and detach and reconnect the ports
    // they opened; empty: root only. Resolved by the daemon at each call.
    std::string allow_group{kDefaultAllowGroup};

    bool forwards_dns() const { return forward_dns.value_or(type == SwitchType::nat); }

    friend bool operator==(const SwitchConfig&, const SwitchConfig&) = default;
};

struct Config {
    SwitchConfig default_switch;
    std::vector<SwitchConfig> extra_switches;  // in switches.d file-name order

    friend bool operator==(const Config&, const Config&) = default;
};

// /etc/vswitch/vswitchd.conf: at most one [Switch] section configuring the
// Default switch, and any number of [Reservation] sections (MACAddress= or
// VM=, and Address=: a host offset such as 0.0.0.42, or an address inside
// a pinned Subnet=; at most dhcp::kMaxReservations). Name= and Type= are refused: that switch is always
// "Default", of type nat. Empty text gives the defaults.
Result<SwitchConfig> parse_main_config(std::string_view text, std::string_view path);

// switches.d/<file>.switch: one [Switch] section with a required Name= and
// an optional Type= (default nat), plus the keys of the main file; a
// Type=external switch needs Interface= and may set ShareWithHost=. Bridge
// defaults to "vs-<name>" cut to 15 bytes, Domain to "<name>.vswitch.internal"
// in lower case.
Result<SwitchConfig> parse_switch_file(std::string_view text, std::string_view path);

// Reads main_path (missing: all defaults) and every *.switch file of
// switches_dir (missing: none) in sorted name order, then refuses switches
// sharing a name (case-insensitively), a bridge, or overlapping pinned
// subnets, naming both files.
Result<Config> load_config(const std::string& main_path, const std::string& switches_dir);

}  // namespace vswitch
