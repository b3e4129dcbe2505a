#include "libvswitch/subnet/state.h"

#include <gtest/gtest.h>

using namespace vswitch;
using namespace vswitch::subnet;

namespace {

SubnetState sample() {
    return SubnetState{"0f4c6e1a-9d2b-4c3e-8a7f-5b6d7e8f9a0b", "Default",
                       *Ipv4Prefix::parse("172.27.160.0/20")};
}

void expect_refused(std::string_view text, std::string_view fragment) {
    auto s = parse_subnet_state(text);
    ASSERT_FALSE(s.ok()) << text;
    EXPECT_EQ(s.error().code, EBADMSG) << s.error().message;
    EXPECT_NE(s.error().message.find(fragment), std::string::npos)
        << "'" << s.error().message << "' lacks '" << fragment << "'";
}

}  // namespace

TEST(SubnetState, RoundTrips) {
    auto text = format_subnet_state(sample());
    EXPECT_NE(text.find("subnet=172.27.160.0/20\n"), std::string::npos) << text;
    EXPECT_NE(text.find("boot-id=0f4c6e1a-9d2b-4c3e-8a7f-5b6d7e8f9a0b\n"), std::string::npos);
    auto back = parse_subnet_state(text);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(*back, sample());
}

TEST(SubnetState, ToleratesWhitespaceCommentsCrlfAndUnknownKeys) {
    auto s = parse_subnet_state(
        "# written by hand\r\n"
        "\n"
        "  boot-id = 0F4C6E1A9D2B4C3E8A7F5B6D7E8F9A0B  \r\n"
        "chosen-at=12345\n"
        "switch=Default\t\n"
        "subnet=172.27.160.0/20   ");
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(*s, sample());
}

TEST(SubnetState, RefusesMalformedValues) {
    expect_refused("boot-id=nope\nswitch=Default\nsubnet=172.27.160.0/20\n", "line 1");
    expect_refused("boot-id=0f4c6e1a-9d2b-4c3e-8a7f-5b6d7e8f9a0b\nswitch=Default\nsubnet=172.27.160.1/20\n",
                   "line 3: '172.27.160.1/20' has host bits set");
    expect_refused("boot-id=0f4c6e1a-9d2b-4c3e-8a7f-5b6d7e8f9a0b\nswitch=Default\nsubnet=172.27.160.0\n",
                   "line 3");
    expect_refused("boot-id=0f4c6e1a-9d2b-4c3e-8a7f-5b6d7e8f9a0b\nswitch=Default\nsubnet=10.0.0.0/31\n",
                   "longer than /30");
    expect_refused("boot-id=0f4c6e1a-9d2b-4c3e-8a7f-5b6d7e8f9a0b\nswitch=\nsubnet=10.0.0.0/20\n",
                   "line 2: empty switch name");
    expect_refused(std::string_view("boot-id=0f4c6e1a-9d2b-4c3e-8a7f-5b6d7e8f9a0b\nswitch=a\x01\nsubnet=10.0.0.0/20\n"),
                   "control character");
    expect_refused("boot-id=0f4c6e1a-9d2b-4c3e-8a7f-5b6d7e8f9a0b\ngarbage\n", "line 2: expected key=value");
    expect_refused("=x\n", "line 1: empty key");
}

TEST(SubnetState, RefusesMissingAndRepeatedKeys) {
    expect_refused("switch=Default\nsubnet=172.27.160.0/20\n", "no boot-id");
    expect_refused("boot-id=0f4c6e1a-9d2b-4c3e-8a7f-5b6d7e8f9a0b\nsubnet=172.27.160.0/20\n", "no switch");
    expect_refused("boot-id=0f4c6e1a-9d2b-4c3e-8a7f-5b6d7e8f9a0b\nswitch=Default\n", "no subnet");
    expect_refused("", "no boot-id");
    expect_refused("boot-id=0f4c6e1a-9d2b-4c3e-8a7f-5b6d7e8f9a0b\nswitch=Default\n"
                   "subnet=172.27.160.0/20\nsubnet=172.16.0.0/20\n",
                   "line 4: subnet given twice");
}

TEST(SubnetState, RefusesOversizedFile) {
    std::string text = format_subnet_state(sample());
    text += "# " + std::string(kMaxStateFileSize, 'x') + "\n";
    auto s = parse_subnet_state(text);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, E2BIG);
}
