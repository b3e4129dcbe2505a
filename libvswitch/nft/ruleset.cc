#include "libvswitch/nft/ruleset.h"

#include <arpa/inet.h>
#include <libnftnl/udata.h>
#include <linux/if_arp.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <set>

#include "libvswitch/nft/datatypes.h"
#include "libvswitch/nft/nftnl_handles.h"

namespace vswitch::nft {

namespace {

using NftnlUdataBuf = UniqueHandle<nftnl_udata_buf, nftnl_udata_buf_free>;

constexpr uint32_t kFamily = NFPROTO_INET;
const std::string kTable(kTableName);
const std::string kWhere = "inet " + kTable;

constexpr const char* kTableComment = "owned by vswitchd; replaced whole at every start";

// Sets, with the ids that let rules of the same transaction refer to them.
struct SetSpec {
    const char* name;
    uint32_t id;
    uint32_t key_type;
    uint32_t key_len;
    uint32_t flags;
    std::vector<uint8_t> field_lens;  // concatenations only
    uint32_t key_byteorder = 0;       // for nft's eyes; 0: none (concatenations)
};

const SetSpec kBridges{"bridges", 1, kTypeIfname, kIfnameLen, 0, {}, kByteorderHost};
const SetSpec kNatBridges{"nat_bridges", 2, kTypeIfname, kIfnameLen, 0, {}, kByteorderHost};
const SetSpec kNatSubnets{"nat_subnets",    3,  kTypeIpv4Addr, kIpv4AddrLen,
                          NFT_SET_INTERVAL, {}, kByteorderBig};
// An interval over a concatenation needs the pipapo backend (Linux 5.6),
// which wants NFT_SET_CONCAT and each field's length.
const SetSpec kNatSources{"nat_sources",
                          4,
                          concat_type(kTypeIfname, kTypeIpv4Addr),
                          kIfnameLen + kIpv4AddrLen,
                          NFT_SET_INTERVAL | NFT_SET_CONCAT,
                          {kIfnameLen, kIpv4AddrLen}};
// A plain hash: the kernel refuses field lengths without NFT_SET_CONCAT,
// which only interval sets need.
const SetSpec kSameBridge{"same_bridge",  5, concat_type(kTypeIfname, kTypeIfname),
                          2 * kIfnameLen, 0, {}};

using Key = std::vector<uint8_t>;

Key ifname_key(const std::string& name) {
    Key k(kIfnameLen, 0);
    std::memcpy(k.data(), name.data(), name.size());  // checked: size < kIfnameLen
    return k;
}

Key ipv4_key(Ipv4 a) {
    auto b = a.bytes();  // network order, as the packet carries it
    return Key(b.begin(), b.end());
}

Key concat(Key a, const Key& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

struct Element {
    Key key;
    Key key_end;  // pipapo ranges only
    uint32_t flags = 0;
};

// One rule under construction. Expressions go straight into the nftnl_rule,
// which owns them from then on; an allocation failure is remembered and
// reported by finish().
class RuleBuilder {
public:
    explicit RuleBuilder(const char* chain) : rule_(nftnl_rule_alloc()) {
        if (!rule_) return;
        nftnl_rule_set_u32(rule_.get(), NFTNL_RULE_FAMILY, kFamily);
        nftnl_rule_set_str(rule_.get(), NFTNL_RULE_TABLE, kTable.c_str());
        nftnl_rule_set_str(rule_.get(), NFTNL_RULE_CHAIN, chain);
    }

    RuleBuilder& meta(uint32_t key, uint32_t dreg) {
        if (auto* e = add("meta")) {
            nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
            nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
        }
        return *this;
    }
    RuleBuilder& payload(uint32_t base, uint32_t offset, uint32_t len, uint32_t dreg) {
        if (auto* e = add("payload")) {
            nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
            nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
            nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
            nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
        }
        return *this;
    }
    RuleBuilder& cmp(uint32_t op, const void* data, uint32_t len) {
        if (auto* e = add("cmp")) {
            nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
            nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
            nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
        }
        return *this;
    }
    RuleBuilder& lookup(const SetSpec& set, bool invert = false) {
        if (auto* e = add("lookup")) {
            nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
            nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set.name);
            nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, set.id);
            if (invert) nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
        }
        return *this;
    }
    // meta nfproto ipv4: an inet chain sees IPv6 too, and an IPv4 payload
    // offset must not be applied to an IPv6 header.
    RuleBuilder& ipv4_only() {
        uint8_t proto = NFPROTO_IPV4;
        return meta(NFT_META_NFPROTO, NFT_REG_1).cmp(NFT_CMP_EQ, &proto, sizeof proto);
    }
    RuleBuilder& ip_saddr(uint32_t dreg) {
        return payload(NFT_PAYLOAD_NETWORK_HEADER, 12, kIpv4AddrLen, dreg);  // RFC 791
    }
    RuleBuilder& l4_dport(uint8_t proto, uint16_t port) {
        uint16_t be_port = htons(port);
        return meta(NFT_META_L4PROTO, NFT_REG_1)
            .cmp(NFT_CMP_EQ, &proto, sizeof proto)
            .payload(NFT_PAYLOAD_TRANSPORT_HEADER, 2, sizeof be_port,
                     NFT_REG_1)  // UDP and TCP alike
            .cmp(NFT_CMP_EQ, &be_port, sizeof be_port);
    }
    RuleBuilder& ct_established_or_related() {
        uint32_t mask = NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED);
        uint32_t zero = 0;
        if (auto* e = add("ct")) {
            nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
            nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
        }
        if (auto* e = add("bitwise")) {
            nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
            nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
            nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, sizeof mask);
            nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, sizeof mask);
            nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, sizeof zero);
        }
        return cmp(NFT_CMP_NEQ, &zero, sizeof zero);
    }
    RuleBuilder& counter() {
        add("counter");
        return *this;
    }
    RuleBuilder& masquerade() {
        add("masq");
        return *this;
    }
    RuleBuilder& verdict(int v) {
        if (auto* e = add("immediate")) {
            nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
            nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, uint32_t(v));
        }
        return *this;
    }

    // The comment shows in `nft list` and names the rule in errors.
    Result<NftnlRule> finish(const std::string& comment) && {
        NftnlUdataBuf udata(nftnl_udata_buf_alloc(NFTNL_UDATA_COMMENT_MAXLEN + 2));
        if (!rule_ || failed_ || !udata ||
            !nftnl_udata_put_strz(udata.get(), NFTNL_UDATA_RULE_COMMENT, comment.c_str())) {
            return make_error(ENOMEM, "building rule '" + comment + "': out of memory");
        }
        nftnl_rule_set_data(rule_.get(), NFTNL_RULE_USERDATA, nftnl_udata_buf_data(udata.get()),
                            nftnl_udata_buf_len(udata.get()));
        return std::move(rule_);
    }

private:
    nftnl_expr* add(const char* name) {
        NftnlExpr e(nftnl_expr_alloc(name));
        if (!e || !rule_) {
            failed_ = true;
            return nullptr;
        }
        nftnl_rule_add_expr(rule_.get(), e.get());
        return e.release();  // owned by the rule now
    }

    NftnlRule rule_;
    bool failed_ = false;
};

struct ChainSpec {
    const char* name;
    const char* type;
    uint32_t hook;
    int32_t priority;
};

constexpr ChainSpec kPostrouting{"postrouting", "nat", NF_INET_POST_ROUTING, 100};  // srcnat
constexpr ChainSpec kForward{"forward", "filter", NF_INET_FORWARD, 0};              // filter
constexpr ChainSpec kInput{"input", "filter", NF_INET_LOCAL_IN, 0};                 // filter

struct NamedRule {
    const char* chain;
    std::string comment;
    Result<NftnlRule> rule;
};

std::vector<NamedRule> build_rules(bool forwards) {
    std::vector<NamedRule> rules;
    auto rule = [&](const ChainSpec& chain, std::string comment, RuleBuilder& b) {
        auto r = std::move(b).finish(comment);
        rules.push_back({chain.name, std::move(comment), std::move(r)});
    };
    auto in = [](const ChainSpec& c) { return RuleBuilder(c.name); };

    // What leaves a nat subnet by any interface but its bridge is NATed
    // to the address of whatever uplink the routing table picked. The host
    // talking to itself from a gateway address (over lo, e.g. a query to
    // its own DNS on the gateway) leaves nothing and keeps its source.
    uint16_t loopback = ARPHRD_LOOPBACK;
    rule(kPostrouting, "masquerade what leaves a nat switch",
         in(kPostrouting)
             .ipv4_only()
             .ip_saddr(NFT_REG_1)
             .lookup(kNatSubnets)
             .meta(NFT_META_OIFTYPE, NFT_REG_1)
             .cmp(NFT_CMP_NEQ, &loopback, sizeof loopback)
             .meta(NFT_META_OIFNAME, NFT_REG_1)
             .lookup(kNatBridges, true)
             .counter()
             .masquerade());

    // Fast path: every packet of a flow after its first is accepted by one
    // conntrack test instead of walking the set lookups below. Only flows
    // whose first packet this chain accepted (or that no switch is part
    // of) ever get here: a NEW packet dropped below never confirms a flow.
    rule(kForward, "established flows",
         in(kForward).ct_established_or_related().verdict(NF_ACCEPT));
    // With br_netfilter loaded (Docker loads it) traffic between two ports
    // of one bridge also passes here; it must never be filtered.
    rule(kForward, "traffic within one switch",
         in(kForward)
             .meta(NFT_META_IIFNAME, NFT_REG_1)
             .meta(NFT_META_OIFNAME, NFT_REG_2)
             .lookup(kSameBridge)
             .verdict(NF_ACCEPT));
    // Port forwards (forwards.h): what their DNAT made, and nothing else.
    if (forwards) {
        const char* comment = "port forwards into a switch";
        rules.push_back({kForward.name, comment, forward_accept_rule(kForward.name)});
    }
    // New connections into a switch, from outside or from another switch.
    rule(
        kForward, "new connections into a switch",
        in(kForward).meta(NFT_META_OIFNAME, NFT_REG_1).lookup(kBridges).counter().verdict(NF_DROP));
    // Out of a nat switch only with a source of its own subnet: a guest
    // spoofing another source is not forwarded (and would not be NATed).
    rule(kForward, "out of a nat switch",
         in(kForward)
             .ipv4_only()
             .meta(NFT_META_IIFNAME, NFT_REG_1)
             .ip_saddr(NFT_REG_2)
             .lookup(kNatSources)
             .verdict(NF_ACCEPT));
    // Everything else off a bridge: internal and private switches, spoofed
    // sources, IPv6 (no switch routes it).
    rule(
        kForward, "nothing else leaves a switch",
        in(kForward).meta(NFT_META_IIFNAME, NFT_REG_1).lookup(kBridges).counter().verdict(NF_DROP));

    // The policy is accept; these say what the daemon serves on a bridge,
    // for whoever reads `nft list ruleset`.
    rule(kInput, "DHCP on a switch",
         in(kInput)
             .meta(NFT_META_IIFNAME, NFT_REG_1)
             .lookup(kBridges)
             .l4_dport(IPPROTO_UDP, 67)
             .verdict(NF_ACCEPT));
    rule(kInput, "DNS over UDP on a switch",
         in(kInput)
             .meta(NFT_META_IIFNAME, NFT_REG_1)
             .lookup(kBridges)
             .l4_dport(IPPROTO_UDP, 53)
             .verdict(NF_ACCEPT));
    rule(kInput, "DNS over TCP on a switch",
         in(kInput)
             .meta(NFT_META_IIFNAME, NFT_REG_1)
             .lookup(kBridges)
             .l4_dport(IPPROTO_TCP, 53)
             .verdict(NF_ACCEPT));
    return rules;
}

Status validate(const Ruleset& ruleset) {
    if (ruleset.switches.size() > kMaxSwitches) {
        return make_error(E2BIG, std::to_string(ruleset.switches.size()) + " switches, at most " +
                                     std::to_string(kMaxSwitches) + " fit in the firewall");
    }
    std::set<std::string> bridges;
    std::vector<const SwitchRules*> nat;
    for (const auto& sw : ruleset.switches) {
        const auto& b = sw.bridge;
        if (b.empty() || b.size() >= kIfnameLen || b.find('\0') != std::string::npos) {
            return make_error(EINVAL, "bridge name '" + b + "' is not a valid interface name");
        }
        if (!bridges.insert(b).second) {
            return make_error(EINVAL, "bridge '" + b + "' belongs to two switches");
        }
        if (sw.type != SwitchType::nat) continue;
        for (const auto* other : nat) {
            if (other->subnet.overlaps(sw.subnet)) {
                return make_error(EINVAL, "subnets " + other->subnet.normalized().to_string() +
                                              " of '" + other->bridge + "' and " +
                                              sw.subnet.normalized().to_string() + " of '" + b +
                                              "' overlap");
            }
        }
        nat.push_back(&sw);
    }
    return {};
}

// The elements of every set, from the switches.
std::vector<std::pair<const SetSpec*, std::vector<Element>>> elements_of(const Ruleset& ruleset) {
    std::vector<Element> bridges, nat_bridges, nat_subnets, nat_sources, same_bridge;
    for (const auto& sw : ruleset.switches) {
        // An external switch is the LAN's: none of the daemon's filtering.
        if (sw.type == SwitchType::external) continue;
        Key name = ifname_key(sw.bridge);
        bridges.push_back({name, {}, 0});
        same_bridge.push_back({concat(name, name), {}, 0});
        if (sw.type != SwitchType::nat) continue;
        nat_bridges.push_back({name, {}, 0});
        Ipv4 first = sw.subnet.network(), last = sw.subnet.broadcast();
        // rbtree intervals: a start element, and an end element flagged
        // INTERVAL_END one past the range (none when it reaches the top).
        nat_subnets.push_back({ipv4_key(first), {}, 0});
        if (last.value() != UINT32_MAX) {
            nat_subnets.push_back(
                {ipv4_key(Ipv4(last.value() + 1)), {}, NFT_SET_ELEM_INTERVAL_END});
        }
        // pipapo ranges: key and key_end, both inclusive.
        nat_sources.push_back({concat(name, ipv4_key(first)), concat(name, ipv4_key(last)), 0});
    }
    return {{&kBridges, bridges},
            {&kNatBridges, nat_bridges},
            {&kNatSubnets, nat_subnets},
            {&kNatSources, nat_sources},
            {&kSameBridge, same_bridge}};
}

Status add_table(BatchBuilder& b, uint16_t type, uint16_t flags, const char* verb) {
    std::string what = std::string(verb) + " table " + kWhere;
    NftnlTable t(nftnl_table_alloc());
    if (!t) return make_error(ENOMEM, what + ": out of memory");
    nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, kTable.c_str());
    // The table we create (not the no-op add before the delete) says who
    // owns it, for whoever reads `nft list ruleset`.
    if (type == NFT_MSG_NEWTABLE && (flags & NLM_F_EXCL)) {
        NftnlUdataBuf udata(nftnl_udata_buf_alloc(NFTNL_UDATA_COMMENT_MAXLEN + 2));
        if (!udata ||
            !nftnl_udata_put_strz(udata.get(), NFTNL_UDATA_TABLE_COMMENT, kTableComment)) {
            return make_error(ENOMEM, what + ": out of memory");
        }
        nftnl_table_set_data(t.get(), NFTNL_TABLE_USERDATA, nftnl_udata_buf_data(udata.get()),
                             nftnl_udata_buf_len(udata.get()));
    }
    // A null header means the batch overflowed; finish() reports it.
    if (auto* nlh = b.add(type, kFamily, flags, std::move(what))) {
        nftnl_table_nlmsg_build_payload(nlh, t.get());
    }
    return {};
}

Status add_set(BatchBuilder& b, const SetSpec& spec, const std::vector<Element>& elements) {
    auto what = [&] { return std::string("set ") + kWhere + " " + spec.name; };
    NftnlSet s(nftnl_set_alloc());
    if (!s) return make_error(ENOMEM, "building " + what() + ": out of memory");
    nftnl_set_set_u32(s.get(), NFTNL_SET_FAMILY, kFamily);
    nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, kTable.c_str());
    nftnl_set_set_str(s.get(), NFTNL_SET_NAME, spec.name);
    nftnl_set_set_u32(s.get(), NFTNL_SET_ID, spec.id);
    nftnl_set_set_u32(s.get(), NFTNL_SET_FLAGS, spec.flags);
    nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_TYPE, spec.key_type);
    nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_LEN, spec.key_len);
    if (!spec.field_lens.empty()) {
        nftnl_set_set_data(s.get(), NFTNL_SET_DESC_CONCAT, spec.field_lens.data(),
                           uint32_t(spec.field_lens.size()));
    }
    if (spec.key_byteorder) {
        NftnlUdataBuf udata(nftnl_udata_buf_alloc(NFTNL_UDATA_COMMENT_MAXLEN));
        if (!udata ||
            !nftnl_udata_put_u32(udata.get(), NFTNL_UDATA_SET_KEYBYTEORDER, spec.key_byteorder)) {
            return make_error(ENOMEM, "building " + what() + ": out of memory");
        }
        nftnl_set_set_data(s.get(), NFTNL_SET_USERDATA, nftnl_udata_buf_data(udata.get()),
                           nftnl_udata_buf_len(udata.get()));
    }
    if (auto* nlh = b.add(NFT_MSG_NEWSET, kFamily, NLM_F_CREATE | NLM_F_EXCL, "adding " + what())) {
        nftnl_set_nlmsg_build_payload(nlh, s.get());
    }
    if (elements.empty()) return {};

    for (const auto& el : elements) {
        NftnlSetElem e(nftnl_set_elem_alloc());
        if (!e) return make_error(ENOMEM, "building elements of " + what() + ": out of memory");
        nftnl_set_elem_set(e.get(), NFTNL_SET_ELEM_KEY, el.key.data(), uint32_t(el.key.size()));
        if (!el.key_end.empty()) {
            nftnl_set_elem_set(e.get(), NFTNL_SET_ELEM_KEY_END, el.key_end.data(),
                               uint32_t(el.key_end.size()));
        }
        if (el.flags) nftnl_set_elem_set_u32(e.get(), NFTNL_SET_ELEM_FLAGS, el.flags);
        nftnl_set_elem_add(s.get(), e.release());  // owned by the set now
    }
    if (auto* nlh =
            b.add(NFT_MSG_NEWSETELEM, kFamily, NLM_F_CREATE, "adding elements to " + what())) {
        // Not nftnl_set_elems_nlmsg_build_payload(): it numbers the element
        // nests 1, 2, 3... The kernel ignores the nest type, but libnftnl's
        // own parser (and so describe()) wants NFTA_LIST_ELEM on each, as
        // the kernel itself sends them.
        mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, kTable.c_str());
        mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, spec.name);
        mnl_attr_put_u32(nlh, NFTA_SET_ELEM_LIST_SET_ID, htonl(spec.id));
        nlattr* list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
        nftnl_set_elem_foreach(
            s.get(),
            [](nftnl_set_elem* e, void* data) noexcept -> int {
                nftnl_set_elem_nlmsg_build(static_cast<nlmsghdr*>(data), e, NFTA_LIST_ELEM);
                return 0;
            },
            nlh);
        mnl_attr_nest_end(nlh, list);
    }
    return {};
}

Status add_chain(BatchBuilder& b, const ChainSpec& spec) {
    std::string what = std::string("chain ") + kWhere + " " + spec.name;
    NftnlChain c(nftnl_chain_alloc());
    if (!c) return make_error(ENOMEM, "building " + what + ": out of memory");
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_FAMILY, kFamily);
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, kTable.c_str());
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, spec.name);
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TYPE, spec.type);
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_HOOKNUM, spec.hook);
    nftnl_chain_set_s32(c.get(), NFTNL_CHAIN_PRIO, spec.priority);
    // We do not own the host's forwarding policy: what our rules do not
    // decide is left to the host's other tables.
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_POLICY, NF_ACCEPT);
    if (auto* nlh = b.add(NFT_MSG_NEWCHAIN, kFamily, NLM_F_CREATE | NLM_F_EXCL, "adding " + what)) {
        nftnl_chain_nlmsg_build_payload(nlh, c.get());
    }
    return {};
}

}  // namespace

Result<Batch> compile(const Ruleset& ruleset, uint32_t first_seq) {
    if (auto st = validate(ruleset); !st) return st.error().context("compiling nftables ruleset");
    if (auto st = validate_forwards(ruleset.forwards); !st)
        return st.error().context("compiling nftables ruleset");

    BatchBuilder b(first_seq);
    // add (no EXCL: a no-op when present) then delete: the delete cannot
    // fail with ENOENT, and the transaction replaces the table whole.
    for (auto [type, flags] : {std::pair<uint16_t, uint16_t>{NFT_MSG_NEWTABLE, NLM_F_CREATE},
                               {NFT_MSG_DELTABLE, 0},
                               {NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL}}) {
        auto st = add_table(b, type, flags, type == NFT_MSG_DELTABLE ? "deleting" : "adding");
        if (!st) return st.error().context("compiling nftables ruleset");
    }
    for (const auto& [spec, elements] : elements_of(ruleset)) {
        if (auto st = add_set(b, *spec, elements); !st) return st.error();
    }
    const bool forwards = !ruleset.forwards.empty();
    if (forwards) {
        if (auto st = add_forward_sets(b, ruleset.forwards); !st) return st.error();
    }
    for (const auto* chain : {&kPostrouting, &kForward, &kInput}) {
        if (auto st = add_chain(b, *chain); !st) return st.error();
    }
    for (auto& [chain, comment, rule] : build_rules(forwards)) {
        if (!rule) return rule.error();
        std::string what = "adding rule '" + comment + "' to chain " + kWhere + " " + chain;
        if (auto* nlh = b.add(NFT_MSG_NEWRULE, kFamily, NLM_F_CREATE | NLM_F_APPEND, what)) {
            nftnl_rule_nlmsg_build_payload(nlh, rule->get());
        }
    }
    if (forwards) {
        auto st = add_forward_chains(b, ruleset.forwards, {kNatSubnets.name, kNatSubnets.id},
                                     {kNatBridges.name, kNatBridges.id});
        if (!st) return st.error();
    }
    if (ruleset.port_guards) {
        if (auto st = add_port_guards(b, *ruleset.port_guards); !st) return st.error();
    }
    auto batch = std::move(b).finish();
    if (!batch) return batch.error().context("compiling nftables ruleset");
    return batch;
}

Result<Batch> remove_table_batch(uint32_t first_seq) {
    BatchBuilder b(first_seq);
    if (auto st = add_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE, "adding"); !st) return st.error();
    if (auto st = add_table(b, NFT_MSG_DELTABLE, 0, "deleting"); !st) return st.error();
    return std::move(b).finish();
}

}  // namespace vswitch::nft
