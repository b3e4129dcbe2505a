#include "libvswitch/base/ifname.h"

#include <gtest/gtest.h>

using namespace vswitch;

TEST(Ifname, KernelStyleNamesAreFine) {
    for (const char* n : {"vswitch0", "vnet12", "a", "tap-vm_1.2", "123456789012345", "br@x", "~"})
        EXPECT_EQ(ifname_fault(n), std::nullopt) << n;
}

TEST(Ifname, EachFaultIsNamed) {
    EXPECT_EQ(ifname_fault(""), "is empty");
    EXPECT_EQ(ifname_fault("1234567890123456"), "is longer than 15 bytes");
    EXPECT_EQ(ifname_fault(".."), "is not an interface name");
    EXPECT_EQ(ifname_fault("a/b"), "contains '/', which is not allowed in an interface name");
    EXPECT_EQ(ifname_fault("vs%d"), "contains '%', which is not allowed in an interface name");
    EXPECT_EQ(ifname_fault("a b"), "contains ' ', which is not allowed in an interface name");
    // Non-ASCII (here UTF-8 "ü"), control bytes and DEL: the kernel would
    // take them, the tools around it do not agree on how to show them.
    EXPECT_EQ(ifname_fault("tap-\xc3\xbc"),
              "contains the byte 0xc3, not printable ASCII; interface names here are printable ASCII");
    EXPECT_NE(ifname_fault("a\tb"), std::nullopt);
    EXPECT_NE(ifname_fault("a\x7f"), std::nullopt);
    EXPECT_NE(ifname_fault(std::string_view("a\0b", 3)), std::nullopt);
}
