// Parsing of dumped chains and rules into ForeignChain/ForeignRule, and the
// fix rules the daemon adds to (and removes from) other programs' tables.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <cstring>
#include <map>

#include "libvswitch/nft/foreign.h"
#include "libvswitch/nft/names.h"
#include "libvswitch/nft/nftnl_handles.h"

namespace vswitch::nft {

namespace {

using NftnlUdataBuf = UniqueHandle<nftnl_udata_buf, nftnl_udata_buf_free>;

// A netlink message of a dump, checked to be whole before libnftnl reads it.
Result<const nlmsghdr*> message_header(std::span<const uint8_t> m, const char* what) {
    if (m.size() < sizeof(nlmsghdr)) return make_error(EBADMSG, std::string(what) + ": truncated");
    nlmsghdr h{};
    std::memcpy(&h, m.data(), sizeof h);
    if (h.nlmsg_len < NLMSG_LENGTH(sizeof(nfgenmsg)) || h.nlmsg_len > m.size())
        return make_error(EBADMSG, std::string(what) + ": bad length");
    if (reinterpret_cast<uintptr_t>(m.data()) % alignof(nlmsghdr) != 0)
        return make_error(EINVAL, std::string(what) + ": misaligned buffer");
    return reinterpret_cast<const nlmsghdr*>(m.data());
}

Hook hook_of(uint32_t family, uint32_t num) {
    if (family != NFPROTO_IPV4 && family != NFPROTO_IPV6 && family != NFPROTO_INET) return Hook::other;
    switch (num) {
    case NF_INET_PRE_ROUTING: return Hook::prerouting;
    case NF_INET_LOCAL_IN: return Hook::input;
    case NF_INET_FORWARD: return Hook::forward;
    case NF_INET_LOCAL_OUT: return Hook::output;
    case NF_INET_POST_ROUTING: return Hook::postrouting;
    default: return Hook::other;
    }
}

// What a register holds while the expressions of one rule are read.
struct Source {
    Condition::Field field;
    uint32_t mask = 0xffffffff;
};

struct ExprReader {
    ForeignRule& rule;
    std::map<uint32_t, Source> regs;  // known registers only

    void unknown(uint32_t reg) { regs.erase(reg); }

    void meta(nftnl_expr* e) {
        if (!nftnl_expr_is_set(e, NFTNL_EXPR_META_DREG)) return;  // a statement (meta set)
        uint32_t reg = nftnl_expr_get_u32(e, NFTNL_EXPR_META_DREG);
        switch (nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY)) {
        case NFT_META_IIFNAME: regs[reg] = {Condition::Field::iifname}; break;
        case NFT_META_OIFNAME: regs[reg] = {Condition::Field::oifname}; break;
        case NFT_META_L4PROTO: regs[reg] = {Condition::Field::l4proto}; break;
        case NFT_META_NFPROTO: regs[reg] = {Condition::Field::nfproto}; break;
        default: unknown(reg);
        }
    }
    void payload(nftnl_expr* e) {
        if (!nftnl_expr_is_set(e, NFTNL_EXPR_PAYLOAD_DREG)) return;  // mangling
        uint32_t reg = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_DREG);
        uint32_t base = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE);
        uint32_t off = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET);
        uint32_t len = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN);
        // RFC 791: protocol at offset 9; UDP/TCP destination port at 2.
        if (base == NFT_PAYLOAD_NETWORK_HEADER && off == 9 && len == 1 && rule.family == NFPROTO_IPV4)
            regs[reg] = {Condition::Field::l4proto};
        else if (base == NFT_PAYLOAD_TRANSPORT_HEADER && off == 2 && len == 2)
            regs[reg] = {Condition::Field::dport};
        else
            unknown(reg);
    }
    void ct(nftnl_expr* e) {
        if (!nftnl_expr_is_set(e, NFTNL_EXPR_CT_DREG)) return;  // ct set
        uint32_t reg = nftnl_expr_get_u32(e, NFTNL_EXPR_CT_DREG);
        if (nftnl_expr_get_u32(e, NFTNL_EXPR_CT_KEY) == NFT_CT_STATE)
            regs[reg] = {Condition::Field::ct_state};
        else
            unknown(reg);
    }
    void bitwise(nftnl_expr* e) {
        uint32_t sreg = nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_SREG);
        uint32_t dreg = nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_DREG);
        uint32_t mlen = 0, xlen = 0;
        const void* mask = nftnl_expr_get(e, NFTNL_EXPR_BITWISE_MASK, &mlen);
        const void* x = nftnl_expr_get(e, NFTNL_EXPR_BITWISE_XOR, &xlen);
        auto it = regs.find(sreg);
        uint32_t m = 0, xv = 1;
        if (mask && mlen == 4) std::memcpy(&m, mask, 4);
        if (x && xlen == 4) std::memcpy(&xv, x, 4);
        if (it != regs.end() && it->second.field == Condition::Field::ct_state && mask && mlen == 4 &&
            xv == 0) {
            Source s = it->second;
            s.mask = m;
            regs[dreg] = s;
        } else {
            unknown(dreg);
        }
    }
    void cmp(nftnl_expr* e) {
        uint32_t reg = nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_SREG);
        uint32_t op = nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP);
        uint32_t len = 0;
        auto* data = static_cast<const uint8_t*>(nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &len));
        auto it = regs.find(reg);
        if (it == regs.end() || !data || (op != NFT_CMP_EQ && op != NFT_CMP_NEQ)) {
            rule.opaque = true;
            return;
        }
        Condition c;
        c.field = it->second.field;
        c.negated = op == NFT_CMP_NEQ;
        switch (c.field) {
        case Condition::Field::iifname:
        case Condition::Field::oifname: {
            const char* p = reinterpret_cast<const char*>(data);
            size_t n = strnlen(p, len);
            c.name.assign(p, n);
            c.prefix = n == len;  // no terminating NUL compared: a wildcard
            break;
        }
        case Condition::Field::l4proto:
        case Condition::Field::nfproto:
            if (len != 1) return void(rule.opaque = true);
            c.value = data[0];
            break;
        case Condition::Field::dport:
            if (len != 2) return void(rule.opaque = true);
            c.value = uint32_t(data[0]) << 8 | data[1];
            break;
        case Condition::Field::ct_state:
            if (len != 4) return void(rule.opaque = true);
            std::memcpy(&c.value, data, 4);
            c.mask = it->second.mask;
            break;
        }
        rule.conditions.push_back(std::move(c));
    }
    void immediate(nftnl_expr* e) {
        uint32_t reg = nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_DREG);
        if (reg != NFT_REG_VERDICT) return unknown(reg);
        switch (int32_t(nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT))) {
        case NF_ACCEPT: rule.verdict = Verdict::accept; break;
        case NF_DROP: rule.verdict = Verdict::drop; break;
        case NFT_JUMP: rule.verdict = Verdict::jump; break;
        case NFT_GOTO: rule.verdict = Verdict::goto_; break;
        case NFT_RETURN: rule.verdict = Verdict::return_; break;
        default: rule.verdict = Verdict::none;
        }
        if (nftnl_expr_is_set(e, NFTNL_EXPR_IMM_CHAIN))
            rule.target = nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN);
    }
    void handle(nftnl_expr* e) {
        std::string_view name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
        if (name == "meta") meta(e);
        else if (name == "payload") payload(e);
        else if (name == "ct") ct(e);
        else if (name == "bitwise") bitwise(e);
        else if (name == "cmp") cmp(e);
        else if (name == "immediate") immediate(e);
        else if (name == "reject") rule.verdict = Verdict::drop;
        else if (name == "target") {
            // iptables' REJECT through xtables compat; other targets are opaque.
            const char* t = nftnl_expr_get_str(e, NFTNL_EXPR_TG_NAME);
            if (t && std::strcmp(t, "REJECT") == 0) rule.verdict = Verdict::drop;
            else rule.opaque = true;
        } else if (name == "match") {
            const char* m = nftnl_expr_get_str(e, NFTNL_EXPR_MT_NAME);
            if (!m || std::strcmp(m, "comment") != 0) rule.opaque = true;
        } else if (name != "counter" && name != "log" && name != "notrack") {
            rule.opaque = true;  // sets, ranges, limits, xt matches...
        }
    }
};

}  // namespace

Result<ForeignChain> parse_chain_message(std::span<const uint8_t> message) {
    auto nlh = message_header(message, "parsing a chain");
    if (!nlh) return nlh.error();
    NftnlChain c(nftnl_chain_alloc());
    if (!c) return make_error(ENOMEM, "parsing a chain: out of memory");
    if (nftnl_chain_nlmsg_parse(*nlh, c.get()) < 0) return make_error(EBADMSG, "parsing a chain");
    ForeignChain out;
    out.family = nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_FAMILY);
    if (const char* t = nftnl_chain_get_str(c.get(), NFTNL_CHAIN_TABLE)) out.table = t;
    if (const char* n = nftnl_chain_get_str(c.get(), NFTNL_CHAIN_NAME)) out.name = n;
    out.base = nftnl_chain_is_set(c.get(), NFTNL_CHAIN_HOOKNUM);
    if (out.base) {
        out.hook = hook_of(out.family, nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_HOOKNUM));
        out.priority = nftnl_chain_get_s32(c.get(), NFTNL_CHAIN_PRIO);
        out.policy_drop = nftnl_chain_is_set(c.get(), NFTNL_CHAIN_POLICY) &&
                          nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_POLICY) == NF_DROP;
    }
    if (out.table.empty() || out.name.empty()) return make_error(EBADMSG, "parsing a chain: no name");
    return out;
}

Result<ForeignRule> parse_rule_message(std::span<const uint8_t> message) {
    auto nlh = message_header(message, "parsing a rule");
    if (!nlh) return nlh.error();
    NftnlRule r(nftnl_rule_alloc());
    if (!r) return make_error(ENOMEM, "parsing a rule: out of memory");
    if (nftnl_rule_nlmsg_parse(*nlh, r.get()) < 0) return make_error(EBADMSG, "parsing a rule");
    ForeignRule out;
    out.family = nftnl_rule_get_u32(r.get(), NFTNL_RULE_FAMILY);
    if (const char* t = nftnl_rule_get_str(r.get(), NFTNL_RULE_TABLE)) out.table = t;
    if (const char* c = nftnl_rule_get_str(r.get(), NFTNL_RULE_CHAIN)) out.chain = c;
    out.handle = nftnl_rule_get_u64(r.get(), NFTNL_RULE_HANDLE);
    if (nftnl_rule_is_set(r.get(), NFTNL_RULE_USERDATA)) {
        uint32_t len = 0;
        const void* d = nftnl_rule_get_data(r.get(), NFTNL_RULE_USERDATA, &len);
        if (d) out.comment = udata_comment(d, len, NFTNL_UDATA_RULE_COMMENT);
    }
    ExprReader reader{out, {}};
    nftnl_expr_foreach(
        r.get(),
        [](nftnl_expr* e, void* data) noexcept -> int {
            static_cast<ExprReader*>(data)->handle(e);
            return 0;
        },
        &reader);
    if (out.table.empty() || out.chain.empty()) return make_error(EBADMSG, "parsing a rule: no chain");
    return out;
}

ForeignRuleset parse_dumps(const std::vector<std::vector<uint8_t>>& chains,
                           const std::vector<std::vector<uint8_t>>& rules, size_t* skipped) {
    ForeignRuleset out;
    size_t bad = 0;
    for (const auto& m : chains) {
        if (out.chains.size() >= kMaxForeignChains) {
            out.truncated = true;
            break;
        }
        auto c = parse_chain_message(m);
        if (c) out.chains.push_back(std::move(*c));
        else ++bad;
    }
    for (const auto& m : rules) {
        if (out.rules.size() >= kMaxForeignRules) {
            out.truncated = true;
            break;
        }
        auto r = parse_rule_message(m);
        if (r) out.rules.push_back(std::move(*r));
        else ++bad;
    }
    if (skipped) *skipped = bad;
    return out;
}

namespace {

// One accept rule for the fix, built like ruleset.cc builds its own.
Result<NftnlRule> fix_rule(const Finding& f, bool outbound, std::string_view bridge, uint8_t proto,
                           uint16_t port) {
    NftnlRule rule(nftnl_rule_alloc());
    if (!rule) return make_error(ENOMEM, "building a fix rule: out of memory");
    nftnl_rule_set_u32(rule.get(), NFTNL_RULE_FAMILY, f.chain.family);
    nftnl_rule_set_str(rule.get(), NFTNL_RULE_TABLE, f.chain.table.c_str());
    nftnl_rule_set_str(rule.get(), NFTNL_RULE_CHAIN, f.fix_chain.c_str());
    bool failed = false;
    auto add = [&](const char* name) -> nftnl_expr* {
        NftnlExpr e(nftnl_expr_alloc(name));
        if (!e) {
            failed = true;
            return nullptr;
        }
        nftnl_rule_add_expr(rule.get(), e.get());
        return e.release();
    };
    auto compare = [&](const void* data, uint32_t len) {
        if (auto* e = add("cmp")) {
            nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
            nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
            nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
        }
    };
    if (auto* e = add("meta")) {
        nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, outbound ? NFT_META_IIFNAME : NFT_META_OIFNAME);
        nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
    }
    std::string name(bridge);
    compare(name.c_str(), uint32_t(name.size() + 1));  // with the NUL: an exact match
    if (proto) {
        if (auto* e = add("meta")) {
            nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_L4PROTO);
            nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
        }
        compare(&proto, 1);
        if (auto* e = add("payload")) {
            nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, NFT_PAYLOAD_TRANSPORT_HEADER);
            nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, 2);
            nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, 2);
            nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
        }
        uint16_t be = htons(port);
        compare(&be, 2);
    }
    add("counter");
    if (auto* e = add("immediate")) {
        nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
        nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, NF_ACCEPT);
    }
    std::string comment = std::string(kFixCommentPrefix) + name;
    NftnlUdataBuf udata(nftnl_udata_buf_alloc(NFTNL_UDATA_COMMENT_MAXLEN + 2));
    if (failed || !udata ||
        !nftnl_udata_put_strz(udata.get(), NFTNL_UDATA_RULE_COMMENT, comment.c_str()))
        return make_error(ENOMEM, "building a fix rule: out of memory");
    nftnl_rule_set_data(rule.get(), NFTNL_RULE_USERDATA, nftnl_udata_buf_data(udata.get()),
                        nftnl_udata_buf_len(udata.get()));
    return rule;
}

bool is_fix_for(const ForeignRule& r, std::string_view bridge) {
    std::string_view c = r.comment;
    if (c.substr(0, kFixCommentPrefix.size()) != kFixCommentPrefix) return false;
    return bridge.empty() || c.substr(kFixCommentPrefix.size()) == bridge;
}

}  // namespace

Result<Batch> build_fix_batch(const Finding& f, std::string_view bridge, uint32_t first_seq) {
    struct Spec {
        bool outbound;
        uint8_t proto;
        uint16_t port;
    };
    std::vector<Spec> specs;
    if (f.chain.hook == Hook::forward) {
        specs = {{true, 0, 0}, {false, 0, 0}};
    } else {
        specs = {{true, IPPROTO_UDP, 67}, {true, IPPROTO_UDP, 53}, {true, IPPROTO_TCP, 53}};
    }
    BatchBuilder b(first_seq);
    std::string where = family_name(f.chain.family) + " " + f.chain.table + " " + f.fix_chain;
    for (const auto& s : specs) {
        auto rule = fix_rule(f, s.outbound, bridge, s.proto, s.port);
        if (!rule) return rule.error();
        // No NLM_F_APPEND: the kernel inserts at the top of the chain.
        if (auto* nlh = b.add(NFT_MSG_NEWRULE, uint16_t(f.chain.family), NLM_F_CREATE,
                              "inserting an accept rule for '" + std::string(bridge) + "' into chain " + where))
            nftnl_rule_nlmsg_build_payload(nlh, rule->get());
    }
    return std::move(b).finish();
}

bool has_fix(const ForeignRuleset& ruleset, std::string_view bridge) {
    return count_fix_rules(ruleset, bridge) > 0;
}

size_t count_fix_rules(const ForeignRuleset& ruleset, std::string_view bridge) {
    size_t n = 0;
    for (const auto& r : ruleset.rules) n += is_fix_for(r, bridge);
    return n;
}

Result<Batch> build_unfix_batch(const ForeignRuleset& ruleset, std::string_view bridge,
                                uint32_t first_seq) {
    BatchBuilder b(first_seq);
    for (const auto& r : ruleset.rules) {
        if (!is_fix_for(r, bridge)) continue;
        NftnlRule rule(nftnl_rule_alloc());
        if (!rule) return make_error(ENOMEM, "removing a fix rule: out of memory");
        nftnl_rule_set_u32(rule.get(), NFTNL_RULE_FAMILY, r.family);
        nftnl_rule_set_str(rule.get(), NFTNL_RULE_TABLE, r.table.c_str());
        nftnl_rule_set_str(rule.get(), NFTNL_RULE_CHAIN, r.chain.c_str());
        nftnl_rule_set_u64(rule.get(), NFTNL_RULE_HANDLE, r.handle);
        if (auto* nlh = b.add(NFT_MSG_DELRULE, uint16_t(r.family), 0,
                              "deleting rule " + std::to_string(r.handle) + " ('" + r.comment +
                                  "') from chain " + family_name(r.family) + " " + r.table + " " + r.chain))
            nftnl_rule_nlmsg_build_payload(nlh, rule.get());
    }
    return std::move(b).finish();
}

}  // namespace vswitch::nft
