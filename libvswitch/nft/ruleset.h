// The daemon's nftables ruleset as data, and its compilation into one
// nfnetlink transaction that replaces the table `inet vswitch` whole.
//
// The rules are fixed; what differs between hosts (bridges, subnets) lives
// in sets, so the rule count is the same for one switch or a hundred and a
// new switch only adds set elements.
//
//   set bridges      ifname                 every switch's bridge
//   set nat_bridges  ifname                 bridges of nat switches
//   set nat_subnets  ipv4_addr (interval)   subnets of nat switches
//   set nat_sources  ifname . ipv4_addr     (bridge, subnet) of nat switches
//   set same_bridge  ifname . ifname        (bridge, bridge) of every switch
//
//   chain postrouting  nat hook postrouting priority srcnat (100)
//     ip saddr @nat_subnets oifname != @nat_bridges counter masquerade
//   chain forward  filter hook forward priority filter (0), policy accept
//     iifname . oifname @same_bridge accept
//     oifname @bridges ct state established,related accept
//     oifname @bridges counter drop
//     iifname . ip saddr @nat_sources accept
//     iifname @bridges counter drop
//   chain input  filter hook input priority filter (0), policy accept
//     iifname @bridges udp dport 67 accept
//     iifname @bridges udp dport 53 accept
//     iifname @bridges tcp dport 53 accept
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"
#include "libvswitch/config/config.h"
#include "libvswitch/nft/batch.h"
#include "libvswitch/nft/forwards.h"
#include "libvswitch/nft/port_guard.h"

namespace vswitch::nft {

// The table the daemon owns, family inet.
inline constexpr std::string_view kTableName = "vswitch";
// Switches per ruleset. Sets grow with switches and the whole transaction
// must fit kMaxBatchBytes; a unit test compiles this many to prove it does.
inline constexpr size_t kMaxSwitches = 256;

// What the firewall needs to know of one switch.
struct SwitchRules {
    std::string bridge;  // interface name, at most 15 bytes
    Ipv4Prefix subnet;   // host bits are ignored
    SwitchType type = SwitchType::nat;
};

struct Ruleset {
    std::vector<SwitchRules> switches;
    // Port forwards (forwards.h): with none, the table has none of their
    // maps, chains or rules.
    std::vector<ForwardEntry> forwards;
    // The ports' guards (port_guard.h): `bridge vswitch`, replaced in the
    // same transaction. nullopt leaves that table alone.
    std::optional<PortGuards> port_guards;
};

// Builds the transaction that makes the kernel's `inet vswitch` equal to
// ruleset: add table (a no-op when it exists, so the delete cannot fail),
// delete table, add table, sets, elements, chains, rules. Refuses (EINVAL)
// bad or duplicate bridge names and nat subnets that overlap, and (E2BIG)
// more than kMaxSwitches switches.
Result<Batch> compile(const Ruleset& ruleset, uint32_t first_seq);

// Builds the transaction that removes `inet vswitch`: add table + delete
// table, so it succeeds whether or not the table exists.
Result<Batch> remove_table_batch(uint32_t first_seq);

}  // namespace vswitch::nft
