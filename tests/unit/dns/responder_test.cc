#include "libvswitch/dns/responder.h"

#include <gtest/gtest.h>

#include "tests/unit/dns/dns_test_util.h"

using namespace vswitch;
using namespace vswitch::dns;
using namespace vswitch::dns::test;
using std::chrono::seconds;

namespace {

const TimePoint t0 = TimePoint{} + std::chrono::hours(1);
const Ipv4 kClient(172, 27, 160, 50);

class ResponderTest : public ::testing::Test {
protected:
    ResponderTest()
        : zone_(*LocalZone::create("vswitch.internal", *Ipv4Prefix::parse("172.27.160.0/20"))) {
        EXPECT_TRUE(zone_.set(RecordSource::host, "host", "myhost", Ipv4(172, 27, 160, 1)).ok());
        EXPECT_TRUE(
            zone_.set(RecordSource::lease, "52:54:00:00:00:0a", "web", Ipv4(172, 27, 160, 10))
                .ok());
        EXPECT_TRUE(zone_.set(RecordSource::port, "vsw-db0", "db", Ipv4(172, 27, 161, 5)).ok());
    }

    Decision handle(const Bytes& query, Transport transport = Transport::udp, Ipv4 client = kClient,
                    TimePoint now = t0) {
        return responder_.handle(query, QueryContext{transport, client}, now);
    }

    // The reply to query, parsed; fails the test when there is none.
    PktHandle reply_to(const Bytes& query, Transport transport = Transport::udp,
                       Ipv4 client = kClient) {
        Decision d = handle(query, transport, client);
        auto* r = std::get_if<Reply>(&d);
        EXPECT_TRUE(r) << "no reply (index " << d.index() << ")";
        return r ? parse(r->wire) : nullptr;
    }

    LocalZone zone_;
    Cache cache_;
    Responder responder_{zone_, cache_};
};

// Raw messages, for what ldns would not build.
Bytes header(uint16_t id, uint16_t flags, uint16_t qd, uint16_t an = 0, uint16_t ns = 0,
             uint16_t ar = 0) {
    return {uint8_t(id >> 8), uint8_t(id), uint8_t(flags >> 8), uint8_t(flags),
            uint8_t(qd >> 8), uint8_t(qd), uint8_t(an >> 8),    uint8_t(an),
            uint8_t(ns >> 8), uint8_t(ns), uint8_t(ar >> 8),    uint8_t(ar)};
}

Bytes with(Bytes a, std::initializer_list<uint8_t> tail) {
    a.insert(a.end(), tail);
    return a;
}

}  // namespace

struct LocalCase {
    const char* qname;
    ldns_rr_type qtype;
    ldns_pkt_rcode rcode;
    std::vector<std::string> answer;
    bool soa_in_authority;
};

TEST_F(ResponderTest, AnswersTheLocalZone) {
    const std::vector<LocalCase> cases = {
        {"web.vswitch.internal",
         LDNS_RR_TYPE_A,
         LDNS_RCODE_NOERROR,
         {"web.vswitch.internal. 30 IN A 172.27.160.10"},
         false},
        {"WeB.VSwitch.INTERNAL",
         LDNS_RR_TYPE_A,
         LDNS_RCODE_NOERROR,
         {"WeB.VSwitch.INTERNAL. 30 IN A 172.27.160.10"},
         false},
        {"myhost.vswitch.internal",
         LDNS_RR_TYPE_A,
         LDNS_RCODE_NOERROR,
         {"myhost.vswitch.internal. 30 IN A 172.27.160.1"},
         false},
        {"db.vswitch.internal",
         LDNS_RR_TYPE_ANY,
         LDNS_RCODE_NOERROR,
         {"db.vswitch.internal. 30 IN A 172.27.161.5"},
         false},
        {"web.vswitch.internal", LDNS_RR_TYPE_AAAA, LDNS_RCODE_NOERROR, {}, true},
        {"web.vswitch.internal", LDNS_RR_TYPE_MX, LDNS_RCODE_NOERROR, {}, true},
        {"nope.vswitch.internal", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, {}, true},
        {"nope.vswitch.internal", LDNS_RR_TYPE_AAAA, LDNS_RCODE_NXDOMAIN, {}, true},
        {"a.web.vswitch.internal", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, {}, true},
        {"vswitch.internal", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, {}, true},
        {"10.160.27.172.in-addr.arpa",
         LDNS_RR_TYPE_PTR,
         LDNS_RCODE_NOERROR,
         {"10.160.27.172.in-addr.arpa. 30 IN PTR web.vswitch.internal."},
         false},
        {"5.161.27.172.IN-ADDR.ARPA",
         LDNS_RR_TYPE_PTR,
         LDNS_RCODE_NOERROR,
         {"5.161.27.172.IN-ADDR.ARPA. 30 IN PTR db.vswitch.internal."},
         false},
        {"11.160.27.172.in-addr.arpa", LDNS_RR_TYPE_PTR, LDNS_RCODE_NXDOMAIN, {}, true},
        {"10.160.27.172.in-addr.arpa", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, {}, true},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(std::string(c.qname) + " type " + std::to_string(c.qtype));
        PktHandle r = reply_to(make_query(c.qname, c.qtype, {.id = 0x5151}));
        ASSERT_TRUE(r);
        EXPECT_EQ(ldns_pkt_id(r.get()), 0x5151);
        EXPECT_TRUE(ldns_pkt_qr(r.get()));
        EXPECT_TRUE(ldns_pkt_aa(r.get()));
        EXPECT_TRUE(ldns_pkt_rd(r.get()));
        EXPECT_FALSE(ldns_pkt_tc(r.get()));
        EXPECT_EQ(ldns_pkt_get_rcode(r.get()), c.rcode);
        EXPECT_EQ(answer(r.get()), c.answer);
        auto auth = authority(r.get());
        EXPECT_EQ(auth.size(), c.soa_in_authority ? 1u : 0u);
        if (c.soa_in_authority && !auth.empty()) {
            EXPECT_NE(auth[0].find(" IN SOA "), std::string::npos) << auth[0];
        }
        // The question is echoed as asked.
        auto q = question_of(*r);
        ASSERT_TRUE(q.ok());
        EXPECT_EQ(name_to_string(q->name), std::string(c.qname) + ".");
        EXPECT_EQ(q->type, c.qtype);
    }
    EXPECT_EQ(responder_.counters().local, cases.size());
    EXPECT_EQ(responder_.counters().local_nxdomain, 4u);
}

TEST_F(ResponderTest, SoaAtTheApex) {
    PktHandle r = reply_to(make_query("vswitch.internal", LDNS_RR_TYPE_SOA));
    ASSERT_TRUE(r);
    auto ans = answer(r.get());
    ASSERT_EQ(ans.size(), 1u);
    EXPECT_EQ(ans[0].rfind(
                  "vswitch.internal. 5 IN SOA vswitch.internal. hostmaster.vswitch.internal. ", 0),
              0u)
        << ans[0];
}

TEST_F(ResponderTest, KeepsRdClearAndCdAsAsked) {
    PktHandle r =
        reply_to(make_query("web.vswitch.internal", LDNS_RR_TYPE_A, {.rd = false, .cd = true}));
    ASSERT_TRUE(r);
    EXPECT_FALSE(ldns_pkt_rd(r.get()));
    EXPECT_TRUE(ldns_pkt_cd(r.get()));
    EXPECT_TRUE(ldns_pkt_ra(r.get()));
}

TEST_F(ResponderTest, ForwardsEverythingElseWithWhatTheReplyNeeds) {
    Decision d = handle(make_query("www.Example.com", LDNS_RR_TYPE_AAAA,
                                   {.id = 77, .edns = true, .udp_size = 4096, .dnssec_ok = true}));
    auto* f = std::get_if<Forward>(&d);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->query.id, 77);
    EXPECT_EQ(name_to_string(f->query.question.name), "www.Example.com.");
    EXPECT_EQ(f->query.question.type, LDNS_RR_TYPE_AAAA);
    EXPECT_TRUE(f->query.edns);
    EXPECT_TRUE(f->query.dnssec_ok);
    EXPECT_EQ(f->query.reply_limit, kMaxUdpPayload);  // the client's 4096, capped
    EXPECT_EQ(responder_.counters().forwarded, 1u);

    // Reverse names outside the subnet are someone else's.
    d = handle(make_query("1.176.27.172.in-addr.arpa", LDNS_RR_TYPE_PTR));
    EXPECT_TRUE(std::holds_alternative<Forward>(d));
}

TEST_F(ResponderTest, ClientUdpLimit) {
    struct Case {
        QueryOptions opts;
        Transport transport;
        uint16_t limit;
    } cases[] = {
        {{}, Transport::udp, 512},
        {{.edns = true, .udp_size = 1000}, Transport::udp, 1000},
        {{.edns = true, .udp_size = 100}, Transport::udp, 512},  // RFC 6891: below 512 means 512
        {{.edns = true, .udp_size = 65000}, Transport::udp, kMaxUdpPayload},
        {{}, Transport::tcp, 65535},
    };
    for (const auto& c : cases) {
        Decision d = handle(make_query("example.com", LDNS_RR_TYPE_A, c.opts), c.transport);
        auto* f = std::get_if<Forward>(&d);
        ASSERT_TRUE(f);
        EXPECT_EQ(f->query.reply_limit, c.limit) << c.opts.udp_size;
    }
}

TEST_F(ResponderTest, AnswersEdnsWithEdnsAndOurPayloadSize) {
    PktHandle r = reply_to(make_query("web.vswitch.internal", LDNS_RR_TYPE_A,
                                      {.edns = true, .udp_size = 4096, .dnssec_ok = true}));
    ASSERT_TRUE(r);
    EXPECT_TRUE(ldns_pkt_edns(r.get()));
    EXPECT_EQ(ldns_pkt_edns_udp_size(r.get()), kMaxUdpPayload);
    EXPECT_TRUE(ldns_pkt_edns_do(r.get()));
    PktHandle plain = reply_to(make_query("web.vswitch.internal", LDNS_RR_TYPE_A));
    ASSERT_TRUE(plain);
    EXPECT_FALSE(ldns_pkt_edns(plain.get()));
}

TEST_F(ResponderTest, TruncatesWhatDoesNotFitTheClientsLimit) {
    // 60 guests all calling themselves "many": 60 A records, ~1.2 KB.
    for (int i = 0; i < 60; ++i)
        ASSERT_TRUE(zone_
                        .set(RecordSource::lease, "m" + std::to_string(i), "many",
                             Ipv4(172, 27, 162, uint8_t(i + 1)))
                        .ok());
    PktHandle small = reply_to(make_query("many.vswitch.internal", LDNS_RR_TYPE_A));
    ASSERT_TRUE(small);
    EXPECT_TRUE(ldns_pkt_tc(small.get()));
    EXPECT_TRUE(answer(small.get()).empty());
    EXPECT_EQ(ldns_rr_list_rr_count(ldns_pkt_question(small.get())), 1u);
    EXPECT_EQ(responder_.counters().truncated, 1u);

    Decision d = handle(
        make_query("many.vswitch.internal", LDNS_RR_TYPE_A, {.edns = true, .udp_size = 4096}));
    auto* r = std::get_if<Reply>(&d);
    ASSERT_TRUE(r);
    EXPECT_LE(r->wire.size(), kMaxUdpPayload);
    PktHandle big = parse(r->wire);
    EXPECT_FALSE(ldns_pkt_tc(big.get()));
    EXPECT_EQ(answer(big.get()).size(), 60u);

    PktHandle tcp = reply_to(make_query("many.vswitch.internal", LDNS_RR_TYPE_A), Transport::tcp);
    ASSERT_TRUE(tcp);
    EXPECT_FALSE(ldns_pkt_tc(tcp.get()));
    EXPECT_EQ(answer(tcp.get()).size(), 60u);
}

TEST_F(ResponderTest, DropsWhatCannotBeAnswered) {
    EXPECT_TRUE(std::holds_alternative<Drop>(handle({})));
    EXPECT_TRUE(std::holds_alternative<Drop>(handle(Bytes(11, 0))));
    EXPECT_EQ(responder_.counters().dropped_short, 2u);
    // A response (QR set) is never answered: no reflection loops.
    EXPECT_TRUE(std::holds_alternative<Drop>(handle(header(1, 0x8100, 1))));
    EXPECT_EQ(responder_.counters().dropped_response, 1u);
}

struct ErrorCase {
    const char* what;
    Bytes query;
    ldns_pkt_rcode rcode;
};

TEST_F(ResponderTest, RejectsMalformedAndUnservedQueries) {
    const Bytes q_web = make_query("web.vswitch.internal", LDNS_RR_TYPE_A, {.id = 0x0102});
    // Two questions: a query ldns builds happily, with the header saying 2.
    Bytes two = q_web;
    {
        PktHandle p = parse(q_web);
        RrHandle extra = question_rr(make_question("db.vswitch.internal", LDNS_RR_TYPE_A));
        ldns_pkt_push_rr(p.get(), LDNS_SECTION_QUESTION, extra.release());
        two = *build_message(*p);
    }
    Bytes long_name = header(0x0102, 0x0100, 1);
    for (int i = 0; i < 5; ++i) {
        long_name.push_back(63);
        long_name.insert(long_name.end(), 63, 'a');
    }
    long_name.insert(long_name.end(), {0, 0, 1, 0, 1});
    // Two OPT records in the additional section.
    Bytes two_opts = make_query("example.com", LDNS_RR_TYPE_A, {.id = 0x0102, .edns = true});
    two_opts.insert(two_opts.end(), two_opts.end() - 11, two_opts.end());
    two_opts[11] = 2;

    const std::vector<ErrorCase> cases = {
        {"no question", header(0x0102, 0x0100, 0), LDNS_RCODE_FORMERR},
        {"two questions", two, LDNS_RCODE_FORMERR},
        {"many questions", header(0x0102, 0x0100, 500), LDNS_RCODE_FORMERR},
        {"question cut short", with(header(0x0102, 0x0100, 1), {3, 'w', 'e'}), LDNS_RCODE_FORMERR},
        {"question without type", with(header(0x0102, 0x0100, 1), {0}), LDNS_RCODE_FORMERR},
        {"compression loop", with(header(0x0102, 0x0100, 1), {0xc0, 12, 0, 1, 0, 1}),
         LDNS_RCODE_FORMERR},
        {"pointer forward", with(header(0x0102, 0x0100, 1), {0xc0, 40, 0, 1, 0, 1}),
         LDNS_RCODE_FORMERR},
        {"label of 64", with(header(0x0102, 0x0100, 1), {64, 'a'}), LDNS_RCODE_FORMERR},
        {"name over 255 bytes", long_name, LDNS_RCODE_FORMERR},
        {"two OPT records", two_opts, LDNS_RCODE_FORMERR},
        {"qtype OPT", make_query("example.com", LDNS_RR_TYPE_OPT, {.id = 0x0102}),
         LDNS_RCODE_FORMERR},
        {"IQUERY", with(header(0x0102, 0x0900, 1), {0, 0, 1, 0, 1}), LDNS_RCODE_NOTIMPL},
        {"STATUS", header(0x0102, 0x1000, 0), LDNS_RCODE_NOTIMPL},
        {"NOTIFY", header(0x0102, 0x2000, 1), LDNS_RCODE_NOTIMPL},
        {"UPDATE", header(0x0102, 0x2800, 1), LDNS_RCODE_NOTIMPL},
        {"DSO", header(0x0102, 0x3000, 0), LDNS_RCODE_NOTIMPL},
        {"opcode 15", header(0x0102, 0x7900, 1), LDNS_RCODE_NOTIMPL},
        {"AXFR", make_query("vswitch.internal", LDNS_RR_TYPE_AXFR, {.id = 0x0102}),
         LDNS_RCODE_REFUSED},
        {"IXFR", make_query("vswitch.internal", LDNS_RR_TYPE_IXFR, {.id = 0x0102}),
         LDNS_RCODE_REFUSED},
        {"MAILB", make_query("example.com", LDNS_RR_TYPE_MAILB, {.id = 0x0102}),
         LDNS_RCODE_NOTIMPL},
        {"class CHAOS",
         make_query("version.bind", LDNS_RR_TYPE_TXT, {.id = 0x0102, .klass = LDNS_RR_CLASS_CH}),
         LDNS_RCODE_REFUSED},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.what);
        Decision d = handle(c.query);
        auto* r = std::get_if<Reply>(&d);
        ASSERT_TRUE(r);
        auto h = read_header(r->wire);
        ASSERT_TRUE(h);
        EXPECT_EQ(h->id, 0x0102);
        EXPECT_TRUE(h->qr());
        EXPECT_EQ(h->rcode(), c.rcode);
        EXPECT_EQ(h->ancount, 0);
        EXPECT_EQ(h->nscount, 0);
        EXPECT_EQ(h->opcode(), read_header(c.query)->opcode());
        EXPECT_TRUE(parse_message(r->wire).ok());
    }
    const auto& n = responder_.counters();
    EXPECT_EQ(n.formerr, 11u);
    EXPECT_EQ(n.refused, 3u);
    EXPECT_EQ(n.notimp, 7u);
}

TEST_F(ResponderTest, ErrorRepliesKeepAQuestionThatParsed) {
    // NOTIFY and UPDATE carry the zone as their question; a QUERY from
    // outside the subnet its own. The reply echoes it byte for byte.
    const Bytes q_web = make_query("web.vswitch.internal", LDNS_RR_TYPE_A, {.id = 0x0102});
    const Bytes question(q_web.begin() + 12, q_web.end());
    struct Case {
        const char* what;
        Bytes query;
        Ipv4 client;
        ldns_pkt_rcode rcode;
    } cases[] = {
        {"NOTIFY", [&] { Bytes b = header(0x0102, 0x2400, 1); b.insert(b.end(), question.begin(), question.end()); return b; }(),
         kClient, LDNS_RCODE_NOTIMPL},
        {"UPDATE", [&] { Bytes b = header(0x0102, 0x2800, 1); b.insert(b.end(), question.begin(), question.end()); return b; }(),
         kClient, LDNS_RCODE_NOTIMPL},
        {"outside the subnet", q_web, Ipv4(203, 0, 113, 5), LDNS_RCODE_REFUSED},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.what);
        Decision d = handle(c.query, Transport::udp, c.client);
        auto* r = std::get_if<Reply>(&d);
        ASSERT_TRUE(r);
        auto h = read_header(r->wire);
        ASSERT_TRUE(h);
        EXPECT_EQ(h->rcode(), c.rcode);
        EXPECT_EQ(h->opcode(), read_header(c.query)->opcode());
        EXPECT_EQ(h->qdcount, 1);
        EXPECT_EQ(Bytes(r->wire.begin() + 12, r->wire.end()), question);
    }
    // An EDNS client's error reply carries an OPT of ours (RFC 6891 §7).
    Bytes notify_edns = make_query("web.vswitch.internal", LDNS_RR_TYPE_SOA, {.id = 0x0102, .edns = true});
    notify_edns[2] = uint8_t((notify_edns[2] & 0x87) | (4 << 3));  // opcode NOTIFY
    Decision e = handle(notify_edns);
    PktHandle p = parse(std::get<Reply>(e).wire);
    ASSERT_TRUE(p);
    EXPECT_EQ(ldns_pkt_get_rcode(p.get()), LDNS_RCODE_NOTIMPL);
    EXPECT_EQ(ldns_pkt_qdcount(p.get()), 1);
    EXPECT_TRUE(ldns_pkt_edns(p.get()));
    EXPECT_EQ(ldns_pkt_edns_udp_size(p.get()), kMaxUdpPayload);
    // A compressed or cut question is not echoed.
    Bytes cut = header(0x0102, 0x2000, 1);
    cut.insert(cut.end(), question.begin(), question.end() - 1);
    Decision d = handle(cut);
    auto h = read_header(std::get<Reply>(d).wire);
    EXPECT_EQ(h->qdcount, 0);
    EXPECT_EQ(std::get<Reply>(d).wire.size(), 12u);
}

TEST_F(ResponderTest, AnswersBadversToEdnsVersionOne) {
    Decision d = handle(
        make_query("web.vswitch.internal", LDNS_RR_TYPE_A, {.edns = true, .edns_version = 1}));
    auto* r = std::get_if<Reply>(&d);
    ASSERT_TRUE(r);
    PktHandle p = parse(r->wire);
    ASSERT_TRUE(p);
    // RFC 6891 §6.1.3: BADVERS is 16, extended rcode 1 over rcode 0, in an OPT of version 0.
    EXPECT_EQ(ldns_pkt_get_rcode(p.get()), 0);
    EXPECT_EQ(ldns_pkt_edns_extended_rcode(p.get()), 1);
    EXPECT_EQ(ldns_pkt_edns_version(p.get()), 0);
    EXPECT_TRUE(answer(p.get()).empty());
    EXPECT_EQ(responder_.counters().badvers, 1u);
}

TEST_F(ResponderTest, RefusesClientsOutsideTheSubnet) {
    Decision d = handle(make_query("web.vswitch.internal", LDNS_RR_TYPE_A, {.id = 9}),
                        Transport::udp, Ipv4(203, 0, 113, 5));
    auto* r = std::get_if<Reply>(&d);
    ASSERT_TRUE(r);
    auto h = read_header(r->wire);
    EXPECT_EQ(h->id, 9);
    EXPECT_EQ(h->rcode(), LDNS_RCODE_REFUSED);
    EXPECT_EQ(h->ancount, 0);
    EXPECT_EQ(responder_.counters().refused_client, 1u);
}

TEST_F(ResponderTest, UpstreamAnswersAreRelayedWithTheClientsIdAndCachedAfter) {
    Decision d = handle(make_query("www.example.com", LDNS_RR_TYPE_A, {.id = 1111, .edns = true}));
    auto* f = std::get_if<Forward>(&d);
    ASSERT_TRUE(f);

    ReplySpec up;
    up.id = 0x9999;  // the daemon's own upstream id
    up.name = "www.example.com.";
    up.ad = true;
    up.answer = {"www.example.com. 300 IN A 192.0.2.7"};
    up.authority = {"example.com. 3600 IN NS ns.example.com."};
    PktHandle upstream = make_reply_pkt(up);
    PktHandle r = parse(responder_.answer_from_upstream(f->query, *upstream));
    ASSERT_TRUE(r);
    EXPECT_EQ(ldns_pkt_id(r.get()), 1111);
    EXPECT_FALSE(ldns_pkt_aa(r.get()));
    EXPECT_FALSE(ldns_pkt_ad(r.get()));  // the client did not ask for DNSSEC
    EXPECT_TRUE(ldns_pkt_edns(r.get()));
    EXPECT_EQ(answer(r.get()), std::vector<std::string>{"www.example.com. 300 IN A 192.0.2.7"});
    EXPECT_EQ(authority(r.get()),
              std::vector<std::string>{"example.com. 3600 IN NS ns.example.com."});

    ASSERT_TRUE(cache_.insert(f->query.question, f->query.dnssec_ok, *upstream, t0));
    // Later, another client asks in another case: answered from cache, its
    // own id and question, TTL lowered by the age.
    d = handle(make_query("WWW.example.COM", LDNS_RR_TYPE_A, {.id = 2222, .edns = true}),
               Transport::udp, kClient, t0 + seconds(100));
    auto* cached = std::get_if<Reply>(&d);
    ASSERT_TRUE(cached);
    PktHandle c = parse(cached->wire);
    EXPECT_EQ(ldns_pkt_id(c.get()), 2222);
    EXPECT_TRUE(ldns_pkt_qr(c.get()));
    EXPECT_TRUE(ldns_pkt_rd(c.get()));
    EXPECT_FALSE(ldns_pkt_aa(c.get()));
    EXPECT_EQ(name_to_string(question_of(*c)->name), "WWW.example.COM.");
    EXPECT_EQ(answer(c.get()), std::vector<std::string>{"WWW.example.COM. 200 IN A 192.0.2.7"});
    EXPECT_EQ(responder_.counters().cached, 1u);
    // Once expired, forwarded again.
    d = handle(make_query("www.example.com", LDNS_RR_TYPE_A), Transport::udp, kClient,
               t0 + seconds(300));
    EXPECT_TRUE(std::holds_alternative<Forward>(d));
}

TEST_F(ResponderTest, ServfailEchoesTheQuestion) {
    Decision d = handle(make_query("slow.example.com", LDNS_RR_TYPE_A, {.id = 31}));
    auto* f = std::get_if<Forward>(&d);
    ASSERT_TRUE(f);
    PktHandle r = parse(responder_.servfail(f->query));
    ASSERT_TRUE(r);
    EXPECT_EQ(ldns_pkt_id(r.get()), 31);
    EXPECT_EQ(ldns_pkt_get_rcode(r.get()), LDNS_RCODE_SERVFAIL);
    EXPECT_EQ(name_to_string(question_of(*r)->name), "slow.example.com.");
    EXPECT_EQ(responder_.counters().servfail, 1u);
}

// The local A fast path writes the reply by hand: it must be the very bytes
// ldns writes for the same reply (question echoed, owner compressed to it).
TEST_F(ResponderTest, LocalAReplyIsTheSameBytesLdnsWrites) {
    struct Case {
        QueryOptions opts;
        const char* name;
    } cases[] = {
        {{}, "web.vswitch.internal"},
        {{.id = 9, .rd = false, .cd = true}, "WEB.vswitch.Internal"},
        {{.edns = true, .udp_size = 4096}, "web.vswitch.internal"},
        {{.edns = true, .udp_size = 700, .dnssec_ok = true}, "myhost.vswitch.internal"},
    };
    for (const auto& c : cases) {
        Decision d = handle(make_query(c.name, LDNS_RR_TYPE_A, c.opts));
        auto* r = std::get_if<Reply>(&d);
        ASSERT_TRUE(r) << c.name;

        PktHandle want(ldns_pkt_new());
        ldns_pkt_push_rr(want.get(), LDNS_SECTION_QUESTION,
                         question_rr(make_question(c.name, LDNS_RR_TYPE_A)).release());
        ldns_pkt_set_id(want.get(), c.opts.id);
        ldns_pkt_set_qr(want.get(), true);
        ldns_pkt_set_aa(want.get(), true);
        ldns_pkt_set_rd(want.get(), c.opts.rd);
        ldns_pkt_set_ra(want.get(), true);
        ldns_pkt_set_cd(want.get(), c.opts.cd);
        if (c.opts.edns) {
            ldns_pkt_set_edns_udp_size(want.get(), kMaxUdpPayload);
            ldns_pkt_set_edns_version(want.get(), 0);
            ldns_pkt_set_edns_do(want.get(), c.opts.dnssec_ok);
        }
        std::string addr = std::string(c.name).starts_with("myhost") ? "172.27.160.1" : "172.27.160.10";
        ldns_pkt_push_rr(want.get(), LDNS_SECTION_ANSWER,
                         make_rr(std::string(c.name) + ". 30 IN A " + addr).release());
        auto want_wire = build_message(*want);
        ASSERT_TRUE(want_wire.ok());
        EXPECT_EQ(r->wire, *want_wire) << c.name;
    }
    EXPECT_EQ(responder_.counters().local, 4u);
    EXPECT_EQ(responder_.counters().fast_local, 4u);  // all four by the fast path
}

TEST_F(ResponderTest, NamesWithManyAddressesAndOddQueriesStillGetFullAnswers) {
    // More addresses than the fast path writes: every one still comes back.
    for (int i = 0; i < 12; ++i)
        ASSERT_TRUE(zone_
                        .set(RecordSource::lease, "d" + std::to_string(i), "dozen",
                             Ipv4(172, 27, 163, uint8_t(i + 1)))
                        .ok());
    PktHandle r = reply_to(make_query("dozen.vswitch.internal", LDNS_RR_TYPE_A));
    ASSERT_TRUE(r);
    EXPECT_EQ(answer(r.get()).size(), 12u);

    // An OPT of version 1 is not for the fast path: BADVERS as before.
    Decision d = handle(make_query("web.vswitch.internal", LDNS_RR_TYPE_A, {.edns = true, .edns_version = 1}));
    auto* bad = std::get_if<Reply>(&d);
    ASSERT_TRUE(bad);
    PktHandle b = parse(bad->wire);
    ASSERT_TRUE(b);
    EXPECT_TRUE(answer(b.get()).empty());
    EXPECT_EQ(responder_.counters().badvers, 1u);

    // Two OPT records: FORMERR, also not for the fast path.
    Bytes two_opts = with(header(5, 0x0100, 1, 0, 0, 2),
                          {3, 'w', 'e', 'b', 8, 'v', 's', 'w', 'i', 't', 'c', 'h', 8, 'i', 'n', 't', 'e', 'r',
                           'n', 'a', 'l', 0, 0, 1, 0, 1, 0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 41, 16, 0,
                           0, 0, 0, 0, 0, 0});
    d = handle(two_opts);
    auto* fe = std::get_if<Reply>(&d);
    ASSERT_TRUE(fe);
    ASSERT_GE(fe->wire.size(), 4u);
    EXPECT_EQ(fe->wire[3] & 0xf, LDNS_RCODE_FORMERR);
}

// A cache hit is answered from the stored wire, patched by hand; a query
// the fast path does not take (here one carrying an authority record)
// still goes through ldns. Both must say the same.
TEST_F(ResponderTest, CachedFastPathSaysWhatTheLdnsPathSays) {
    ReplySpec up;
    up.name = "secure.example.";
    up.ad = true;
    up.answer = {"secure.example. 300 IN A 192.0.2.9", "secure.example. 100 IN A 192.0.2.10"};
    up.authority = {"example. 3600 IN NS ns.example."};
    up.additional = {"ns.example. 50 IN A 192.0.2.53"};
    PktHandle upstream = make_reply_pkt(up);
    ASSERT_TRUE(cache_.insert(make_question("secure.example.", LDNS_RR_TYPE_A), true, *upstream, t0));
    ASSERT_TRUE(cache_.insert(make_question("secure.example.", LDNS_RR_TYPE_A), false, *upstream, t0));

    struct Case {
        QueryOptions opts;
    } cases[] = {
        {{.id = 1}},
        {{.id = 2, .rd = false, .cd = true, .edns = true, .udp_size = 1232}},
        {{.id = 3, .edns = true, .udp_size = 4096, .dnssec_ok = true}},
    };
    for (const auto& c : cases) {
        Bytes plain = make_query("Secure.EXAMPLE", LDNS_RR_TYPE_A, c.opts);
        // The same question with an authority record: not the fast path's shape.
        PktHandle odd_pkt = parse(plain);
        ASSERT_TRUE(odd_pkt);
        ldns_pkt_push_rr(odd_pkt.get(), LDNS_SECTION_AUTHORITY, make_rr("x.example. 1 IN A 192.0.2.1").release());
        Bytes odd = *build_message(*odd_pkt);

        uint64_t fast_before = responder_.counters().fast_cached;
        Decision fast = handle(plain, Transport::udp, kClient, t0 + seconds(40));
        EXPECT_EQ(responder_.counters().fast_cached, fast_before + 1) << "not the fast path: " << c.opts.id;
        Decision slow = handle(odd, Transport::udp, kClient, t0 + seconds(40));
        EXPECT_EQ(responder_.counters().fast_cached, fast_before + 1) << "the odd query took the fast path";
        auto* f = std::get_if<Reply>(&fast);
        auto* s = std::get_if<Reply>(&slow);
        ASSERT_TRUE(f && s) << c.opts.id;
        PktHandle fp = parse(f->wire), sp = parse(s->wire);
        ASSERT_TRUE(fp && sp);
        EXPECT_EQ(ldns_pkt_id(fp.get()), c.opts.id);
        for (auto get : {ldns_pkt_qr, ldns_pkt_aa, ldns_pkt_tc, ldns_pkt_rd, ldns_pkt_ra, ldns_pkt_ad, ldns_pkt_cd,
                         ldns_pkt_edns})
            EXPECT_EQ(get(fp.get()), get(sp.get())) << c.opts.id;
        EXPECT_EQ(ldns_pkt_ad(fp.get()), c.opts.dnssec_ok);  // AD only to a DO client
        EXPECT_EQ(ldns_pkt_get_rcode(fp.get()), ldns_pkt_get_rcode(sp.get()));
        EXPECT_EQ(ldns_pkt_edns_do(fp.get()), ldns_pkt_edns_do(sp.get()));
        EXPECT_EQ(ldns_pkt_edns_udp_size(fp.get()), ldns_pkt_edns_udp_size(sp.get()));
        EXPECT_EQ(name_to_string(question_of(*fp)->name), "Secure.EXAMPLE.");
        EXPECT_EQ(answer(fp.get()), answer(sp.get()));
        EXPECT_EQ(authority(fp.get()), authority(sp.get()));
        EXPECT_EQ(section(fp.get(), LDNS_SECTION_ADDITIONAL), section(sp.get(), LDNS_SECTION_ADDITIONAL));
        EXPECT_EQ(first_ttl(fp.get(), LDNS_SECTION_ANSWER), 260u);  // 300, aged by 40 s
    }
    EXPECT_EQ(responder_.counters().cached, 6u);
    EXPECT_EQ(responder_.counters().fast_cached, 3u);
    EXPECT_EQ(cache_.counters().hits, 6u);
}

// ForwardDNS=no (an internal switch): local names answered, everything else
// REFUSED with its question, nothing forwarded, RA clear throughout.
TEST_F(ResponderTest, AHostOnlySwitchServesItsOwnNamesAlone) {
    Cache cache;
    Responder host_only(zone_, cache, false);
    auto ask = [&](const Bytes& q) { return host_only.handle(q, QueryContext{Transport::udp, kClient}, t0); };
    for (auto edns : {false, true}) {
        SCOPED_TRACE(edns);
        Decision local = ask(make_query("web.vswitch.internal", LDNS_RR_TYPE_A, {.id = 3, .edns = edns}));
        PktHandle p = parse(std::get<Reply>(local).wire);
        ASSERT_TRUE(p);
        EXPECT_EQ(ldns_pkt_get_rcode(p.get()), LDNS_RCODE_NOERROR);
        EXPECT_EQ(ldns_pkt_ancount(p.get()), 1);
        EXPECT_FALSE(ldns_pkt_ra(p.get()));
        Decision outside = ask(make_query("example.com", LDNS_RR_TYPE_A, {.id = 4, .edns = edns}));
        ASSERT_TRUE(std::holds_alternative<Reply>(outside));
        p = parse(std::get<Reply>(outside).wire);
        ASSERT_TRUE(p);
        EXPECT_EQ(ldns_pkt_get_rcode(p.get()), LDNS_RCODE_REFUSED);
        EXPECT_EQ(ldns_pkt_qdcount(p.get()), 1);
        EXPECT_FALSE(ldns_pkt_ra(p.get()));
    }
    // A reverse name of the subnet is still ours.
    Decision ptr = ask(make_query("10.160.27.172.in-addr.arpa", LDNS_RR_TYPE_PTR, {.id = 5}));
    PktHandle p = parse(std::get<Reply>(ptr).wire);
    ASSERT_TRUE(p);
    EXPECT_EQ(ldns_pkt_get_rcode(p.get()), LDNS_RCODE_NOERROR);
    EXPECT_EQ(host_only.counters().forwarded, 0u);
    EXPECT_EQ(host_only.counters().refused, 2u);
    // The forwarding responder forwards the same query.
    EXPECT_TRUE(std::holds_alternative<Forward>(handle(make_query("example.com", LDNS_RR_TYPE_A, {.id = 4}))));
}
