#include "libvswitch/nft/ruleset.h"

// glibc's <arpa/inet.h> before the kernel's netfilter headers, which
// otherwise pull <linux/in.h> and clash with it.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <cstring>
#include <vector>

#include "tests/unit/nft/golden.h"

using namespace vswitch;
using namespace vswitch::nft;

namespace {

Ipv4Prefix prefix(const char* s) {
    auto p = Ipv4Prefix::parse(s, true);
    EXPECT_TRUE(p.ok()) << s;
    return p.ok() ? *p : Ipv4Prefix{};
}

Ruleset default_switch() {
    return {{{"vswitch0", prefix("172.27.160.0/20"), SwitchType::nat}}};
}

Ruleset nat_and_internal() {
    return {{{"vswitch0", prefix("172.27.160.0/20"), SwitchType::nat},
             {"vs-lab", prefix("10.44.0.0/24"), SwitchType::internal}}};
}

// One netlink message of a batch, as the kernel would see its header.
struct Message {
    uint16_t type;
    uint16_t flags;
    uint32_t seq;
    uint8_t family;
    uint16_t res_id;
    std::string table;  // attribute 1 of every nf_tables message we send
};

std::vector<Message> split(const Batch& batch) {
    std::vector<Message> out;
    auto bytes = batch.bytes();
    int len = int(bytes.size());
    auto* nlh = reinterpret_cast<const nlmsghdr*>(bytes.data());
    for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
        Message m{nlh->nlmsg_type, nlh->nlmsg_flags, nlh->nlmsg_seq, 0, 0, {}};
        EXPECT_GE(mnl_nlmsg_get_payload_len(nlh), sizeof(nfgenmsg));
        nfgenmsg g{};
        std::memcpy(&g, mnl_nlmsg_get_payload(nlh), sizeof g);
        m.family = g.nfgen_family;
        m.res_id = ntohs(g.res_id);
        // NFTA_TABLE_NAME, NFTA_CHAIN_TABLE, NFTA_SET_TABLE,
        // NFTA_SET_ELEM_LIST_TABLE and NFTA_RULE_TABLE are all type 1.
        auto* tail = static_cast<const char*>(mnl_nlmsg_get_payload_tail(nlh));
        for (auto* attr =
                 static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(nlh, sizeof(nfgenmsg)));
             mnl_attr_ok(attr, int(tail - reinterpret_cast<const char*>(attr)));
             attr = mnl_attr_next(attr)) {
            if (mnl_attr_get_type(attr) == 1 && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0) {
                m.table = mnl_attr_get_str(attr);
            }
        }
        out.push_back(m);
    }
    EXPECT_EQ(len, 0) << "trailing bytes after the last message";
    return out;
}

size_t count_of(const Batch& batch, uint16_t nft_msg) {
    size_t n = 0;
    for (const auto& m : split(batch)) {
        if (m.type == (NFNL_SUBSYS_NFTABLES << 8 | nft_msg)) ++n;
    }
    return n;
}

std::string describe_ok(const Ruleset& r) {
    auto batch = compile(r, 1000);
    EXPECT_TRUE(batch.ok()) << batch.error().message;
    if (!batch.ok()) return {};
    auto text = describe(*batch);
    EXPECT_TRUE(text.ok()) << text.error().message;
    return text.ok() ? *text : std::string{};
}

}  // namespace

TEST(NftRuleset, DefaultSwitchMatchesGolden) {
    golden::expect_matches("default_switch.txt", describe_ok(default_switch()));
}

TEST(NftRuleset, NatAndInternalSwitchMatchesGolden) {
    golden::expect_matches("nat_and_internal.txt", describe_ok(nat_and_internal()));
}

TEST(NftRuleset, EmptyRulesetHasChainsAndEmptySets) {
    std::string text = describe_ok({});
    golden::expect_matches("empty.txt", text);
    auto batch = compile({}, 1);
    ASSERT_TRUE(batch.ok());
    EXPECT_EQ(count_of(*batch, NFT_MSG_NEWSETELEM), 0u);
    EXPECT_EQ(count_of(*batch, NFT_MSG_NEWSET), 5u);
    EXPECT_EQ(count_of(*batch, NFT_MSG_NEWCHAIN), 3u);
}

TEST(NftRuleset, RuleCountDoesNotGrowWithSwitches) {
    Ruleset many;
    for (int i = 0; i < 40; ++i) {
        many.switches.push_back({"vs-" + std::to_string(i),
                                 Ipv4Prefix(Ipv4(10, uint8_t(i), 0, 0), 16),
                                 i % 3 == 0   ? SwitchType::nat
                                 : i % 3 == 1 ? SwitchType::internal
                                              : SwitchType::private_});
    }
    auto one = compile(default_switch(), 1);
    auto two = compile(nat_and_internal(), 1);
    auto forty = compile(many, 1);
    ASSERT_TRUE(one.ok() && two.ok() && forty.ok());
    size_t rules = count_of(*one, NFT_MSG_NEWRULE);
    EXPECT_EQ(rules, 9u);
    EXPECT_EQ(count_of(*two, NFT_MSG_NEWRULE), rules);
    EXPECT_EQ(count_of(*forty, NFT_MSG_NEWRULE), rules);
    EXPECT_EQ(count_of(*forty, NFT_MSG_NEWCHAIN), 3u);
    // The switches went into the sets instead.
    EXPECT_GT(forty->bytes().size(), two->bytes().size());
}

TEST(NftBatch, IsFramedByBeginAndEndWithConsecutiveSeqs) {
    auto batch = compile(nat_and_internal(), 4242);
    ASSERT_TRUE(batch.ok()) << batch.error().message;
    auto msgs = split(*batch);
    ASSERT_GE(msgs.size(), 3u);
    EXPECT_EQ(msgs.size(), batch->message_count());
    EXPECT_EQ(msgs.front().type, NFNL_MSG_BATCH_BEGIN);
    EXPECT_EQ(msgs.front().res_id, NFNL_SUBSYS_NFTABLES);
    EXPECT_EQ(msgs.back().type, NFNL_MSG_BATCH_END);
    EXPECT_EQ(batch->first_seq(), 4242u);
    EXPECT_EQ(batch->last_seq(), 4242u + msgs.size() - 1);
    for (size_t i = 0; i < msgs.size(); ++i) {
        EXPECT_EQ(msgs[i].seq, 4242u + i) << "message " << i;
        if (i == 0 || i + 1 == msgs.size()) continue;
        EXPECT_EQ(msgs[i].type >> 8, NFNL_SUBSYS_NFTABLES) << "message " << i;
        EXPECT_EQ(msgs[i].family, NFPROTO_INET) << "message " << i;
        EXPECT_EQ(msgs[i].table, "vswitch") << "message " << i;
        EXPECT_TRUE(msgs[i].flags & NLM_F_ACK) << "message " << i << " is not acknowledged";
        EXPECT_TRUE(msgs[i].flags & NLM_F_REQUEST) << "message " << i;
    }
}

TEST(NftBatch, ReplacesTableInOneTransaction) {
    auto batch = compile(default_switch(), 1);
    ASSERT_TRUE(batch.ok());
    auto msgs = split(*batch);
    ASSERT_GE(msgs.size(), 5u);
    constexpr uint16_t nft = NFNL_SUBSYS_NFTABLES << 8;
    // add without EXCL (no-op if present), delete, add with EXCL.
    EXPECT_EQ(msgs[1].type, nft | NFT_MSG_NEWTABLE);
    EXPECT_FALSE(msgs[1].flags & NLM_F_EXCL);
    EXPECT_EQ(msgs[2].type, nft | NFT_MSG_DELTABLE);
    EXPECT_EQ(msgs[3].type, nft | NFT_MSG_NEWTABLE);
    EXPECT_TRUE(msgs[3].flags & NLM_F_EXCL);
    EXPECT_EQ(count_of(*batch, NFT_MSG_DELTABLE), 1u);
    // Nothing is deleted after the fresh table is added.
    for (size_t i = 3; i < msgs.size(); ++i) EXPECT_NE(msgs[i].type, nft | NFT_MSG_DELTABLE);
}

TEST(NftBatch, RemoveTableAddsThenDeletes) {
    auto batch = remove_table_batch(77);
    ASSERT_TRUE(batch.ok());
    auto msgs = split(*batch);
    ASSERT_EQ(msgs.size(), 4u);
    constexpr uint16_t nft = NFNL_SUBSYS_NFTABLES << 8;
    EXPECT_EQ(msgs[0].type, NFNL_MSG_BATCH_BEGIN);
    EXPECT_EQ(msgs[1].type, nft | NFT_MSG_NEWTABLE);
    EXPECT_FALSE(msgs[1].flags & NLM_F_EXCL);
    EXPECT_EQ(msgs[2].type, nft | NFT_MSG_DELTABLE);
    EXPECT_EQ(msgs[3].type, NFNL_MSG_BATCH_END);
    EXPECT_EQ(msgs[1].table, "vswitch");
    EXPECT_EQ(msgs[2].seq, 79u);
}

TEST(NftBatch, ActionNamesTheObjectOfEachSeq) {
    auto batch = compile(default_switch(), 500);
    ASSERT_TRUE(batch.ok());
    EXPECT_EQ(batch->action(500), "");  // BATCH_BEGIN
    EXPECT_EQ(batch->action(501), "adding table inet vswitch");
    EXPECT_EQ(batch->action(502), "deleting table inet vswitch");
    EXPECT_EQ(batch->action(batch->last_seq()), "");
    EXPECT_EQ(batch->action(499), "");
    EXPECT_EQ(batch->action(batch->last_seq() + 1), "");
    bool saw_chain = false, saw_rule = false;
    for (uint32_t seq = 501; seq < batch->last_seq(); ++seq) {
        std::string_view a = batch->action(seq);
        EXPECT_FALSE(a.empty()) << seq;
        saw_chain |= a == "adding chain inet vswitch postrouting";
        saw_rule |=
            a ==
            "adding rule 'masquerade what leaves a nat switch' to chain inet vswitch postrouting";
    }
    EXPECT_TRUE(saw_chain);
    EXPECT_TRUE(saw_rule);
}

TEST(NftBatch, SequenceNumbersMayWrap) {
    uint32_t first = UINT32_MAX - 2;
    auto batch = compile(default_switch(), first);
    ASSERT_TRUE(batch.ok());
    auto msgs = split(*batch);
    for (size_t i = 0; i < msgs.size(); ++i) EXPECT_EQ(msgs[i].seq, uint32_t(first + i));
    EXPECT_EQ(batch->action(uint32_t(first + 1)), "adding table inet vswitch");
    EXPECT_EQ(batch->action(uint32_t(first + 3)), "adding table inet vswitch");  // seq 0
    EXPECT_EQ(batch->action(first), "");
}

TEST(NftRuleset, IgnoresHostBitsOfTheSubnet) {
    auto a = compile(default_switch(), 1);
    auto b = compile({{{"vswitch0", prefix("172.27.163.9/20"), SwitchType::nat}}}, 1);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_TRUE(
        std::equal(a->bytes().begin(), a->bytes().end(), b->bytes().begin(), b->bytes().end()));
}

TEST(NftRuleset, SubnetAtTheTopHasNoIntervalEnd) {
    std::string text = describe_ok({{{"vs-top", prefix("240.0.0.0/4"), SwitchType::nat}}});
    EXPECT_NE(text.find("element 240.0.0.0\n"), std::string::npos) << text;
    EXPECT_EQ(text.find("(interval end)"), std::string::npos) << text;
    EXPECT_NE(text.find("\"vs-top\" . 240.0.0.0 - \"vs-top\" . 255.255.255.255"),
              std::string::npos);
}

TEST(NftRuleset, RefusesBadBridgeNames) {
    for (const char* name : {"", "sixteen-chars-xx", "toolongbridgename"}) {
        auto r = compile({{{name, prefix("10.0.0.0/24"), SwitchType::nat}}}, 1);
        ASSERT_FALSE(r.ok()) << name;
        EXPECT_EQ(r.error().code, EINVAL);
        EXPECT_NE(r.error().message.find("bridge name '" + std::string(name) + "'"),
                  std::string::npos)
            << r.error().message;
    }
    std::string with_nul("vs\0x", 4);
    EXPECT_FALSE(compile({{{with_nul, prefix("10.0.0.0/24"), SwitchType::nat}}}, 1).ok());
    EXPECT_TRUE(compile({{{"fifteen-chars-x", prefix("10.0.0.0/24"), SwitchType::nat}}}, 1).ok());
}

TEST(NftRuleset, RefusesOneBridgeInTwoSwitches) {
    auto r = compile({{{"vswitch0", prefix("10.0.0.0/24"), SwitchType::nat},
                       {"vswitch0", prefix("10.1.0.0/24"), SwitchType::internal}}},
                     1);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message,
              "compiling nftables ruleset: bridge 'vswitch0' belongs to two switches");
}

TEST(NftRuleset, RefusesOverlappingNatSubnets) {
    auto r = compile({{{"vswitch0", prefix("172.27.160.0/20"), SwitchType::nat},
                       {"vs-b", prefix("172.27.161.0/24"), SwitchType::nat}}},
                     1);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, EINVAL);
    EXPECT_NE(r.error().message.find(
                  "172.27.160.0/20 of 'vswitch0' and 172.27.161.0/24 of 'vs-b' overlap"),
              std::string::npos)
        << r.error().message;
    // A non-nat switch's subnet is not in any set: not the firewall's concern.
    EXPECT_TRUE(compile({{{"vswitch0", prefix("172.27.160.0/20"), SwitchType::nat},
                          {"vs-b", prefix("172.27.161.0/24"), SwitchType::private_}}},
                        1)
                    .ok());
}

TEST(NftRuleset, MaxSwitchesFitAndOneMoreIsRefused) {
    Ruleset r;
    for (size_t i = 0; i < kMaxSwitches; ++i) {
        // Longest names, all nat: the largest sets a ruleset can have.
        char name[16];
        std::snprintf(name, sizeof name, "vswitch-nat%04zu", i);
        r.switches.push_back(
            {name, Ipv4Prefix(Ipv4(uint32_t(10u << 24 | i << 12)), 20), SwitchType::nat});
    }
    auto ok = compile(r, 1);
    ASSERT_TRUE(ok.ok()) << ok.error().message;
    EXPECT_LE(ok->bytes().size(), kMaxBatchBytes);
    r.switches.push_back({"vs-extra", prefix("192.168.0.0/24"), SwitchType::internal});
    auto refused = compile(r, 1);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, E2BIG);
}
