#include "libvswitch/health/checks.h"

#include <gtest/gtest.h>

namespace vswitch::health {
namespace {

TEST(BrNetfilterCheck, ReportsCallIptablesOnWithTheFix) {
    auto p = br_netfilter_problem(std::string("1\n"), "vswitch0");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->kind, "br-netfilter");
    EXPECT_NE(p->message.find("'vswitch0'"), std::string::npos);
    EXPECT_NE(p->fix.find("sysctl -w net.bridge.bridge-nf-call-iptables=0"), std::string::npos);
    EXPECT_NE(p->fix.find("-i vswitch0 -o vswitch0 -j ACCEPT"), std::string::npos);
}

TEST(BrNetfilterCheck, SilentWhenOffOrModuleAbsent) {
    EXPECT_FALSE(br_netfilter_problem(std::string("0\n"), "vswitch0"));
    EXPECT_FALSE(br_netfilter_problem(std::nullopt, "vswitch0"));
}

TEST(ForwardingCheck, OnlyZeroIsOff) {
    EXPECT_TRUE(forwarding_off("0\n"));
    EXPECT_FALSE(forwarding_off("1\n"));
    EXPECT_FALSE(forwarding_off(""));
}

}  // namespace
}  // namespace vswitch::health
