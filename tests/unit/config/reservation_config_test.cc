// [Reservation] sections (systemd-networkd's [DHCPServerStaticLease] shape).
#include <gtest/gtest.h>

#include "libvswitch/config/config.h"

using namespace vswitch;
using dhcp::Reservation;

namespace {

std::string error_of(std::string_view text, bool main = true) {
    auto c = main ? parse_main_config(text, "/etc/vswitch/vswitchd.conf")
                  : parse_switch_file(text, "lab.switch");
    return c.ok() ? std::string("(parsed)") : c.error().message;
}

}  // namespace

TEST(ConfigReservation, ByMacOrVmAsHostOffsets) {
    auto c = parse_main_config(
        "[Switch]\n"
        "[Reservation]\nMACAddress=52:54:00:AA:BB:01\nAddress=0.0.0.42\n"
        "[Reservation]\nVM=web server\nAddress=0.0.1.7\n"
        "[Reservation]\nMAC=52-54-00-aa-bb-02\nAddress=0.0.0.43\n",
        "vswitchd.conf");
    ASSERT_TRUE(c.ok()) << c.error().message;
    ASSERT_EQ(c->reservations.size(), 3u);
    EXPECT_EQ(c->reservations[0], (Reservation{Reservation::Kind::mac, "52:54:00:aa:bb:01", 42}));
    EXPECT_EQ(c->reservations[1], (Reservation{Reservation::Kind::vm, "web server", 263}));
    EXPECT_EQ(c->reservations[2], (Reservation{Reservation::Kind::mac, "52:54:00:aa:bb:02", 43}));
}

TEST(ConfigReservation, APinnedSubnetTakesWholeAddressesAndSectionsMayComeFirst) {
    auto c = parse_switch_file(
        "[Reservation]\nVM=db\nAddress=10.20.0.9\n"
        "[Switch]\nName=lab\nSubnet=10.20.0.0/24\n",
        "lab.switch");
    ASSERT_TRUE(c.ok()) << c.error().message;
    ASSERT_EQ(c->reservations.size(), 1u);
    EXPECT_EQ(c->reservations[0].host_offset, 9u);
}

TEST(ConfigReservation, MistakesNameTheLine) {
    // A whole address with a per-boot subnet: which block would it be?
    EXPECT_EQ(error_of("[Reservation]\nVM=a\nAddress=172.16.0.9\n"),
              "/etc/vswitch/vswitchd.conf:3: address '172.16.0.9' is not a host offset (such as "
              "0.0.0.42: "
              "the network part zero); the subnet is drawn per boot, so give the host offset, or "
              "pin Subnet=");
    EXPECT_NE(error_of("[Switch]\nSubnet=10.20.0.0/24\n[Reservation]\nVM=a\nAddress=10.21.0.9\n")
                  .find("vswitchd.conf:5: address '10.21.0.9' is neither in 10.20.0.0/24"),
              std::string::npos);
    EXPECT_NE(
        error_of("[Reservation]\nAddress=0.0.0.9\n").find(":1: a [Reservation] needs exactly one"),
        std::string::npos);
    EXPECT_NE(error_of("[Reservation]\nVM=a\nMACAddress=52:54:00:00:00:01\nAddress=0.0.0.9\n")
                  .find(":2: a [Reservation] needs exactly one"),
              std::string::npos);
    EXPECT_NE(error_of("[Reservation]\nVM=a\n").find(":1: a [Reservation] needs Address="),
              std::string::npos);
    EXPECT_NE(error_of("[Reservation]\nMACAddress=web\nAddress=0.0.0.9\n")
                  .find(":2: invalid MACAddress 'web'"),
              std::string::npos);
    EXPECT_NE(error_of("[Reservation]\nVM=a\nAddress=0.0.0.1\n")
                  .find(":3: address '0.0.0.1' is not a client"),
              std::string::npos);
    EXPECT_NE(error_of("[Reservation]\nVM=a\nHost=x\n")
                  .find(":3: unknown key 'Host' in section [Reservation]"),
              std::string::npos);
    EXPECT_NE(
        error_of("[Reservation]\nVM=a\nAddress=0.0.0.9\n[Reservation]\nVM=b\nAddress=0.0.0.9\n")
            .find(":4: host offset 9 is reserved for VM 'a' and for VM 'b'"),
        std::string::npos);
    EXPECT_NE(
        error_of("[Reservation]\nVM=a\nAddress=0.0.0.9\n[Reservation]\nVM=a\nAddress=0.0.0.10\n")
            .find(":4: VM 'a' is reserved twice"),
        std::string::npos);
    // A /24 is smaller: offset 300 does not fit.
    EXPECT_NE(error_of("[Switch]\nPrefixLength=24\n[Reservation]\nVM=a\nAddress=0.0.1.44\n")
                  .find(":5: address"),
              std::string::npos);
    // Still one [Switch] per file.
    EXPECT_NE(error_of("[Switch]\n[Reservation]\nVM=a\nAddress=0.0.0.9\n[Switch]\n")
                  .find("a second [Switch]"),
              std::string::npos);
}

TEST(ConfigReservation, BoundedByKMaxReservations) {
    std::string text;
    for (size_t i = 0; i <= dhcp::kMaxReservations; ++i)
        text += "[Reservation]\nVM=vm" + std::to_string(i) + "\nAddress=0.0." +
                std::to_string((i + 2) / 256) + "." + std::to_string((i + 2) % 256) + "\n";
    auto msg = error_of(text);
    EXPECT_NE(msg.find("too many [Reservation] sections (at most 1024 per switch)"),
              std::string::npos)
        << msg;
}
