// Walks probes through other programs' base chains (see foreign.h).
#include "libvswitch/nft/foreign.h"
#include "libvswitch/nft/names.h"

#include <netinet/in.h>  // before the linux/ headers, which would redefine in_addr
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>

#include "libvswitch/base/text.h"
#include "libvswitch/nft/ruleset.h"

namespace vswitch::nft {

namespace {

enum class Match { yes, no, maybe };

bool name_matches(const Condition& c, const std::string& name) {
    // "" is another interface (the uplink): it matches no name.
    if (name.empty()) return false;
    if (c.prefix) return name.compare(0, c.name.size(), c.name) == 0;
    return name == c.name;
}

Match match(const ForeignRule& r, const Probe& p) {
    for (const auto& c : r.conditions) {
        bool hit = false;
        switch (c.field) {
        case Condition::Field::iifname: hit = name_matches(c, p.iif); break;
        case Condition::Field::oifname: hit = name_matches(c, p.oif); break;
        case Condition::Field::l4proto:
            if (p.l4proto == 0) return Match::maybe;
            hit = c.value == p.l4proto;
            break;
        case Condition::Field::dport:
            if (p.dport == 0) return Match::maybe;
            hit = c.value == p.dport;
            break;
        case Condition::Field::nfproto: hit = c.value == NFPROTO_IPV4; break;
        case Condition::Field::ct_state: hit = (p.ct_state & c.mask) == c.value; break;
        }
        if (hit == c.negated) return Match::no;
    }
    return r.opaque ? Match::maybe : Match::yes;
}

// How a walk through one chain ended.
struct Step {
    enum { accept, drop, fall_through } how = fall_through;
    std::string by;
};

Step walk_chain(const ForeignRuleset& rs, uint32_t family, const std::string& table,
                const std::string& chain, const Probe& p, size_t depth) {
    if (depth > kMaxJumpDepth) return {};
    for (const auto& r : rs.rules) {
        if (r.family != family || r.table != table || r.chain != chain) continue;
        // Only a rule sure to match decides; one that may match (sets,
        // conntrack helpers) is passed over, so no drop is ever invented.
        if (match(r, p) != Match::yes) continue;
        switch (r.verdict) {
        case Verdict::accept: return {Step::accept, ""};
        case Verdict::drop:
            return {Step::drop, "rule (handle " + std::to_string(r.handle) + ") in chain '" + chain + "'"};
        case Verdict::jump: {
            Step s = walk_chain(rs, family, table, r.target, p, depth + 1);
            if (s.how != Step::fall_through) return s;
            break;
        }
        case Verdict::goto_: return walk_chain(rs, family, table, r.target, p, depth + 1);
        case Verdict::return_: return {};
        case Verdict::none: break;
        }
    }
    return {};
}

bool is_iptables_table(const ForeignChain& c) {
    return c.family == NFPROTO_IPV4 &&
           (c.table == "filter" || c.table == "nat" || c.table == "mangle" || c.table == "raw");
}

bool chain_exists(const ForeignRuleset& rs, const ForeignChain& like, std::string_view name) {
    for (const auto& c : rs.chains)
        if (c.family == like.family && c.table == like.table && c.name == name) return true;
    return false;
}

std::string fix_commands(const ForeignChain& c, const std::string& fix_chain, std::string_view bridge,
                         bool forward) {
    std::string br(bridge);
    if (is_iptables_table(c)) {
        std::string ipt = "iptables" + (c.table == "filter" ? std::string() : " -t " + c.table);
        if (forward)
            return ipt + " -I " + fix_chain + " -i " + br + " -j ACCEPT; " + ipt + " -I " + fix_chain +
                   " -o " + br + " -j ACCEPT";
        return ipt + " -I " + fix_chain + " -i " + br + " -p udp --dport 67 -j ACCEPT; " + ipt + " -I " +
               fix_chain + " -i " + br + " -p udp --dport 53 -j ACCEPT; " + ipt + " -I " + fix_chain +
               " -i " + br + " -p tcp --dport 53 -j ACCEPT";
    }
    std::string where = "nft insert rule " + family_name(c.family) + " " + c.table + " " + fix_chain + " ";
    if (forward)
        return where + "iifname \"" + br + "\" accept; " + where + "oifname \"" + br + "\" accept";
    return where + "iifname \"" + br + "\" udp dport { 53, 67 } accept; " + where + "iifname \"" + br +
           "\" tcp dport 53 accept";
}

}  // namespace

Outcome walk(const ForeignRuleset& rs, const ForeignChain& base, const Probe& p) {
    Step s = walk_chain(rs, base.family, base.table, base.name, p, 0);
    if (s.how == Step::drop) return {true, s.by};
    if (s.how == Step::fall_through && base.policy_drop) return {true, "policy drop"};
    return {};
}

std::vector<Finding> diagnose(const ForeignRuleset& rs, std::string_view bridge, bool nat) {
    const std::string br(bridge);
    const uint32_t kNew = NF_CT_STATE_BIT(IP_CT_NEW);
    const uint32_t kEstablished = NF_CT_STATE_BIT(IP_CT_ESTABLISHED);
    std::vector<Probe> forward, input;
    if (nat) {
        forward.push_back({br, "", 0, 0, kNew, "new connections from VMs on " + quoted(br)});
        forward.push_back({"", br, 0, 0, kEstablished, "replies to VMs on " + quoted(br)});
    }
    input.push_back({br, "", IPPROTO_UDP, 67, kNew, "DHCP requests from VMs on " + quoted(br)});
    input.push_back({br, "", IPPROTO_UDP, 53, kNew, "DNS queries from VMs on " + quoted(br)});
    input.push_back({br, "", IPPROTO_TCP, 53, kNew, "DNS queries over TCP from VMs on " + quoted(br)});

    std::vector<Finding> out;
    for (const auto& c : rs.chains) {
        if (!c.base || (c.family != NFPROTO_IPV4 && c.family != NFPROTO_INET)) continue;
        if (c.family == NFPROTO_INET && c.table == kTableName) continue;
        bool fwd = c.hook == Hook::forward;
        if (!fwd && c.hook != Hook::input) continue;
        std::string dropped, by;
        for (const auto& p : fwd ? forward : input) {
            Outcome o = walk(rs, c, p);
            if (!o.dropped) continue;
            dropped += (dropped.empty() ? "" : " and ") + p.describe;
            if (by.empty()) by = o.by;
        }
        if (dropped.empty()) continue;
        Finding f;
        // One problem per chain: several programs may each drop.
        f.kind = std::string(fwd ? "foreign-forward-drop:" : "foreign-input-drop:") +
                 family_name(c.family) + "/" + c.table + "/" + c.name;
        f.chain = c;
        // Docker routes user rules through DOCKER-USER, which it never
        // flushes; elsewhere the top of the base chain itself.
        f.fix_chain = fwd && chain_exists(rs, c, "DOCKER-USER") ? "DOCKER-USER" : c.name;
        std::string where = "chain " + family_name(c.family) + " " + c.table + " " + c.name;
        f.message = where + " (hook " + (fwd ? "forward" : "input") + ", another program's) drops " +
                    dropped + " (" + by + ")" +
                    (fwd ? "; a packet accepted by inet vswitch is still dropped there" : "");
        f.fix = fix_commands(c, f.fix_chain, bridge, fwd);
        out.push_back(std::move(f));
    }
    return out;
}

}  // namespace vswitch::nft
