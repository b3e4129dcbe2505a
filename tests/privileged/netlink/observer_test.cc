// The netlink observer and the described host-prefix dump against a real
// kernel, inside the private network namespace the privileged runner gives
// us (the guard of tests/privileged/firewall/netns_util.h refuses to run
// anywhere else).
#include "daemon/netlink/observer.h"

#include "daemon/netlink/host_prefixes.h"

#include <gtest/gtest.h>
#include <net/if.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <optional>
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

class ObserverTest : public ::testing::Test {
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
        auto sock = RouteSocket::open();
        ASSERT_TRUE(sock.ok()) << sock.error().message;
        sock_.emplace(std::move(*sock));
        auto o = Observer::create(event_.get());
        ASSERT_TRUE(o.ok()) << o.error().message;
        observer_ = std::move(*o);
    }
    void TearDown() override {
        observer_.reset();
        if (fwtest::in_own_netns()) fwtest::succeeds("ip link del vw0");
    }
    EventPtr event_;
    std::optional<RouteSocket> sock_;
    std::unique_ptr<Observer> observer_;
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

TEST_F(ObserverTest, DumpNamesAddressesAndPolicyTableRoutesExactly) {
    ASSERT_TRUE(
        fwtest::succeeds("ip addr add 192.0.2.1/24 dev vw0 && "
                         "ip route add 198.51.100.0/24 dev vw0 table 100 && "
                         "ip route add blackhole 203.0.113.0/25 table 101"));
    auto host = dump_host_prefixes(*sock_);
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

TEST_F(ObserverTest, FoldsABurstOfRouteChangesIntoOneCheck) {
    int checks = 0;
    auto sub = observer_->watch_host_prefixes([&checks] { ++checks; });
    run_for(event_.get(), 2 * kHostPrefixCoalesceUsec);
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
    run_for(event_.get(), 3 * kHostPrefixCoalesceUsec);
    EXPECT_EQ(checks, 1) << observer_->datagrams() << " datagrams, " << observer_->overruns() << " overruns";
    EXPECT_GT(observer_->datagrams() + observer_->overruns(), 0u);

    // A rule change (policy routing switched on by a VPN) is a change too.
    ASSERT_TRUE(fwtest::succeeds(
        "ip rule add from 192.0.2.0/24 table 100 && ip rule del from 192.0.2.0/24 table 100"));
    run_for(event_.get(), 3 * kHostPrefixCoalesceUsec);
    EXPECT_EQ(checks, 2);
    // An address change as well.
    ASSERT_TRUE(fwtest::succeeds("ip addr add 192.0.2.9/24 dev vw0"));
    run_for(event_.get(), 3 * kHostPrefixCoalesceUsec);
    EXPECT_EQ(checks, 3);
}

TEST_F(ObserverTest, ReportsLinksComingAndGoingByName) {
    std::vector<LinkEvent> seen;
    auto sub = observer_->watch_links([&](const LinkEvent& ev) { seen.push_back(ev); }, [] {});
    ASSERT_TRUE(fwtest::succeeds("ip link add vw1 type veth peer name vw1p && ip link del vw1"));
    run_for(event_.get(), 100'000);
    bool added = false, deleted = false;
    for (const auto& ev : seen) {
        if (ev.name != "vw1") continue;
        (ev.deleted ? deleted : added) = true;
        EXPECT_GT(ev.ifindex, 0);
    }
    EXPECT_TRUE(added) << seen.size() << " link events";
    EXPECT_TRUE(deleted) << seen.size() << " link events";
}

TEST_F(ObserverTest, ReportsNeighboursWithTheirMac) {
    std::vector<NeighbourEvent> seen;
    auto sub = observer_->watch_neighbours([&](const NeighbourEvent& ev) { seen.push_back(ev); }, [] {});
    ASSERT_TRUE(fwtest::succeeds("ip addr add 192.0.2.1/24 dev vw0 && "
                                 "ip neigh add 192.0.2.7 lladdr 52:54:00:12:34:56 dev vw0 nud permanent"));
    run_for(event_.get(), 100'000);
    ASSERT_FALSE(seen.empty());
    const auto& ev = seen.back();
    EXPECT_EQ(ev.address.to_string(), "192.0.2.7");
    EXPECT_EQ(ev.mac.to_string(), "52:54:00:12:34:56");
    EXPECT_EQ(ev.ifindex, int(if_nametoindex("vw0")));
    EXPECT_TRUE(ev.state & NUD_PERMANENT);
    EXPECT_FALSE(ev.deleted);
}

TEST_F(ObserverTest, ReportsNetconfChangesOncePerDrain) {
    int calls = 0;
    auto sub = observer_->watch_netconf([&] { ++calls; });
    ASSERT_TRUE(fwtest::succeeds("echo 1 > /proc/sys/net/ipv4/conf/vw0/forwarding && "
                                 "echo 0 > /proc/sys/net/ipv4/conf/vw0/forwarding"));
    run_for(event_.get(), 100'000);
    EXPECT_GE(calls, 1);
    EXPECT_LE(calls, 2);
}

// A subscriber may drop its own subscription (and another's) from its
// callback; the others are still called, the dropped ones never again.
TEST_F(ObserverTest, SubscriptionsMayBeDroppedFromACallback) {
    int first = 0, second = 0;
    Subscription a, b;
    a = observer_->watch_links(
        [&](const LinkEvent&) {
            ++first;
            a.reset();
            b.reset();
        },
        [] {});
    b = observer_->watch_links([&](const LinkEvent&) { ++second; }, [] {});
    ASSERT_TRUE(fwtest::succeeds("ip link set vw0 down && ip link set vw0 up"));
    run_for(event_.get(), 100'000);
    EXPECT_EQ(first, 1);
    EXPECT_EQ(second, 0) << "dropped before its turn came";
}

TEST_F(ObserverTest, ASubscriptionOutlivingTheObserverIsHarmless) {
    auto sub = observer_->watch_host_prefixes([] {});
    observer_.reset();
    sub.reset();  // must not touch the observer's freed lists
    SUCCEED();
}
