#include "libvswitch/nft/port_guard.h"

// glibc's <arpa/inet.h> before the kernel's netfilter headers.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <cstring>
#include <map>

#include "libvswitch/nft/ruleset.h"
#include "tests/unit/nft/golden.h"

using namespace vswitch;
using namespace vswitch::nft;

namespace {

// Messages of a batch by (family, nf_tables type).
std::map<std::pair<uint8_t, int>, size_t> counts(const Batch& batch) {
    std::map<std::pair<uint8_t, int>, size_t> out;
    auto bytes = batch.bytes();
    int len = int(bytes.size());
    auto* nlh = reinterpret_cast<const nlmsghdr*>(bytes.data());
    for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
        if ((nlh->nlmsg_type >> 8) != NFNL_SUBSYS_NFTABLES) continue;
        nfgenmsg g{};
        std::memcpy(&g, mnl_nlmsg_get_payload(nlh), sizeof g);
        ++out[{g.nfgen_family, nlh->nlmsg_type & 0xff}];
    }
    return out;
}

Mac mac(uint32_t i) {
    return Mac({0x52, 0x54, 0x00, uint8_t(i >> 16), uint8_t(i >> 8), uint8_t(i)});
}

PortGuard port(std::string name, ports::PortSecurity s, std::vector<Ipv4> addrs = {}) {
    return {std::move(name), mac(uint32_t(addrs.size() + 1)), s, std::move(addrs)};
}

ports::PortSecurity all_guards() {
    ports::PortSecurity s;
    s.mac_spoofing = false;
    s.ip_spoofing = false;
    return s;
}

}  // namespace

TEST(NftPortGuards, ProfileChainNames) {
    EXPECT_EQ(guard_chain_name(ports::PortSecurity{}), "guard_mdr");
    EXPECT_EQ(guard_chain_name(all_guards()), "guard_midr");
    ports::PortSecurity none;
    none.dhcp_guard = none.router_guard = false;
    none.mac_spoofing = true;
    EXPECT_EQ(guard_chain_name(none), "");
}

TEST(NftPortGuards, MatchesGolden) {
    ports::PortSecurity dr;
    dr.mac_spoofing = true;
    PortGuards g{{port("vstap0", all_guards(), {Ipv4(172, 27, 160, 10)}), port("vnet3", dr)}};
    auto batch = compile_port_guards(g, 1);
    ASSERT_TRUE(batch.ok()) << batch.error().message;
    auto text = describe(*batch);
    ASSERT_TRUE(text.ok()) << text.error().message;
    golden::expect_matches("port_guards.txt", *text);
}

TEST(NftPortGuards, NoGuardedPortRemovesTheTableOnly) {
    ports::PortSecurity none;
    none.dhcp_guard = none.router_guard = false;
    none.mac_spoofing = true;
    for (const PortGuards& g : {PortGuards{}, PortGuards{{port("vnet0", none)}}}) {
        auto batch = compile_port_guards(g, 1);
        ASSERT_TRUE(batch.ok());
        auto c = counts(*batch);
        EXPECT_EQ((c[{NFPROTO_BRIDGE, NFT_MSG_NEWTABLE}]), 1u);
        EXPECT_EQ((c[{NFPROTO_BRIDGE, NFT_MSG_DELTABLE}]), 1u);
        EXPECT_EQ(c.size(), 2u);
    }
}

TEST(NftPortGuards, RulesDoNotGrowWithPorts) {
    PortGuards two{{port("a", all_guards(), {Ipv4(10, 0, 0, 2)}),
                    port("b", all_guards(), {Ipv4(10, 0, 0, 3)})}};
    PortGuards many;
    for (uint32_t i = 0; i < 1000; ++i)
        many.ports.push_back({"p" + std::to_string(i),
                              mac(i),
                              all_guards(),
                              {Ipv4(10, 0, uint8_t(i >> 8), uint8_t(i))}});
    auto a = compile_port_guards(two, 1);
    auto b = compile_port_guards(many, 1);
    ASSERT_TRUE(a.ok() && b.ok()) << (b.ok() ? "" : b.error().message);
    auto ca = counts(*a), cb = counts(*b);
    EXPECT_EQ((ca[{NFPROTO_BRIDGE, NFT_MSG_NEWRULE}]), (cb[{NFPROTO_BRIDGE, NFT_MSG_NEWRULE}]));
    EXPECT_EQ((ca[{NFPROTO_BRIDGE, NFT_MSG_NEWCHAIN}]), (cb[{NFPROTO_BRIDGE, NFT_MSG_NEWCHAIN}]));
    // 4 checks, 1 profile, prerouting.
    EXPECT_EQ((cb[{NFPROTO_BRIDGE, NFT_MSG_NEWCHAIN}]), 6u);
    EXPECT_EQ((cb[{NFPROTO_BRIDGE, NFT_MSG_NEWSETELEM}]), 3u);  // one message per set
}

TEST(NftPortGuards, MaxPortsFitInOneBatch) {
    PortGuards g;
    for (uint32_t i = 0; i < kMaxGuardedPorts; ++i)
        g.ports.push_back(
            {"vstap" + std::to_string(i),
             mac(i),
             all_guards(),
             {Ipv4(10, 0, uint8_t(i >> 8), uint8_t(i)), Ipv4(10, 1, uint8_t(i >> 8), uint8_t(i))}});
    auto batch = compile_port_guards(g, 1);
    ASSERT_TRUE(batch.ok()) << batch.error().message;
    EXPECT_LE(batch->bytes().size(), kMaxBatchBytes);
    g.ports.push_back(port("onemore", all_guards()));
    auto over = compile_port_guards(g, 1);
    ASSERT_FALSE(over.ok());
    EXPECT_EQ(over.error().code, E2BIG);
}

TEST(NftPortGuards, RefusesBadInput) {
    auto code = [](PortGuards g) {
        auto b = compile_port_guards(g, 1);
        return b.ok() ? 0 : b.error().code;
    };
    EXPECT_EQ(code({{port("a", all_guards()), port("a", all_guards())}}), EINVAL);
    EXPECT_EQ(code({{port("", all_guards())}}), EINVAL);
    EXPECT_EQ(code({{port("0123456789abcdef", all_guards())}}), EINVAL);
    EXPECT_EQ(code({{port("a", all_guards(),
                          std::vector<Ipv4>(kMaxAddressesPerPort + 1, Ipv4(10, 0, 0, 1)))}}),
              E2BIG);
}

TEST(NftPortGuards, TravelInTheSameTransactionAsInetVswitch) {
    Ruleset r;
    r.switches.push_back(
        {"vswitch0", *Ipv4Prefix::parse("172.27.160.0/20", true), SwitchType::nat});
    r.port_guards = PortGuards{{port("vstap0", all_guards(), {Ipv4(172, 27, 160, 10)})}};
    auto batch = compile(r, 1);
    ASSERT_TRUE(batch.ok()) << batch.error().message;
    auto c = counts(*batch);
    EXPECT_EQ((c[{NFPROTO_INET, NFT_MSG_NEWTABLE}]), 2u);
    EXPECT_EQ((c[{NFPROTO_BRIDGE, NFT_MSG_NEWTABLE}]), 2u);
    EXPECT_EQ((c[{NFPROTO_BRIDGE, NFT_MSG_DELTABLE}]), 1u);
    // Without port_guards the bridge table is left alone.
    r.port_guards.reset();
    auto inet_only = compile(r, 1);
    ASSERT_TRUE(inet_only.ok());
    EXPECT_EQ((counts(*inet_only)[{NFPROTO_BRIDGE, NFT_MSG_NEWTABLE}]), 0u);
}

TEST(NftPortGuards, PortChangesAreElementUpdatesWhileTheChainsStay) {
    PortGuards from{{port("a", all_guards(), {Ipv4(10, 0, 0, 2)}),
                     port("b", all_guards(), {Ipv4(10, 0, 0, 3)})}};
    PortGuards to = from;
    to.ports.erase(to.ports.begin());                                  // a goes
    to.ports[0].addresses = {Ipv4(10, 0, 0, 4)};                       // b renumbered
    to.ports.push_back(port("c", all_guards(), {Ipv4(10, 0, 0, 5)}));  // c comes
    auto batch = update_port_guards(from, to, 1);
    ASSERT_TRUE(batch.ok()) << batch.error().message;
    auto c = counts(*batch);
    EXPECT_EQ((c[{NFPROTO_BRIDGE, NFT_MSG_DELSETELEM}]), 3u);  // a and old b, in each set
    EXPECT_EQ((c[{NFPROTO_BRIDGE, NFT_MSG_NEWSETELEM}]), 3u);  // new b and c
    EXPECT_EQ((c[{NFPROTO_BRIDGE, NFT_MSG_NEWTABLE}]), 0u);
    EXPECT_EQ((c[{NFPROTO_BRIDGE, NFT_MSG_NEWRULE}]), 0u);
    EXPECT_TRUE(describe(*batch).ok());
}

TEST(NftPortGuards, NewChainsNeedAReplacement) {
    PortGuards from{{port("a", all_guards())}};
    ports::PortSecurity dr;
    dr.mac_spoofing = true;
    PortGuards to{{port("a", all_guards()), port("b", dr)}};  // guard_dr is new
    auto b = update_port_guards(from, to, 1);
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.error().code, EAGAIN);
    // Nor from a table that is not there.
    EXPECT_EQ(update_port_guards({}, from, 1).error().code, EAGAIN);
}
