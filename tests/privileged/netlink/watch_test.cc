// RouteWatch and the described dump against a real kernel, inside the
// private network namespace the privileged runner gives us (the guard of
// tests/privileged/firewall/netns_util.h refuses to run anywhere else).
#include "daemon/netlink/watch.h"

#include <gtest/gtest.h>
#include <net/if.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "libvswitch/base/handle.h"
#include "tests/privileged/firewall/netns_util.h"

using namespace vswitch;
using namespace vswitch::netlink;
namespace fwtest = vswitch::firewall::fwtest;

namespace {

using EventPtr = UniqueHandle<sd_event, sd_event_unref>;

uint64_t now_usec(sd_event* e) {
    uint64_t t = 0;
    sd_event_now(e, CLOCK_MONOTONIC, &t);
    return t;
}

// Runs the loop for about `usec`.
void run_for(sd_event* e, uint64_t usec) {
    uint64_t start = 0;
    sd_event_now(e, CLOCK_MONOTONIC, &start);
    while (now_usec(e) < start + usec) ASSERT_GE(sd_event_run(e, 20'000), 0);
}

class Watch : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(fwtest::in_own_netns()) << fwtest::kNotIsolated;
        ASSERT_EQ(::geteuid(), 0u) << "needs root";
        // No dummy driver on every kernel: a veth pair stands in.
        ASSERT_TRUE(
            fwtest::succeeds("ip link add vw0 type veth peer name vw0p && ip link set vw0 up && "
                             "ip link set vw0p up"));
        sd_event* raw = nullptr;
        ASSERT_GE(sd_event_new(&raw), 0);
        event_.reset(raw);
    }
    void TearDown() override {
        if (fwtest::in_own_netns()) fwtest::succeeds("ip link del vw0");
    }
    EventPtr event_;
};

const HostPrefix* find(const std::vector<HostPrefix>& v, HostPrefix::Kind kind, const char* prefix,
                       uint32_t table = 0) {
    auto p = Ipv4Prefix::parse(prefix);
    for (const auto& h : v)
        if (h.kind == kind && p.ok() && h.prefix == *p &&
            (kind == HostPrefix::Kind::address || h.table == table))
            return &h;
    return nullptr;
}

}  // namespace

TEST_F(Watch, DumpNamesAddressesAndPolicyTableRoutesExactly) {
    ASSERT_TRUE(
        fwtest::succeeds("ip addr add 192.0.2.1/24 dev vw0 && "
                         "ip route add 198.51.100.0/24 dev vw0 table 100 && "
                         "ip route add blackhole 203.0.113.0/25 table 101"));
    auto host = dump_host_prefixes();
    ASSERT_TRUE(host.ok()) << host.error().message;
    const auto* addr = find(*host, HostPrefix::Kind::address, "192.0.2.0/24");
    ASSERT_NE(addr, nullptr);
    EXPECT_EQ(addr->ifindex, int(if_nametoindex("vw0")));
    EXPECT_EQ(describe(*addr), "address 192.0.2.0/24 dev vw0");
    const auto* vpn = find(*host, HostPrefix::Kind::route, "198.51.100.0/24", 100);
    ASSERT_NE(vpn, nullptr);
    EXPECT_EQ(describe(*vpn), "route 198.51.100.0/24 table 100 dev vw0");
    const auto* hole = find(*host, HostPrefix::Kind::route, "203.0.113.0/25", 101);
    ASSERT_NE(hole, nullptr);
    EXPECT_EQ(hole->ifindex, 0);  // no device: belongs to nobody
    EXPECT_EQ(describe(*hole), "route 203.0.113.0/25 table 101");
    const auto* connected = find(*host, HostPrefix::Kind::route, "192.0.2.0/24", 254);
    ASSERT_NE(connected, nullptr);
    EXPECT_EQ(describe(*connected), "route 192.0.2.0/24 table main dev vw0");
}

TEST_F(Watch, FoldsABurstOfRouteChangesIntoOneCheck) {
    int checks = 0;
    auto w = RouteWatch::create(event_.get(), [&checks] { ++checks; });
    ASSERT_TRUE(w.ok()) << w.error().message;
    run_for(event_.get(), 2 * kWatchCoalesceUsec);
    EXPECT_EQ(checks, 0) << "no change, no check";

    // 2000 changes in a policy table, all queued before the loop runs again.
    std::string batch = "/tmp/vswitch-watch-test-" + std::to_string(::getpid()) + ".batch";
    {
        std::ofstream out(batch);
        for (int i = 0; i < 1000; ++i) {
            std::string r =
                "10." + std::to_string(i / 250) + "." + std::to_string(i % 250) + ".0/24";
            out << "route add " << r << " dev vw0 table 200\nroute del " << r
                << " dev vw0 table 200\n";
        }
    }
    bool ok = fwtest::succeeds("ip -batch " + batch);
    ::unlink(batch.c_str());
    ASSERT_TRUE(ok);
    run_for(event_.get(), 3 * kWatchCoalesceUsec);
    EXPECT_EQ(checks, 1) << (*w)->datagrams() << " datagrams, " << (*w)->overruns() << " overruns";
    EXPECT_GT((*w)->datagrams() + (*w)->overruns(), 0u);

    // A rule change (policy routing switched on by a VPN) is a change too.
    ASSERT_TRUE(fwtest::succeeds(
        "ip rule add from 192.0.2.0/24 table 100 && ip rule del from 192.0.2.0/24 table 100"));
    run_for(event_.get(), 3 * kWatchCoalesceUsec);
    EXPECT_EQ(checks, 2);
    // An address change as well.
    ASSERT_TRUE(fwtest::succeeds("ip addr add 192.0.2.9/24 dev vw0"));
    run_for(event_.get(), 3 * kWatchCoalesceUsec);
    EXPECT_EQ(checks, 3);
}
