// Reservations in the DHCP core: a fixed address by MAC, offered to its
// owner only, kept through a RELEASE, and carried by host offset.
#include <gtest/gtest.h>

#include "libvswitch/dhcp/reservation.h"
#include "libvswitch/dhcp/server_core.h"

using namespace vswitch;
using namespace vswitch::dhcp;
using namespace std::chrono_literals;

namespace {

const Clock::time_point t0{std::chrono::seconds(1'800'000'000)};
const Ipv4 kGateway(172, 27, 160, 1);
const Ipv4 kReserved(172, 27, 160, 42);

ServerCore make_server(const char* subnet = "172.27.160.0/20") {
    ServerConfig c;
    c.subnet = *Ipv4Prefix::parse(subnet);
    c.lease_time = 3600s;
    auto s = ServerCore::create(std::move(c));
    EXPECT_TRUE(s.ok()) << s.error().message;
    return std::move(s).value();
}

Mac mac(int n) {
    return Mac({0x52, 0x54, 0x00, 0x00, uint8_t(n >> 8), uint8_t(n)});
}

Message client(MessageType type, int n) {
    Message m;
    m.xid = uint32_t(n);
    m.set_mac(mac(n));
    m.options.set_message_type(type);
    return m;
}

Message discover(int n, std::optional<Ipv4> wanted = std::nullopt) {
    Message m = client(MessageType::discover, n);
    if (wanted) m.options.set_address(OptionCode::requested_address, *wanted);
    return m;
}

// SELECTING: answers our offer of `a`.
Message select(int n, Ipv4 a, Ipv4 server = kGateway) {
    Message m = client(MessageType::request, n);
    m.options.set_address(OptionCode::server_id, server);
    m.options.set_address(OptionCode::requested_address, a);
    return m;
}

Message init_reboot(int n, Ipv4 a) {
    Message m = client(MessageType::request, n);
    m.options.set_address(OptionCode::requested_address, a);
    return m;
}

Message renew(int n, Ipv4 a) {
    Message m = client(MessageType::request, n);
    m.ciaddr = a;
    return m;
}

Message release(int n, Ipv4 a) {
    Message m = client(MessageType::release, n);
    m.ciaddr = a;
    m.options.set_address(OptionCode::server_id, kGateway);
    return m;
}

// DISCOVER + REQUEST; the address ACKed (zero when none).
Ipv4 dora(ServerCore& s, int n, Clock::time_point now, std::optional<Ipv4> wanted = std::nullopt) {
    auto offer = s.handle(discover(n, wanted), now);
    if (offer.kind != DecisionKind::offer) return Ipv4();
    auto ack = s.handle(select(n, offer.reply.yiaddr, s.server_id()), now);
    return ack.kind == DecisionKind::ack ? ack.reply.yiaddr : Ipv4();
}

uint32_t lease_secs(const Decision& d) {
    return *d.reply.options.u32(OptionCode::lease_time);
}

}  // namespace

TEST(DhcpReservation, OwnerGetsItsAddressWhateverItAsksFor) {
    ServerCore s = make_server();
    ASSERT_TRUE(s.set_fixed_addresses({{mac(1), 42}}).ok());
    auto offer = s.handle(discover(1, Ipv4(172, 27, 160, 99)), t0);
    ASSERT_EQ(offer.kind, DecisionKind::offer);
    EXPECT_EQ(offer.reply.yiaddr, kReserved);
    EXPECT_EQ(s.handle(select(1, kReserved), t0).kind, DecisionKind::ack);
    EXPECT_EQ(s.leases().find_by_address(kReserved)->mac, mac(1));
}

TEST(DhcpReservation, NeverOfferedNorGivenToAnyoneElse) {
    ServerCore s = make_server("172.27.160.0/26");  // 61 client addresses
    ASSERT_TRUE(s.set_fixed_addresses({{mac(1), 42}}).ok());
    // Asking for it by name gets another address.
    auto offer = s.handle(discover(2, Ipv4(172, 27, 160, 42)), t0);
    ASSERT_EQ(offer.kind, DecisionKind::offer);
    EXPECT_NE(offer.reply.yiaddr, Ipv4(172, 27, 160, 42));
    EXPECT_EQ(s.handle(init_reboot(3, Ipv4(172, 27, 160, 42)), t0).kind, DecisionKind::nak);
    EXPECT_EQ(s.handle(select(4, Ipv4(172, 27, 160, 42)), t0).kind, DecisionKind::nak);
    // Every other address goes; the reserved one is left when the pool is dry.
    int served = 0;
    for (int n = 10; n < 80; ++n) {
        Ipv4 a = dora(s, n, t0);
        if (a.is_zero()) continue;
        ++served;
        EXPECT_NE(a, Ipv4(172, 27, 160, 42)) << n;
    }
    EXPECT_EQ(served, 61 - 1 - 1);  // less client 2's held offer and the reservation
    EXPECT_EQ(dora(s, 1, t0), Ipv4(172, 27, 160, 42));
}

TEST(DhcpReservation, ReleaseDoesNotFreeIt) {
    ServerCore s = make_server();
    ASSERT_TRUE(s.set_fixed_addresses({{mac(1), 42}}).ok());
    ASSERT_EQ(dora(s, 1, t0), kReserved);
    s.handle(release(1, kReserved), t0 + 1s);
    EXPECT_EQ(s.leases().find_by_address(kReserved), nullptr);
    auto offer = s.handle(discover(2, kReserved), t0 + 2s);
    ASSERT_EQ(offer.kind, DecisionKind::offer);
    EXPECT_NE(offer.reply.yiaddr, kReserved);
    EXPECT_EQ(s.handle(init_reboot(2, kReserved), t0 + 2s).kind, DecisionKind::nak);
    EXPECT_EQ(dora(s, 1, t0 + 3s), kReserved);
}

TEST(DhcpReservation, HolderKeepsItUntilItsLeaseEndsThenTheOwnerGetsIt) {
    ServerCore s = make_server();
    ASSERT_EQ(dora(s, 2, t0, kReserved), kReserved);  // before the reservation
    ASSERT_TRUE(s.set_fixed_addresses({{mac(1), 42}}).ok());
    // The owner is served elsewhere meanwhile, and the conflict told once.
    Ipv4 elsewhere = dora(s, 1, t0 + 10s);
    EXPECT_FALSE(elsewhere.is_zero());
    EXPECT_NE(elsewhere, kReserved);
    auto conflicts = s.take_reservation_conflicts();
    ASSERT_EQ(conflicts.size(), 1u);
    EXPECT_EQ(conflicts[0].owner, mac(1));
    EXPECT_EQ(conflicts[0].holder, mac(2));
    EXPECT_EQ(conflicts[0].address, kReserved);
    EXPECT_EQ(conflicts[0].holder_expiry, t0 + 3600s);
    s.handle(discover(1), t0 + 20s);
    EXPECT_TRUE(s.take_reservation_conflicts().empty());
    // The holder renews: granted, but not past its lease's end.
    auto ack = s.handle(renew(2, kReserved), t0 + 1800s);
    ASSERT_EQ(ack.kind, DecisionKind::ack);
    EXPECT_EQ(lease_secs(ack), 1800u);
    EXPECT_EQ(s.leases().find_by_address(kReserved)->expiry, t0 + 3600s);
    // Its lease ends: the owner's next start gets it.
    s.expire(t0 + 3600s);
    EXPECT_EQ(s.handle(renew(2, kReserved), t0 + 3601s).kind, DecisionKind::nak);
    EXPECT_EQ(s.handle(init_reboot(1, elsewhere), t0 + 3602s).kind,
              DecisionKind::nak);  // moved at a restart
    EXPECT_EQ(dora(s, 1, t0 + 3602s), kReserved);
    EXPECT_EQ(s.leases().find_by_mac(mac(1))->address, kReserved);
    EXPECT_EQ(s.leases().size(), 1u);  // its old lease went
}

TEST(DhcpReservation, OwnerKeepsAnOldLeaseUntilItStartsOver) {
    ServerCore s = make_server();
    Ipv4 old = dora(s, 1, t0);
    ASSERT_NE(old, kReserved);
    ASSERT_TRUE(s.set_fixed_addresses({{mac(1), 42}}).ok());
    // RENEWING: not in the middle of a lease.
    EXPECT_EQ(s.handle(renew(1, old), t0 + 10s).kind, DecisionKind::ack);
    // INIT-REBOOT (a reboot): NAKed, so that it asks anew and moves.
    EXPECT_EQ(s.handle(init_reboot(1, old), t0 + 20s).kind, DecisionKind::nak);
    EXPECT_EQ(dora(s, 1, t0 + 20s, old), kReserved);
}

TEST(DhcpReservation, CarriedByHostOffsetToANewSubnet) {
    ServerCore today = make_server();
    ASSERT_TRUE(today.set_fixed_addresses({{mac(1), 42}, {mac(2), 300}}).ok());
    // What DhcpServer::renumber does: a fresh core, the same offsets.
    ServerCore moved = make_server("172.30.16.0/20");
    ASSERT_TRUE(moved.set_fixed_addresses(today.fixed_addresses()).ok());
    EXPECT_EQ(moved.fixed_address_of(mac(1)), Ipv4(172, 30, 16, 42));
    EXPECT_EQ(moved.fixed_address_of(mac(2)), Ipv4(172, 30, 17, 44));
    EXPECT_EQ(dora(moved, 2, t0), Ipv4(172, 30, 17, 44));
    auto offer = moved.handle(discover(3, Ipv4(172, 30, 16, 42)), t0);
    EXPECT_NE(offer.reply.yiaddr, Ipv4(172, 30, 16, 42));
}

TEST(DhcpReservation, BadTablesAreRefusedWhole) {
    ServerCore s = make_server("172.27.160.0/24");
    ASSERT_TRUE(s.set_fixed_addresses({{mac(1), 42}}).ok());
    EXPECT_EQ(s.set_fixed_addresses({{mac(2), 255}}).error().code, EINVAL);  // the broadcast
    EXPECT_EQ(s.set_fixed_addresses({{mac(2), 1}}).error().code, EINVAL);    // the gateway
    EXPECT_EQ(s.set_fixed_addresses({{mac(2), 300}}).error().code, EINVAL);  // outside a /24
    EXPECT_EQ(s.set_fixed_addresses({{mac(2), 10}, {mac(2), 11}}).error().code, EEXIST);
    EXPECT_EQ(s.set_fixed_addresses({{mac(2), 10}, {mac(3), 10}}).error().code, EEXIST);
    std::vector<FixedAddress> many(kMaxReservations + 1, {mac(9), 10});
    EXPECT_EQ(s.set_fixed_addresses(many).error().code, E2BIG);
    EXPECT_EQ(s.fixed_address_of(mac(1)), Ipv4(172, 27, 160, 42));  // unchanged
    ASSERT_TRUE(s.set_fixed_addresses({}).ok());
    EXPECT_EQ(s.fixed_address_of(mac(1)), std::nullopt);
}
