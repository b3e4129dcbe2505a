#include "libvswitch/external/record.h"

#include <gtest/gtest.h>

#include "tests/unit/external/fixtures.h"

using namespace vswitch::external;
using vswitch::external::testing::recorded_lan_nic;

namespace {

Record lan_record() {
    Record r;
    r.switch_name = "lan";
    r.bridge = "vs-lan";
    r.share_with_host = true;
    r.state = MoveState::done;
    r.nic = recorded_lan_nic();
    return r;
}

}  // namespace

TEST(ExternalRecord, RoundTripsEveryFact) {
    Record r = lan_record();
    auto back = parse_record(format_record(r));
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(*back, r);
    r.state = MoveState::moving;
    r.share_with_host = false;
    back = parse_record(format_record(r));
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(*back, r);
}

TEST(ExternalRecord, RefusesACutOffOrDamagedFileWithItsLine) {
    std::string good = format_record(lan_record());
    // Cut before "end": a write that never finished is not half believed.
    std::string cut = good.substr(0, good.rfind("end\n"));
    EXPECT_FALSE(parse_record(cut).ok());
    EXPECT_FALSE(parse_record(good.substr(0, good.size() - 1)).ok());  // no final newline
    EXPECT_FALSE(parse_record("").ok());
    EXPECT_FALSE(parse_record("vswitch-external 2\n").ok());
    std::string bad = good;
    bad.replace(bad.find("192.0.2.57/24"), 13, "192.0.2.57/33");
    auto r = parse_record(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, EBADMSG);
    EXPECT_EQ(r.error().message.rfind("line 8: bad addr line", 0), 0u) << r.error().message;
    bad = good;
    bad.replace(bad.find("gw=192.0.2.1 "), 13, "gw=fe80::1 ");
    EXPECT_FALSE(parse_record(bad).ok());                // an IPv6 gateway on an IPv4 route
    EXPECT_FALSE(parse_record(good + "addr x\n").ok());  // after end
    bad = good;
    bad.replace(bad.find("switch lan"), 10, "switch l/n");
    EXPECT_FALSE(parse_record(bad).ok());
}

TEST(ExternalRecord, TooManyRoutesIsE2big) {
    Record r = lan_record();
    r.nic.routes.assign(kMaxMovedRoutes + 1, r.nic.routes[0]);
    auto back = parse_record(format_record(r));
    ASSERT_FALSE(back.ok());
    EXPECT_EQ(back.error().code, E2BIG);
}

TEST(ExternalRecord, IpAddressesParseBothFamiliesOnly) {
    EXPECT_EQ(IpAddress::parse("192.0.2.1")->family, 2);
    EXPECT_EQ(IpAddress::parse("2001:db8::1")->to_string(), "2001:db8::1");
    EXPECT_TRUE(IpAddress::parse("fe80::1")->is_ipv6_link_local());
    EXPECT_FALSE(IpAddress::parse("192.0.2").ok());
    EXPECT_FALSE(IpAddress::parse("").ok());
    EXPECT_FALSE(IpAddress::parse("::ffff:1.2.3.4.5").ok());
}
