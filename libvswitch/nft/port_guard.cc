#include "libvswitch/nft/port_guard.h"

#include <arpa/inet.h>
#include <libnftnl/udata.h>
#include <linux/if_ether.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <netinet/in.h>

#include <cstring>
#include <map>
#include <set>

#include "libvswitch/base/text.h"
#include "libvswitch/nft/datatypes.h"
#include "libvswitch/nft/nftnl_handles.h"

namespace vswitch::nft {

namespace {

using NftnlUdataBuf = UniqueHandle<nftnl_udata_buf, nftnl_udata_buf_free>;
using Key = std::vector<uint8_t>;

constexpr uint32_t kFamily = NFPROTO_BRIDGE;
const std::string kTable(kGuardTableName);
const std::string kWhere = "bridge " + kTable;
constexpr const char* kTableComment = "port guards of vswitchd; replaced whole with inet vswitch";

constexpr uint32_t kTypeEtherAddr = 9;  // nft's TYPE_ETHERADDR
constexpr uint32_t kEtherAddrLen = 6;
constexpr uint32_t kEtherKeyLen = 8;             // a concatenation field fills whole registers
constexpr int32_t kBridgeFilterPriority = -200;  // NF_BR_PRI_FILTER_BRIDGED
constexpr uint32_t kBridgePrerouting = 0;        // NF_BR_PRE_ROUTING

struct SetSpec {
    const char* name;
    uint32_t id;  // distinct from inet vswitch's ids: both tables share the transaction
    uint32_t key_type;
    uint32_t key_len;
    uint32_t flags;
};

const SetSpec kPorts{"ports", 101, kTypeIfname, kIfnameLen, NFT_SET_MAP};
const SetSpec kPortMacs{"port_macs", 102, concat_type(kTypeIfname, kTypeEtherAddr),
                        kIfnameLen + kEtherKeyLen, 0};
const SetSpec kPortIpv4{"port_ipv4", 103, concat_type(kTypeIfname, kTypeIpv4Addr),
                        kIfnameLen + kIpv4AddrLen, 0};

Key ifname_key(const std::string& name) {
    Key k(kIfnameLen, 0);
    std::memcpy(k.data(), name.data(), name.size());  // checked: size < kIfnameLen
    return k;
}

// One rule of the bridge table; expressions are owned by the rule as soon
// as they are added, an allocation failure is reported by finish().
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
    Rule& mask(const void* m, const void* x, uint32_t len) {
        if (auto* e = add("bitwise")) {
            nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
            nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
            nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
            nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, m, len);
            nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, x, len);
        }
        return *this;
    }
    Rule& lookup(const SetSpec& set, bool invert = false) {
        if (auto* e = add("lookup")) {
            nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
            nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set.name);
            nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, set.id);
            if (invert) nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
        }
        return *this;
    }
    Rule& vmap(const SetSpec& set) {
        if (auto* e = add("lookup")) {
            nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
            nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_VERDICT);
            nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set.name);
            nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, set.id);
        }
        return *this;
    }
    // meta protocol: the frame's ethertype (ETH_P_IP, ETH_P_ARP, ETH_P_IPV6).
    Rule& ethertype(uint16_t type) {
        uint16_t be = htons(type);
        return meta(NFT_META_PROTOCOL, NFT_REG_1).cmp(NFT_CMP_EQ, &be, sizeof be);
    }
    Rule& l4proto(uint8_t proto) {
        return meta(NFT_META_L4PROTO, NFT_REG_1).cmp(NFT_CMP_EQ, &proto, sizeof proto);
    }
    // Source and destination port of UDP (the transport header's first 4 bytes).
    Rule& udp_ports(uint16_t sport, uint16_t dport) {
        uint16_t be[2] = {htons(sport), htons(dport)};
        return l4proto(IPPROTO_UDP)
            .payload(NFT_PAYLOAD_TRANSPORT_HEADER, 0, sizeof be, NFT_REG_1)
            .cmp(NFT_CMP_EQ, be, sizeof be);
    }
    Rule& counter() {
        add("counter");
        return *this;
    }
    Rule& verdict(int v, const char* chain = nullptr) {
        if (auto* e = add("immediate")) {
            nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
            nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, uint32_t(v));
            if (chain) nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
        }
        return *this;
    }
    Result<NftnlRule> finish(const std::string& comment) && {
        NftnlUdataBuf udata(nftnl_udata_buf_alloc(NFTNL_UDATA_COMMENT_MAXLEN + 2));
        if (!rule_ || failed_ || !udata ||
            !nftnl_udata_put_strz(udata.get(), NFTNL_UDATA_RULE_COMMENT, comment.c_str()))
            return make_error(ENOMEM, "building rule '" + comment + "': out of memory");
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
        return e.release();
    }
    NftnlRule rule_;
    bool failed_ = false;
};

// The guard chains and their rules, in the order they are added.
struct ChainRules {
    std::string chain;
    std::vector<std::pair<std::string, Result<NftnlRule>>> rules;  // comment, rule
};

ChainRules mac_guard() {
    ChainRules c{"mac_guard", {}};
    auto add = [&](std::string comment, Rule& r) {
        auto built = std::move(r).finish(comment);
        c.rules.emplace_back(std::move(comment), std::move(built));
    };
    const char* n = c.chain.c_str();
    add("source MAC is not the port's",
        Rule(n)
            .meta(NFT_META_IIFNAME, NFT_REG_1)
            .payload(NFT_PAYLOAD_LL_HEADER, 6, kEtherAddrLen, NFT_REG_2)
            .lookup(kPortMacs, true)
            .counter()
            .verdict(NF_DROP));
    // RFC 826: the sender hardware address follows htype, ptype, hlen, plen, oper.
    add("ARP sender MAC is not the port's",
        Rule(n)
            .ethertype(ETH_P_ARP)
            .meta(NFT_META_IIFNAME, NFT_REG_1)
            .payload(NFT_PAYLOAD_NETWORK_HEADER, 8, kEtherAddrLen, NFT_REG_2)
            .lookup(kPortMacs, true)
            .counter()
            .verdict(NF_DROP));
    return c;
}

ChainRules ip_guard() {
    ChainRules c{"ip_guard", {}};
    auto add = [&](std::string comment, Rule& r) {
        auto built = std::move(r).finish(comment);
        c.rules.emplace_back(std::move(comment), std::move(built));
    };
    const char* n = c.chain.c_str();
    const uint32_t zero4 = 0;
    // ARP: sender IP at offset 14 (RFC 826, Ethernet/IPv4).
    add("ARP probe (RFC 5227: sender 0.0.0.0)",
        Rule(n)
            .ethertype(ETH_P_ARP)
            .payload(NFT_PAYLOAD_NETWORK_HEADER, 14, kIpv4AddrLen, NFT_REG_1)
            .cmp(NFT_CMP_EQ, &zero4, sizeof zero4)
            .verdict(NFT_RETURN));
    add("ARP from the port's own address",
        Rule(n)
            .ethertype(ETH_P_ARP)
            .meta(NFT_META_IIFNAME, NFT_REG_1)
            .payload(NFT_PAYLOAD_NETWORK_HEADER, 14, kIpv4AddrLen, NFT_REG_2)
            .lookup(kPortIpv4)
            .verdict(NFT_RETURN));
    add("ARP from another address", Rule(n).ethertype(ETH_P_ARP).counter().verdict(NF_DROP));
    // RFC 2131 §4.1: a client without an address sends from 0.0.0.0.
    add("DHCP from a client without an address",
        Rule(n)
            .ethertype(ETH_P_IP)
            .payload(NFT_PAYLOAD_NETWORK_HEADER, 12, kIpv4AddrLen, NFT_REG_1)
            .cmp(NFT_CMP_EQ, &zero4, sizeof zero4)
            .udp_ports(68, 67)
            .verdict(NFT_RETURN));
    add("IPv4 from the port's own address",
        Rule(n)
            .ethertype(ETH_P_IP)
            .meta(NFT_META_IIFNAME, NFT_REG_1)
            .payload(NFT_PAYLOAD_NETWORK_HEADER, 12, kIpv4AddrLen, NFT_REG_2)
            .lookup(kPortIpv4)
            .verdict(NFT_RETURN));
    add("IPv4 from another address", Rule(n).ethertype(ETH_P_IP).counter().verdict(NF_DROP));
    // No switch routes IPv6 yet: link-local (RFC 4291 §2.5.6) and the
    // unspecified source of duplicate address detection (RFC 4862 §5.4).
    const uint8_t ll_mask[2] = {0xff, 0xc0}, ll[2] = {0xfe, 0x80}, none[2] = {0, 0};
    add("IPv6 from a link-local address", Rule(n)
                                              .ethertype(ETH_P_IPV6)
                                              .payload(NFT_PAYLOAD_NETWORK_HEADER, 8, 2, NFT_REG_1)
                                              .mask(ll_mask, none, 2)
                                              .cmp(NFT_CMP_EQ, ll, 2)
                                              .verdict(NFT_RETURN));
    const uint8_t unspecified[16] = {};
    add("IPv6 from the unspecified address",
        Rule(n)
            .ethertype(ETH_P_IPV6)
            .payload(NFT_PAYLOAD_NETWORK_HEADER, 8, sizeof unspecified, NFT_REG_1)
            .cmp(NFT_CMP_EQ, unspecified, sizeof unspecified)
            .verdict(NFT_RETURN));
    // Everything else: other IPv6 sources, and other ethertypes (a VLAN tag
    // would hide the addresses behind it).
    add("any other source or protocol", Rule(n).counter().verdict(NF_DROP));
    return c;
}

ChainRules dhcp_guard() {
    ChainRules c{"dhcp_guard", {}};
    auto add = [&](std::string comment, Rule& r) {
        auto built = std::move(r).finish(comment);
        c.rules.emplace_back(std::move(comment), std::move(built));
    };
    const char* n = c.chain.c_str();
    // RFC 2131 §4.1: servers send from 67 to 68; RFC 8415 §7.2: 547 to 546.
    add("DHCP server message from a port",
        Rule(n).ethertype(ETH_P_IP).udp_ports(67, 68).counter().verdict(NF_DROP));
    add("DHCPv6 server message from a port",
        Rule(n).ethertype(ETH_P_IPV6).udp_ports(547, 546).counter().verdict(NF_DROP));
    return c;
}

ChainRules router_guard() {
    ChainRules c{"router_guard", {}};
    auto add = [&](std::string comment, Rule& r) {
        auto built = std::move(r).finish(comment);
        c.rules.emplace_back(std::move(comment), std::move(built));
    };
    const char* n = c.chain.c_str();
    // RFC 4861 §4.2 (type 134) and §4.5 (type 137).
    for (auto [type, what] :
         {std::pair<uint8_t, const char*>{134, "Router Advertisement"}, {137, "Redirect"}}) {
        add(std::string("ICMPv6 ") + what + " from a port",
            Rule(n)
                .ethertype(ETH_P_IPV6)
                .l4proto(IPPROTO_ICMPV6)
                .payload(NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, NFT_REG_1)
                .cmp(NFT_CMP_EQ, &type, 1)
                .counter()
                .verdict(NF_DROP));
    }
    return c;
}

Status add_table(BatchBuilder& b, uint16_t type, uint16_t flags) {
    std::string what =
        std::string(type == NFT_MSG_DELTABLE ? "deleting" : "adding") + " table " + kWhere;
    NftnlTable t(nftnl_table_alloc());
    if (!t) return make_error(ENOMEM, what + ": out of memory");
    nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, kTable.c_str());
    if (type == NFT_MSG_NEWTABLE && (flags & NLM_F_EXCL)) {
        NftnlUdataBuf udata(nftnl_udata_buf_alloc(NFTNL_UDATA_COMMENT_MAXLEN + 2));
        if (!udata || !nftnl_udata_put_strz(udata.get(), NFTNL_UDATA_TABLE_COMMENT, kTableComment))
            return make_error(ENOMEM, what + ": out of memory");
        nftnl_table_set_data(t.get(), NFTNL_TABLE_USERDATA, nftnl_udata_buf_data(udata.get()),
                             nftnl_udata_buf_len(udata.get()));
    }
    if (auto* nlh = b.add(type, kFamily, flags, std::move(what)))
        nftnl_table_nlmsg_build_payload(nlh, t.get());
    return {};
}

Status add_chain(BatchBuilder& b, const std::string& name, bool base) {
    std::string what = "chain " + kWhere + " " + name;
    NftnlChain c(nftnl_chain_alloc());
    if (!c) return make_error(ENOMEM, "building " + what + ": out of memory");
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_FAMILY, kFamily);
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, kTable.c_str());
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, name.c_str());
    if (base) {
        nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TYPE, "filter");
        nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_HOOKNUM, kBridgePrerouting);
        nftnl_chain_set_s32(c.get(), NFTNL_CHAIN_PRIO, kBridgeFilterPriority);
        nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_POLICY, NF_ACCEPT);
    }
    if (auto* nlh = b.add(NFT_MSG_NEWCHAIN, kFamily, NLM_F_CREATE | NLM_F_EXCL, "adding " + what))
        nftnl_chain_nlmsg_build_payload(nlh, c.get());
    return {};
}

struct Element {
    Key key;
    std::string jump;  // maps only: the chain the verdict jumps to
};

// One message adding (NEWSETELEM) or deleting (DELSETELEM) elements of a
// set; in_batch: the set is created by the same transaction (its id names it).
Status add_elements(BatchBuilder& b, const SetSpec& spec, const std::vector<Element>& elements,
                    uint16_t type, bool in_batch) {
    if (elements.empty()) return {};
    std::string what = std::string("set ") + kWhere + " " + spec.name;
    NftnlSet s(nftnl_set_alloc());
    if (!s) return make_error(ENOMEM, "building elements of " + what + ": out of memory");
    for (const auto& el : elements) {
        NftnlSetElem e(nftnl_set_elem_alloc());
        if (!e) return make_error(ENOMEM, "building elements of " + what + ": out of memory");
        nftnl_set_elem_set(e.get(), NFTNL_SET_ELEM_KEY, el.key.data(), uint32_t(el.key.size()));
        if (!el.jump.empty() && type == NFT_MSG_NEWSETELEM) {
            nftnl_set_elem_set_u32(e.get(), NFTNL_SET_ELEM_VERDICT, uint32_t(NFT_JUMP));
            nftnl_set_elem_set_str(e.get(), NFTNL_SET_ELEM_CHAIN, el.jump.c_str());
        }
        nftnl_set_elem_add(s.get(), e.release());
    }
    const bool add = type == NFT_MSG_NEWSETELEM;
    if (auto* nlh = b.add(type, kFamily, add ? NLM_F_CREATE : 0,
                          (add ? "adding elements to " : "deleting elements of ") + what)) {
        // Each nest NFTA_LIST_ELEM, as ruleset.cc says why.
        mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, kTable.c_str());
        mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, spec.name);
        if (in_batch) mnl_attr_put_u32(nlh, NFTA_SET_ELEM_LIST_SET_ID, htonl(spec.id));
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

// A port's elements of the three sets, appended; nothing for an unguarded port.
void elements_of(const PortGuard& p, std::vector<Element>& ports, std::vector<Element>& macs,
                 std::vector<Element>& ipv4) {
    std::string chain = guard_chain_name(p.security);
    if (chain.empty()) return;
    Key name = ifname_key(p.ifname);
    ports.push_back({name, chain});
    if (!p.security.mac_spoofing) {
        Key k = name;
        auto m = p.mac.bytes();
        k.insert(k.end(), m.begin(), m.end());
        k.resize(kIfnameLen + kEtherKeyLen, 0);
        macs.push_back({std::move(k), {}});
    }
    if (!p.security.ip_spoofing) {
        for (const auto& a : p.addresses) {
            Key k = name;
            auto bytes = a.bytes();
            k.insert(k.end(), bytes.begin(), bytes.end());
            ipv4.push_back({std::move(k), {}});
        }
    }
}

std::set<std::string> profiles_of(const PortGuards& g) {
    std::set<std::string> out;
    for (const auto& p : g.ports)
        if (auto c = guard_chain_name(p.security); !c.empty()) out.insert(c);
    return out;
}

Status add_set(BatchBuilder& b, const SetSpec& spec, const std::vector<Element>& elements) {
    std::string what = std::string("set ") + kWhere + " " + spec.name;
    NftnlSet s(nftnl_set_alloc());
    if (!s) return make_error(ENOMEM, "building " + what + ": out of memory");
    nftnl_set_set_u32(s.get(), NFTNL_SET_FAMILY, kFamily);
    nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, kTable.c_str());
    nftnl_set_set_str(s.get(), NFTNL_SET_NAME, spec.name);
    nftnl_set_set_u32(s.get(), NFTNL_SET_ID, spec.id);
    nftnl_set_set_u32(s.get(), NFTNL_SET_FLAGS, spec.flags);
    nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_TYPE, spec.key_type);
    nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_LEN, spec.key_len);
    if (spec.flags & NFT_SET_MAP) nftnl_set_set_u32(s.get(), NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
    if (spec.key_type == kTypeIfname) {  // so that nft prints the names (datatypes.h)
        NftnlUdataBuf udata(nftnl_udata_buf_alloc(NFTNL_UDATA_COMMENT_MAXLEN));
        if (!udata ||
            !nftnl_udata_put_u32(udata.get(), NFTNL_UDATA_SET_KEYBYTEORDER, kByteorderHost))
            return make_error(ENOMEM, "building " + what + ": out of memory");
        nftnl_set_set_data(s.get(), NFTNL_SET_USERDATA, nftnl_udata_buf_data(udata.get()),
                           nftnl_udata_buf_len(udata.get()));
    }
    if (auto* nlh = b.add(NFT_MSG_NEWSET, kFamily, NLM_F_CREATE | NLM_F_EXCL, "adding " + what))
        nftnl_set_nlmsg_build_payload(nlh, s.get());
    return add_elements(b, spec, elements, NFT_MSG_NEWSETELEM, true);
}

Status add_rules(BatchBuilder& b, ChainRules c) {
    for (auto& [comment, rule] : c.rules) {
        if (!rule) return rule.error();
        std::string what = "adding rule '" + comment + "' to chain " + kWhere + " " + c.chain;
        if (auto* nlh = b.add(NFT_MSG_NEWRULE, kFamily, NLM_F_CREATE | NLM_F_APPEND, what))
            nftnl_rule_nlmsg_build_payload(nlh, rule->get());
    }
    return {};
}

Status validate(const PortGuards& g) {
    if (g.ports.size() > kMaxGuardedPorts)
        return make_error(E2BIG, std::to_string(g.ports.size()) + " ports, at most " +
                                     std::to_string(kMaxGuardedPorts) + " are guarded");
    std::set<std::string> seen;
    for (const auto& p : g.ports) {
        if (p.ifname.empty() || p.ifname.size() >= kIfnameLen ||
            p.ifname.find('\0') != std::string::npos)
            return make_error(EINVAL,
                              "port name " + quoted(p.ifname) + " is not a valid interface name");
        if (!seen.insert(p.ifname).second)
            return make_error(EINVAL, "port " + quoted(p.ifname) + " is listed twice");
        if (p.addresses.size() > kMaxAddressesPerPort)
            return make_error(
                E2BIG, "port " + quoted(p.ifname) + " has " + std::to_string(p.addresses.size()) +
                           " addresses, at most " + std::to_string(kMaxAddressesPerPort));
    }
    return {};
}

}  // namespace

std::string guard_chain_name(const ports::PortSecurity& s) {
    std::string flags;
    if (!s.mac_spoofing) flags += 'm';
    if (!s.ip_spoofing) flags += 'i';
    if (s.dhcp_guard) flags += 'd';
    if (s.router_guard) flags += 'r';
    return flags.empty() ? std::string() : "guard_" + flags;
}

Status add_port_guards(BatchBuilder& b, const PortGuards& guards) {
    if (auto st = validate(guards); !st) return st.error().context("compiling the port guards");

    // The profiles in use, and every set's elements.
    std::map<std::string, ports::PortSecurity> profiles;
    std::vector<Element> ports, macs, ipv4;
    for (const auto& p : guards.ports) {
        std::string chain = guard_chain_name(p.security);
        if (!chain.empty()) profiles.emplace(chain, p.security);
        elements_of(p, ports, macs, ipv4);
    }

    // No port guarded: no table, so frames cross the bridge without a hook.
    for (auto [type, flags] : {std::pair<uint16_t, uint16_t>{NFT_MSG_NEWTABLE, NLM_F_CREATE},
                               {NFT_MSG_DELTABLE, 0},
                               {NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL}}) {
        if (ports.empty() && flags & NLM_F_EXCL) return {};
        if (auto st = add_table(b, type, flags); !st) return st;
    }

    std::vector<ChainRules> checks;
    checks.push_back(mac_guard());
    checks.push_back(ip_guard());
    checks.push_back(dhcp_guard());
    checks.push_back(router_guard());
    for (const auto& c : checks)
        if (auto st = add_chain(b, c.chain, false); !st) return st;
    for (const auto& [name, s] : profiles) {
        if (auto st = add_chain(b, name, false); !st) return st;
        ChainRules c{name, {}};
        for (auto [on, target] : {std::pair<bool, const char*>{!s.mac_spoofing, "mac_guard"},
                                  {!s.ip_spoofing, "ip_guard"},
                                  {s.dhcp_guard, "dhcp_guard"},
                                  {s.router_guard, "router_guard"}}) {
            if (!on) continue;
            std::string comment = std::string("jump ") + target;
            Rule r(name.c_str());
            r.verdict(NFT_JUMP, target);
            c.rules.emplace_back(comment, std::move(r).finish(comment));
        }
        checks.push_back(std::move(c));
    }
    if (auto st = add_chain(b, "prerouting", true); !st) return st;
    // The sets after the chains: the map's verdicts name them.
    if (auto st = add_set(b, kPorts, ports); !st) return st;
    if (auto st = add_set(b, kPortMacs, macs); !st) return st;
    if (auto st = add_set(b, kPortIpv4, ipv4); !st) return st;
    for (auto& c : checks)
        if (auto st = add_rules(b, std::move(c)); !st) return st;
    ChainRules pre{"prerouting", {}};
    Rule r("prerouting");
    r.meta(NFT_META_IIFNAME, NFT_REG_1).vmap(kPorts);
    pre.rules.emplace_back("each port to its guards",
                           std::move(r).finish("each port to its guards"));
    return add_rules(b, std::move(pre));
}

Result<Batch> compile_port_guards(const PortGuards& guards, uint32_t first_seq) {
    BatchBuilder b(first_seq);
    if (auto st = add_port_guards(b, guards); !st) return st.error();
    auto batch = std::move(b).finish();
    if (!batch) return batch.error().context("compiling the port guards");
    return batch;
}

Result<Batch> update_port_guards(const PortGuards& from, const PortGuards& to, uint32_t first_seq) {
    if (auto st = validate(to); !st) return st.error().context("compiling the port guards");
    // Element changes only: the chains must stay as they are.
    if (profiles_of(from).empty() || profiles_of(from) != profiles_of(to))
        return make_error(EAGAIN, "the port guards need other chains: replace the table");
    std::map<std::string, const PortGuard*> before, after;
    for (const auto& p : from.ports) before[p.ifname] = &p;
    for (const auto& p : to.ports) after[p.ifname] = &p;
    std::vector<Element> del_ports, del_macs, del_ipv4, add_ports, add_macs, add_ipv4;
    for (const auto& [name, p] : before) {
        auto it = after.find(name);
        if (it == after.end() || !(*it->second == *p))
            elements_of(*p, del_ports, del_macs, del_ipv4);
    }
    for (const auto& [name, p] : after) {
        auto it = before.find(name);
        if (it == before.end() || !(*it->second == *p))
            elements_of(*p, add_ports, add_macs, add_ipv4);
    }
    BatchBuilder b(first_seq);
    // Deletions first: a changed port's elements go and come back anew.
    for (auto [spec, els] :
         {std::pair<const SetSpec*, const std::vector<Element>*>{&kPorts, &del_ports},
          {&kPortMacs, &del_macs},
          {&kPortIpv4, &del_ipv4}})
        if (auto st = add_elements(b, *spec, *els, NFT_MSG_DELSETELEM, false); !st)
            return st.error();
    for (auto [spec, els] :
         {std::pair<const SetSpec*, const std::vector<Element>*>{&kPorts, &add_ports},
          {&kPortMacs, &add_macs},
          {&kPortIpv4, &add_ipv4}})
        if (auto st = add_elements(b, *spec, *els, NFT_MSG_NEWSETELEM, false); !st)
            return st.error();
    auto batch = std::move(b).finish();
    if (!batch) return batch.error().context("updating the port guards");
    return batch;
}

Result<Batch> remove_port_guards_batch(uint32_t first_seq) {
    BatchBuilder b(first_seq);
    if (auto st = add_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE); !st) return st.error();
    if (auto st = add_table(b, NFT_MSG_DELTABLE, 0); !st) return st.error();
    return std::move(b).finish();
}

}  // namespace vswitch::nft
