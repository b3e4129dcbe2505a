#include "libvswitch/ctl/command_line.h"

#include <gtest/gtest.h>

using namespace vswitch;
using namespace vswitch::ctl;

TEST(VswitchctlCommandLine, AttachTakesAVmAndItsOptions) {
    auto c = parse_command_line({"attach", "web", "--mac", "52:54:00:01:02:03", "--owner", "qemu",
                                 "--name", "tap-web", "--mtu", "9000", "--multi-queue", "--switch",
                                 "lab", "--json"});
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->verb, "attach");
    ASSERT_EQ(c->args.size(), 1u);
    EXPECT_EQ(c->args[0], "web");
    EXPECT_EQ(c->mac, "52:54:00:01:02:03");
    EXPECT_EQ(c->owner, "qemu");
    EXPECT_EQ(c->ifname, "tap-web");
    EXPECT_EQ(c->mtu, 9000u);
    EXPECT_TRUE(c->multi_queue);
    EXPECT_EQ(c->switch_name, "lab");
    EXPECT_TRUE(c->json);
}

TEST(VswitchctlCommandLine, DefaultsToTheDefaultSwitch) {
    auto c = parse_command_line({"attach", "web"});
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->switch_name, "Default");
    EXPECT_EQ(c->mac, "");
    EXPECT_FALSE(c->owner.has_value());
}

TEST(VswitchctlCommandLine, UsageErrorsNameTheProblem) {
    struct Case {
        std::vector<std::string> args;
        const char* needle;
    } cases[] = {
        {{}, "no command"},
        {{"frobnicate"}, "'frobnicate'"},
        {{"attach"}, "takes 1"},
        {{"detach", "a", "b"}, "takes 1"},
        {{"list", "x"}, "takes 0"},
        {{"attach", "vm", "--mac"}, "--mac needs a value"},
        {{"attach", "vm", "--mtu", "big"}, "'big'"},
        {{"list", "--bogus"}, "'--bogus'"},
        {{"detach", "vstap0", "--mac", "52:54:00:01:02:03"}, "belong to 'attach'"},
    };
    for (const auto& c : cases) {
        auto r = parse_command_line(c.args);
        ASSERT_FALSE(r.ok()) << c.needle;
        EXPECT_EQ(r.error().code, EINVAL);
        EXPECT_NE(r.error().message.find(c.needle), std::string::npos) << r.error().message;
    }
}

TEST(VswitchctlCommandLine, HelpAndVersionNeedNoCommand) {
    EXPECT_EQ(parse_command_line({"--help"})->verb, "help");
    EXPECT_EQ(parse_command_line({"list", "-h"})->verb, "help");
    EXPECT_EQ(parse_command_line({"--version"})->verb, "version");
}

TEST(VswitchctlCommandLine, DoubleDashEndsOptions) {
    auto c = parse_command_line({"attach", "--", "-odd-vm-name"});
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->args[0], "-odd-vm-name");
}

TEST(VswitchctlCommandLine, StatsTakesAnOptionalSwitch) {
    auto c = parse_command_line({"--json", "stats", "lab"});
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->verb, "stats");
    EXPECT_TRUE(c->json);
    EXPECT_EQ(c->args, std::vector<std::string>{"lab"});
    EXPECT_FALSE(parse_command_line({"stats", "a", "b"}).ok());
}
