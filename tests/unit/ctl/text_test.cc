#include "libvswitch/ctl/text.h"

#include <gtest/gtest.h>

#include "libvswitch/ctl/table.h"
#include "tests/unit/ctl/fixtures.h"

using namespace vswitch::ctl;
using namespace vswitch::ctl::testing;

namespace {

// A fixed "local time" so the test needs no time zone.
std::string fake_time(uint64_t usec) {
    return "T" + std::to_string(usec / 1000000);
}

}  // namespace

TEST(VswitchctlText, NoSwitchesPrintsNothingAndEmptyTables) {
    EXPECT_EQ(status_text(StatusView{}), "");
    EXPECT_EQ(list_text({}),
              "INTERFACE  SWITCH  VM  MAC  ADDRESS  HOSTNAME  STATE  ORIGIN\n"
              "\n"
              "0 port(s) listed.\n");
    EXPECT_EQ(leases_text({}, fake_time),
              "SWITCH  MAC  ADDRESS  HOSTNAME  EXPIRES\n"
              "\n"
              "0 lease(s) listed.\n");
}

TEST(VswitchctlText, StatusShowsTheSwitchItsPortsAndTheProblemWithItsFix) {
    EXPECT_EQ(status_text(one_switch()),
              "● Default\n"
              "     Type: nat\n"
              "   Bridge: vswitch0\n"
              "   Subnet: 172.27.160.0/20\n"
              "  Gateway: 172.27.160.1\n"
              "   Domain: vswitch.internal\n"
              "   Leases: 1\n"
              "    Ports: tap-web  web  52:54:00:0f:0e:c2  172.27.160.37  web-guest\n"
              "           vm-db  -  52:54:00:00:0d:b0  -  -  (disconnected)\n"
              " Counters: dhcp.dropped.zero-mac 2\n"
              " Problems: [foreign-forward-drop:ip/filter/FORWARD] chain ip filter FORWARD (hook "
              "forward, another program's) drops new connections from VMs on 'vswitch0' (policy "
              "drop)\n"
              "           fix: iptables -I DOCKER-USER -i vswitch0 -j ACCEPT\n");
}

TEST(VswitchctlText, StatusSeparatesSwitchesAndSaysNone) {
    StatusView v = one_switch(3);
    v.switches.push_back(lab_switch());
    std::string out = status_text(v);
    EXPECT_NE(out.find("           fix: iptables -I DOCKER-USER -i vswitch0 -j ACCEPT\n"
                       "\n"
                       "● lab\n"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("   Leases: 0\n"
                       "    Ports: none\n"
                       " Firewall: re-applied 3 time(s) after others removed it\n"
                       " Problems: none\n"),
              std::string::npos)
        << out;
    EXPECT_EQ(out.back(), '\n');
    EXPECT_NE(out.substr(out.size() - 2), "\n\n");
}

TEST(VswitchctlText, FirewallLineOnlyAfterARepair) {
    for (auto repairs : {std::optional<uint64_t>(), std::optional<uint64_t>(0)})
        EXPECT_EQ(status_text(one_switch(repairs)).find("Firewall"), std::string::npos);
    EXPECT_NE(status_text(one_switch(1))
                  .find("  (disconnected)\n"
                        " Firewall: re-applied 1 time(s) after others removed it\n"
                        " Counters: dhcp.dropped.zero-mac 2\n"
                        " Problems: [foreign"),
              std::string::npos);
}

TEST(VswitchctlText, CountersShowsTroubleThatIsNotZeroOrSaysNothing) {
    StatusView v = one_switch();
    auto& stats = *v.switches[0].statistics;
    stats.emplace_back("repairs.bridge", 1);
    stats.emplace_back("dns.tcp-evicted", 4);
    std::string out = status_text(v);
    EXPECT_NE(out.find(" Counters: dhcp.dropped.zero-mac 2\n"
                       "           repairs.bridge 1\n"
                       "           dns.tcp-evicted 4\n"
                       " Problems:"),
              std::string::npos)
        << out;
    for (auto& kv : stats) {
        if (kv.first != "dhcp.acks") kv.second = 0;
    }
    EXPECT_NE(status_text(v).find(" Counters: nothing dropped, refused or repaired\n"), std::string::npos);
    v.switches[0].statistics.reset();  // an older daemon: no line at all
    EXPECT_EQ(status_text(v).find("Counters"), std::string::npos);
}

TEST(VswitchctlText, StatsListsEveryCounterAligned) {
    EXPECT_EQ(stats_text({default_switch(), lab_switch()}),
              "● Default\n"
              "  dhcp.acks              3\n"
              "  dhcp.dropped.zero-mac  2\n"
              "  dns.queries            10\n"
              "  dns.refused            0\n"
              "\n"
              "● lab\n"
              "  (the daemon does not report statistics)\n");
}

TEST(VswitchctlText, ProblemsWithoutAFixHaveNoFixLine) {
    StatusView v = one_switch();
    v.switches[0].problems = {{"subnet-conflict", "route overlaps", ""},
                              {"no-free-subnet", "pool full", "add ExcludeSubnet="}};
    std::string out = status_text(v);
    EXPECT_NE(out.find(" Problems: [subnet-conflict] route overlaps\n"
                       "           [no-free-subnet] pool full\n"
                       "           fix: add ExcludeSubnet=\n"),
              std::string::npos)
        << out;
}

TEST(VswitchctlText, StatusShowsOnlyEachSwitchsOwnPorts) {
    StatusView v = one_switch();
    v.switches.push_back(lab_switch());
    PortRow odd = web_port();
    odd.ifname = "tap-odd";
    odd.sw = "lab";
    v.ports.insert(v.ports.begin(), odd);
    std::string out = status_text(v);
    size_t lab = out.find("● lab");
    ASSERT_NE(lab, std::string::npos);
    EXPECT_LT(out.find("tap-web"), lab);
    EXPECT_GT(out.find("    Ports: tap-odd  web"), lab);
}

TEST(VswitchctlText, ListAlignsColumnsAndMarksTheDisconnectedPort) {
    EXPECT_EQ(list_text({web_port(), db_port()}),
              "INTERFACE  SWITCH   VM   MAC                ADDRESS        HOSTNAME   STATE         "
              "ORIGIN\n"
              "tap-web    Default  web  52:54:00:0f:0e:c2  172.27.160.37  web-guest  connected     "
              "daemon\n"
              "vm-db      Default  -    52:54:00:00:0d:b0  -              -          disconnected  "
              "attached\n"
              "\n"
              "2 port(s) listed.\n");
}

// An interface put into the bridge by hand is a port: listed with its
// origin, marked in status, its lease's host name shown.
TEST(VswitchctlText, ABridgeMemberIsListedAndMarked) {
    PortRow old_daemon = db_port();
    old_daemon.origin = "";  // a daemon without Port.Origin
    EXPECT_EQ(
        list_text({member_port(), old_daemon}),
        "INTERFACE  SWITCH   VM  MAC                ADDRESS        HOSTNAME  STATE         ORIGIN\n"
        "vm-guest   Default  -   0a:3e:12:34:56:78  172.27.160.99  guest1    connected     bridge\n"
        "vm-db      Default  -   52:54:00:00:0d:b0  -              -         disconnected  -\n"
        "\n"
        "2 port(s) listed.\n");
    StatusView v{{default_switch()}, {member_port()}, 0};
    EXPECT_NE(
        status_text(v).find(
            "    Ports: vm-guest  -  0a:3e:12:34:56:78  172.27.160.99  guest1  (bridge member)\n"),
        std::string::npos)
        << status_text(v);
}

TEST(VswitchctlText, LeasesWithAndWithoutHostName) {
    LeaseRow never = anonymous_lease();
    never.expiry_usec = 0;
    EXPECT_EQ(leases_text({named_lease(), anonymous_lease(), never}, fake_time),
              "SWITCH   MAC                ADDRESS         HOSTNAME   EXPIRES\n"
              "Default  52:54:00:0f:0e:c2  172.27.160.37   web-guest  T1767225600\n"
              "Default  6e:c3:40:97:1e:72  172.27.160.200  -          T1767229200\n"
              "Default  6e:c3:40:97:1e:72  172.27.160.200  -          -\n"
              "\n"
              "3 lease(s) listed.\n");
}

// Widths count bytes, as they always have: a UTF-8 name widens its column
// by its byte count, not its character count.
TEST(VswitchctlText, TableWidthsCountBytes) {
    Table t({"A", "B"});
    t.add({"\xc3\xbc", "x"});
    EXPECT_EQ(t.render(), "A   B\n\xc3\xbc  x\n");
    EXPECT_EQ(t.size(), 1u);
}

TEST(VswitchctlText, NamesPrintAsTheyAre) {
    StatusView v = one_switch();
    v.ports[0].vm = kOddVm;
    EXPECT_NE(status_text(v).find(std::string("    Ports: tap-web  ") + kOddVm + "  52:54"),
              std::string::npos);
}

TEST(VswitchctlText, APrivateSwitchShowsNoSubnetOrGateway) {
    SwitchRow lab = lab_switch();
    lab.type = "private";
    lab.subnet.clear();
    lab.gateway.clear();
    std::string out = status_text(StatusView{{lab}, {}, std::nullopt});
    EXPECT_NE(out.find("     Type: private\n"
                       "   Bridge: vs-lab\n"
                       "   Subnet: none (private: guests reach only each other)\n"
                       "  Gateway: none\n"),
              std::string::npos)
        << out;
}
