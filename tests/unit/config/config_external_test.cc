// Type=external, Interface=, ShareWithHost= (config_external.cc).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "libvswitch/base/file.h"
#include "libvswitch/config/config.h"

using namespace vswitch;

namespace {

const char* const kLan = "/etc/vswitch/switches.d/lan.switch";

std::string error_of(std::string_view text) {
    auto r = parse_switch_file(text, kLan);
    return r ? std::string() : r.error().message;
}

}  // namespace

TEST(ConfigExternal, NamesTheNicAndSharesByDefault) {
    auto c = parse_switch_file("[Switch]\nName=lan\nType=external\nInterface=enp3s0\n", kLan);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->type, SwitchType::external);
    EXPECT_EQ(c->interface, "enp3s0");
    EXPECT_FALSE(c->interface_mac);
    EXPECT_TRUE(c->share_with_host);
    EXPECT_EQ(c->bridge, "vs-lan");
}

TEST(ConfigExternal, TakesTheNicByMacAndDedicatedMode) {
    auto c = parse_switch_file(
        "[Switch]\nName=lan\nType=external\nInterface=52:54:00:AB:cd:01\nShareWithHost=no\n", kLan);
    ASSERT_TRUE(c.ok()) << c.error().message;
    ASSERT_TRUE(c->interface_mac);
    EXPECT_EQ(c->interface_mac->to_string(), "52:54:00:ab:cd:01");
    EXPECT_TRUE(c->interface.empty());
    EXPECT_FALSE(c->share_with_host);
}

TEST(ConfigExternal, RefusesWhatCannotWorkAtItsLine) {
    struct Case {
        const char* text;
        const char* head;
        const char* needle;
    };
    const Case cases[] = {
        {"[Switch]\nName=lan\nType=external\n", ":1: ", "needs Interface="},
        {"[Switch]\nName=lan\nInterface=eth0\n", ":3: ", "only for Type=external"},
        {"[Switch]\nName=lan\nShareWithHost=no\n", ":3: ", "only for Type=external"},
        {"[Switch]\nName=lan\nType=external\nInterface=vs-lan\n", ":4: ", "own bridge"},
        {"[Switch]\nName=lan\nType=external\nInterface=a/b\n", ":4: ", "Interface 'a/b'"},
        {"[Switch]\nName=lan\nType=external\nInterface=ff:ff:ff:ff:ff:ff\n",
         ":4: ", "not the unicast MAC"},
        {"[Switch]\nName=lan\nType=external\nInterface=52:54:00:zz:00:01\n",
         ":4: ", "invalid Interface"},
        {"[Switch]\nName=lan\nType=external\nInterface=eth0\nShareWithHost=maybe\n",
         ":5: ", "not a boolean"},
        {"[Switch]\nName=lan\nType=external\nInterface=eth0\nSubnet=10.1.0.0/24\n",
         ":5: ", "LAN's own DHCP"},
        {"[Switch]\nName=lan\nType=external\nInterface=eth0\nBootFile=pxelinux.0\n",
         ":1: ", "no DHCP server"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        std::string m = error_of(c.text);
        ASSERT_FALSE(m.empty());
        EXPECT_EQ(m.rfind(std::string(kLan) + c.head, 0), 0u) << m;
        EXPECT_NE(m.find(c.needle), std::string::npos) << m;
    }
}

TEST(ConfigExternal, OneNicBelongsToOneSwitchAndTheErrorNamesTheOther) {
    char tmpl[] = "/tmp/vswitch-ext-test-XXXXXX";
    ASSERT_TRUE(::mkdtemp(tmpl));
    std::string dir = tmpl;
    std::filesystem::create_directories(dir + "/switches.d");
    ASSERT_TRUE(write_file_atomic(dir + "/switches.d/a.switch",
                                  "[Switch]\nName=a\nType=external\nInterface=eth0\n"));
    ASSERT_TRUE(
        write_file_atomic(dir + "/switches.d/b.switch",
                          "[Switch]\nName=b\nType=external\nShareWithHost=no\nInterface=eth0\n"));
    auto c = load_config(dir + "/none.conf", dir + "/switches.d");
    ASSERT_FALSE(c.ok());
    const std::string& m = c.error().message;
    EXPECT_EQ(m.rfind(dir + "/switches.d/b.switch:5: ", 0), 0u) << m;
    EXPECT_NE(m.find("already belongs to switch 'a' (" + dir + "/switches.d/a.switch:4)"),
              std::string::npos)
        << m;
    // Another switch's bridge is no NIC either.
    ASSERT_TRUE(write_file_atomic(dir + "/switches.d/b.switch",
                                  "[Switch]\nName=b\nType=external\nInterface=vswitch0\n"));
    c = load_config(dir + "/none.conf", dir + "/switches.d");
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.error().message.find("is the bridge of switch 'Default'"), std::string::npos)
        << c.error().message;
    std::filesystem::remove_all(dir);
}
