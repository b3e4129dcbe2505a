// vswitchctl qemu (issue 19): its command line and the QEMU arguments added.
#include <gtest/gtest.h>

#include "libvswitch/ctl/command_line.h"
#include "libvswitch/ctl/qemu_args.h"

using namespace vswitch::ctl;

TEST(CtlQemu, TakesEverythingAfterTheDashesAsQemusCommandLine) {
    auto c = parse_command_line({"qemu", "web", "--switch", "lab", "--mac", "52:54:00:12:34:56",
                                 "--", "qemu-system-x86_64", "-m", "256", "--", "-nographic"});
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->verb, "qemu");
    EXPECT_EQ(c->args, std::vector<std::string>{"web"});
    EXPECT_EQ(c->switch_name, "lab");
    EXPECT_EQ(c->mac, "52:54:00:12:34:56");
    EXPECT_EQ(c->exec_args,
              (std::vector<std::string>{"qemu-system-x86_64", "-m", "256", "--", "-nographic"}));
}

TEST(CtlQemu, RefusesAMissingQemuAndAttachOnlyOptions) {
    EXPECT_FALSE(parse_command_line({"qemu", "web"}).ok());
    EXPECT_FALSE(parse_command_line({"qemu", "web", "--"}).ok());
    EXPECT_FALSE(parse_command_line({"qemu", "--", "qemu-system-x86_64"}).ok());  // no VM
    auto c = parse_command_line({"qemu", "web", "--owner", "me", "--", "qemu-system-x86_64"});
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.error().message.find("--switch, --mac and --multi-queue"), std::string::npos);
    // "--" still ends the options of the other verbs as before.
    auto d = parse_command_line({"detach", "--", "vstap0"});
    ASSERT_TRUE(d.ok()) << d.error().message;
    EXPECT_EQ(d->args, std::vector<std::string>{"vstap0"});
    EXPECT_TRUE(d->exec_args.empty());
}

TEST(CtlQemu, AddsTheTapAndAVirtioNicWithTheMac) {
    auto argv = qemu_argv({"qemu-system-x86_64", "-m", "256"}, 7, "52:54:00:aa:bb:cc");
    EXPECT_EQ(argv,
              (std::vector<std::string>{"qemu-system-x86_64", "-m", "256", "-netdev",
                                        "tap,fd=7,id=vswitch0,vhost=off", "-device",
                                        "virtio-net-pci,netdev=vswitch0,mac=52:54:00:aa:bb:cc"}));
}
