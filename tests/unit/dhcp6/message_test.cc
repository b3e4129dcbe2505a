#include "libvswitch/dhcp6/message.h"

#include <gtest/gtest.h>

#include "tests/unit/dhcp/test_util.h"

using namespace vswitch;
using namespace vswitch::dhcp6;
using vswitch::dhcp::test::hex;

namespace {

// ISC dhclient 4.4.3 -6, captured in a namespace pair by this branch's
// author (veth, MAC 52:54:00:12:34:56), its first Solicit.
const std::vector<uint8_t> kDhclientSolicit =
    hex("01 a81ec2"                                  // Solicit, xid
        "0001 000e 0001 0001 32a9d2b2 525400123456"  // Client ID: DUID-LLT, Ethernet
        "0006 0008 0017 0018 0027 001f"              // ORO: 23 24 39 31
        "0008 0002 006b"                             // Elapsed Time 1.07 s
        "0003 000c 00123456 00000e10 00001518");     // IA_NA iaid T1 3600 T2 5400

Result<Message> parse_hex(std::string_view text, DropReason* reason = nullptr) {
    auto bytes = hex(text);
    return Message::parse(bytes, reason);
}

DropReason reason_of(std::string_view text) {
    DropReason r = DropReason::count;
    auto m = parse_hex(text, &r);
    EXPECT_FALSE(m.ok()) << text;
    return r;
}

Message sample_reply() {
    Message m;
    m.type = MessageType::reply;
    m.transaction_id = 0xa81ec2;
    m.client_id = Duid{{0, 3, 0, 1, 0x52, 0x54, 0, 0x12, 0x34, 0x56}};
    m.server_id = Duid{{0, 3, 0, 1, 0x02, 0, 0, 0, 0, 1}};
    Ia ia{0x123456, 3600, 5760, {}, std::nullopt};
    ia.addresses.push_back({*Address::parse("fd12:3456:789a:1::abcd"), 7200, 7200, std::nullopt});
    ia.addresses.push_back(
        {*Address::parse("fd00:1::abcd"), 0, 0, StatusOption{StatusCode::not_on_link, "old"}});
    m.ia_na.push_back(ia);
    m.ia_ta.push_back(Ia{7, 0, 0, {}, StatusOption{StatusCode::no_addrs_avail, "no"}});
    m.ia_pd.push_back(IaPd{9, 0, 0, StatusOption{StatusCode::no_prefix_avail, ""}});
    m.oro = {23, 24};
    m.preference = 255;
    m.elapsed_time = 0;
    m.rapid_commit = true;
    m.status = StatusOption{StatusCode::success, "ok"};
    m.dns_servers = {*Address::parse("fd12:3456:789a:1::1")};
    m.domains = {"vswitch.internal", "example.org"};
    m.information_refresh_time = 3600;
    m.fqdn = Fqdn{Fqdn::kS | Fqdn::kO, "web1.vswitch.internal", true};
    return m;
}

}  // namespace

TEST(Dhcp6Message, ParsesDhclientSolicit) {
    auto m = Message::parse(kDhclientSolicit);
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_EQ(m->type, MessageType::solicit);
    EXPECT_EQ(m->transaction_id, 0xa81ec2u);
    ASSERT_TRUE(m->client_id);
    EXPECT_EQ(m->client_id->type(), Duid::llt);
    EXPECT_EQ(m->client_id->bytes.size(), 14u);
    EXPECT_FALSE(m->server_id);
    EXPECT_EQ(m->oro, (std::vector<uint16_t>{23, 24, 39, 31}));
    EXPECT_TRUE(m->requested(OptionCode::dns_servers));
    EXPECT_FALSE(m->requested(OptionCode::preference));
    EXPECT_EQ(m->elapsed_time, 107);
    EXPECT_FALSE(m->rapid_commit);
    ASSERT_EQ(m->ia_na.size(), 1u);
    EXPECT_EQ(m->ia_na[0].iaid, 0x123456u);
    EXPECT_EQ(m->ia_na[0].t1, 3600u);
    EXPECT_EQ(m->ia_na[0].t2, 5400u);
    EXPECT_TRUE(m->ia_na[0].addresses.empty());
}

TEST(Dhcp6Message, BuildOfDhclientSolicitWritesItsOptionsInOurOrder) {
    auto m = Message::parse(kDhclientSolicit);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->build(), hex("01 a81ec2 0001 000e 0001 0001 32a9d2b2 525400123456"
                              "0003 000c 00123456 00000e10 00001518"
                              "0006 0008 0017 0018 0027 001f 0008 0002 006b"));
}

TEST(Dhcp6Message, BuildsReplyByteForByte) {
    Message m;
    m.type = MessageType::reply;
    m.transaction_id = 0x010203;
    m.client_id = Duid{{0, 3, 0, 1, 0x52, 0x54, 0, 0x12, 0x34, 0x56}};
    m.server_id = Duid{{0, 3, 0, 1, 0x02, 0, 0, 0, 0, 1}};
    Ia ia{0x11, 1800, 2880, {}, std::nullopt};
    ia.addresses.push_back({*Address::parse("fd00::2"), 3600, 7200, std::nullopt});
    m.ia_na.push_back(ia);
    m.rapid_commit = true;
    m.dns_servers = {*Address::parse("fd00::1")};
    m.domains = {"vswitch.internal"};
    m.fqdn = Fqdn{Fqdn::kS, "a.b", true};
    EXPECT_EQ(m.build(), hex("07 010203"
                             "0001 000a 0003 0001 525400123456"
                             "0002 000a 0003 0001 020000000001"
                             "0003 0028 00000011 00000708 00000b40"
                             "  0005 0018 fd000000000000000000000000000002 00000e10 00001c20"
                             "000e 0000"
                             "0017 0010 fd000000000000000000000000000001"
                             "0018 0012 07 76737769746368 08 696e7465726e616c 00"
                             "0027 0006 01 0161 0162 00"));
}

TEST(Dhcp6Message, RoundTripsEveryField) {
    auto m = sample_reply();
    auto back = Message::parse(m.build());
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(*back, m);
}

TEST(Dhcp6Message, PartialAndEmptyFqdnRoundTrip) {
    for (auto f : {Fqdn{0, "web1", false}, Fqdn{Fqdn::kN, "", false}, Fqdn{0, "", true}}) {
        Message m;
        m.type = MessageType::request;
        m.fqdn = f;
        auto back = Message::parse(m.build());
        ASSERT_TRUE(back.ok()) << back.error().message;
        EXPECT_EQ(back->fqdn, f);
    }
}

TEST(Dhcp6Message, FqdnMbzBitsAreIgnored) {
    auto m = parse_hex("03 000001 0027 0002 f9 00");
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_EQ(m->fqdn->flags, Fqdn::kS);
}

TEST(Dhcp6Message, UnknownOptionsAreSkipped) {
    auto m = parse_hex("0b 000001 00ff 0003 010203 0006 0002 0017");
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_EQ(m->oro, std::vector<uint16_t>{23});
}

TEST(Dhcp6Message, IaPdPrefixesAreCheckedAndSkipped) {
    auto m = parse_hex(
        "01 000001 0019 0029 00000009 00000000 00000000"
        "  001a 0019 00000000 00000000 40 fd000000000000000000000000000000");
    ASSERT_TRUE(m.ok()) << m.error().message;
    ASSERT_EQ(m->ia_pd.size(), 1u);
    EXPECT_EQ(m->ia_pd[0].iaid, 9u);
    EXPECT_EQ(reason_of("01 000001 0019 0010 00000009 00000000 00000000 001a 0000"),
              DropReason::bad_option);
}

TEST(Dhcp6Message, DuidTypesAreCheckedForLength) {
    EXPECT_TRUE(Duid::parse(hex("0001 0001 00000000 52")).ok());
    EXPECT_FALSE(Duid::parse(hex("0001 0001 000000")).ok());
    EXPECT_TRUE(Duid::parse(hex("0002 00000009 01")).ok());
    EXPECT_FALSE(Duid::parse(hex("0002 000009")).ok());
    EXPECT_TRUE(Duid::parse(hex("0003 0001 52")).ok());
    EXPECT_FALSE(Duid::parse(hex("0003 0001")).ok());
    EXPECT_TRUE(Duid::parse(hex("0004 00112233445566778899aabbccddeeff")).ok());
    EXPECT_FALSE(Duid::parse(hex("0004 00112233445566778899aabbccddee")).ok());
    EXPECT_FALSE(Duid::parse(hex("0004 00112233445566778899aabbccddeeff00")).ok());
    EXPECT_FALSE(Duid::parse(hex("0000 0001 52")).ok());
    EXPECT_TRUE(Duid::parse(hex("0009 01")).ok());  // later types: opaque
    EXPECT_FALSE(Duid::parse(std::vector<uint8_t>(131, 2)).ok());
    EXPECT_TRUE(Duid::parse(std::vector<uint8_t>(130, 2)).ok());
    EXPECT_EQ(Duid::from_mac({0x52, 0x54, 0, 1, 2, 3}).bytes, hex("0003 0001 525400010203"));
}

TEST(Dhcp6Message, RefusesRelayAndReconfigureWithTheirReasons) {
    DropReason r{};
    auto m =
        parse_hex("0c 00 fe800000000000000000000000000001 fe800000000000000000000000000002", &r);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().code, ENOTSUP);
    EXPECT_EQ(r, DropReason::relay);
    EXPECT_EQ(reason_of("0d 000000"), DropReason::relay);
    EXPECT_EQ(reason_of("0a 000001"), DropReason::reconfigure);
}

TEST(Dhcp6Message, EveryMalformedInputNamesItsReason) {
    struct Case {
        const char* what;
        const char* bytes;
        DropReason reason;
    };
    const Case cases[] = {
        {"empty", "", DropReason::truncated},
        {"three bytes", "01 0000", DropReason::truncated},
        {"type zero", "00 000001", DropReason::unknown_type},
        {"type 14", "0e 000001", DropReason::unknown_type},
        {"option header cut", "01 000001 0001 00", DropReason::truncated},
        {"option past end", "01 000001 0001 000e 0001", DropReason::truncated},
        {"client id short", "01 000001 0001 0002 0003", DropReason::bad_duid},
        {"server id uuid short", "01 000001 0002 0004 0004 0000", DropReason::bad_duid},
        {"two client ids", "01 000001 0001 0005 0003 0001 52 0001 0005 0003 0001 52",
         DropReason::duplicate_option},
        {"two server ids", "03 000001 0002 0005 0003 0001 52 0002 0005 0003 0001 52",
         DropReason::duplicate_option},
        {"IA_NA short", "01 000001 0003 000b 0000000100000000000000", DropReason::bad_option},
        {"IA_TA short", "01 000001 0004 0003 000000", DropReason::bad_option},
        {"IA_PD short", "01 000001 0019 0004 00000001", DropReason::bad_option},
        {"IAADDR short", "05 000001 0003 0010 00000001 00000000 00000000 0005 0000",
         DropReason::bad_option},
        {"IAADDR past IA", "05 000001 0003 0010 00000001 00000000 00000000 0005 0020",
         DropReason::truncated},
        {"two statuses in IA",
         "07 000001 0003 0018 00000001 00000000 00000000 000d 0002 0000 000d 0002 0000",
         DropReason::duplicate_option},
        {"status short", "07 000001 000d 0001 00", DropReason::bad_option},
        {"two statuses", "07 000001 000d 0002 0000 000d 0002 0000", DropReason::duplicate_option},
        {"ORO odd", "0b 000001 0006 0003 001700", DropReason::bad_option},
        {"two OROs", "0b 000001 0006 0002 0017 0006 0002 0018", DropReason::duplicate_option},
        {"elapsed 3 bytes", "01 000001 0008 0003 000000", DropReason::bad_option},
        {"two elapsed", "01 000001 0008 0002 0000 0008 0002 0000", DropReason::duplicate_option},
        {"preference 2 bytes", "02 000001 0007 0002 0000", DropReason::bad_option},
        {"rapid commit with data", "01 000001 000e 0001 00", DropReason::bad_option},
        {"two rapid commits", "01 000001 000e 0000 000e 0000", DropReason::duplicate_option},
        {"dns 15 bytes", "07 000001 0017 000f 000000000000000000000000000000",
         DropReason::bad_option},
        {"dns empty", "07 000001 0017 0000", DropReason::bad_option},
        {"domain list empty", "07 000001 0018 0000", DropReason::bad_option},
        {"domain compressed", "07 000001 0018 0002 c000", DropReason::bad_option},
        {"domain cut short", "07 000001 0018 0003 02 6161", DropReason::bad_option},
        {"domain not rooted", "07 000001 0018 0003 02 6161", DropReason::bad_option},
        {"domain root only", "07 000001 0018 0001 00", DropReason::bad_option},
        {"domain with dot", "07 000001 0018 0004 02 612e 00", DropReason::bad_option},
        {"refresh 2 bytes", "07 000001 0020 0002 0000", DropReason::bad_option},
        {"fqdn empty option", "03 000001 0027 0000", DropReason::bad_option},
        {"fqdn bytes after root", "03 000001 0027 0005 00 0161 00 61", DropReason::bad_option},
        {"fqdn label too long", "03 000001 0027 0002 00 40", DropReason::bad_option},
        {"fqdn control char", "03 000001 0027 0003 00 01 07", DropReason::bad_option},
        {"two fqdns", "03 000001 0027 0001 00 0027 0001 00", DropReason::duplicate_option},
    };
    for (const auto& c : cases) EXPECT_EQ(reason_of(c.bytes), c.reason) << c.what;
}

TEST(Dhcp6Message, OversizedAndTooManyOptionsAreE2big) {
    std::vector<uint8_t> big(kMaxMessageSize + 1, 0);
    big[0] = 1;
    DropReason r{};
    auto m = Message::parse(big, &r);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().code, E2BIG);
    EXPECT_EQ(r, DropReason::oversized);

    std::vector<uint8_t> many = hex("01 000001");
    for (size_t i = 0; i <= kMaxOptions; ++i) {
        auto o = hex("00ff 0000");
        many.insert(many.end(), o.begin(), o.end());
    }
    m = Message::parse(many, &r);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().code, E2BIG);
    EXPECT_EQ(r, DropReason::too_many_options);

    std::vector<uint8_t> ias = hex("01 000001");
    for (size_t i = 0; i <= kMaxIas; ++i) {
        auto o = hex("0003 000c 00000000 00000000 00000000");
        o[7] = uint8_t(i);
        ias.insert(ias.end(), o.begin(), o.end());
    }
    m = Message::parse(ias, &r);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(r, DropReason::too_many_options);
}

TEST(Dhcp6Message, ErrorsSayWhatWasWrong) {
    auto m = parse_hex("01 000001 0001 000e 0001");
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().message, "option 1 runs past the end of the message");
    m = parse_hex("01 000001 0001 0002 0003");
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().message, "Client ID: DUID shorter than 3 bytes");
}

TEST(Dhcp6Message, NamesTheTypesAndCodes) {
    EXPECT_EQ(to_string(MessageType::information_request), "INFORMATION-REQUEST");
    EXPECT_EQ(to_string(StatusCode::not_on_link), "NotOnLink");
    EXPECT_EQ(to_string(DropReason::other_server), "other-server");
}
