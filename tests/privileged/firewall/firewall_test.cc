// Firewall against the real kernel, in the private network namespace the
// runner (run-in-netns.sh: unshare --net) gives this binary. `nft` is used
// only to look at the result.
#include "daemon/firewall/firewall.h"

#include <gtest/gtest.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <optional>
#include <string>

#include "libvswitch/nft/foreign.h"
#include "libvswitch/nft/nftnl_handles.h"
#include "tests/privileged/firewall/netns_util.h"

using namespace vswitch;
using namespace vswitch::firewall;
using namespace vswitch::firewall::fwtest;

namespace {

Ipv4Prefix prefix(const char* s) {
    auto p = Ipv4Prefix::parse(s);
    EXPECT_TRUE(p.ok()) << s;
    return p.ok() ? *p : Ipv4Prefix{};
}

nft::Ruleset default_switch(const char* subnet = "172.27.160.0/20") {
    return {{{"vswitch0", prefix(subnet), SwitchType::nat}}};
}

class FirewallTest : public ::testing::Test {
protected:
    void SetUp() override {
        // Never on the machine's own network: refuse loudly, touch nothing.
        ASSERT_TRUE(in_own_netns()) << kNotIsolated;
        auto fw = Firewall::create();
        ASSERT_TRUE(fw.ok()) << fw.error().message;
        fw_.emplace(std::move(*fw));
        // A clean slate whatever an earlier test left.
        ASSERT_TRUE(fw_->remove().ok());
    }
    void TearDown() override {
        if (!fw_) return;  // SetUp refused: touch nothing
        EXPECT_TRUE(fw_->remove().ok());
        run("nft delete table inet other");
    }

    std::optional<Firewall> fw_;
};

}  // namespace

TEST_F(FirewallTest, ApplyCreatesTheTable) {
    auto st = fw_->apply(default_switch());
    ASSERT_TRUE(st.ok()) << st.error().message;
    std::string list = run("nft list table inet vswitch");
    EXPECT_NE(list.find("comment \"owned by vswitchd"), std::string::npos) << list;
    EXPECT_NE(list.find("type nat hook postrouting priority srcnat; policy accept;"),
              std::string::npos)
        << list;
    EXPECT_NE(list.find("type filter hook forward priority filter; policy accept;"),
              std::string::npos)
        << list;
    EXPECT_NE(list.find("type filter hook input priority filter; policy accept;"),
              std::string::npos)
        << list;
    EXPECT_NE(list.find("ip saddr @nat_subnets meta oiftype != loopback oifname != @nat_bridges "
                        "counter packets 0 "
                        "bytes 0 masquerade"),
              std::string::npos)
        << list;
    EXPECT_NE(list.find("iifname . oifname @same_bridge accept"), std::string::npos) << list;
    EXPECT_NE(list.find("chain forward {\n\t\ttype filter hook forward priority filter; policy "
                        "accept;\n\t\tct state established,related accept"),
              std::string::npos)
        << list;
    EXPECT_NE(list.find("oifname @bridges counter packets 0 bytes 0 drop"), std::string::npos)
        << list;
    EXPECT_NE(list.find("iifname . ip saddr @nat_sources accept"), std::string::npos) << list;
    EXPECT_NE(list.find("iifname @bridges counter packets 0 bytes 0 drop"), std::string::npos)
        << list;
    EXPECT_NE(list.find("iifname @bridges udp dport 67 accept"), std::string::npos) << list;
    EXPECT_NE(list.find("iifname @bridges udp dport 53 accept"), std::string::npos) << list;
    EXPECT_NE(list.find("iifname @bridges tcp dport 53 accept"), std::string::npos) << list;
    // The set elements, as nft reads them back.
    EXPECT_NE(list.find("elements = { 172.27.160.0/20 }"), std::string::npos) << list;
    EXPECT_NE(list.find("elements = { \"vswitch0\" . 172.27.160.0/20 }"), std::string::npos)
        << list;
    EXPECT_NE(list.find("elements = { \"vswitch0\" . \"vswitch0\" }"), std::string::npos) << list;
    EXPECT_EQ(count(list, "elements = { \"vswitch0\" }"), 2u) << list;  // bridges, nat_bridges
}

TEST_F(FirewallTest, ApplyingAgainKeepsExactlyOneCopy) {
    ASSERT_TRUE(fw_->apply(default_switch()).ok());
    std::string first = run("nft list table inet vswitch");
    for (int i = 0; i < 20; ++i) {
        auto st = fw_->apply(default_switch());
        ASSERT_TRUE(st.ok()) << "apply #" << i + 2 << ": " << st.error().message;
    }
    std::string ruleset = run("nft list ruleset");
    EXPECT_EQ(count(ruleset, "table inet vswitch"), 1u) << ruleset;
    EXPECT_EQ(count(ruleset, " masquerade comment"), 1u) << ruleset;
    EXPECT_EQ(run("nft list table inet vswitch"), first);
}

TEST_F(FirewallTest, ANewFirewallReplacesAnOldOnesTable) {
    // A daemon restart: a new socket, a new process's seqs, same table.
    ASSERT_TRUE(fw_->apply(default_switch()).ok());
    auto again = Firewall::create();
    ASSERT_TRUE(again.ok());
    ASSERT_TRUE(again->apply(default_switch()).ok());
    EXPECT_EQ(count(run("nft list ruleset"), "table inet vswitch"), 1u);
}

TEST_F(FirewallTest, ChangedSubnetReplacesTheElement) {
    ASSERT_TRUE(fw_->apply(default_switch("172.27.160.0/20")).ok());
    ASSERT_TRUE(fw_->apply(default_switch("172.30.16.0/20")).ok());
    std::string list = run("nft list table inet vswitch");
    EXPECT_NE(list.find("172.30.16.0/20"), std::string::npos) << list;
    EXPECT_EQ(list.find("172.27.160.0/20"), std::string::npos) << list;
}

TEST_F(FirewallTest, SwitchesOnlyAddSetElements) {
    ASSERT_TRUE(fw_->apply({{{"vswitch0", prefix("172.27.160.0/20"), SwitchType::nat},
                             {"vs-lab", prefix("10.44.0.0/24"), SwitchType::internal},
                             {"vs-priv", prefix("10.45.0.0/24"), SwitchType::private_}}})
                    .ok());
    std::string list = run("nft list table inet vswitch");
    EXPECT_EQ(count(list, " accept comment"), 6u) << list;  // the same rules as for one switch
    EXPECT_EQ(count(list, " drop comment"), 2u) << list;
    EXPECT_NE(list.find("\"vs-lab\""), std::string::npos) << list;
    EXPECT_NE(list.find("\"vs-priv\" . \"vs-priv\""), std::string::npos) << list;
    // Only the nat switch is masqueraded.
    EXPECT_EQ(list.find("10.44.0.0/24"), std::string::npos) << list;
}

TEST_F(FirewallTest, RemoveDeletesTheTableAndIsIdempotent) {
    ASSERT_TRUE(fw_->apply(default_switch()).ok());
    auto st = fw_->remove();
    ASSERT_TRUE(st.ok()) << st.error().message;
    EXPECT_EQ(count(run("nft list ruleset"), "vswitch"), 0u);
    st = fw_->remove();
    EXPECT_TRUE(st.ok()) << st.error().message;
}

TEST_F(FirewallTest, LeavesOtherTablesAlone) {
    ASSERT_EQ(run("nft add table inet other && nft add chain inet other c && echo done"), "done\n");
    ASSERT_TRUE(fw_->apply(default_switch()).ok());
    ASSERT_TRUE(fw_->remove().ok());
    EXPECT_NE(run("nft list tables").find("table inet other"), std::string::npos);
}

TEST_F(FirewallTest, KernelErrorNamesTheObject) {
    // A chain in a table that does not exist: the kernel says ENOENT for
    // exactly that message, and nothing of the batch is applied.
    nft::BatchBuilder b(12345);
    nft::NftnlTable t(nftnl_table_alloc());
    nft::NftnlChain c(nftnl_chain_alloc());
    ASSERT_TRUE(t && c);
    nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, "before");
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, "nosuchtable");
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, "x");
    if (auto* nlh =
            b.add(NFT_MSG_NEWTABLE, NFPROTO_INET, NLM_F_CREATE, "adding table inet before")) {
        nftnl_table_nlmsg_build_payload(nlh, t.get());
    }
    if (auto* nlh = b.add(NFT_MSG_NEWCHAIN, NFPROTO_INET, NLM_F_CREATE,
                          "adding chain inet nosuchtable x")) {
        nftnl_chain_nlmsg_build_payload(nlh, c.get());
    }
    auto batch = std::move(b).finish();
    ASSERT_TRUE(batch.ok());
    auto st = fw_->send(*batch);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, ENOENT);
    EXPECT_EQ(
        st.error().message.rfind("adding chain inet nosuchtable x: No such file or directory", 0),
        0u)
        << st.error().message;
    // All or nothing: the table added before the failing message is gone.
    EXPECT_EQ(run("nft list ruleset").find("before"), std::string::npos);
    // The socket is still usable afterwards.
    EXPECT_TRUE(fw_->apply(default_switch()).ok());
}

TEST_F(FirewallTest, MonitorSeesOthersChangingTheTableButNotUs) {
    ASSERT_TRUE(fw_->start_monitor().ok());
    EXPECT_GE(fw_->monitor_fd(), 0);
    ASSERT_TRUE(fw_->apply(default_switch()).ok());
    ASSERT_TRUE(fw_->apply(default_switch()).ok());
    auto changed = fw_->table_changed_by_others();
    ASSERT_TRUE(changed.ok()) << changed.error().message;
    EXPECT_FALSE(*changed) << "our own transactions count as someone else's";

    // Someone else's table is none of our business.
    ASSERT_EQ(run("nft add table inet other && echo done"), "done\n");
    changed = fw_->table_changed_by_others();
    ASSERT_TRUE(changed.ok());
    EXPECT_FALSE(*changed);

    ASSERT_EQ(run("nft flush chain inet vswitch forward && echo done"), "done\n");
    changed = fw_->table_changed_by_others();
    ASSERT_TRUE(changed.ok());
    EXPECT_TRUE(*changed);
    // Drained: nothing new since.
    EXPECT_FALSE(*fw_->table_changed_by_others());

    ASSERT_TRUE(fw_->apply(default_switch()).ok());
    ASSERT_EQ(run("nft flush ruleset && echo done"), "done\n");
    EXPECT_TRUE(*fw_->table_changed_by_others());
}

TEST_F(FirewallTest, NotificationsSayWhatChangedAndWhichProcess) {
    ASSERT_TRUE(fw_->start_monitor().ok());
    ASSERT_TRUE(fw_->apply(default_switch()).ok());
    ASSERT_EQ(run("nft delete table inet vswitch && echo done"), "done\n");
    auto n = fw_->read_notifications();
    ASSERT_TRUE(n.ok()) << n.error().message;
    EXPECT_TRUE(n->ours);
    EXPECT_TRUE(n->others);
    EXPECT_EQ(n->what, "table deleted");
    EXPECT_EQ(n->process, "nft");
    EXPECT_GT(n->pid, 0u);

    // Another table only: others, not ours.
    ASSERT_EQ(run("nft add table inet other && echo done"), "done\n");
    n = fw_->read_notifications();
    ASSERT_TRUE(n.ok());
    EXPECT_FALSE(n->ours);
    EXPECT_TRUE(n->others);
}

TEST_F(FirewallTest, DumpsEveryTablesChainsAndRulesForTheDiagnostics) {
    ASSERT_TRUE(fw_->apply(default_switch()).ok());
    ASSERT_EQ(run("nft add table inet other && nft add chain inet other guests "
                  "'{ type filter hook forward priority 0; policy drop; }' && "
                  "nft add rule inet other guests iifname vswitch0 counter drop && echo done"),
              "done\n");
    auto chains = fw_->dump(NFT_MSG_GETCHAIN);
    ASSERT_TRUE(chains.ok()) << chains.error().message;
    auto rules = fw_->dump(NFT_MSG_GETRULE);
    ASSERT_TRUE(rules.ok()) << rules.error().message;
    size_t skipped = 0;
    auto rs = nft::parse_dumps(*chains, *rules, &skipped);
    EXPECT_EQ(skipped, 0u);
    const nft::ForeignChain* fwd = nullptr;
    for (const auto& c : rs.chains)
        if (c.table == "other" && c.name == "guests") fwd = &c;
    ASSERT_NE(fwd, nullptr);
    EXPECT_TRUE(fwd->base);
    EXPECT_EQ(fwd->hook, nft::Hook::forward);
    EXPECT_TRUE(fwd->policy_drop);
    auto findings = nft::diagnose(rs, "vswitch0", true);
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].kind, "foreign-forward-drop:inet/other/guests");
    EXPECT_NE(findings[0].message.find("handle"), std::string::npos) << "the rule, not the policy";
}

TEST_F(FirewallTest, MonitorMustBeStarted) {
    EXPECT_EQ(fw_->monitor_fd(), -1);
    auto changed = fw_->table_changed_by_others();
    ASSERT_FALSE(changed.ok());
    EXPECT_EQ(changed.error().code, EBADF);
}
