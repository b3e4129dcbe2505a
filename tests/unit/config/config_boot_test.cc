// The network boot keys of a switch: BootServer=, BootFile=, IPXEBootFile=.
#include <gtest/gtest.h>

#include <string>

#include "libvswitch/config/config.h"

using namespace vswitch;

namespace {

const char* const kLab = "/etc/vswitch/switches.d/lab.switch";

Result<SwitchConfig> main_with(const std::string& lines) {
    return parse_main_config("[Switch]\n" + lines, "/etc/vswitch/vswitchd.conf");
}

}  // namespace

TEST(ConfigBoot, UnsetByDefault) {
    auto c = main_with("");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->boot_server, "");
    EXPECT_EQ(c->boot_file, "");
    EXPECT_EQ(c->ipxe_boot_file, "");
}

TEST(ConfigBoot, ParsesTheThreeKeysInASwitchFile) {
    auto c = parse_switch_file(
        "[Switch]\nName=lab\n"
        "BootServer=192.0.2.7\n"
        "BootFile=undionly.kpxe\n"
        "IPXEBootFile=http://boot.example.org/menu.ipxe?mac=${net0/mac}\n",
        kLab);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->boot_server, "192.0.2.7");
    EXPECT_EQ(c->boot_file, "undionly.kpxe");
    EXPECT_EQ(c->ipxe_boot_file, "http://boot.example.org/menu.ipxe?mac=${net0/mac}");
}

TEST(ConfigBoot, ServerMayBeAHostNameAndEmptyAssignmentsReset) {
    auto c = main_with(
        "BootServer=tftp.example.org\nBootFile=a\nIPXEBootFile=b\n"
        "BootFile=\nIPXEBootFile=\n");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->boot_server, "tftp.example.org");
    EXPECT_EQ(c->boot_file, "");
    EXPECT_EQ(c->ipxe_boot_file, "");
    c = main_with("BootServer=tftp.example.org\nBootServer=\n");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->boot_server, "");
}

TEST(ConfigBoot, LongFileIsAcceptedUpToOneOption) {
    // Over the file field's 127 bytes: option 67 only (vswitchd.conf(5) says so).
    std::string url = "http://203.0.113.10/" + std::string(235, 'a');
    ASSERT_EQ(url.size(), 255u);
    auto c = main_with("IPXEBootFile=" + url + "\n");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->ipxe_boot_file, url);
}

TEST(ConfigBoot, RefusesBadValuesWithTheirLineAndReason) {
    struct Case {
        std::string line;
        int code;
        std::vector<std::string_view> needles;
    };
    const Case cases[] = {
        {"BootFile=" + std::string(256, 'x'), E2BIG, {"invalid BootFile", "longer than 255"}},
        {"IPXEBootFile=http://a/\xc3\xbc", EINVAL, {"invalid IPXEBootFile", "printable ASCII"}},
        {"BootServer=1.2.3.256", EINVAL, {"invalid BootServer '1.2.3.256'", "not an IPv4 address"}},
        {"BootServer=127.0.0.1", EINVAL, {"'127.0.0.1'", "unicast"}},
        {"BootServer=boot_server", EINVAL, {"'boot_server'", "host name"}},
        {"BootServer=-bad.example", EINVAL, {"'-bad.example'", "'-'"}},
    };
    for (const auto& k : cases) {
        auto c = main_with("Domain=lab.internal\n" + k.line + "\n");
        ASSERT_FALSE(c.ok()) << k.line;
        EXPECT_EQ(c.error().code, k.code) << c.error().message;
        const std::string& m = c.error().message;
        EXPECT_EQ(m.substr(0, 30), "/etc/vswitch/vswitchd.conf:3: ") << m;
        for (auto n : k.needles) EXPECT_NE(m.find(n), std::string::npos) << m << "\n  lacks: " << n;
    }
    // A space ends the value at a following '#' comment only; inside a value it is refused.
    auto c = main_with("BootFile=a b\n");
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.error().message.find("without spaces"), std::string::npos) << c.error().message;
}
