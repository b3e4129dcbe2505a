// Other programs' nftables chains (Docker's iptables-nft FORWARD, firewalld,
// an nftables.conf) as data, and what they do to a switch's traffic.
//
// Two base chains on the same hook both see every packet: an accept in
// `inet vswitch` does not stop a drop in `ip filter FORWARD`. So the daemon
// dumps every chain and rule (daemon/firewall), parses them here with
// libnftnl into ForeignChain/ForeignRule, and walks each base chain on the
// forward and input hooks with a few probe packets (a VM's new connection
// out, the reply coming back, its DHCP and DNS queries to the host). A
// probe that ends in a drop is a Finding, with the command that fixes it
// and, for FixForeignFirewall=yes, the rules to add (build_fix_batch) and
// later remove (build_unfix_batch, by the comment they carry).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "libvswitch/base/result.h"
#include "libvswitch/nft/batch.h"

namespace vswitch::nft {

// Bounds on what one dump may hold; a host with more is diagnosed on the
// first ones only (the daemon says so).
inline constexpr size_t kMaxForeignChains = 4096;
inline constexpr size_t kMaxForeignRules = 65536;
// Jumps followed from one base chain; deeper (or looping) jumps count as
// falling through, which never invents a drop.
inline constexpr size_t kMaxJumpDepth = 16;
// Every rule the daemon adds to another program's table carries a comment
// starting with this, followed by the bridge; teardown removes exactly those.
inline constexpr std::string_view kFixCommentPrefix = "vswitchd FixForeignFirewall ";

enum class Hook { none, prerouting, input, forward, output, postrouting, other };
enum class Verdict { none, accept, drop, jump, goto_, return_ };

struct ForeignChain {
    uint32_t family = 0;  // NFPROTO_*
    std::string table, name;
    bool base = false;
    Hook hook = Hook::none;
    int32_t priority = 0;
    bool policy_drop = false;
};

// One condition of a rule that the probes can evaluate.
struct Condition {
    enum class Field { iifname, oifname, l4proto, dport, ct_state, nfproto };
    Field field = Field::iifname;
    bool negated = false;       // != instead of ==
    std::string name;           // iifname/oifname
    bool prefix = false;        // iifname "vswitch*" / iptables "-i vswitch+"
    uint32_t value = 0;         // l4proto, dport (host order), nfproto; ct: state & mask
    uint32_t mask = 0xffffffff; // ct_state only
};

struct ForeignRule {
    uint32_t family = 0;
    std::string table, chain;
    uint64_t handle = 0;
    std::vector<Condition> conditions;
    bool opaque = false;  // has a match the probes cannot evaluate (sets, xt matches, ...)
    Verdict verdict = Verdict::none;
    std::string target;   // jump/goto chain
    std::string comment;
};

struct ForeignRuleset {
    std::vector<ForeignChain> chains;
    std::vector<ForeignRule> rules;  // in dump order: per chain, first to last
    bool truncated = false;          // more than the limits above
};

// Parse one netlink message of a GETCHAIN/GETRULE dump (EBADMSG on junk).
Result<ForeignChain> parse_chain_message(std::span<const uint8_t> message);
Result<ForeignRule> parse_rule_message(std::span<const uint8_t> message);
// Both dumps into a ruleset; unparsable messages are skipped and counted.
ForeignRuleset parse_dumps(const std::vector<std::vector<uint8_t>>& chains,
                           const std::vector<std::vector<uint8_t>>& rules,
                           size_t* skipped = nullptr);

// A packet the probes send through a chain. An empty interface name is
// "some other interface" (the uplink): it matches no name and every !=.
struct Probe {
    std::string iif, oif;
    uint8_t l4proto = 0;  // 0: any
    uint16_t dport = 0;
    uint32_t ct_state = 0;  // NF_CT_STATE_BIT(...)
    std::string describe;   // "a VM's new connection out of 'vswitch0'"
};

// Where a probe ended in one base chain.
struct Outcome {
    bool dropped = false;
    std::string by;  // "policy drop" or "rule 12 (handle) in chain 'DOCKER'"
};
Outcome walk(const ForeignRuleset& ruleset, const ForeignChain& base, const Probe& probe);

struct Finding {
    std::string kind;     // "foreign-forward-drop:ip/filter/FORWARD", "foreign-input-drop:..."
    ForeignChain chain;   // the base chain that drops
    std::string message;  // names the chain, the probe and what dropped it
    std::string fix;      // the commands (iptables for iptables-nft tables, else nft)
    std::string fix_chain;  // where FixForeignFirewall adds its rules
};

// Every foreign base chain (not `inet vswitch`) on the forward (nat=true
// switches: both directions) and input (DHCP, DNS) hooks of family ip or
// inet that drops one of the bridge's probes.
std::vector<Finding> diagnose(const ForeignRuleset& ruleset, std::string_view bridge, bool nat);

// Whether the ruleset already holds the daemon's fix rules for this bridge.
bool has_fix(const ForeignRuleset& ruleset, std::string_view bridge);

// Inserts, at the top of finding.fix_chain, accept rules for the bridge:
// forward: iifname bridge accept, oifname bridge accept; input: DHCP and
// DNS from the bridge. Each rule carries kFixCommentPrefix + bridge.
Result<Batch> build_fix_batch(const Finding& finding, std::string_view bridge, uint32_t first_seq);
// Deletes every rule whose comment starts with kFixCommentPrefix (and,
// when bridge is not empty, names that bridge).
Result<Batch> build_unfix_batch(const ForeignRuleset& ruleset, std::string_view bridge,
                                uint32_t first_seq);
// Number of rules build_unfix_batch would delete.
size_t count_fix_rules(const ForeignRuleset& ruleset, std::string_view bridge);

}  // namespace vswitch::nft
