#include "libvswitch/ctl/port_settings.h"

#include <gtest/gtest.h>

#include "libvswitch/ctl/command_line.h"

using namespace vswitch;
using namespace vswitch::ctl;

TEST(CtlPortSettings, ParsesEveryKeyAndBooleanSpelling) {
    auto s = parse_port_settings(
        {"DhcpGuard=no", "RouterGuard=off", "MacSpoofing=yes", "IpSpoofing=0", "Isolated=TRUE"});
    ASSERT_TRUE(s.ok()) << s.error().message;
    ASSERT_EQ(s->size(), 5u);
    EXPECT_EQ((*s)[0].property, "DhcpGuard");
    EXPECT_FALSE((*s)[0].value);
    EXPECT_FALSE((*s)[1].value);
    EXPECT_TRUE((*s)[2].value);
    EXPECT_FALSE((*s)[3].value);
    EXPECT_TRUE((*s)[4].value);
}

TEST(CtlPortSettings, RefusesUnknownKeysValuesAndShapes) {
    for (const char* a :
         {"Isolated", "isolated=yes", "Isolated=maybe", "MaximumBandwidth=fast", "=yes"}) {
        auto s = parse_port_settings({"DhcpGuard=no", a});
        ASSERT_FALSE(s.ok()) << a;
        EXPECT_EQ(s.error().code, EINVAL);
    }
    EXPECT_NE(parse_port_settings({"Isolated=maybe"}).error().message.find("'maybe'"),
              std::string::npos);
}

TEST(CtlPortSettings, MaximumBandwidthTakesARateAndNamesItsLimits) {
    auto s = parse_port_settings({"MaximumBandwidth=100M", "Isolated=yes"});
    ASSERT_TRUE(s.ok());
    EXPECT_EQ((*s)[0].property, "MaximumBandwidth");
    EXPECT_EQ((*s)[0].bits, 100'000'000u);
    EXPECT_FALSE((*s)[1].bits);
    EXPECT_EQ(*parse_port_settings({"MaximumBandwidth=0"})->at(0).bits, 0u);
    auto low = parse_port_settings({"MaximumBandwidth=1"});
    ASSERT_FALSE(low.ok());
    EXPECT_EQ(low.error().code, ERANGE);
    EXPECT_NE(low.error().message.find("between 64k and 100G"), std::string::npos);
    EXPECT_EQ(port_json({{"MaximumBandwidth", "100M"}}, {}), R"({"MaximumBandwidth":100000000})");
}

TEST(CtlPortSettings, SetAndShowVerbs) {
    auto set = parse_command_line({"set", "vstap0", "Isolated=yes", "DhcpGuard=no"});
    ASSERT_TRUE(set.ok()) << set.error().message;
    EXPECT_EQ(set->verb, "set");
    EXPECT_EQ(set->args.size(), 3u);
    EXPECT_FALSE(parse_command_line({"set", "vstap0"}).ok());
    auto show = parse_command_line({"--json", "show", "vstap0"});
    ASSERT_TRUE(show.ok());
    EXPECT_TRUE(show->json);
    EXPECT_FALSE(parse_command_line({"show"}).ok());
}

TEST(CtlPortSettings, ShowText) {
    PortProperties p = {{"Interface", "vstap0"}, {"DhcpGuard", "yes"}};
    EXPECT_EQ(port_text(p), "Interface: vstap0\nDhcpGuard: yes\n");
    EXPECT_EQ(port_json(p, {"DhcpGuard"}), R"({"Interface":"vstap0","DhcpGuard":true})");
}
