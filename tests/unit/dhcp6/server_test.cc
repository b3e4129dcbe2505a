#include "libvswitch/dhcp6/server.h"

#include <gtest/gtest.h>

#include "tests/unit/dhcp/test_util.h"

using namespace vswitch;
using namespace vswitch::dhcp6;
using namespace std::chrono_literals;
using vswitch::dhcp::test::hex;

namespace {

const Clock::time_point t0{std::chrono::seconds(1'800'000'000)};
const Duid kServerDuid = Duid::from_mac({0x02, 0x56, 0x53, 0, 0, 1});

ServerConfig config() {
    ServerConfig c;
    c.prefix = *Address::parse("fd12:3456:789a:1::");
    c.server_duid = kServerDuid;
    for (int i = 0; i < 16; ++i) c.key[i] = uint8_t(0x40 + i);
    c.dns_servers = {*Address::parse("fd12:3456:789a:1::1")};
    c.domains = {"vswitch.internal"};
    c.preferred_lifetime = 3600s;
    c.valid_lifetime = 7200s;
    return c;
}

Server make(ServerConfig c = config()) {
    auto s = Server::create(std::move(c));
    EXPECT_TRUE(s.ok()) << s.error().message;
    return std::move(*s);
}

Duid client(uint8_t n) {
    return Duid::from_mac({0x52, 0x54, 0, 0, 0, n});
}

Message msg(MessageType type, uint8_t n, uint32_t iaid = 1) {
    Message m;
    m.type = type;
    m.transaction_id = 0x100 + n;
    m.client_id = client(n);
    if (type != MessageType::information_request && type != MessageType::confirm)
        m.ia_na.push_back(Ia{iaid, 0, 0, {}, std::nullopt});
    if (type == MessageType::request || type == MessageType::renew ||
        type == MessageType::release || type == MessageType::decline)
        m.server_id = kServerDuid;
    return m;
}

Address bound_address(const Decision& d) {
    EXPECT_EQ(d.reply.ia_na.size(), 1u);
    EXPECT_FALSE(d.reply.ia_na.at(0).status) << d.reply.ia_na.at(0).status->message;
    return d.reply.ia_na.at(0).addresses.at(0).address;
}

struct Recorder : LeaseListener {
    std::vector<std::pair<LeaseEvent, Lease>> events;
    void on_lease_changed(LeaseEvent e, const Lease& l) override { events.emplace_back(e, l); }
};

}  // namespace

TEST(Dhcp6Server, InformationRequestGetsDnsDomainsAndRefreshTime) {
    auto s = make();
    auto d = s.handle(msg(MessageType::information_request, 1), t0);
    ASSERT_EQ(d.kind, DecisionKind::reply);
    EXPECT_EQ(d.reply.type, MessageType::reply);
    EXPECT_EQ(d.reply.transaction_id, 0x101u);
    EXPECT_EQ(d.reply.server_id, kServerDuid);
    EXPECT_EQ(d.reply.client_id, client(1));
    EXPECT_EQ(d.reply.dns_servers, config().dns_servers);
    EXPECT_EQ(d.reply.domains, config().domains);
    EXPECT_EQ(d.reply.information_refresh_time, 3600u);
    EXPECT_TRUE(d.reply.ia_na.empty());
    EXPECT_EQ(s.leases().size(), 0u);
    // §16.12: the Client ID is optional here; our own Server ID is fine.
    auto anonymous = msg(MessageType::information_request, 1);
    anonymous.client_id.reset();
    anonymous.server_id = kServerDuid;
    EXPECT_EQ(s.handle(anonymous, t0).kind, DecisionKind::reply);
}

TEST(Dhcp6Server, InformationRequestForAnotherServerOrWithAnIaIsDropped) {
    auto s = make();
    auto m = msg(MessageType::information_request, 1);
    m.server_id = client(9);
    EXPECT_EQ(s.handle(m, t0).dropped, DropReason::other_server);
    m = msg(MessageType::information_request, 1);
    m.ia_na.push_back(Ia{1, 0, 0, {}, std::nullopt});
    EXPECT_EQ(s.handle(m, t0).dropped, DropReason::unexpected_ia);
    EXPECT_EQ(s.counters().dropped_total(), 2u);
}

TEST(Dhcp6Server, SolicitIsAdvertisedAStableAddressOnThePrefixWithoutBinding) {
    auto s = make();
    auto d = s.handle(msg(MessageType::solicit, 1), t0);
    ASSERT_EQ(d.kind, DecisionKind::advertise);
    EXPECT_EQ(d.reply.type, MessageType::advertise);
    EXPECT_EQ(d.reply.preference, 255);
    Address a = bound_address(d);
    EXPECT_TRUE(s.on_link(a));
    EXPECT_TRUE(usable_host_part(a.lower()));
    EXPECT_EQ(d.reply.ia_na[0].t1, 1800u);
    EXPECT_EQ(d.reply.ia_na[0].t2, 2880u);
    EXPECT_EQ(d.reply.ia_na[0].addresses[0].preferred, 3600u);
    EXPECT_EQ(d.reply.ia_na[0].addresses[0].valid, 7200u);
    EXPECT_EQ(d.reply.dns_servers, config().dns_servers);
    EXPECT_EQ(s.leases().size(), 0u);
    // Same client, same IA: the same address, also from a fresh server.
    EXPECT_EQ(bound_address(s.handle(msg(MessageType::solicit, 1), t0 + 5s)), a);
    auto again = make();
    EXPECT_EQ(bound_address(again.handle(msg(MessageType::solicit, 1), t0)), a);
    // Another IA or client: another address.
    EXPECT_NE(bound_address(s.handle(msg(MessageType::solicit, 1, 2), t0)), a);
    EXPECT_NE(bound_address(s.handle(msg(MessageType::solicit, 2), t0)), a);
}

TEST(Dhcp6Server, HostPartIsKeptOnANewPrefix) {
    auto s = make();
    Address a = bound_address(s.handle(msg(MessageType::solicit, 1), t0));
    auto c = config();
    c.prefix = *Address::parse("fd99:8888:7777:6::");
    auto renumbered = make(c);
    Address b = bound_address(renumbered.handle(msg(MessageType::solicit, 1), t0));
    EXPECT_EQ(b.upper(), c.prefix.upper());
    EXPECT_EQ(b.lower(), a.lower());
}

TEST(Dhcp6Server, RequestBindsAndRepliesWithLifetimes) {
    auto s = make();
    Recorder rec;
    s.set_listener(&rec);
    Address a = bound_address(s.handle(msg(MessageType::solicit, 1), t0));
    auto d = s.handle(msg(MessageType::request, 1), t0 + 1s, 7);
    ASSERT_EQ(d.kind, DecisionKind::reply);
    EXPECT_EQ(bound_address(d), a);
    EXPECT_EQ(d.reply.ia_na[0].t1, 1800u);
    const Lease* l = s.leases().find_by_address(a);
    ASSERT_NE(l, nullptr);
    EXPECT_EQ(l->expiry, t0 + 1s + 7200s);
    EXPECT_EQ(s.leases_of(7), 1u);
    ASSERT_EQ(rec.events.size(), 1u);
    EXPECT_EQ(rec.events[0].first, LeaseEvent::added);
}

TEST(Dhcp6Server, RapidCommitSolicitGetsAReplyAndABinding) {
    auto s = make();
    auto m = msg(MessageType::solicit, 1);
    m.rapid_commit = true;
    auto d = s.handle(m, t0);
    ASSERT_EQ(d.kind, DecisionKind::reply);
    EXPECT_EQ(d.reply.type, MessageType::reply);
    EXPECT_TRUE(d.reply.rapid_commit);
    EXPECT_FALSE(d.reply.preference);
    EXPECT_NE(s.leases().find_by_address(bound_address(d)), nullptr);
    EXPECT_EQ(s.counters().rapid_commits, 1u);

    auto c = config();
    c.rapid_commit = false;
    auto slow = make(c);
    auto a = slow.handle(m, t0);
    EXPECT_EQ(a.kind, DecisionKind::advertise);
    EXPECT_FALSE(a.reply.rapid_commit);
    EXPECT_EQ(slow.leases().size(), 0u);
}

TEST(Dhcp6Server, ServerIdChecksFollowRfc8415Section16) {
    auto s = make();
    auto m = msg(MessageType::solicit, 1);
    m.server_id = kServerDuid;
    EXPECT_EQ(s.handle(m, t0).dropped, DropReason::unexpected_server_id);
    m = msg(MessageType::rebind, 1);
    m.server_id = kServerDuid;
    EXPECT_EQ(s.handle(m, t0).dropped, DropReason::unexpected_server_id);
    m = msg(MessageType::confirm, 1);
    m.server_id = kServerDuid;
    EXPECT_EQ(s.handle(m, t0).dropped, DropReason::unexpected_server_id);
    for (auto type :
         {MessageType::request, MessageType::renew, MessageType::release, MessageType::decline}) {
        m = msg(type, 1);
        m.server_id.reset();
        EXPECT_EQ(s.handle(m, t0).dropped, DropReason::no_server_id) << to_string(type);
        m.server_id = client(9);
        EXPECT_EQ(s.handle(m, t0).dropped, DropReason::other_server) << to_string(type);
    }
    m = msg(MessageType::solicit, 1);
    m.client_id.reset();
    EXPECT_EQ(s.handle(m, t0).dropped, DropReason::no_client_id);
    m = msg(MessageType::solicit, 1);
    m.type = MessageType::advertise;
    EXPECT_EQ(s.handle(m, t0).dropped, DropReason::server_message);
    m.type = MessageType::reply;
    EXPECT_EQ(s.handle(m, t0).dropped, DropReason::server_message);
    EXPECT_EQ(s.leases().size(), 0u);
    EXPECT_EQ(s.counters().dropped[size_t(DropReason::other_server)], 4u);
}

TEST(Dhcp6Server, RenewExtendsAndDropsAddressesThatAreNotTheBinding) {
    auto s = make();
    Recorder rec;
    s.set_listener(&rec);
    Address a = bound_address(s.handle(msg(MessageType::request, 1), t0));
    auto renew = msg(MessageType::renew, 1);
    Address old = *Address::parse("fd00:aaaa:bbbb:cccc::1234");
    renew.ia_na[0].addresses = {{a, 0, 0, std::nullopt}, {old, 0, 0, std::nullopt}};
    auto d = s.handle(renew, t0 + 1800s);
    ASSERT_EQ(d.kind, DecisionKind::reply);
    ASSERT_EQ(d.reply.ia_na[0].addresses.size(), 2u);
    EXPECT_EQ(d.reply.ia_na[0].addresses[0].address, a);
    EXPECT_EQ(d.reply.ia_na[0].addresses[0].valid, 7200u);
    EXPECT_EQ(d.reply.ia_na[0].addresses[1].address, old);
    EXPECT_EQ(d.reply.ia_na[0].addresses[1].preferred, 0u);
    EXPECT_EQ(d.reply.ia_na[0].addresses[1].valid, 0u);
    EXPECT_EQ(s.leases().find_by_address(a)->expiry, t0 + 1800s + 7200s);
    ASSERT_EQ(rec.events.size(), 2u);
    EXPECT_EQ(rec.events[1].first, LeaseEvent::renewed);
}

TEST(Dhcp6Server, RebindWithoutABindingMakesOne) {
    auto s = make();
    Address expected = bound_address(s.handle(msg(MessageType::solicit, 1), t0));
    auto d = s.handle(msg(MessageType::rebind, 1), t0);
    ASSERT_EQ(d.kind, DecisionKind::reply);
    EXPECT_EQ(bound_address(d), expected);
    EXPECT_EQ(s.leases().size(), 1u);
}

TEST(Dhcp6Server, ReleaseRemovesTheBindingAndAnswersUnknownIasNoBinding) {
    auto s = make();
    Recorder rec;
    s.set_listener(&rec);
    Address a = bound_address(s.handle(msg(MessageType::request, 1), t0, 3));
    auto rel = msg(MessageType::release, 1);
    rel.ia_na[0].addresses = {{a, 0, 0, std::nullopt}};
    rel.ia_na.push_back(Ia{42, 0, 0, {{a, 0, 0, std::nullopt}}, std::nullopt});
    auto d = s.handle(rel, t0 + 10s);
    ASSERT_EQ(d.kind, DecisionKind::reply);
    EXPECT_EQ(d.reply.status->code, StatusCode::success);
    ASSERT_EQ(d.reply.ia_na.size(), 1u);
    EXPECT_EQ(d.reply.ia_na[0].iaid, 42u);
    EXPECT_EQ(d.reply.ia_na[0].status->code, StatusCode::no_binding);
    EXPECT_EQ(s.leases().size(), 0u);
    EXPECT_EQ(s.leases_of(3), 0u);
    EXPECT_EQ(rec.events.back().first, LeaseEvent::released);
    // Released, not declined: the client gets the same address again.
    EXPECT_EQ(bound_address(s.handle(msg(MessageType::request, 1), t0 + 20s)), a);
}

TEST(Dhcp6Server, ReleaseOfAnotherAddressKeepsTheBinding) {
    auto s = make();
    bound_address(s.handle(msg(MessageType::request, 1), t0));
    auto rel = msg(MessageType::release, 1);
    rel.ia_na[0].addresses = {{*Address::parse("fd12:3456:789a:1::99"), 0, 0, std::nullopt}};
    auto d = s.handle(rel, t0);
    EXPECT_EQ(d.reply.ia_na.at(0).status->code, StatusCode::no_binding);
    EXPECT_EQ(s.leases().size(), 1u);
}

TEST(Dhcp6Server, DeclinedAddressIsQuarantined) {
    auto s = make();
    Recorder rec;
    s.set_listener(&rec);
    Address a = bound_address(s.handle(msg(MessageType::request, 1), t0));
    auto dec = msg(MessageType::decline, 1);
    dec.ia_na[0].addresses = {{a, 0, 0, std::nullopt}};
    auto d = s.handle(dec, t0 + 1s);
    EXPECT_EQ(d.reply.status->code, StatusCode::success);
    EXPECT_EQ(rec.events.back().first, LeaseEvent::declined);
    EXPECT_TRUE(s.quarantined(a, t0 + 1s));
    EXPECT_EQ(s.counters().declines, 1u);
    // The client asks again: the next candidate, not the declined one.
    Address b = bound_address(s.handle(msg(MessageType::request, 1), t0 + 2s));
    EXPECT_NE(b, a);
    EXPECT_TRUE(s.on_link(b));
    // After the quarantine, the address may be given again.
    s.expire(t0 + 1s + kDeclineQuarantine);
    EXPECT_FALSE(s.quarantined(a, t0 + 1s + kDeclineQuarantine));
}

TEST(Dhcp6Server, ConfirmOfYesterdaysPrefixIsNotOnLink) {
    auto s = make();
    auto m = msg(MessageType::confirm, 1);
    m.ia_na.push_back(Ia{1,
                         0,
                         0,
                         {{*Address::parse("fd00:aaaa:bbbb:cccc::1234"), 0, 0, std::nullopt}},
                         std::nullopt});
    auto d = s.handle(m, t0);
    ASSERT_EQ(d.kind, DecisionKind::reply);
    EXPECT_EQ(d.reply.status->code, StatusCode::not_on_link);
    EXPECT_TRUE(d.reply.ia_na.empty());
    EXPECT_EQ(s.counters().confirms_not_on_link, 1u);

    m.ia_na[0].addresses[0].address = *Address::parse("fd12:3456:789a:1::1234");
    d = s.handle(m, t0);
    EXPECT_EQ(d.reply.status->code, StatusCode::success);

    m.ia_na[0].addresses.clear();
    EXPECT_EQ(s.handle(m, t0).dropped, DropReason::nothing_to_confirm);
}

TEST(Dhcp6Server, ConfirmWithOneAddressOffLinkIsNotOnLink) {
    auto s = make();
    auto m = msg(MessageType::confirm, 1);
    m.ia_na.push_back(Ia{
        1, 0, 0, {{*Address::parse("fd12:3456:789a:1::1234"), 0, 0, std::nullopt}}, std::nullopt});
    m.ia_ta.push_back(
        Ia{2, 0, 0, {{*Address::parse("2001:db8::5"), 0, 0, std::nullopt}}, std::nullopt});
    EXPECT_EQ(s.handle(m, t0).reply.status->code, StatusCode::not_on_link);
}

TEST(Dhcp6Server, TemporaryAddressesAndPrefixesAreRefusedInTheirIa) {
    auto s = make();
    auto m = msg(MessageType::solicit, 1);
    m.ia_ta.push_back(Ia{5, 0, 0, {}, std::nullopt});
    m.ia_pd.push_back(IaPd{6, 0, 0, std::nullopt});
    auto d = s.handle(m, t0);
    ASSERT_EQ(d.kind, DecisionKind::advertise);
    bound_address(d);
    ASSERT_EQ(d.reply.ia_ta.size(), 1u);
    EXPECT_EQ(d.reply.ia_ta[0].iaid, 5u);
    EXPECT_EQ(d.reply.ia_ta[0].status->code, StatusCode::no_addrs_avail);
    ASSERT_EQ(d.reply.ia_pd.size(), 1u);
    EXPECT_EQ(d.reply.ia_pd[0].iaid, 6u);
    EXPECT_EQ(d.reply.ia_pd[0].status->code, StatusCode::no_prefix_avail);

    auto none = msg(MessageType::solicit, 2);
    none.ia_na.clear();
    EXPECT_EQ(s.handle(none, t0).reply.status->code, StatusCode::no_addrs_avail);
}

TEST(Dhcp6Server, FqdnIsAnsweredWithTheServersDecisionAndRecorded) {
    auto s = make();
    auto m = msg(MessageType::request, 1);
    m.fqdn = Fqdn{0, "Web1", false};
    auto d = s.handle(m, t0);
    ASSERT_TRUE(d.reply.fqdn);
    EXPECT_EQ(d.reply.fqdn->flags, Fqdn::kS | Fqdn::kO);  // we update, overriding S=0
    EXPECT_EQ(d.reply.fqdn->name, "web1.vswitch.internal");
    EXPECT_TRUE(d.reply.fqdn->fully_qualified);
    EXPECT_EQ(s.leases().find_by_address(bound_address(d))->hostname, "web1");

    m.fqdn = Fqdn{Fqdn::kS, "web2.example.org", true};
    d = s.handle(m, t0 + 1s);
    EXPECT_EQ(d.reply.fqdn->flags, Fqdn::kS);
    EXPECT_EQ(s.leases().find_by_address(bound_address(d))->hostname, "web2");

    // A Renew without FQDN keeps the name.
    d = s.handle(msg(MessageType::renew, 1), t0 + 2s);
    EXPECT_FALSE(d.reply.fqdn);
    EXPECT_EQ(s.leases().find_by_address(bound_address(d))->hostname, "web2");

    // N=1: no updates; the name is not used.
    m = msg(MessageType::request, 2);
    m.fqdn = Fqdn{Fqdn::kN, "quiet", false};
    d = s.handle(m, t0);
    EXPECT_EQ(d.reply.fqdn->flags, Fqdn::kN);
    EXPECT_EQ(d.reply.fqdn->name, "");
    EXPECT_EQ(s.leases().find_by_address(bound_address(d))->hostname, "");

    // A name that is no host label is not recorded.
    m = msg(MessageType::request, 3);
    m.fqdn = Fqdn{Fqdn::kS, "bad_name", false};
    d = s.handle(m, t0);
    EXPECT_EQ(s.leases().find_by_address(bound_address(d))->hostname, "");
}

TEST(Dhcp6Server, ASourceHoldsNoMoreThanItsShare) {
    auto c = config();
    c.max_leases_per_source = 2;
    auto s = make(c);
    bound_address(s.handle(msg(MessageType::request, 1), t0, 5));
    bound_address(s.handle(msg(MessageType::request, 2), t0, 5));
    auto d = s.handle(msg(MessageType::request, 3), t0, 5);
    EXPECT_EQ(d.reply.ia_na.at(0).status->code, StatusCode::no_addrs_avail);
    EXPECT_TRUE(d.reply.ia_na[0].addresses.empty());
    EXPECT_EQ(s.counters().leases_refused, 1u);
    // An Advertise tells the same.
    EXPECT_EQ(s.handle(msg(MessageType::solicit, 3), t0, 5).reply.ia_na.at(0).status->code,
              StatusCode::no_addrs_avail);
    // Renewals within the share still pass; other sources are not affected.
    bound_address(s.handle(msg(MessageType::renew, 1), t0 + 1s, 5));
    bound_address(s.handle(msg(MessageType::request, 3), t0, 6));
    bound_address(s.handle(msg(MessageType::request, 4), t0, 0));
    EXPECT_EQ(s.leases_of(5), 2u);
    EXPECT_EQ(s.leases_of(6), 1u);
}

TEST(Dhcp6Server, BindingsExpireAfterTheValidLifetime) {
    auto s = make();
    Recorder rec;
    s.set_listener(&rec);
    bound_address(s.handle(msg(MessageType::request, 1), t0, 4));
    EXPECT_EQ(s.next_expiry(), t0 + 7200s);
    EXPECT_TRUE(s.expire(t0 + 7199s).empty());
    auto gone = s.expire(t0 + 7200s);
    ASSERT_EQ(gone.size(), 1u);
    EXPECT_EQ(rec.events.back().first, LeaseEvent::expired);
    EXPECT_EQ(s.leases().size(), 0u);
    EXPECT_EQ(s.leases_of(4), 0u);
}

TEST(Dhcp6Server, RestoreKeepsBindingsOnTodaysPrefixOnly) {
    auto s = make();
    Lease kept{client(1).bytes, 1, *Address::parse("fd12:3456:789a:1::abcd"), "web1", t0 + 100s};
    ASSERT_TRUE(s.restore(kept).ok());
    // The client's Request gets its restored address, whatever the hash says.
    EXPECT_EQ(bound_address(s.handle(msg(MessageType::request, 1), t0)), kept.address);
    EXPECT_EQ(s.leases().find(binding_key(kept.duid, 1))->hostname, "web1");
    Lease yesterday{client(2).bytes, 1, *Address::parse("fd00:1:2:3::abcd"), "", t0 + 100s};
    auto st = s.restore(yesterday);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, EADDRNOTAVAIL);
    Lease gateway{client(3).bytes, 1, *Address::parse("fd12:3456:789a:1::1"), "", t0 + 100s};
    EXPECT_FALSE(s.restore(gateway).ok());
}

TEST(Dhcp6Server, ACollisionProbesTheNextCandidate) {
    auto s = make();
    Address a = bound_address(s.handle(msg(MessageType::solicit, 1), t0));
    // Another client already holds client 1's first candidate.
    ASSERT_TRUE(s.restore(Lease{client(2).bytes, 9, a, "", t0 + 100s}).ok());
    Address b = bound_address(s.handle(msg(MessageType::request, 1), t0));
    EXPECT_NE(a, b);
    EXPECT_EQ(b.lower(), candidate_host_part(config().key, client(1).bytes, 1, 1));
}

TEST(Dhcp6Server, AnswersARealDhclientSolicit) {
    auto s = make();
    auto bytes =
        hex("01 a81ec2 0001 000e 0001 0001 32a9d2b2 525400123456 0006 0008 0017 0018 0027 001f"
            "0008 0002 006b 0003 000c 00123456 00000e10 00001518");
    auto d = s.handle_packet(bytes, t0, 3);
    ASSERT_EQ(d.kind, DecisionKind::advertise);
    auto back = Message::parse(d.build());
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->type, MessageType::advertise);
    EXPECT_EQ(back->transaction_id, 0xa81ec2u);
    EXPECT_EQ(back->client_id->bytes, hex("0001 0001 32a9d2b2 525400123456"));
    EXPECT_EQ(back->ia_na.at(0).iaid, 0x123456u);
    EXPECT_TRUE(s.on_link(back->ia_na[0].addresses.at(0).address));
    EXPECT_EQ(back->dns_servers, config().dns_servers);
}

TEST(Dhcp6Server, MalformedPacketsAreCountedByReason) {
    auto s = make();
    EXPECT_EQ(s.handle_packet(hex("01 00"), t0).dropped, DropReason::truncated);
    EXPECT_EQ(s.handle_packet(hex("0c 000000"), t0).dropped, DropReason::relay);
    EXPECT_EQ(s.handle_packet(hex("0a 000001"), t0).dropped, DropReason::reconfigure);
    EXPECT_EQ(s.counters().dropped[size_t(DropReason::relay)], 1u);
    EXPECT_EQ(s.counters().dropped_total(), 3u);
}

TEST(Dhcp6Server, CreateRefusesBadConfigurationNamingIt) {
    auto c = config();
    c.prefix = *Address::parse("fd12:3456:789a:1::5");
    EXPECT_EQ(Server::create(c).error().message,
              "prefix fd12:3456:789a:1::5 has host bits set (a /64 is expected)");
    c = config();
    c.server_duid = Duid{{0, 1}};
    EXPECT_FALSE(Server::create(c).ok());
    c = config();
    c.dns_servers = {*Address::parse("ff02::1")};
    EXPECT_FALSE(Server::create(c).ok());
    c = config();
    c.domains = {"bad..domain"};
    EXPECT_EQ(Server::create(c).error().message, "bad domain 'bad..domain'");
    c = config();
    c.preferred_lifetime = 9000s;
    EXPECT_FALSE(Server::create(c).ok());
    c = config();
    c.t1 = 3000s;
    c.t2 = 2000s;
    EXPECT_FALSE(Server::create(c).ok());
    c = config();
    c.information_refresh = 10s;
    EXPECT_FALSE(Server::create(c).ok());
}
