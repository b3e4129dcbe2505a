// Port forwards: the record, its bad-input errors, overlap, resolution over
// the lease and port tables, and the <switch>.forwards codec.
#include "libvswitch/forward/forward.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace vswitch;
using namespace vswitch::forward;

namespace {

Forward make(std::string_view proto, std::string_view addr, std::string_view ports,
             std::string_view target, uint32_t target_port = 0,
             std::vector<std::string> allow = {}) {
    auto f = make_forward(proto, addr, ports, target, target_port, allow);
    EXPECT_TRUE(f.ok()) << f.error().message;
    return f.ok() ? *f : Forward{};
}

std::string error_of(std::string_view proto, std::string_view addr, std::string_view ports,
                     std::string_view target, uint32_t target_port = 0,
                     std::vector<std::string> allow = {}) {
    auto f = make_forward(proto, addr, ports, target, target_port, allow);
    return f.ok() ? "(made)" : f.error().message;
}

Mac mac(std::string_view s) {
    return *Mac::parse(s);
}

}  // namespace

TEST(Forward, TargetKindsAndDefaults) {
    Forward f = make("", "", "8080", "web");
    EXPECT_EQ(f.protocol, Protocol::tcp);
    EXPECT_EQ(f.target_kind, TargetKind::name);
    EXPECT_EQ(f.target_port, 8080);
    EXPECT_EQ(f.id(), "tcp/8080");
    f = make("udp", "192.0.2.10", "5353-5360", "52:54:00:AA:BB:01", 53);
    EXPECT_EQ(f.target_kind, TargetKind::mac);
    EXPECT_EQ(f.target, "52:54:00:aa:bb:01");
    EXPECT_EQ(f.id(), "udp/192.0.2.10:5353-5360");
    EXPECT_EQ(make("both", "", "80", "172.16.0.9").target_kind, TargetKind::address);
    EXPECT_EQ(make("tcp", "", "80", "web server", 0, {"198.51.100.7", "203.0.113.0/24"}).allow_from,
              (std::vector<Ipv4Prefix>{{Ipv4(198, 51, 100, 7), 32}, {Ipv4(203, 0, 113, 0), 24}}));
}

TEST(Forward, EveryBadInputNamesTheValue) {
    EXPECT_NE(error_of("tcp", "", "0", "web").find("'0' is outside 1-65535"), std::string::npos);
    EXPECT_NE(error_of("tcp", "", "65536", "web").find("'65536'"), std::string::npos);
    EXPECT_NE(error_of("tcp", "", "90-80", "web").find("'90-80' is reversed"), std::string::npos);
    EXPECT_NE(error_of("tcp", "", "1000-2000", "web").find("spans 1001 ports (at most 256)"),
              std::string::npos);
    EXPECT_NE(error_of("sctp", "", "80", "web").find("unknown protocol 'sctp'"), std::string::npos);
    EXPECT_NE(error_of("tcp", "nowhere", "80", "web").find("'nowhere'"), std::string::npos);
    EXPECT_NE(error_of("tcp", "", "80", "").find("needs a target"), std::string::npos);
    EXPECT_NE(error_of("tcp", "", "80", "web", 70000).find("70000"), std::string::npos);
    EXPECT_NE(error_of("tcp", "", "100-110", "web", 65530).find("run past 65535"),
              std::string::npos);
    EXPECT_NE(error_of("tcp", "", "80", "web", 0, {"300.1.1.1/8"}).find("'300.1.1.1/8'"),
              std::string::npos);
    EXPECT_NE(error_of("tcp", "", "80", "01:00:5e:00:00:01").find("not a unicast"),
              std::string::npos);
}

TEST(Forward, APortForwardedTwiceOrOverlappingIsExists) {
    std::vector<Forward> all{make("tcp", "", "8000-8010", "a"), make("tcp", "", "8011", "b")};
    EXPECT_TRUE(check_forwards(all).ok());
    all.push_back(make("both", "", "8005", "c"));
    auto st = check_forwards(all);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, EEXIST);
    EXPECT_NE(st.error().message.find("tcp/8000-8010"), std::string::npos);
    // Another protocol, or two different host addresses, do not collide.
    all.back() = make("udp", "", "8005", "c");
    EXPECT_TRUE(check_forwards(all).ok());
    all.push_back(make("udp", "192.0.2.1", "9000", "d"));
    all.push_back(make("udp", "192.0.2.2", "9000", "e"));
    EXPECT_TRUE(check_forwards(all).ok());
    // Every address includes one.
    all.push_back(make("udp", "", "9000", "f"));
    EXPECT_EQ(check_forwards(all).error().code, EEXIST);
}

TEST(Forward, PortsTheDaemonServesOnTheGatewayAreRefused) {
    Ipv4Prefix subnet(Ipv4(172, 16, 0, 0), 20);
    Ipv4 gw(172, 16, 0, 1);
    auto st =
        check_forward_on_switch(make("udp", "172.16.0.1", "60-70", "web"), subnet, gw, "Default");
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, EADDRINUSE);
    EXPECT_NE(st.error().message.find("67/udp (DHCP)"), std::string::npos);
    EXPECT_EQ(check_forward_on_switch(make("tcp", "172.16.0.1", "53", "web"), subnet, gw, "Default")
                  .error()
                  .code,
              EADDRINUSE);
    EXPECT_TRUE(
        check_forward_on_switch(make("tcp", "172.16.0.1", "8080", "web"), subnet, gw, "Default")
            .ok());
    EXPECT_TRUE(check_forward_on_switch(make("tcp", "", "53", "web"), subnet, gw, "Default").ok());
    // A target outside the switch, and a guest's address as host address.
    auto out = check_forward_on_switch(make("tcp", "", "80", "10.9.9.9"), subnet, gw, "Default");
    ASSERT_FALSE(out.ok());
    EXPECT_NE(out.error().message.find(
                  "'10.9.9.9' is not a guest address of switch 'Default' (172.16.0.0/20)"),
              std::string::npos);
    EXPECT_FALSE(
        check_forward_on_switch(make("tcp", "172.16.0.7", "80", "web"), subnet, gw, "Default")
            .ok());
}

TEST(Forward, ResolvesByInterfaceVmNameMacOrHostNameToTodaysLease) {
    Tables t;
    t.subnet = Ipv4Prefix(Ipv4(172, 16, 0, 0), 20);
    t.gateway = Ipv4(172, 16, 0, 1);
    t.ports = {{"vstap0", "web", mac("52:54:00:00:00:01")},
               {"vstap1", "db", mac("52:54:00:00:00:02")}};
    t.leases = {{mac("52:54:00:00:00:01"), Ipv4(172, 16, 0, 10), "www"},
                {mac("52:54:00:00:00:03"), Ipv4(172, 16, 0, 12), "loner"}};
    EXPECT_EQ(resolve(make("tcp", "", "80", "web"), t), Ipv4(172, 16, 0, 10));
    EXPECT_EQ(resolve(make("tcp", "", "80", "vstap0"), t), Ipv4(172, 16, 0, 10));
    EXPECT_EQ(resolve(make("tcp", "", "80", "www"), t), Ipv4(172, 16, 0, 10));
    EXPECT_EQ(resolve(make("tcp", "", "80", "loner"), t), Ipv4(172, 16, 0, 12));
    EXPECT_EQ(resolve(make("tcp", "", "80", "52:54:00:00:00:03"), t), Ipv4(172, 16, 0, 12));
    // A VM without a lease, or unknown: inactive, not an error.
    EXPECT_EQ(resolve(make("tcp", "", "80", "db"), t), std::nullopt);
    EXPECT_EQ(resolve(make("tcp", "", "80", "nobody"), t), std::nullopt);
    // A renumber: the lease moved with the subnet; an address left behind is none.
    t.subnet = Ipv4Prefix(Ipv4(172, 20, 16, 0), 20);
    t.gateway = Ipv4(172, 20, 16, 1);
    EXPECT_EQ(resolve(make("tcp", "", "80", "web"), t), std::nullopt);
    t.leases[0].address = Ipv4(172, 20, 16, 10);
    EXPECT_EQ(resolve(make("tcp", "", "80", "web"), t), Ipv4(172, 20, 16, 10));
    EXPECT_EQ(resolve(make("tcp", "", "80", "172.16.0.10"), t), std::nullopt);
}

TEST(ForwardFile, RoundTripsAndRefusesDamage) {
    std::vector<Forward> all{
        make("tcp", "", "8080", "web server", 80),
        make("udp", "192.0.2.10", "5353-5360", "172.16.0.9", 53, {"198.51.100.0/24"}),
        make("both", "", "9000", "52:54:00:aa:bb:01")};
    std::string text = format_forward_file(all);
    EXPECT_EQ(text.substr(0, text.find('\n')), "vswitch-forwards 1");
    auto back = parse_forward_file(text);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(*back, all);
    EXPECT_EQ(parse_forward_file("").error().code, EBADMSG);
    EXPECT_EQ(parse_forward_file("vswitch-forwards 2\n").error().code, ENOTSUP);
    auto twice = parse_forward_file(
        "vswitch-forwards 1\ntcp - 80-80 80 - name a\ntcp - 80-80 80 - name b\n");
    ASSERT_FALSE(twice.ok());
    EXPECT_NE(twice.error().message.find("line 3"), std::string::npos);
    EXPECT_FALSE(parse_forward_file("vswitch-forwards 1\ntcp - 0-80 80 - name a\n").ok());
    EXPECT_FALSE(parse_forward_file("vswitch-forwards 1\ntcp - 80-80 80 - mac web\n").ok());
    EXPECT_FALSE(parse_forward_file("vswitch-forwards 1\ntcp - 80-80 80 -\n").ok());
}

TEST(ForwardId, NamesWhatRemoveTakes) {
    auto k = parse_forward_id("udp/192.0.2.10:5353-5360");
    ASSERT_TRUE(k.ok()) << k.error().message;
    EXPECT_TRUE(matches(make("udp", "192.0.2.10", "5353-5360", "x"), *k));
    EXPECT_FALSE(matches(make("udp", "", "5353-5360", "x"), *k));
    EXPECT_FALSE(parse_forward_id("8080").ok());
    EXPECT_FALSE(parse_forward_id("tcp/0").ok());
}
