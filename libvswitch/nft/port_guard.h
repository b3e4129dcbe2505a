// The ports' guards (issue 17) as a second table of the daemon's, `bridge
// vswitch`, compiled into the same transaction as `inet vswitch` (or alone,
// when only ports changed). A frame from a port is seen once, at the
// bridge's prerouting hook, before the bridge forwards it to another port
// or hands it to the host:
//
//   map ports      ifname : verdict            port -> jump guard_<profile>
//   set port_macs  ifname . ether_addr         each guarded port's MAC
//   set port_ipv4  ifname . ipv4_addr          each guarded port's leased/reserved addresses
//
//   chain prerouting  filter hook prerouting priority -200, policy accept
//     iifname vmap @ports
//   chain guard_<m|i|d|r...>  one per combination in use: jumps to
//     mac_guard     ether saddr and ARP sha must be the port's (port_macs)
//     ip_guard      IPv4/ARP sources in port_ipv4 (0.0.0.0 for DHCP and
//                   ARP probes), IPv6 from fe80::/10 or ::, nothing else
//     dhcp_guard    no DHCP (67 -> 68) or DHCPv6 (547 -> 546) server replies
//     router_guard  no ICMPv6 Router Advertisement (134) or Redirect (137)
//
// The cost of a frame is one map lookup plus, for a guarded port, a few
// set lookups: flat in the number of ports. The rule count grows only with
// the combinations of guards in use (at most 15 profile chains), never per
// port; a port with every guard off has no entry at all. Each drop has a
// counter, so `nft list table bridge vswitch` shows what was dropped.
// With no port guarded the table is not there at all (the bridge hook
// costs nothing then), and the transaction only removes an old one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"
#include "libvswitch/nft/batch.h"
#include "libvswitch/ports/limits.h"
#include "libvswitch/ports/security.h"

namespace vswitch::nft {

// The family bridge table; the inet one has the same name (kTableName).
inline constexpr std::string_view kGuardTableName = "vswitch";
// Every port can be guarded.
inline constexpr size_t kMaxGuardedPorts = ports::kMaxPorts;
// Addresses allowed per port when IpSpoofing is off: its lease and its
// reservation, with room for a renumber's old and new block.
inline constexpr size_t kMaxAddressesPerPort = 8;

// What the guards need to know of one port.
struct PortGuard {
    std::string ifname;            // the bridge port (TAP, vnetN, veth)
    Mac mac;                       // the guest's MAC
    ports::PortSecurity security;  // effective settings
    std::vector<Ipv4> addresses;   // IpSpoofing off: its leased/reserved addresses

    friend bool operator==(const PortGuard&, const PortGuard&) = default;
};

struct PortGuards {
    std::vector<PortGuard> ports;

    friend bool operator==(const PortGuards&, const PortGuards&) = default;
};

// Appends to b the messages that replace `bridge vswitch` with `guards`:
// add table (no-op when present), delete table, add table, chains, sets,
// elements, rules. EINVAL for a bad or repeated port name, E2BIG past
// kMaxGuardedPorts ports or kMaxAddressesPerPort addresses of one port.
Status add_port_guards(BatchBuilder& b, const PortGuards& guards);
// The same as a transaction of its own, when only the ports changed.
Result<Batch> compile_port_guards(const PortGuards& guards, uint32_t first_seq);
// What turns the table compiled from `from` into the one of `to` by set
// elements alone (a port came, went, or changed its MAC, addresses or
// guards within the profiles in use), so the drop counters keep counting
// and the cost does not grow with the ports. EAGAIN when the chains
// would change (a profile appears or goes): replace the table instead.
Result<Batch> update_port_guards(const PortGuards& from, const PortGuards& to, uint32_t first_seq);
// Removes `bridge vswitch` (Teardown): add + delete, so it cannot fail
// for a missing table.
Result<Batch> remove_port_guards_batch(uint32_t first_seq);

// The profile chain a port jumps to ("guard_mid"); empty when every guard is off.
std::string guard_chain_name(const ports::PortSecurity& s);

}  // namespace vswitch::nft
