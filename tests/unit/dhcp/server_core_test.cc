#include "libvswitch/dhcp/server_core.h"

#include <gtest/gtest.h>

#include <set>

#include "tests/unit/dhcp/test_util.h"

using namespace vswitch;
using namespace vswitch::dhcp;
using namespace std::chrono_literals;

namespace {

const Clock::time_point t0{std::chrono::seconds(1'800'000'000)};
const Ipv4 kGateway(172, 27, 160, 1);

ServerConfig config(const char* subnet = "172.27.160.0/20") {
    ServerConfig c;
    c.subnet = *Ipv4Prefix::parse(subnet);
    c.domain = "vswitch.internal";
    c.lease_time = 3600s;
    return c;
}

ServerCore make_server(ServerConfig c = config()) {
    auto s = ServerCore::create(std::move(c));
    EXPECT_TRUE(s.ok()) << s.error().message;
    return std::move(s).value();
}

Mac mac(int n) { return Mac({0x52, 0x54, 0x00, 0x00, uint8_t(n >> 8), uint8_t(n)}); }

// A client's message, as a client would build it.
Message client(MessageType type, int n, uint32_t xid = 42) {
    Message m;
    m.xid = xid;
    m.set_mac(mac(n));
    m.options.set_message_type(type);
    return m;
}

struct Event {
    LeaseEvent event;
    Lease lease;
};

class Recorder : public LeaseListener {
public:
    void on_lease_changed(LeaseEvent event, const Lease& lease) override {
        events.push_back({event, lease});
    }
    std::vector<Event> events;
};

std::vector<uint8_t> codes_of(const Message& m) {
    std::vector<uint8_t> out;
    for (const auto& o : m.options.items()) out.push_back(uint8_t(o.code));
    return out;
}

}  // namespace

TEST(DhcpServer, RefusesConfigsThatCannotWork) {
    auto c = config();
    c.gateway = Ipv4(10, 0, 0, 1);
    EXPECT_FALSE(ServerCore::create(c).ok());
    c = config();
    c.lease_time = 1s;
    EXPECT_FALSE(ServerCore::create(c).ok());
    c = config();
    c.domain = "bad..domain";
    EXPECT_FALSE(ServerCore::create(c).ok());
    c = config("172.27.160.0/31");
    EXPECT_FALSE(ServerCore::create(c).ok());
    auto ok = ServerCore::create(config());
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok->server_id(), kGateway);
}

TEST(DhcpServer, DoraRenewRebindReleaseAndExpiry) {
    ServerCore s = make_server();
    Recorder rec;
    s.set_listener(&rec);

    // DISCOVER -> OFFER, through the wire format both ways.
    Message discover = client(MessageType::discover, 1, 0x1001);
    discover.options.set_text(OptionCode::host_name, "web1");
    auto offer = s.handle_packet(discover.build(), t0);
    ASSERT_EQ(offer.kind, DecisionKind::offer);
    auto offered = Message::parse(offer.build());
    ASSERT_TRUE(offered.ok());
    EXPECT_EQ(offered->op, Op::reply);
    EXPECT_EQ(offered->xid, 0x1001u);
    EXPECT_EQ(offered->type(), MessageType::offer);
    Ipv4 address = offered->yiaddr;
    EXPECT_TRUE(s.pool().in_range(address));
    EXPECT_EQ(offered->options.address(OptionCode::server_id), kGateway);
    EXPECT_EQ(offered->options.u32(OptionCode::lease_time), 3600u);
    EXPECT_EQ(offered->options.u32(OptionCode::renewal_time), 1800u);
    EXPECT_EQ(offered->options.u32(OptionCode::rebinding_time), 3150u);
    EXPECT_EQ(offered->options.address(OptionCode::subnet_mask), Ipv4(255, 255, 240, 0));
    EXPECT_EQ(offered->options.addresses(OptionCode::router), std::vector<Ipv4>{kGateway});
    EXPECT_EQ(offered->options.addresses(OptionCode::dns_server), std::vector<Ipv4>{kGateway});
    EXPECT_EQ(offered->options.text(OptionCode::domain_name), "vswitch.internal");
    EXPECT_EQ(offered->options.domain_search(), std::vector<std::string>{"vswitch.internal"});
    EXPECT_EQ(offered->options.text(OptionCode::host_name), "web1");
    EXPECT_FALSE(offered->options.has(OptionCode::mtu));  // 1500 is the default
    EXPECT_EQ(offer.destination.kind, Destination::Kind::link_layer);
    EXPECT_EQ(offer.destination.mac, mac(1));
    EXPECT_EQ(offer.destination.address, address);
    EXPECT_TRUE(rec.events.empty());  // an offer is not a lease

    // REQUEST (selecting) -> ACK.
    Message request = client(MessageType::request, 1, 0x1002);
    request.options.set_address(OptionCode::server_id, kGateway);
    request.options.set_address(OptionCode::requested_address, address);
    request.options.set_text(OptionCode::host_name, "web1");
    auto ack = s.handle(request, t0 + 1s);
    ASSERT_EQ(ack.kind, DecisionKind::ack);
    EXPECT_EQ(ack.reply.yiaddr, address);
    EXPECT_EQ(ack.reply.type(), MessageType::ack);
    ASSERT_EQ(rec.events.size(), 1u);
    EXPECT_EQ(rec.events[0].event, LeaseEvent::added);
    EXPECT_EQ(rec.events[0].lease.address, address);
    EXPECT_EQ(rec.events[0].lease.mac, mac(1));
    EXPECT_EQ(rec.events[0].lease.hostname, "web1");
    EXPECT_EQ(rec.events[0].lease.expiry, t0 + 1s + 3600s);
    EXPECT_EQ(s.next_expiry(), t0 + 1s + 3600s);
    EXPECT_EQ(s.pool().pending_offers(), 0u);

    // RENEWING at T1: unicast, ciaddr set, no server id, no option 50.
    Message renew = client(MessageType::request, 1, 0x1003);
    renew.ciaddr = address;
    auto renewed = s.handle(renew, t0 + 1800s);
    ASSERT_EQ(renewed.kind, DecisionKind::ack);
    EXPECT_EQ(renewed.reply.ciaddr, address);
    EXPECT_EQ(renewed.reply.yiaddr, address);
    EXPECT_EQ(renewed.destination.kind, Destination::Kind::unicast);
    EXPECT_EQ(renewed.destination.address, address);
    ASSERT_EQ(rec.events.size(), 2u);
    EXPECT_EQ(rec.events[1].event, LeaseEvent::renewed);
    EXPECT_EQ(s.next_expiry(), t0 + 1800s + 3600s);

    // REBINDING at T2: the same, broadcast.
    Message rebind = renew;
    rebind.set_broadcast(true);
    auto rebound = s.handle(rebind, t0 + 1800s + 3150s);
    ASSERT_EQ(rebound.kind, DecisionKind::ack);
    EXPECT_EQ(rebound.destination.kind, Destination::Kind::unicast);  // ciaddr wins (§4.1)
    EXPECT_EQ(rec.events.back().event, LeaseEvent::renewed);

    // RELEASE frees it: no reply.
    Message release = client(MessageType::release, 1);
    release.ciaddr = address;
    release.options.set_address(OptionCode::server_id, kGateway);
    EXPECT_EQ(s.handle(release, t0 + 6000s).kind, DecisionKind::ignore);
    EXPECT_EQ(rec.events.back().event, LeaseEvent::released);
    EXPECT_TRUE(s.leases().empty());
    EXPECT_EQ(s.next_expiry(), std::nullopt);
    EXPECT_EQ(s.counters().releases, 1u);

    // The same client comes back: same address. Then it just goes away.
    auto again = s.handle(client(MessageType::discover, 1), t0 + 7000s);
    ASSERT_EQ(again.kind, DecisionKind::offer);
    EXPECT_EQ(again.reply.yiaddr, address);
    request.xid = 0x1004;
    ASSERT_EQ(s.handle(request, t0 + 7001s).kind, DecisionKind::ack);
    EXPECT_TRUE(s.expire(t0 + 7001s + 3599s).empty());
    auto expired = s.expire(t0 + 7001s + 3600s);
    ASSERT_EQ(expired.size(), 1u);
    EXPECT_EQ(expired[0].address, address);
    EXPECT_EQ(rec.events.back().event, LeaseEvent::expired);
    EXPECT_TRUE(s.leases().empty());
    EXPECT_EQ(s.counters().offers, 2u);
    EXPECT_EQ(s.counters().acks, 4u);
}

TEST(DhcpServer, NaksInitRebootFromYesterdaysSubnet) {
    // dhclient rebooting with its lease of 172.20.0.57 from yesterday.
    ServerCore s = make_server();
    auto bytes = test::load_hex("dhcp/dhclient-init-reboot.hex");
    auto req = Message::parse(bytes);
    ASSERT_TRUE(req.ok());
    ASSERT_EQ(req->options.address(OptionCode::requested_address), Ipv4(172, 20, 0, 57));
    ASSERT_FALSE(req->options.has(OptionCode::server_id));
    auto d = s.handle_packet(bytes, t0);
    ASSERT_EQ(d.kind, DecisionKind::nak);
    EXPECT_EQ(d.reply.type(), MessageType::nak);
    EXPECT_TRUE(d.reply.yiaddr.is_zero());
    EXPECT_EQ(d.reply.xid, req->xid);
    EXPECT_EQ(d.reply.options.address(OptionCode::server_id), kGateway);
    EXPECT_FALSE(d.reply.options.has(OptionCode::lease_time));
    EXPECT_EQ(d.destination.kind, Destination::Kind::broadcast);  // §4.1: NAKs are broadcast
    EXPECT_EQ(d.destination.address, Ipv4(255, 255, 255, 255));
    EXPECT_TRUE(s.leases().empty());
    EXPECT_EQ(s.counters().naks, 1u);
    // Its DISCOVER right after gets an offer in today's subnet.
    auto offer = s.handle(client(MessageType::discover, 7), t0 + 1s);
    ASSERT_EQ(offer.kind, DecisionKind::offer);
    EXPECT_TRUE(config().subnet.contains(offer.reply.yiaddr));
}

TEST(DhcpServer, NaksRebindingFromYesterdaysSubnetAndOffersToday) {
    ServerCore s = make_server();
    Message rebind = client(MessageType::request, 3);
    rebind.ciaddr = Ipv4(172, 20, 0, 57);
    rebind.set_broadcast(true);
    auto d = s.handle(rebind, t0);
    ASSERT_EQ(d.kind, DecisionKind::nak);
    EXPECT_EQ(d.destination.kind, Destination::Kind::broadcast);
    EXPECT_EQ(d.reply.options.text(OptionCode::message), "requested address is not on this network");
    Message discover = client(MessageType::discover, 3);
    discover.options.set_address(OptionCode::requested_address, Ipv4(172, 20, 0, 57));
    auto offer = s.handle(discover, t0);
    ASSERT_EQ(offer.kind, DecisionKind::offer);
    EXPECT_TRUE(s.pool().in_range(offer.reply.yiaddr));
}

TEST(DhcpServer, InitRebootWithAFreeAddressIsAckedAndATakenOneNaked) {
    ServerCore s = make_server();
    Message reboot = client(MessageType::request, 1);
    reboot.options.set_address(OptionCode::requested_address, Ipv4(172, 27, 161, 9));
    auto d = s.handle(reboot, t0);  // our lease file was lost: authoritative ACK
    ASSERT_EQ(d.kind, DecisionKind::ack);
    EXPECT_EQ(d.reply.yiaddr, Ipv4(172, 27, 161, 9));
    Message thief = client(MessageType::request, 2);
    thief.options.set_address(OptionCode::requested_address, Ipv4(172, 27, 161, 9));
    EXPECT_EQ(s.handle(thief, t0).kind, DecisionKind::nak);
    thief.options.set_address(OptionCode::requested_address, kGateway);
    EXPECT_EQ(s.handle(thief, t0).kind, DecisionKind::nak);
}

// The bridge's neighbour table still holds an address for a MAC whose
// client released its lease (a guest shutting down) before the daemon
// restarted: nobody else gets it, that client does.
TEST(DhcpServer, ANeighboursAddressIsKeptForItsOwnMacOnly) {
    ServerCore s = make_server();
    // Where client 1 lands when nothing is in its way.
    const Ipv4 home = s.handle(client(MessageType::discover, 1), t0).reply.yiaddr;
    ServerCore fresh = make_server();
    ASSERT_TRUE(fresh.reserve_for_neighbour(home, mac(1)).ok());
    EXPECT_EQ(fresh.neighbour_reservations(), 1u);
    Message thief = client(MessageType::request, 2);
    thief.options.set_address(OptionCode::requested_address, home);
    EXPECT_EQ(fresh.handle(thief, t0).kind, DecisionKind::nak);
    Message discover = client(MessageType::discover, 2);
    discover.options.set_address(OptionCode::requested_address, home);
    EXPECT_NE(fresh.handle(discover, t0).reply.yiaddr, home);
    // The owner's DISCOVER lifts it, and the owner lands at home again.
    auto offer = fresh.handle(client(MessageType::discover, 1), t0);
    ASSERT_EQ(offer.kind, DecisionKind::offer);
    EXPECT_EQ(offer.reply.yiaddr, home);
    EXPECT_EQ(fresh.neighbour_reservations(), 0u);
    EXPECT_FALSE(fresh.pool().reserved(home));
    // A port's reservation (reserve()) is not a neighbour's: no MAC lifts it.
    ServerCore ports = make_server();
    ASSERT_TRUE(ports.reserve(home).ok());
    ASSERT_TRUE(ports.reserve_for_neighbour(home, mac(1)).ok());
    EXPECT_EQ(ports.neighbour_reservations(), 0u);
    EXPECT_NE(ports.handle(client(MessageType::discover, 1), t0).reply.yiaddr, home);
}

TEST(DhcpServer, TwoClientsGetDistinctAddresses) {
    ServerCore s = make_server();
    std::set<Ipv4> seen;
    for (int n = 1; n <= 2; ++n) {
        auto offer = s.handle(client(MessageType::discover, n), t0);
        ASSERT_EQ(offer.kind, DecisionKind::offer);
        Message req = client(MessageType::request, n);
        req.options.set_address(OptionCode::server_id, kGateway);
        req.options.set_address(OptionCode::requested_address, offer.reply.yiaddr);
        auto ack = s.handle(req, t0);
        ASSERT_EQ(ack.kind, DecisionKind::ack);
        seen.insert(ack.reply.yiaddr);
    }
    EXPECT_EQ(seen.size(), 2u);
    EXPECT_EQ(s.leases().size(), 2u);
}

TEST(DhcpServer, KeepsTheHostOffsetInANewSubnet) {
    ServerCore today = make_server();
    ServerCore tomorrow = make_server(config("172.19.48.0/20"));
    auto a = today.handle(client(MessageType::discover, 5), t0);
    auto b = tomorrow.handle(client(MessageType::discover, 5), t0);
    ASSERT_EQ(a.kind, DecisionKind::offer);
    ASSERT_EQ(b.kind, DecisionKind::offer);
    uint32_t mask = 0xfff;
    EXPECT_EQ(a.reply.yiaddr.value() & mask, b.reply.yiaddr.value() & mask);
    // A client that had been probed to another offset yesterday keeps that
    // one too: the lease file's old lease becomes a hint.
    std::string key = make_client_key(std::nullopt, mac(6));
    Lease old{key, mac(6), Ipv4(172, 20, 3, 77), "db", t0 - 1h};
    ASSERT_TRUE(tomorrow.restore(old).ok());
    EXPECT_TRUE(tomorrow.leases().empty());
    auto c = tomorrow.handle(client(MessageType::discover, 6), t0);
    ASSERT_EQ(c.kind, DecisionKind::offer);
    EXPECT_EQ(c.reply.yiaddr, Ipv4(172, 19, 51, 77));
}

TEST(DhcpServer, RestoredLeaseIsOfferedBackAndProtected) {
    ServerCore s = make_server();
    std::string key = make_client_key(std::nullopt, mac(9));
    ASSERT_TRUE(s.restore(Lease{key, mac(9), Ipv4(172, 27, 170, 3), "vm9", t0 + 1h}).ok());
    EXPECT_EQ(s.next_expiry(), t0 + 1h);
    auto d = s.handle(client(MessageType::discover, 9), t0);
    ASSERT_EQ(d.kind, DecisionKind::offer);
    EXPECT_EQ(d.reply.yiaddr, Ipv4(172, 27, 170, 3));
    Message other = client(MessageType::discover, 10);
    other.options.set_address(OptionCode::requested_address, Ipv4(172, 27, 170, 3));
    auto e = s.handle(other, t0);
    ASSERT_EQ(e.kind, DecisionKind::offer);
    EXPECT_NE(e.reply.yiaddr, Ipv4(172, 27, 170, 3));
    // A duplicate address in the file is refused.
    EXPECT_FALSE(s.restore(Lease{"x", mac(11), Ipv4(172, 27, 170, 3), "", t0 + 1h}).ok());
}

TEST(DhcpServer, LeaseWithAZeroMacIsNotRestored) {
    // check_request drops such packets at runtime; a lease file that holds
    // one must not bring it (and a claim on its address) back.
    ServerCore s = make_server();
    Lease zero{make_client_key(std::nullopt, Mac()), Mac(), Ipv4(172, 27, 170, 4), "", t0 + 1h};
    auto st = s.restore(zero);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, EINVAL);
    EXPECT_NE(st.error().message.find("00:00:00:00:00:00"), std::string::npos) << st.error().message;
    EXPECT_TRUE(s.leases().empty());
    EXPECT_EQ(s.leases().find_by_address(Ipv4(172, 27, 170, 4)), nullptr);
}

TEST(DhcpServer, ABurstOfDiscoversNeverGetsTheSameOfferTwice) {
    ServerCore s = make_server(config("10.9.8.0/24"));
    std::set<Ipv4> offered;
    for (int n = 1; n <= 200; ++n) {
        auto d = s.handle(client(MessageType::discover, n), t0);
        ASSERT_EQ(d.kind, DecisionKind::offer) << n;
        EXPECT_TRUE(offered.insert(d.reply.yiaddr).second) << "offered twice: " << d.reply.yiaddr.to_string();
    }
    // A second DISCOVER from the same client gets the same held offer.
    auto repeat = s.handle(client(MessageType::discover, 1), t0 + 1s);
    EXPECT_EQ(offered.count(repeat.reply.yiaddr), 1u);
    EXPECT_EQ(s.pool().pending_offers(), 200u);
    // Another client's REQUEST for a held address is refused.
    Message req = client(MessageType::request, 999);
    req.options.set_address(OptionCode::requested_address, repeat.reply.yiaddr);
    EXPECT_EQ(s.handle(req, t0 + 2s).kind, DecisionKind::nak);
    // After the hold the address is anyone's again.
    EXPECT_EQ(s.handle(req, t0 + kOfferHoldTime + 1s).kind, DecisionKind::ack);
}

// Pool exhaustion, held-offer shares and lease limits: server_fairness_test.cc.

TEST(DhcpServer, RequestForAnotherServerDropsOurHold) {
    ServerCore s = make_server();
    auto offer = s.handle(client(MessageType::discover, 1), t0);
    ASSERT_EQ(s.pool().pending_offers(), 1u);
    Message req = client(MessageType::request, 1);
    req.options.set_address(OptionCode::server_id, Ipv4(192, 0, 2, 1));
    req.options.set_address(OptionCode::requested_address, offer.reply.yiaddr);
    auto d = s.handle(req, t0);
    EXPECT_EQ(d.kind, DecisionKind::ignore);
    EXPECT_FALSE(d.dropped.has_value());
    EXPECT_EQ(s.pool().pending_offers(), 0u);
}

TEST(DhcpServer, DeclineQuarantinesOnlyForItsHolder) {
    ServerCore s = make_server();
    Recorder rec;
    s.set_listener(&rec);
    auto offer = s.handle(client(MessageType::discover, 1), t0);
    Ipv4 bad = offer.reply.yiaddr;
    Message forged = client(MessageType::decline, 2);
    forged.options.set_address(OptionCode::requested_address, bad);
    EXPECT_EQ(s.handle(forged, t0).kind, DecisionKind::ignore);
    EXPECT_FALSE(s.pool().quarantined(bad, t0));

    Message req = client(MessageType::request, 1);
    req.options.set_address(OptionCode::server_id, kGateway);
    req.options.set_address(OptionCode::requested_address, bad);
    ASSERT_EQ(s.handle(req, t0).kind, DecisionKind::ack);
    Message decline = client(MessageType::decline, 1);
    decline.options.set_address(OptionCode::server_id, kGateway);
    decline.options.set_address(OptionCode::requested_address, bad);
    EXPECT_EQ(s.handle(decline, t0 + 1s).kind, DecisionKind::ignore);
    EXPECT_TRUE(s.pool().quarantined(bad, t0 + 1s));
    EXPECT_TRUE(s.leases().empty());
    EXPECT_EQ(rec.events.back().event, LeaseEvent::released);
    EXPECT_EQ(s.counters().declines, 1u);
    auto next = s.handle(client(MessageType::discover, 1), t0 + 2s);
    ASSERT_EQ(next.kind, DecisionKind::offer);
    EXPECT_NE(next.reply.yiaddr, bad);
    EXPECT_FALSE(s.pool().quarantined(bad, t0 + 1s + kDeclineQuarantine));
}

TEST(DhcpServer, InformGetsParametersWithoutALease) {
    ServerCore s = make_server();
    Message inform = client(MessageType::inform, 1);
    inform.ciaddr = Ipv4(172, 27, 160, 200);
    auto d = s.handle(inform, t0);
    ASSERT_EQ(d.kind, DecisionKind::ack);
    EXPECT_TRUE(d.reply.yiaddr.is_zero());
    EXPECT_EQ(d.reply.ciaddr, inform.ciaddr);
    EXPECT_FALSE(d.reply.options.has(OptionCode::lease_time));
    EXPECT_FALSE(d.reply.options.has(OptionCode::renewal_time));
    EXPECT_EQ(d.reply.options.addresses(OptionCode::router), std::vector<Ipv4>{kGateway});
    EXPECT_EQ(d.destination.kind, Destination::Kind::unicast);
    EXPECT_EQ(d.destination.address, inform.ciaddr);
    EXPECT_TRUE(s.leases().empty());
    inform.ciaddr = Ipv4();
    EXPECT_EQ(s.handle(inform, t0).dropped, DropReason::bad_request);
}

TEST(DhcpServer, DestinationFollowsRfc2131Section41) {
    ServerCore s = make_server();
    Message relayed = client(MessageType::discover, 1);
    relayed.giaddr = Ipv4(192, 0, 2, 9);
    relayed.set_broadcast(true);
    auto d = s.handle(relayed, t0);
    EXPECT_EQ(d.destination.kind, Destination::Kind::relay);
    EXPECT_EQ(d.destination.address, Ipv4(192, 0, 2, 9));
    EXPECT_EQ(d.destination.port, 67);
    EXPECT_EQ(d.reply.giaddr, Ipv4(192, 0, 2, 9));

    Message windows = client(MessageType::discover, 2);
    windows.set_broadcast(true);
    auto w = s.handle(windows, t0);
    EXPECT_EQ(w.destination.kind, Destination::Kind::broadcast);
    EXPECT_EQ(w.destination.port, 68);
    EXPECT_TRUE(w.reply.broadcast());

    Message relayed_nak = client(MessageType::request, 3);
    relayed_nak.giaddr = Ipv4(192, 0, 2, 9);
    relayed_nak.options.set_address(OptionCode::requested_address, Ipv4(10, 1, 1, 1));
    auto n = s.handle(relayed_nak, t0);
    ASSERT_EQ(n.kind, DecisionKind::nak);
    EXPECT_EQ(n.destination.kind, Destination::Kind::relay);
    EXPECT_TRUE(n.reply.broadcast());
}

TEST(DhcpServer, OptionsFollowTheParameterRequestList) {
    auto c = config();
    c.mtu = 1400;
    ServerCore s = make_server(c);
    Message discover = client(MessageType::discover, 1);
    discover.options.set(OptionCode::parameter_request_list, {6, 3, 26, 1, 44, 119});
    auto d = s.handle(discover, t0);
    ASSERT_EQ(d.kind, DecisionKind::offer);
    // 53, 54, lease times; then asked-for ones in order (44 we lack);
    // then the rest of the network's options.
    EXPECT_EQ(codes_of(d.reply),
              (std::vector<uint8_t>{53, 54, 51, 58, 59, 6, 3, 26, 1, 119, 15, 28}));
    EXPECT_EQ(d.reply.options.u16(OptionCode::mtu), 1400);
    // A client that accepts little gets the essentials first.
    discover.options.set_u16(OptionCode::max_message_size, 1500);
    EXPECT_EQ(s.handle(discover, t0).max_size, 1400u - 28u);
    discover.options.erase(OptionCode::max_message_size);
    EXPECT_EQ(s.handle(discover, t0).max_size, 548u);
}

TEST(DhcpServer, HostNameIsSanitisedAndTakenFromFqdnToo) {
    EXPECT_EQ(sanitize_host_name("web-1"), "web-1");
    EXPECT_EQ(sanitize_host_name("-web"), "");
    EXPECT_EQ(sanitize_host_name("a.b"), "");
    EXPECT_EQ(sanitize_host_name("x y"), "");
    EXPECT_EQ(sanitize_host_name(std::string(64, 'a')), "");
    ServerCore s = make_server();
    Recorder rec;
    s.set_listener(&rec);
    Message reboot = client(MessageType::request, 1);
    reboot.options.set_address(OptionCode::requested_address, Ipv4(172, 27, 161, 9));
    ASSERT_TRUE(reboot.options.set_client_fqdn({ClientFqdn::kFlagE, 0, 0, "db2.example.org."}).ok());
    ASSERT_EQ(s.handle(reboot, t0).kind, DecisionKind::ack);
    EXPECT_EQ(rec.events.back().lease.hostname, "db2");
}

// RFC 4702 §4: option 81 comes back with the name the server publishes.
TEST(DhcpServer, ClientFqdnIsEchoedWithTheNameAndFlagsTheServerUses) {
    struct Case {
        uint8_t asked;
        const char* name;
        uint8_t want_flags;
        const char* want_name;
    };
    const uint8_t E = ClientFqdn::kFlagE, S = ClientFqdn::kFlagS, O = ClientFqdn::kFlagO,
                  N = ClientFqdn::kFlagN;
    const Case cases[] = {
        {E, "db2.example.org.", uint8_t(E | S | O), "db2.vswitch.internal."},  // client left the A to us
        {uint8_t(E | S), "db2", uint8_t(E | S), "db2.vswitch.internal."},      // partial name, S asked
        {0, "db2.example.org", uint8_t(S | O), "db2.vswitch.internal"},        // ASCII encoding kept
        {uint8_t(E | N), "db2", uint8_t(E | N), "db2.vswitch.internal."},      // no updates: N echoed
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name + std::string(" flags ") + std::to_string(c.asked));
        ServerCore s = make_server();
        Recorder rec;
        s.set_listener(&rec);
        Message discover = client(MessageType::discover, 1);
        ASSERT_TRUE(discover.options.set_client_fqdn({c.asked, 0, 0, c.name}).ok());
        Decision offer = s.handle(discover, t0);
        ASSERT_EQ(offer.kind, DecisionKind::offer);
        // Through the wire, as the client reads it.
        auto offered = Message::parse(offer.build());
        ASSERT_TRUE(offered.ok());
        auto fqdn = offered->options.client_fqdn();
        ASSERT_TRUE(fqdn.has_value());
        EXPECT_EQ(fqdn->flags, c.want_flags);
        EXPECT_EQ(fqdn->rcode1, 255);
        EXPECT_EQ(fqdn->rcode2, 255);
        EXPECT_EQ(fqdn->name, c.want_name);

        Message request = client(MessageType::request, 1);
        request.options.set_address(OptionCode::requested_address, offer.reply.yiaddr);
        request.options.set_address(OptionCode::server_id, kGateway);
        ASSERT_TRUE(request.options.set_client_fqdn({c.asked, 0, 0, c.name}).ok());
        Decision ack = s.handle(request, t0);
        ASSERT_EQ(ack.kind, DecisionKind::ack);
        ASSERT_TRUE(ack.reply.options.client_fqdn().has_value());
        EXPECT_EQ(ack.reply.options.client_fqdn()->name, c.want_name);
        ASSERT_FALSE(rec.events.empty());
        EXPECT_EQ(rec.events.back().lease.hostname, "db2") << "option 81 names the lease";
    }
}

TEST(DhcpServer, NoFqdnInTheReplyWhenTheClientSentNone) {
    ServerCore s = make_server();
    Message discover = client(MessageType::discover, 1);
    discover.options.set_text(OptionCode::host_name, "web1");
    Decision offer = s.handle(discover, t0);
    ASSERT_EQ(offer.kind, DecisionKind::offer);
    EXPECT_FALSE(offer.reply.options.has(OptionCode::client_fqdn));
}

TEST(DhcpServer, MalformedPacketsAreCountedByReason) {
    ServerCore s = make_server();
    std::vector<uint8_t> truncated(100, 1);
    EXPECT_EQ(s.handle_packet(truncated, t0).dropped, DropReason::truncated);
    Message reply = client(MessageType::discover, 1);
    reply.op = Op::reply;
    EXPECT_EQ(s.handle_packet(reply.build(), t0).dropped, DropReason::wrong_op);
    Message zero = client(MessageType::discover, 1);
    zero.chaddr.fill(0);
    EXPECT_EQ(s.handle_packet(zero.build(), t0).dropped, DropReason::zero_mac);
    Message bootp = client(MessageType::discover, 1);
    bootp.options.erase(OptionCode::message_type);
    EXPECT_EQ(s.handle(bootp, t0).dropped, DropReason::no_message_type);
    Message no_address = client(MessageType::request, 1);
    EXPECT_EQ(s.handle(no_address, t0).dropped, DropReason::bad_request);
    const auto& c = s.counters();
    EXPECT_EQ(c.dropped[size_t(DropReason::truncated)], 1u);
    EXPECT_EQ(c.dropped[size_t(DropReason::wrong_op)], 1u);
    EXPECT_EQ(c.dropped[size_t(DropReason::zero_mac)], 1u);
    EXPECT_EQ(c.dropped_total(), 5u);
}

TEST(DhcpServer, OffersToWhatRealClientsSend) {
    ServerCore s = make_server();
    std::vector<Ipv4> offered;
    for (const char* file : {"dhcp/dhclient-discover.hex", "dhcp/udhcpc-discover.hex",
                             "dhcp/dhcpcd-discover.hex"}) {
        auto bytes = test::load_hex(file);
        auto req = Message::parse(bytes);
        ASSERT_TRUE(req.ok()) << file;
        auto d = s.handle_packet(bytes, t0);
        ASSERT_EQ(d.kind, DecisionKind::offer) << file;
        auto out = d.build();
        EXPECT_LE(out.size(), d.max_size) << file;
        auto back = Message::parse(out);
        ASSERT_TRUE(back.ok()) << file;
        // RFC 6842: the client identifier echoed byte for byte, right after
        // the server id; then the lease times; then the client's first
        // requested option.
        const auto* id = req->options.find(OptionCode::client_id);
        if (id) {
            ASSERT_NE(back->options.find(OptionCode::client_id), nullptr) << file;
            EXPECT_EQ(*back->options.find(OptionCode::client_id), *id) << file;
            EXPECT_EQ(back->options.items()[2].code, OptionCode::client_id) << file;
        } else {
            EXPECT_EQ(back->options.find(OptionCode::client_id), nullptr) << file;
        }
        EXPECT_EQ(uint8_t(back->options.items()[id ? 6 : 5].code), req->options.parameter_request_list()[0])
            << file;
        offered.push_back(back->yiaddr);
    }
    // All three captures share one MAC. dhclient sends no client id and
    // udhcpc sends 01:<mac>, the same key: one client, one address. dhcpcd
    // sends a DUID: another client.
    ASSERT_EQ(offered.size(), 3u);
    EXPECT_EQ(offered[0], offered[1]);
    EXPECT_NE(offered[0], offered[2]);
}

// RFC 6842: OFFER, ACK and NAK all carry the client identifier back.
TEST(DhcpServer, EveryReplyEchoesTheClientIdentifier) {
    ServerCore s = make_server();
    const std::vector<uint8_t> id = {0xff, 0x01, 0x02, 0x03, 0x04, 0x00, 0x01, 0x00, 0x01, 0x2a};  // RFC 4361 style
    auto with_id = [&](MessageType t) {
        Message m = client(t, 7);
        m.options.set(OptionCode::client_id, id);
        return m;
    };
    auto offer = s.handle(with_id(MessageType::discover), t0);
    ASSERT_EQ(offer.kind, DecisionKind::offer);
    Message req = with_id(MessageType::request);
    req.options.set_address(OptionCode::server_id, kGateway);
    req.options.set_address(OptionCode::requested_address, offer.reply.yiaddr);
    auto ack = s.handle(req, t0);
    ASSERT_EQ(ack.kind, DecisionKind::ack);
    Message wrong = with_id(MessageType::request);
    wrong.options.set_address(OptionCode::requested_address, Ipv4(10, 9, 8, 7));
    auto nak = s.handle(wrong, t0);
    ASSERT_EQ(nak.kind, DecisionKind::nak);
    for (const auto* d : {&offer, &ack, &nak}) {
        auto back = Message::parse(d->build());
        ASSERT_TRUE(back.ok());
        ASSERT_NE(back->options.find(OptionCode::client_id), nullptr) << to_string(d->kind);
        EXPECT_EQ(*back->options.find(OptionCode::client_id), id) << to_string(d->kind);
    }
}

// No guest is a relay, unless TrustRelayFrom= names its port.
TEST(DhcpServer, RelayedRequestsAreServedOnlyFromTrustedPorts) {
    ServerCore s = make_server();
    Message relayed = client(MessageType::discover, 9);
    relayed.giaddr = Ipv4(172, 27, 175, 254);
    relayed.hops = 1;
    EXPECT_TRUE(s.handle(relayed, t0, 7).dropped);  // from port 7
    EXPECT_EQ(s.counters().dropped[size_t(DropReason::relay_from_port)], 1u);
    EXPECT_EQ(s.handle(relayed, t0, 0).kind, DecisionKind::offer);  // the host's own relay
    std::vector<Source> asked;
    s.set_relay_trust([&](Source src) {
        asked.push_back(src);
        return src == 7;
    });
    auto d = s.handle(relayed, t0, 7);
    EXPECT_EQ(d.kind, DecisionKind::offer);
    EXPECT_EQ(d.destination.kind, Destination::Kind::relay);
    EXPECT_TRUE(s.handle(relayed, t0, 8).dropped);
    EXPECT_EQ(asked, (std::vector<Source>{7, 8}));
    EXPECT_FALSE(s.handle(client(MessageType::discover, 10), t0, 8).dropped);  // not relayed: never asked
    EXPECT_EQ(asked.size(), 2u);
}
