// AllowGroup= (issue 19): who besides root may open adapters on a switch.
#include <gtest/gtest.h>

#include <string>

#include "libvswitch/config/config.h"

using namespace vswitch;

namespace {

Result<SwitchConfig> main_with(const std::string& lines) {
    return parse_main_config("[Switch]\n" + lines, "/etc/vswitch/vswitchd.conf");
}

}  // namespace

TEST(ConfigAllowGroup, DefaultsToTheVswitchGroup) {
    auto c = main_with("");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->allow_group, "vswitch");
}

TEST(ConfigAllowGroup, TakesANameAGidOrNothing) {
    auto c = main_with("AllowGroup=kvm\n");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->allow_group, "kvm");
    c = main_with("AllowGroup=64123\n");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->allow_group, "64123");
    c = main_with("AllowGroup=\n");  // root only
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->allow_group, "");
    c = parse_switch_file("[Switch]\nName=lab\nAllowGroup=lab-users\n",
                          "/etc/vswitch/switches.d/lab.switch");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->allow_group, "lab-users");
}

TEST(ConfigAllowGroup, RefusesBadValuesWithTheirLine) {
    for (const char* bad :
         {"AllowGroup=-kvm", "AllowGroup=k vm", "AllowGroup=a/b", "AllowGroup=4294967295",
          "AllowGroup=99999999999", "AllowGroup=abcdefghijklmnopqrstuvwxyzabcdefg"}) {
        auto c = main_with(std::string(bad) + "\n");
        ASSERT_FALSE(c.ok()) << bad;
        EXPECT_NE(c.error().message.find("vswitchd.conf:2: AllowGroup="), std::string::npos)
            << c.error().message;
    }
}
