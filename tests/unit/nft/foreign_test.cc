#include "libvswitch/nft/foreign.h"

#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <cstring>

namespace vswitch::nft {
namespace {

using Field = Condition::Field;

ForeignChain base_chain(uint32_t family, std::string table, std::string name, Hook hook, bool drop) {
    ForeignChain c;
    c.family = family;
    c.table = std::move(table);
    c.name = std::move(name);
    c.base = true;
    c.hook = hook;
    c.policy_drop = drop;
    return c;
}

ForeignChain user_chain(std::string name) {
    ForeignChain c;
    c.family = NFPROTO_IPV4;
    c.table = "filter";
    c.name = std::move(name);
    return c;
}

ForeignRule rule(std::string chain, Verdict v, std::vector<Condition> conds = {}, std::string target = {}) {
    ForeignRule r;
    r.family = NFPROTO_IPV4;
    r.table = "filter";
    r.chain = std::move(chain);
    r.verdict = v;
    r.conditions = std::move(conds);
    r.target = std::move(target);
    return r;
}

Condition ifname(Field f, std::string name, bool negated = false) {
    Condition c;
    c.field = f;
    c.name = std::move(name);
    c.negated = negated;
    return c;
}

// Docker's iptables-nft layout: FORWARD policy DROP, jumps to DOCKER-USER
// first, accepts only for docker0.
ForeignRuleset docker() {
    ForeignRuleset rs;
    rs.chains = {base_chain(NFPROTO_IPV4, "filter", "FORWARD", Hook::forward, true),
                 user_chain("DOCKER-USER"), user_chain("DOCKER")};
    rs.rules = {rule("FORWARD", Verdict::jump, {}, "DOCKER-USER"),
                rule("FORWARD", Verdict::jump, {ifname(Field::oifname, "docker0")}, "DOCKER"),
                rule("FORWARD", Verdict::accept, {ifname(Field::iifname, "docker0")}),
                rule("DOCKER-USER", Verdict::return_)};
    return rs;
}

TEST(ForeignDiagnose, DockersForwardDropIsFoundWithTheDockerUserFix) {
    auto f = diagnose(docker(), "vswitch0", true);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].kind, "foreign-forward-drop:ip/filter/FORWARD");
    EXPECT_EQ(f[0].fix_chain, "DOCKER-USER");
    EXPECT_EQ(f[0].fix,
              "iptables -I DOCKER-USER -i vswitch0 -j ACCEPT; iptables -I DOCKER-USER -o vswitch0 -j ACCEPT");
    EXPECT_NE(f[0].message.find("policy drop"), std::string::npos);
}

TEST(ForeignDiagnose, AcceptRulesInDockerUserClearIt) {
    auto rs = docker();
    rs.rules.insert(rs.rules.begin() + 3, rule("DOCKER-USER", Verdict::accept, {ifname(Field::iifname, "vswitch0")}));
    rs.rules.insert(rs.rules.begin() + 3, rule("DOCKER-USER", Verdict::accept, {ifname(Field::oifname, "vswitch0")}));
    EXPECT_TRUE(diagnose(rs, "vswitch0", true).empty());
}

TEST(ForeignDiagnose, AnAcceptPolicyWithNoDropIsFine) {
    ForeignRuleset rs;
    rs.chains = {base_chain(NFPROTO_IPV4, "filter", "FORWARD", Hook::forward, false)};
    EXPECT_TRUE(diagnose(rs, "vswitch0", true).empty());
}

TEST(ForeignDiagnose, ConditionalDropsAreNotInvented) {
    // A drop behind a set lookup (opaque) may not concern the bridge at all.
    ForeignRuleset rs;
    rs.chains = {base_chain(NFPROTO_INET, "firewalld", "filter_FORWARD", Hook::forward, false)};
    auto r = rule("filter_FORWARD", Verdict::drop);
    r.family = NFPROTO_INET;
    r.table = "firewalld";
    r.opaque = true;
    rs.rules = {r};
    EXPECT_TRUE(diagnose(rs, "vswitch0", true).empty());
}

TEST(ForeignDiagnose, ExplicitDropOfTheBridgeNamesTheRuleAndGivesNftFix) {
    ForeignRuleset rs;
    rs.chains = {base_chain(NFPROTO_INET, "fw", "fwd", Hook::forward, false)};
    auto r = rule("fwd", Verdict::drop, {ifname(Field::iifname, "vswitch")});
    r.conditions[0].prefix = true;  // iifname "vswitch*"
    r.family = NFPROTO_INET;
    r.table = "fw";
    r.handle = 7;
    rs.rules = {r};
    auto f = diagnose(rs, "vswitch0", true);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_NE(f[0].message.find("handle 7"), std::string::npos);
    EXPECT_EQ(f[0].fix, "nft insert rule inet fw fwd iifname \"vswitch0\" accept; "
                        "nft insert rule inet fw fwd oifname \"vswitch0\" accept");
}

TEST(ForeignDiagnose, EstablishedAcceptLetsRepliesThrough) {
    ForeignRuleset rs;
    rs.chains = {base_chain(NFPROTO_IPV4, "filter", "FORWARD", Hook::forward, true)};
    Condition ct;
    ct.field = Field::ct_state;
    ct.mask = 0x6;  // established | related
    ct.value = 0;
    ct.negated = true;
    rs.rules = {rule("FORWARD", Verdict::accept, {ct}),
                rule("FORWARD", Verdict::accept, {ifname(Field::iifname, "vswitch0")})};
    EXPECT_TRUE(diagnose(rs, "vswitch0", true).empty());
    rs.rules.pop_back();  // replies pass, new connections out do not
    auto f = diagnose(rs, "vswitch0", true);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_NE(f[0].message.find("new connections"), std::string::npos);
    EXPECT_EQ(f[0].message.find("replies"), std::string::npos);
}

TEST(ForeignDiagnose, InputDropOfDhcpAndDnsIsFound) {
    ForeignRuleset rs;
    rs.chains = {base_chain(NFPROTO_IPV4, "filter", "INPUT", Hook::input, true)};
    Condition udp;
    udp.field = Field::l4proto;
    udp.value = 17;
    Condition dhcp;
    dhcp.field = Field::dport;
    dhcp.value = 67;
    rs.rules = {rule("INPUT", Verdict::accept, {udp, dhcp})};
    auto f = diagnose(rs, "vswitch0", true);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].kind, "foreign-input-drop:ip/filter/INPUT");
    EXPECT_EQ(f[0].message.find("DHCP"), std::string::npos) << "DHCP is accepted";
    EXPECT_NE(f[0].message.find("DNS"), std::string::npos);
}

TEST(ForeignDiagnose, OurOwnTableAndOtherHooksAreIgnored) {
    ForeignRuleset rs;
    rs.chains = {base_chain(NFPROTO_INET, "vswitch", "forward", Hook::forward, true),
                 base_chain(NFPROTO_IPV4, "filter", "OUTPUT", Hook::output, true),
                 base_chain(NFPROTO_IPV6, "filter", "FORWARD", Hook::forward, true)};
    EXPECT_TRUE(diagnose(rs, "vswitch0", true).empty());
}

TEST(ForeignDiagnose, JumpLoopsEndWithoutCrashing) {
    ForeignRuleset rs;
    rs.chains = {base_chain(NFPROTO_IPV4, "filter", "FORWARD", Hook::forward, false), user_chain("A")};
    rs.rules = {rule("FORWARD", Verdict::jump, {}, "A"), rule("A", Verdict::jump, {}, "A")};
    EXPECT_TRUE(diagnose(rs, "vswitch0", true).empty());
}

// The messages of a batch between BATCH_BEGIN and BATCH_END.
std::vector<std::vector<uint8_t>> messages(const Batch& b) {
    std::vector<std::vector<uint8_t>> out;
    auto bytes = b.bytes();
    std::vector<uint8_t> copy(bytes.begin(), bytes.end());
    int len = int(copy.size());
    auto* nlh = reinterpret_cast<const nlmsghdr*>(copy.data());
    for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
        if ((nlh->nlmsg_type >> 8) != NFNL_SUBSYS_NFTABLES) continue;
        auto* p = reinterpret_cast<const uint8_t*>(nlh);
        out.emplace_back(p, p + nlh->nlmsg_len);
    }
    return out;
}

TEST(ForeignFix, FixRulesParseBackAsAcceptsForTheBridgeWithOurComment) {
    auto f = diagnose(docker(), "vswitch0", true);
    ASSERT_EQ(f.size(), 1u);
    auto batch = build_fix_batch(f[0], "vswitch0", 100);
    ASSERT_TRUE(batch.ok()) << batch.error().message;
    auto msgs = messages(*batch);
    ASSERT_EQ(msgs.size(), 2u);
    ForeignRuleset rs = docker();
    for (const auto& m : msgs) {
        auto r = parse_rule_message(m);
        ASSERT_TRUE(r.ok()) << r.error().message;
        EXPECT_EQ(r->chain, "DOCKER-USER");
        EXPECT_EQ(r->verdict, Verdict::accept);
        EXPECT_FALSE(r->opaque);
        EXPECT_EQ(r->comment, "vswitchd FixForeignFirewall vswitch0");
        ASSERT_EQ(r->conditions.size(), 1u);
        EXPECT_EQ(r->conditions[0].name, "vswitch0");
        EXPECT_FALSE(r->conditions[0].prefix);
        rs.rules.insert(rs.rules.begin() + 3, *r);
    }
    // With the rules in place the forward chain no longer drops the bridge.
    EXPECT_TRUE(diagnose(rs, "vswitch0", true).empty());
    EXPECT_EQ(count_fix_rules(rs, "vswitch0"), 2u);
    EXPECT_EQ(count_fix_rules(rs, "other0"), 0u);
    EXPECT_EQ(count_fix_rules(rs, ""), 2u);
}

TEST(ForeignFix, UnfixDeletesOnlyOurRulesByHandle) {
    ForeignRuleset rs = docker();
    auto ours = rule("DOCKER-USER", Verdict::accept, {ifname(Field::iifname, "vswitch0")});
    ours.comment = "vswitchd FixForeignFirewall vswitch0";
    ours.handle = 42;
    auto theirs = rule("DOCKER-USER", Verdict::accept);
    theirs.comment = "vswitchd-lookalike";
    theirs.handle = 43;
    rs.rules.push_back(ours);
    rs.rules.push_back(theirs);
    auto batch = build_unfix_batch(rs, "", 1);
    ASSERT_TRUE(batch.ok());
    auto msgs = messages(*batch);
    ASSERT_EQ(msgs.size(), 1u);
    nlmsghdr h{};
    std::memcpy(&h, msgs[0].data(), sizeof h);
    EXPECT_EQ(h.nlmsg_type & 0xff, NFT_MSG_DELRULE);
    auto r = parse_rule_message(msgs[0]);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->handle, 42u);
}

TEST(ForeignParse, JunkIsRefusedNotCrashed) {
    std::vector<uint8_t> junk(8, 0xff);
    EXPECT_FALSE(parse_chain_message(junk).ok());
    EXPECT_FALSE(parse_rule_message({}).ok());
    size_t skipped = 0;
    auto rs = parse_dumps({junk}, {junk, {}}, &skipped);
    EXPECT_EQ(skipped, 3u);
    EXPECT_TRUE(rs.chains.empty());
}

}  // namespace
}  // namespace vswitch::nft
