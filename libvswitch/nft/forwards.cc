#include "libvswitch/nft/forwards.h"

#include <arpa/inet.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>

#include <cstring>
#include <set>
#include <string>
#include <tuple>

#include "libvswitch/nft/datatypes.h"
#include "libvswitch/nft/ruleset.h"

namespace vswitch::nft {

namespace {

using NftnlUdataBuf = UniqueHandle<nftnl_udata_buf, nftnl_udata_buf_free>;
using Key = std::vector<uint8_t>;

constexpr uint32_t kFamily = NFPROTO_INET;
const std::string kTable(kTableName);
const std::string kWhere = "inet " + kTable;

// nft's datatypes (src/datatype.h) for `nft list`.
constexpr uint32_t kTypeInetProto = 12;
constexpr uint32_t kTypeInetService = 13;
constexpr uint32_t concat3(uint32_t a, uint32_t b, uint32_t c) {
    return (a << kTypeBits | b) << kTypeBits | c;
}

struct MapSpec {
    const char* name;
    uint32_t id;
    uint32_t key_type;
    uint32_t key_len;
    uint32_t flags;
    uint32_t data_type = 0;  // maps only
    uint32_t data_len = 0;
    std::vector<uint8_t> field_lens = {};  // interval concatenations only
};

// Ids above ruleset.cc's (1..5, and what others add below 100).
const MapSpec kAny{"fwd_any", 101,         concat_type(kTypeInetProto, kTypeInetService),
                   8,         NFT_SET_MAP, concat_type(kTypeIpv4Addr, kTypeInetService),
                   8};
const MapSpec kAddr{
    "fwd_addr", 102,         concat3(kTypeIpv4Addr, kTypeInetProto, kTypeInetService),
    12,         NFT_SET_MAP, concat_type(kTypeIpv4Addr, kTypeInetService),
    8};
const MapSpec kTargets{"fwd_targets", 103, concat3(kTypeIpv4Addr, kTypeInetProto, kTypeInetService),
                       12, 0};
const MapSpec kRestricted{"fwd_restricted", 104, concat_type(kTypeInetProto, kTypeInetService), 8,
                          0};
// pipapo (interval over a concatenation): NFT_SET_CONCAT and each field's length.
const MapSpec kAllow{"fwd_allow",
                     105,
                     concat3(kTypeInetProto, kTypeInetService, kTypeIpv4Addr),
                     12,
                     NFT_SET_INTERVAL | NFT_SET_CONCAT,
                     0,
                     0,
                     {1, 2, 4}};

struct Element {
    Key key;
    Key key_end;
    Key data;
};

// A field of a concatenation: its bytes, padded to a 32-bit register.
void put(Key& k, const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    k.insert(k.end(), b, b + n);
    k.resize((k.size() + 3) / 4 * 4, 0);
}
void put_proto(Key& k, uint8_t proto) {
    put(k, &proto, 1);
}
void put_port(Key& k, uint16_t port) {
    uint16_t be = htons(port);
    put(k, &be, 2);
}
void put_addr(Key& k, Ipv4 a) {
    auto b = a.bytes();
    put(k, b.data(), b.size());
}

// One rule under construction (ruleset.cc's builder has the same shape;
// this one adds the expressions forwards need).
class Rule {
public:
    explicit Rule(const char* chain) : rule_(nftnl_rule_alloc()) {
        if (!rule_) return;
        nftnl_rule_set_u32(rule_.get(), NFTNL_RULE_FAMILY, kFamily);
        nftnl_rule_set_str(rule_.get(), NFTNL_RULE_TABLE, kTable.c_str());
        nftnl_rule_set_str(rule_.get(), NFTNL_RULE_CHAIN, chain);
    }
    Rule& meta(uint32_t key, uint32_t dreg) {
        if (auto* e = add("meta")) {
            nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
            nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
        }
        return *this;
    }
    Rule& payload(uint32_t base, uint32_t offset, uint32_t len, uint32_t dreg) {
        if (auto* e = add("payload")) {
            nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
            nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
            nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
            nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
        }
        return *this;
    }
    Rule& cmp(uint32_t op, const void* data, uint32_t len) {
        if (auto* e = add("cmp")) {
            nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
            nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
            nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
        }
        return *this;
    }
    Rule& lookup(const char* set, uint32_t id, bool invert = false, int dreg = -1) {
        if (auto* e = add("lookup")) {
            nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
            nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
            nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, id);
            if (dreg >= 0) nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, uint32_t(dreg));
            if (invert) nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
        }
        return *this;
    }
    Rule& lookup(const MapSpec& s, bool invert = false, int dreg = -1) {
        return lookup(s.name, s.id, invert, dreg);
    }
    Rule& ipv4_only() {
        uint8_t proto = NFPROTO_IPV4;
        return meta(NFT_META_NFPROTO, NFT_REG_1).cmp(NFT_CMP_EQ, &proto, sizeof proto);
    }
    Rule& ip_saddr(uint32_t dreg) {
        return payload(NFT_PAYLOAD_NETWORK_HEADER, 12, 4, dreg);
    }  // RFC 791
    Rule& ip_daddr(uint32_t dreg) { return payload(NFT_PAYLOAD_NETWORK_HEADER, 16, 4, dreg); }
    // th dport: the same offset in TCP and UDP (RFC 793, RFC 768).
    Rule& th_dport(uint32_t dreg) { return payload(NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, dreg); }
    Rule& loopback_net(bool source) {
        uint32_t mask = htonl(0xff000000), zero = 0, net = htonl(0x7f000000);
        (source ? ip_saddr(NFT_REG_1) : ip_daddr(NFT_REG_1));
        bitwise(mask, zero);
        return cmp(NFT_CMP_EQ, &net, sizeof net);
    }
    Rule& fib_daddr_local() {
        uint32_t local = RTN_LOCAL;
        if (auto* e = add("fib")) {
            nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
            nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
            nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
        }
        return cmp(NFT_CMP_EQ, &local, sizeof local);
    }
    Rule& ct_status_dnat() {
        uint32_t mask = IPS_DST_NAT, zero = 0;
        if (auto* e = add("ct")) {
            nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATUS);
            nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
        }
        bitwise(mask, zero);
        return cmp(NFT_CMP_NEQ, &zero, sizeof zero);
    }
    Rule& dnat(uint32_t addr_reg, uint32_t port_reg) {
        if (auto* e = add("nat")) {
            nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
            nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, NFPROTO_IPV4);
            nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, addr_reg);
            nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, port_reg);
            nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS,
                               NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED);
        }
        return *this;
    }
    Rule& counter() {
        add("counter");
        return *this;
    }
    Rule& masquerade() {
        add("masq");
        return *this;
    }
    Rule& verdict(int v) {
        if (auto* e = add("immediate")) {
            nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
            nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, uint32_t(v));
        }
        return *this;
    }
    // Moves the rule out: the builder is spent.
    Result<NftnlRule> finish(const std::string& comment) {
        NftnlUdataBuf udata(nftnl_udata_buf_alloc(NFTNL_UDATA_COMMENT_MAXLEN + 2));
        if (!rule_ || failed_ || !udata ||
            !nftnl_udata_put_strz(udata.get(), NFTNL_UDATA_RULE_COMMENT, comment.c_str()))
            return make_error(ENOMEM, "building rule '" + comment + "': out of memory");
        nftnl_rule_set_data(rule_.get(), NFTNL_RULE_USERDATA, nftnl_udata_buf_data(udata.get()),
                            nftnl_udata_buf_len(udata.get()));
        return std::move(rule_);
    }

private:
    void bitwise(uint32_t mask, uint32_t xor_) {
        if (auto* e = add("bitwise")) {
            nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
            nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
            nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, sizeof mask);
            nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, sizeof mask);
            nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &xor_, sizeof xor_);
        }
    }
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
constexpr ChainSpec kDnat{"forward_dnat", "nat", NF_INET_PRE_ROUTING, -100};       // dstnat
constexpr ChainSpec kOutput{"forward_output", "nat", NF_INET_LOCAL_OUT, -100};     // dstnat
constexpr ChainSpec kSnat{"forward_snat", "nat", NF_INET_POST_ROUTING, 100};       // srcnat
constexpr ChainSpec kGuard{"forward_guard", "filter", NF_INET_PRE_ROUTING, -300};  // raw

Status add_map(BatchBuilder& b, const MapSpec& spec, const std::vector<Element>& elements) {
    auto what = [&] {
        return std::string(spec.data_len ? "map " : "set ") + kWhere + " " + spec.name;
    };
    NftnlSet s(nftnl_set_alloc());
    if (!s) return make_error(ENOMEM, "building " + what() + ": out of memory");
    nftnl_set_set_u32(s.get(), NFTNL_SET_FAMILY, kFamily);
    nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, kTable.c_str());
    nftnl_set_set_str(s.get(), NFTNL_SET_NAME, spec.name);
    nftnl_set_set_u32(s.get(), NFTNL_SET_ID, spec.id);
    nftnl_set_set_u32(s.get(), NFTNL_SET_FLAGS, spec.flags);
    nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_TYPE, spec.key_type);
    nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_LEN, spec.key_len);
    if (spec.data_len) {
        nftnl_set_set_u32(s.get(), NFTNL_SET_DATA_TYPE, spec.data_type);
        nftnl_set_set_u32(s.get(), NFTNL_SET_DATA_LEN, spec.data_len);
    }
    if (!spec.field_lens.empty())
        nftnl_set_set_data(s.get(), NFTNL_SET_DESC_CONCAT, spec.field_lens.data(),
                           uint32_t(spec.field_lens.size()));
    if (auto* nlh = b.add(NFT_MSG_NEWSET, kFamily, NLM_F_CREATE | NLM_F_EXCL, "adding " + what()))
        nftnl_set_nlmsg_build_payload(nlh, s.get());
    if (elements.empty()) return {};
    for (const auto& el : elements) {
        NftnlSetElem e(nftnl_set_elem_alloc());
        if (!e) return make_error(ENOMEM, "building elements of " + what() + ": out of memory");
        nftnl_set_elem_set(e.get(), NFTNL_SET_ELEM_KEY, el.key.data(), uint32_t(el.key.size()));
        if (!el.key_end.empty())
            nftnl_set_elem_set(e.get(), NFTNL_SET_ELEM_KEY_END, el.key_end.data(),
                               uint32_t(el.key_end.size()));
        if (!el.data.empty())
            nftnl_set_elem_set(e.get(), NFTNL_SET_ELEM_DATA, el.data.data(),
                               uint32_t(el.data.size()));
        nftnl_set_elem_add(s.get(), e.release());  // owned by the set now
    }
    if (auto* nlh =
            b.add(NFT_MSG_NEWSETELEM, kFamily, NLM_F_CREATE, "adding elements to " + what())) {
        // NFTA_LIST_ELEM nests, as ruleset.cc writes them (describe() reads them).
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
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_POLICY, NF_ACCEPT);
    if (auto* nlh = b.add(NFT_MSG_NEWCHAIN, kFamily, NLM_F_CREATE | NLM_F_EXCL, "adding " + what))
        nftnl_chain_nlmsg_build_payload(nlh, c.get());
    return {};
}

// The two DNATs of forward_dnat and forward_output: registers as nft
// itself lays out `dnat ip to <concatenation> map @m` (key from reg 1 on,
// the data's address in reg 1, its port in the next 32-bit register).
void add_dnats(const ChainSpec& chain, SetRef nat_subnets,
               std::vector<std::pair<const char*, Result<NftnlRule>>>& out,
               const std::string& why) {
    out.emplace_back(chain.name, Rule(chain.name)
                                     .ipv4_only()
                                     .fib_daddr_local()
                                     .ip_daddr(NFT_REG_1)
                                     .meta(NFT_META_L4PROTO, NFT_REG32_01)
                                     .th_dport(NFT_REG32_02)
                                     .lookup(kAddr, false, NFT_REG_1)
                                     .counter()
                                     .dnat(NFT_REG_1, NFT_REG32_01)
                                     .finish("forwards on one host address" + why));
    out.emplace_back(chain.name, Rule(chain.name)
                                     .ipv4_only()
                                     .fib_daddr_local()
                                     .ip_daddr(NFT_REG_1)
                                     .lookup(nat_subnets.name, nat_subnets.id, true)
                                     .meta(NFT_META_L4PROTO, NFT_REG_1)
                                     .th_dport(NFT_REG32_01)
                                     .lookup(kAny, false, NFT_REG_1)
                                     .counter()
                                     .dnat(NFT_REG_1, NFT_REG32_01)
                                     .finish("forwards on every host address" + why));
}

}  // namespace

Status validate_forwards(const std::vector<ForwardEntry>& entries) {
    if (entries.size() > kMaxForwardEntries)
        return make_error(E2BIG, std::to_string(entries.size()) + " forwarded ports, at most " +
                                     std::to_string(kMaxForwardEntries) + " fit in the firewall");
    std::set<std::tuple<uint32_t, uint8_t, uint16_t>> keys;
    for (const auto& e : entries) {
        std::string what = "forward of port " + std::to_string(e.host_port);
        if (e.protocol != IPPROTO_TCP && e.protocol != IPPROTO_UDP)
            return make_error(EINVAL, what + ": protocol " + std::to_string(e.protocol) +
                                          " is neither TCP nor UDP");
        if (e.host_port == 0 || e.target_port == 0) return make_error(EINVAL, what + ": port 0");
        uint32_t addr = e.host_address ? e.host_address->value() : 0;
        if (!keys.insert({addr, e.protocol, e.host_port}).second)
            return make_error(EEXIST, what + " is listed twice");
    }
    return {};
}

Status add_forward_sets(BatchBuilder& b, const std::vector<ForwardEntry>& entries) {
    std::vector<Element> any, addr, targets, restricted, allow;
    std::set<Key> target_keys, restricted_keys;
    for (const auto& e : entries) {
        Element el;
        if (e.host_address) put_addr(el.key, *e.host_address);
        put_proto(el.key, e.protocol);
        put_port(el.key, e.host_port);
        put_addr(el.data, e.target);
        put_port(el.data, e.target_port);
        (e.host_address ? addr : any).push_back(std::move(el));
        Key t;
        put_addr(t, e.target);
        put_proto(t, e.protocol);
        put_port(t, e.target_port);
        if (target_keys.insert(t).second) targets.push_back({t, {}, {}});
        if (e.allow_from.empty()) continue;
        Key r;
        put_proto(r, e.protocol);
        put_port(r, e.host_port);
        if (!restricted_keys.insert(r).second)
            continue;  // the same port on two addresses: one list
        restricted.push_back({r, {}, {}});
        for (const auto& p : e.allow_from) {
            Key lo = r, hi = r;
            put_addr(lo, p.network());
            put_addr(hi, p.broadcast());
            allow.push_back({lo, hi, {}});
        }
    }
    for (auto [spec, els] : {std::pair{&kAny, &any},
                             {&kAddr, &addr},
                             {&kTargets, &targets},
                             {&kRestricted, &restricted},
                             {&kAllow, &allow}})
        if (auto st = add_map(b, *spec, *els); !st) return st;
    return {};
}

Result<NftnlRule> forward_accept_rule(const char* chain) {
    // Only what a forward's DNAT made: the address and port it chose.
    return Rule(chain)
        .ipv4_only()
        .ct_status_dnat()
        .ip_daddr(NFT_REG_1)
        .meta(NFT_META_L4PROTO, NFT_REG32_01)
        .th_dport(NFT_REG32_02)
        .lookup(kTargets)
        .counter()
        .verdict(NF_ACCEPT)
        .finish("port forwards into a switch");
}

Status add_forward_chains(BatchBuilder& b, const std::vector<ForwardEntry>& entries,
                          SetRef nat_subnets, SetRef nat_bridges) {
    for (const auto* c : {&kGuard, &kDnat, &kOutput, &kSnat})
        if (auto st = add_chain(b, *c); !st) return st;
    std::vector<std::pair<const char*, Result<NftnlRule>>> rules;
    // route_localnet on a bridge makes 127/8 routable there: never from a guest.
    for (bool source : {true, false})
        rules.emplace_back(kGuard.name,
                           Rule(kGuard.name)
                               .ipv4_only()
                               .meta(NFT_META_IIFNAME, NFT_REG_1)
                               .lookup(nat_bridges.name, nat_bridges.id)
                               .loopback_net(source)
                               .counter()
                               .verdict(NF_DROP)
                               .finish(source ? "no loopback source from a switch"
                                              : "no loopback destination from a switch"));
    bool restricted = false;
    for (const auto& e : entries) restricted |= !e.allow_from.empty();
    if (restricted)
        rules.emplace_back(kDnat.name,
                           Rule(kDnat.name)
                               .ipv4_only()
                               .meta(NFT_META_L4PROTO, NFT_REG_1)
                               .th_dport(NFT_REG32_01)
                               .lookup(kRestricted)
                               .meta(NFT_META_L4PROTO, NFT_REG_1)
                               .th_dport(NFT_REG32_01)
                               .ip_saddr(NFT_REG32_02)
                               .lookup(kAllow, true)
                               .counter()
                               .verdict(NFT_RETURN)
                               .finish("forwards refuse sources outside their AllowFrom"));
    add_dnats(kDnat, nat_subnets, rules, "");
    add_dnats(kOutput, nat_subnets, rules, " (the host's own connections)");
    rules.emplace_back(kSnat.name, Rule(kSnat.name)
                                       .ipv4_only()
                                       .ct_status_dnat()
                                       .ip_saddr(NFT_REG_1)
                                       .lookup(nat_subnets.name, nat_subnets.id)
                                       .meta(NFT_META_OIFNAME, NFT_REG_1)
                                       .lookup(nat_bridges.name, nat_bridges.id)
                                       .counter()
                                       .masquerade()
                                       .finish("hairpin: a guest reaching a forward"));
    rules.emplace_back(kSnat.name, Rule(kSnat.name)
                                       .ipv4_only()
                                       .ct_status_dnat()
                                       .loopback_net(true)
                                       .counter()
                                       .masquerade()
                                       .finish("the host reaching a forward on 127.0.0.1"));
    for (auto& [chain, rule] : rules) {
        if (!rule) return rule.error();
        std::string what = std::string("adding a rule to chain ") + kWhere + " " + chain;
        if (auto* nlh = b.add(NFT_MSG_NEWRULE, kFamily, NLM_F_CREATE | NLM_F_APPEND, what))
            nftnl_rule_nlmsg_build_payload(nlh, rule->get());
    }
    return {};
}

}  // namespace vswitch::nft
