#include "libvswitch/base/net.h"

#include <gtest/gtest.h>

using namespace vswitch;

TEST(Ipv4, ParsesAndPrintsDottedQuad) {
    auto a = Ipv4::parse("172.27.160.1");
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->value(), 0xac1ba001u);
    EXPECT_EQ(a->to_string(), "172.27.160.1");
    EXPECT_EQ(Ipv4::from_network(a->to_network()), *a);
}

TEST(Ipv4, RejectsMalformed) {
    for (const char* s : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1..2.3", "a.b.c.d",
                          "1.2.3.4 ", "-1.2.3.4", "1.2.3.4/"}) {
        auto a = Ipv4::parse(s);
        EXPECT_FALSE(a.ok()) << s;
        if (!a.ok()) {
            EXPECT_NE(a.error().message.find("not an IPv4 address"), std::string::npos);
        }
    }
}

TEST(Ipv4Prefix, NetworkBroadcastContainsOverlaps) {
    auto p = Ipv4Prefix::parse("172.27.160.0/20");
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->network().to_string(), "172.27.160.0");
    EXPECT_EQ(p->broadcast().to_string(), "172.27.175.255");
    EXPECT_EQ(p->size(), 4096u);
    EXPECT_TRUE(p->contains(Ipv4(172, 27, 175, 254)));
    EXPECT_FALSE(p->contains(Ipv4(172, 27, 176, 0)));
    EXPECT_TRUE(p->overlaps(*Ipv4Prefix::parse("172.16.0.0/12")));
    EXPECT_TRUE(p->overlaps(*Ipv4Prefix::parse("172.27.161.0/24")));
    EXPECT_FALSE(p->overlaps(*Ipv4Prefix::parse("172.27.176.0/20")));
    EXPECT_TRUE(Ipv4Prefix::parse("0.0.0.0/0")->overlaps(*p));
}

TEST(Ipv4Prefix, HostBitsNeedPermission) {
    auto p = Ipv4Prefix::parse("172.27.160.1/20");
    ASSERT_FALSE(p.ok());
    EXPECT_NE(p.error().message.find("did you mean 172.27.160.0/20"), std::string::npos);
    auto q = Ipv4Prefix::parse("172.27.160.1/20", true);
    ASSERT_TRUE(q.ok());
    EXPECT_EQ(q->to_string(), "172.27.160.1/20");
    EXPECT_FALSE(Ipv4Prefix::parse("10.0.0.0/33").ok());
    EXPECT_FALSE(Ipv4Prefix::parse("10.0.0.0").ok());
}

TEST(Mac, ParsesBothSeparatorsPrintsLowerColon) {
    auto m = Mac::parse("52-54-00-AB-cd-01");
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->to_string(), "52:54:00:ab:cd:01");
    EXPECT_FALSE(m->is_multicast());
    EXPECT_FALSE(Mac::parse("52:54:00:ab:cd").ok());
    EXPECT_FALSE(Mac::parse("52:54:00:ab:cd:0g").ok());
    EXPECT_TRUE(Mac::parse("01:00:5e:00:00:01")->is_multicast());
}
