#include "libvswitch/ports/port_record.h"

#include <gtest/gtest.h>

#include <set>

#include "libvswitch/ports/limits.h"

using namespace vswitch;
using namespace vswitch::ports;

TEST(PortIfname, AcceptsKernelStyleNames) {
    for (const char* n : {"vstap0", "vnet12", "a", "tap-vm_1.2", "123456789012345"})
        EXPECT_TRUE(validate_ifname(n).ok()) << n;
}

TEST(PortIfname, RejectsTooLongSlashSpaceAndDots) {
    for (const char* n : {"", "1234567890123456", "a/b", "a b", "a:1", ".", "..", "tab\there", "tap-\xc3\xbc",
                          "vs%d", "del\x7f"}) {
        auto s = validate_ifname(n);
        ASSERT_FALSE(s.ok()) << n;
        EXPECT_EQ(s.error().code, EINVAL);
    }
    EXPECT_NE(validate_ifname("1234567890123456").error().message.find("'1234567890123456'"),
              std::string::npos);
}

TEST(PortVmName, RejectsEmptyUnlessAllowedAndControlCharacters) {
    EXPECT_FALSE(validate_vm_name("", false).ok());
    EXPECT_TRUE(validate_vm_name("", true).ok());
    EXPECT_TRUE(validate_vm_name("debian 12 (test)", false).ok());
    EXPECT_FALSE(validate_vm_name("a\nb", false).ok());
    EXPECT_FALSE(validate_vm_name(std::string(kMaxVmNameLength + 1, 'x'), false).ok());
    EXPECT_TRUE(validate_vm_name(std::string(kMaxVmNameLength, 'x'), false).ok());
}

TEST(PortMac, RejectsMulticastZeroAndGarbageNamingTheValue) {
    EXPECT_TRUE(parse_port_mac("52:54:00:aa:bb:cc").ok());
    auto m = parse_port_mac("01:00:5e:00:00:01");
    ASSERT_FALSE(m.ok());
    EXPECT_NE(m.error().message.find("multicast"), std::string::npos);
    EXPECT_FALSE(parse_port_mac("00:00:00:00:00:00").ok());
    auto g = parse_port_mac("zz");
    ASSERT_FALSE(g.ok());
    EXPECT_NE(g.error().message.find("'zz'"), std::string::npos);
}

TEST(PortMtu, BoundsAreInclusive) {
    EXPECT_FALSE(validate_mtu(kMinMtu - 1).ok());
    EXPECT_TRUE(validate_mtu(kMinMtu).ok());
    EXPECT_TRUE(validate_mtu(kMaxMtu).ok());
    EXPECT_FALSE(validate_mtu(kMaxMtu + 1).ok());
}

TEST(StableMac, SameVmAndIndexGiveSameQemuStyleMac) {
    Mac a = stable_mac("web1", 0);
    EXPECT_EQ(a, stable_mac("web1", 0));
    EXPECT_EQ(a.bytes()[0], 0x52);
    EXPECT_EQ(a.bytes()[1], 0x54);
    EXPECT_EQ(a.bytes()[2], 0x00);
    EXPECT_NE(a, stable_mac("web1", 1));
    EXPECT_NE(a, stable_mac("web2", 0));
    EXPECT_FALSE(a.is_multicast());
}

TEST(StableMac, IsTheSameAsInEarlierReleases) {
    // A VM that keeps its MAC keeps its DHCP lease: these must never move.
    EXPECT_EQ(stable_mac("web", 0).to_string(), "52:54:00:0f:0e:c2");
    EXPECT_EQ(stable_mac("web", 1).to_string(), "52:54:00:a8:53:1e");
}

TEST(StableMac, SpreadsOverManyNames) {
    std::set<Mac> seen;
    for (int i = 0; i < 1000; ++i) seen.insert(stable_mac("vm" + std::to_string(i), 0));
    EXPECT_GE(seen.size(), 995u);  // 24 bits: a collision or two is possible, not more
}

TEST(HostSideMac, DiffersFromTheVmsInTheFirstByteOnly) {
    Mac vm = *Mac::parse("52:54:00:01:02:03");
    EXPECT_EQ(host_side_mac(vm).to_string(), "fe:54:00:01:02:03");
}

TEST(PortsFile, RoundTripsEveryField) {
    PortRecord a{"vstap0", "Default", "web 1", *Mac::parse("52:54:00:01:02:03"), true, false, true,
                 1000, 36, 9000};
    PortRecord b{"vnet3", "lab", "", *Mac::parse("52:54:00:0a:0b:0c"), false, true, false,
                 std::nullopt, std::nullopt, 0};
    auto text = format_ports_file({a, b});
    auto back = parse_ports_file(text);
    ASSERT_TRUE(back.ok()) << back.error().message;
    ASSERT_EQ(back->size(), 2u);
    EXPECT_EQ((*back)[0], a);
    EXPECT_EQ((*back)[1], b);
}

TEST(PortsFile, EmptyListHasOnlyTheHeader) {
    auto back = parse_ports_file(format_ports_file({}));
    ASSERT_TRUE(back.ok());
    EXPECT_TRUE(back->empty());
}

TEST(PortsFile, RejectsMalformedLinesNamingTheLine) {
    const std::string h = "# vswitch ports v1\n";
    for (const std::string& body :
         {std::string("vstap0\tDefault\tvm\t52:54:00:01:02:03\t-\t-\t-\n"),          // 7 fields
          std::string("vstap0\tDefault\tvm\tnot-a-mac\t-\t-\t-\t0\n"),
          std::string("a/b\tDefault\tvm\t52:54:00:01:02:03\t-\t-\t-\t0\n"),
          std::string("vstap0\tDefault\tvm\t52:54:00:01:02:03\tbogus\t-\t-\t0\n"),
          std::string("vstap0\tDefault\tvm\t52:54:00:01:02:03\t-\t-1\t-\t0\n"),
          std::string("vstap0\tDefault\tvm\t52:54:00:01:02:03\t-\t-\t-\t70000\n"),
          std::string("vstap0\t\tvm\t52:54:00:01:02:03\t-\t-\t-\t0\n")}) {
        auto r = parse_ports_file(h + body);
        ASSERT_FALSE(r.ok()) << body;
        EXPECT_NE(r.error().message.find("line 2"), std::string::npos) << r.error().message;
    }
    EXPECT_FALSE(parse_ports_file("").ok());
    EXPECT_FALSE(parse_ports_file("# other v9\n").ok());
}

TEST(PortsFile, RejectsDuplicateInterface) {
    std::string line = "vstap0\tDefault\tvm\t52:54:00:01:02:03\t-\t-\t-\t0\n";
    auto r = parse_ports_file("# vswitch ports v1\n" + line + line);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("twice"), std::string::npos);
}

TEST(PortsFile, RefusesMoreThanTheLimit) {
    std::string text = "# vswitch ports v1\n";
    for (size_t i = 0; i <= kMaxPorts; ++i)
        text += "p" + std::to_string(i) + "\tDefault\tvm\t52:54:00:01:02:03\t-\t-\t-\t0\n";
    auto r = parse_ports_file(text);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, E2BIG);
}
