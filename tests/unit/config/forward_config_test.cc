// [PortForward] sections in a switch's file.
#include <gtest/gtest.h>

#include "libvswitch/config/config.h"

using namespace vswitch;

namespace {

std::string error_of(std::string_view text) {
    auto c = parse_switch_file(text, "lab.switch");
    return c.ok() ? std::string("(parsed)") : c.error().message;
}

}  // namespace

TEST(ConfigPortForward, RepeatableSectionsWithEveryKey) {
    auto c = parse_switch_file(
        "[Switch]\nName=lab\n"
        "[PortForward]\nHostPort=8080\nTarget=web server\nTargetPort=80\n"
        "[PortForward]\nProtocol=udp\nHostAddress=192.0.2.10\nHostPort=5353-5354\nTarget=52:54:00:"
        "aa:bb:01\n"
        "AllowFrom=198.51.100.0/24 203.0.113.7\n",
        "lab.switch");
    ASSERT_TRUE(c.ok()) << c.error().message;
    ASSERT_EQ(c->forwards.size(), 2u);
    EXPECT_EQ(c->forwards[0].id(), "tcp/8080");
    EXPECT_EQ(c->forwards[0].target, "web server");
    EXPECT_EQ(c->forwards[0].target_port, 80);
    EXPECT_EQ(c->forwards[1].id(), "udp/192.0.2.10:5353-5354");
    EXPECT_EQ(c->forwards[1].target_port, 5353);
    EXPECT_EQ(c->forwards[1].allow_from.size(), 2u);
}

TEST(ConfigPortForward, ErrorsAtTheirLine) {
    EXPECT_EQ(error_of("[Switch]\nName=lab\n[PortForward]\nHostPort=0\nTarget=web\n"),
              "lab.switch:4: HostPort: port '0' is outside 1-65535");
    EXPECT_EQ(
        error_of("[Switch]\nName=lab\n[PortForward]\nHostPort=80\nProtocol=icmp\nTarget=web\n"),
        "lab.switch:5: unknown protocol 'icmp' (tcp, udp or both)");
    EXPECT_EQ(error_of("[Switch]\nName=lab\n[PortForward]\nHostPort=80\n"),
              "lab.switch:3: a [PortForward] needs Target=");
    EXPECT_EQ(error_of("[Switch]\nName=lab\n[PortForward]\nTarget=web\nPort=80\n").substr(0, 33),
              "lab.switch:5: unknown key 'Port' ");
    std::string twice = error_of(
        "[Switch]\nName=lab\n[PortForward]\nHostPort=80-90\nTarget=a\n"
        "[PortForward]\nHostPort=85\nTarget=b\n");
    EXPECT_EQ(twice.substr(0, 14), "lab.switch:6: ");
    EXPECT_NE(twice.find("forwarded already"), std::string::npos);
    EXPECT_NE(error_of("[Switch]\nName=lab\n[PortForward]\nHostPort=80\nTarget=a\nHostAddress=x\n")
                  .find("lab.switch:6"),
              std::string::npos);
}
