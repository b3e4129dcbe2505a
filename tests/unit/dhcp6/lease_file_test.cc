#include "libvswitch/dhcp6/lease_file.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include "libvswitch/base/file.h"

using namespace vswitch;
using namespace vswitch::dhcp6;
using namespace std::chrono_literals;

namespace {

const Clock::time_point t0{std::chrono::seconds(1'800'000'000)};

std::vector<Lease> sample() {
    return {
        Lease{{0, 1, 0, 1, 0x32, 0xa9, 0xd2, 0xb2, 0x52, 0x54, 0, 0x12, 0x34, 0x56},
              0x123456,
              *Address::parse("fd12:3456:789a:1:8d3e:1f2a:9b4c:17"),
              "web1",
              t0 + 3600s},
        Lease{{0, 3, 0, 1, 0x52, 0x54, 0, 0xab, 0xcd, 0xef},
              0xffffffff,
              *Address::parse("fd12:3456:789a:1::2"),
              "",
              t0 + 60s},
    };
}

}  // namespace

TEST(Dhcp6LeaseFile, FormatIsOneLineABindingAfterTheHeader) {
    EXPECT_EQ(format_lease_file(sample()),
              "vswitch-leases6 1\n"
              "lease6 fd12:3456:789a:1:8d3e:1f2a:9b4c:17 00:01:00:01:32:a9:d2:b2:52:54:00:12:34:56 "
              "00123456 "
              "1800003600 web1\n"
              "lease6 fd12:3456:789a:1::2 00:03:00:01:52:54:00:ab:cd:ef ffffffff 1800000060 -\n");
}

TEST(Dhcp6LeaseFile, ParseOfFormatGivesBackTheBindings) {
    auto back = parse_lease_file(format_lease_file(sample()));
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->leases, sample());
    EXPECT_EQ(back->bad_lines, 0u);
}

TEST(Dhcp6LeaseFile, BadLinesAreSkippedAndTheFirstIsNamed) {
    std::string text =
        "vswitch-leases6 1\n"
        "lease6 fd12::zz 00:03:00:01:52:54:00:ab:cd:ef 00000001 1800000060 -\n"  // address
        "lease6 fd12::2 00:03:00:01 00000001 1800000060 -\n"                     // DUID too short
        "lease6 fd12::2 00:03:00:01:52:54:00:ab:cd:eg 00000001 1800000060 -\n"   // hex
        "lease6 fd12::2 00:03:00:01:52:54:00:ab:cd:ef 1 1800000060 -\n"          // IAID
        "lease6 fd12::2 00:03:00:01:52:54:00:ab:cd:ef 00000001 99999999999 -\n"  // expiry
        "lease6 fd12::2 00:03:00:01:52:54:00:ab:cd:ef 00000001 1800000060 Bad_\n"
        "lease6 ff02::2 00:03:00:01:52:54:00:ab:cd:ef 00000001 1800000060 -\n"  // multicast
        "lease6 fd12::2 00:03:00:01:52:54:00:ab:cd:ef 00000001 1800000060\n"    // missing field
        "lease6 fd12::2 00:03:00:01:52:54:00:ab:cd:ef 00000001 1800000060 ok\n"
        "lease6 fd12::2 00:03:00:01:52:54:00:ab:cd:01 00000001 1800000060 -\n"  // address twice
        "lease6 fd12::3 00:03:00:01:52:54:00:ab:cd:ef 00000001 1800000060 -\n"  // binding twice
        "\n";
    auto c = parse_lease_file(text);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->leases.size(), 1u);
    EXPECT_EQ(c->leases[0].hostname, "ok");
    EXPECT_EQ(c->bad_lines, 10u);
    EXPECT_EQ(c->first_error, "line 2: bad address 'fd12::zz'");
}

TEST(Dhcp6LeaseFile, AWrongHeaderTrustsNothing) {
    EXPECT_EQ(parse_lease_file("").error().code, EBADMSG);
    EXPECT_EQ(parse_lease_file("vswitch-leases 1\n").error().code, EBADMSG);
    EXPECT_EQ(parse_lease_file("vswitch-leases6 2\n").error().code, ENOTSUP);
}

TEST(Dhcp6LeaseFile, SaveThenLoad) {
    char dir[] = "/tmp/dhcp6-lease-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    std::string path = std::string(dir) + "/leases6";
    ASSERT_TRUE(save_lease_file(path, sample()).ok());
    auto back = load_lease_file(path);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->leases, sample());
    EXPECT_EQ(load_lease_file(std::string(dir) + "/none").error().code, ENOENT);
    unlink(path.c_str());
    rmdir(dir);
}
