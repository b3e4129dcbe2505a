#include "libvswitch/dhcp/reservation.h"

#include <gtest/gtest.h>

using namespace vswitch;
using namespace vswitch::dhcp;

namespace {

const Ipv4Prefix kToday = *Ipv4Prefix::parse("172.27.160.0/20");

Reservation mac_at(const char* mac, uint32_t offset) {
    return {Reservation::Kind::mac, mac, offset};
}
Reservation vm_at(const char* vm, uint32_t offset) {
    return {Reservation::Kind::vm, vm, offset};
}

}  // namespace

TEST(Reservation, KeyIsAMacWhenItParsesAsOneElseAVmName) {
    auto m = parse_reservation_key("52:54:00:AB:CD:EF");
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_EQ(m->kind, Reservation::Kind::mac);
    EXPECT_EQ(m->key, "52:54:00:ab:cd:ef");  // one spelling, so a second one is a duplicate
    auto v = parse_reservation_key("web server 1");
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->kind, Reservation::Kind::vm);
    EXPECT_EQ(v->key, "web server 1");
    EXPECT_EQ(parse_reservation_key("").error().code, EINVAL);
    EXPECT_EQ(parse_reservation_key("01:00:5e:00:00:01").error().code, EINVAL);  // multicast
    EXPECT_EQ(parse_reservation_key("bad\nname").error().code, EINVAL);
}

TEST(Reservation, AddressIsAnOffsetOrInsideTheSubnet) {
    EXPECT_EQ(*parse_host_offset("0.0.0.42", 20, std::nullopt), 42u);
    EXPECT_EQ(*parse_host_offset("0.0.5.10", 20, std::nullopt), 5u * 256 + 10);
    EXPECT_EQ(*parse_host_offset("172.27.160.42", 20, kToday), 42u);
    EXPECT_EQ(*parse_host_offset("172.27.175.254", 20, kToday), 4094u);
    // Outside today's subnet: no guessing which part was meant.
    auto other = parse_host_offset("172.28.0.42", 20, kToday);
    ASSERT_FALSE(other.ok());
    EXPECT_NE(other.error().message.find("0.0.0.42"), std::string::npos) << other.error().message;
    EXPECT_FALSE(parse_host_offset("172.27.160.42", 20, std::nullopt).ok());
    // The network, the gateway and the broadcast are nobody's.
    EXPECT_FALSE(parse_host_offset("0.0.0.0", 20, std::nullopt).ok());
    EXPECT_FALSE(parse_host_offset("0.0.0.1", 20, std::nullopt).ok());
    EXPECT_FALSE(parse_host_offset("0.0.15.255", 20, std::nullopt).ok());
    EXPECT_FALSE(parse_host_offset("172.27.160.1", 20, kToday).ok());
    EXPECT_FALSE(parse_host_offset("not an address", 20, kToday).ok());
    EXPECT_EQ(address_at(kToday, 42), Ipv4(172, 27, 160, 42));
}

TEST(Reservation, DuplicatesAndTheLimitAreRefused) {
    std::vector<Reservation> two{mac_at("52:54:00:00:00:01", 10), mac_at("52:54:00:00:00:01", 11)};
    EXPECT_EQ(check_reservations(two).error().code, EEXIST);
    two = {mac_at("52:54:00:00:00:01", 10), vm_at("web", 10)};
    auto st = check_reservations(two);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, EEXIST);
    EXPECT_NE(st.error().message.find("'web'"), std::string::npos) << st.error().message;
    // A VM and a MAC may share a spelling of nothing: different kinds.
    two = {mac_at("52:54:00:00:00:01", 10), vm_at("52:54:00:00:00:01", 11)};
    EXPECT_TRUE(check_reservations(two).ok());
    std::vector<Reservation> many;
    for (uint32_t i = 0; i <= kMaxReservations; ++i)
        many.push_back(vm_at(("vm" + std::to_string(i)).c_str(), i + 2));
    EXPECT_EQ(check_reservations(many).error().code, E2BIG);
    many.pop_back();
    EXPECT_TRUE(check_reservations(many).ok());
}

TEST(ReservationFile, RoundTripsMacsAndVmNamesWithSpaces) {
    std::vector<Reservation> all{mac_at("52:54:00:12:34:56", 42), vm_at("web server", 43),
                                 vm_at(" x ", 4094)};
    std::string text = format_reservation_file(all);
    EXPECT_EQ(text,
              "vswitch-reservations 1\nmac 52:54:00:12:34:56 42\nvm 43 web server\nvm 4094  x \n");
    auto back = parse_reservation_file(text);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(*back, all);
    auto empty = parse_reservation_file(format_reservation_file({}));
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(empty->empty());
}

TEST(ReservationFile, IsStrictAndNamesTheLine) {
    EXPECT_EQ(parse_reservation_file("").error().code, EBADMSG);
    EXPECT_EQ(parse_reservation_file("vswitch-leases 1\n").error().code, EBADMSG);
    EXPECT_EQ(parse_reservation_file("vswitch-reservations 2\n").error().code, ENOTSUP);
    for (const char* bad : {"mac 52:54:00:12:34:56\n", "mac nonsense 42\n",
                            "mac 52:54:00:12:34:56 1\n", "mac 52:54:00:12:34:56 42x\n", "vm 42\n",
                            "vm x name\n", "host 42 a\n", "mac 52:54:00:12:34:56 99999999999\n"}) {
        auto r = parse_reservation_file(std::string("vswitch-reservations 1\n") + bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code, EBADMSG) << bad;
        EXPECT_EQ(r.error().message.rfind("line 2: ", 0), 0u) << r.error().message;
    }
    auto dup = parse_reservation_file("vswitch-reservations 1\nvm 42 a\nvm 42 b\n");
    ASSERT_FALSE(dup.ok());
    EXPECT_NE(dup.error().message.find("line 3"), std::string::npos);
}
