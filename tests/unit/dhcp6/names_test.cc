#include "libvswitch/dhcp6/names.h"

#include <gtest/gtest.h>

#include "tests/unit/dhcp/test_util.h"

using namespace vswitch;
using namespace vswitch::dhcp6;
using vswitch::dhcp::test::hex;

TEST(Dhcp6Names, ParsesFullyQualifiedAndPartialNames) {
    auto full = parse_wire_name(hex("04 77656231 07 6578616d706c65 00"), false);
    ASSERT_TRUE(full.ok());
    EXPECT_EQ(full->name, "web1.example");
    EXPECT_TRUE(full->fully_qualified);
    EXPECT_EQ(full->size, 14u);
    auto partial = parse_wire_name(hex("04 77656231"), true);
    ASSERT_TRUE(partial.ok());
    EXPECT_EQ(partial->name, "web1");
    EXPECT_FALSE(partial->fully_qualified);
    EXPECT_FALSE(parse_wire_name(hex("04 77656231"), false).ok());
    auto root = parse_wire_name(hex("00"), false);
    ASSERT_TRUE(root.ok());
    EXPECT_EQ(root->name, "");
}

TEST(Dhcp6Names, RefusesWhatRfc1035AndRfc8415Forbid) {
    EXPECT_EQ(parse_wire_name(hex("c0 0c"), false).error().message,
              "compressed domain name (RFC 8415 §10 forbids it)");
    std::vector<uint8_t> long_label{64};
    long_label.insert(long_label.end(), 64, 'a');
    long_label.push_back(0);
    EXPECT_EQ(parse_wire_name(long_label, false).error().message, "label longer than 63 bytes");
    std::vector<uint8_t> long_name;
    for (int i = 0; i < 5; ++i) {
        long_name.push_back(63);
        long_name.insert(long_name.end(), 63, 'a');
    }
    long_name.push_back(0);
    EXPECT_EQ(parse_wire_name(long_name, false).error().message,
              "domain name longer than 255 bytes");
    EXPECT_FALSE(
        parse_wire_name(hex("03 6161"), true).ok());  // a label cut short is no partial name
    EXPECT_FALSE(parse_wire_name({}, true).ok());
    EXPECT_FALSE(parse_wire_name(hex("02 6120 00"), false).ok());  // a space
}

TEST(Dhcp6Names, AppendsWireForm) {
    std::vector<uint8_t> out;
    ASSERT_TRUE(append_wire_name(out, "a.bc").ok());
    EXPECT_EQ(out, hex("01 61 02 6263 00"));
    out.clear();
    ASSERT_TRUE(append_wire_name(out, "web1", true).ok());
    EXPECT_EQ(out, hex("04 77656231"));
    EXPECT_FALSE(append_wire_name(out, "a..b").ok());
    EXPECT_FALSE(append_wire_name(out, "a.").ok());
    EXPECT_FALSE(append_wire_name(out, std::string(64, 'a')).ok());
    EXPECT_TRUE(valid_domain("vswitch.internal"));
    EXPECT_FALSE(valid_domain(""));
    EXPECT_FALSE(valid_domain("a b"));
}

TEST(Dhcp6Names, HostLabelIsTheFirstValidLabelLowerCased) {
    EXPECT_EQ(host_label("Web-1.example.org"), "web-1");
    EXPECT_EQ(host_label("web1"), "web1");
    EXPECT_EQ(host_label("-web"), "");
    EXPECT_EQ(host_label("we_b"), "");
    EXPECT_EQ(host_label(""), "");
    EXPECT_EQ(host_label(std::string(64, 'a')), "");
}
