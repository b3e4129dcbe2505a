#include "libvswitch/dhcp/message.h"

#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "tests/unit/dhcp/test_util.h"

using namespace vswitch;
using namespace vswitch::dhcp;
using vswitch::dhcp::test::hex;
using vswitch::dhcp::test::raw_request;

namespace {

Message sample_reply() {
    Message m;
    m.op = Op::reply;
    m.hops = 1;
    m.xid = 0xdeadbeef;
    m.secs = 7;
    m.set_broadcast(true);
    m.ciaddr = Ipv4(0, 0, 0, 0);
    m.yiaddr = Ipv4(172, 27, 160, 10);
    m.siaddr = Ipv4(172, 27, 160, 1);
    m.giaddr = Ipv4(0, 0, 0, 0);
    m.set_mac(*Mac::parse("52:54:00:ab:cd:ef"));
    m.sname = "gateway";
    m.file = "pxelinux.0";
    m.options.set_message_type(MessageType::ack);
    m.options.set_address(OptionCode::server_id, Ipv4(172, 27, 160, 1));
    m.options.set_u32(OptionCode::lease_time, 86400);
    m.options.set_address(OptionCode::subnet_mask, Ipv4(255, 255, 240, 0));
    const Ipv4 gw[] = {Ipv4(172, 27, 160, 1)};
    m.options.set_addresses(OptionCode::router, gw);
    m.options.set_text(OptionCode::domain_name, "vswitch.internal");
    return m;
}

std::vector<uint8_t> with_type(uint8_t type, std::vector<uint8_t> extra = {}) {
    std::vector<uint8_t> opts{53, 1, type};
    opts.insert(opts.end(), extra.begin(), extra.end());
    opts.push_back(255);
    return raw_request(opts);
}

}  // namespace

TEST(DhcpMessage, ParseOfBuildGivesBackEveryField) {
    Message m = sample_reply();
    auto bytes = m.build();
    auto back = Message::parse(bytes);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(*back, m);
    EXPECT_TRUE(back->broadcast());
    EXPECT_EQ(back->mac().to_string(), "52:54:00:ab:cd:ef");
    EXPECT_EQ(back->type(), MessageType::ack);
}

TEST(DhcpMessage, BuildOfParseGivesBackTheBytes) {
    auto bytes = sample_reply().build();
    auto m = Message::parse(bytes);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->build(), bytes);
}

TEST(DhcpMessage, BuildAlwaysEndsAndPadsToTheBootpMinimum) {
    Message m;
    m.set_mac(*Mac::parse("52:54:00:00:00:01"));
    m.options.set_message_type(MessageType::discover);
    auto bytes = m.build();
    ASSERT_EQ(bytes.size(), kBootpMinSize);
    // 236 header + cookie + 53/1/1 + END.
    EXPECT_EQ(bytes[240], 53);
    EXPECT_EQ(bytes[243], 255);
    EXPECT_EQ(bytes[236], 0x63);
    EXPECT_EQ(bytes[239], 0x63);
    for (size_t i = 244; i < bytes.size(); ++i) ASSERT_EQ(bytes[i], 0) << i;
}

TEST(DhcpMessage, LongOptionsAreSplitAndJoinedBack) {
    // RFC 3396: a 600-byte option goes out as 255 + 255 + 90.
    Message m = sample_reply();
    std::vector<uint8_t> big(600);
    for (size_t i = 0; i < big.size(); ++i) big[i] = uint8_t(i);
    m.options.set(OptionCode(224), big);
    auto bytes = m.build(1500);
    size_t fragments = 0;
    for (size_t i = 240; i < bytes.size() && bytes[i] != 255;) {
        if (bytes[i] == 0) {
            ++i;
            continue;
        }
        if (bytes[i] == 224) {
            EXPECT_EQ(bytes[i + 1], fragments < 2 ? 255 : 90);
            ++fragments;
        }
        i += 2 + bytes[i + 1];
    }
    EXPECT_EQ(fragments, 3u);
    auto back = Message::parse(bytes);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back->options.find(OptionCode(224)), big);
    EXPECT_EQ(*back, m);
}

TEST(DhcpMessage, SplitOptionsInTheInputAreConcatenated) {
    auto bytes = raw_request(hex("35 01 01  0c 02 76 6d  37 02 01 03  0c 02 2d 31  37 01 06 ff"));
    auto m = Message::parse(bytes);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->options.text(OptionCode::host_name), "vm-1");
    EXPECT_EQ(m->options.parameter_request_list(), (std::vector<uint8_t>{1, 3, 6}));
}

TEST(DhcpMessage, OverloadReadsFileThenSname) {
    // RFC 3396 §5 order: options field, file, sname.
    auto bytes = raw_request(hex("35 01 01  34 01 03  0c 01 61 ff"),
                             /*sname*/ hex("0c 01 63 ff"), /*file*/ hex("0c 01 62 3d 03 01 02 03 ff"));
    auto m = Message::parse(bytes);
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_EQ(m->options.text(OptionCode::host_name), "abc");
    EXPECT_EQ(m->options.client_id(), (std::vector<uint8_t>{1, 2, 3}));
    EXPECT_FALSE(m->options.has(OptionCode::overload));
    EXPECT_TRUE(m->sname.empty());
    EXPECT_TRUE(m->file.empty());
}

TEST(DhcpMessage, OverloadOfFileOnlyKeepsSname) {
    std::vector<uint8_t> sname{'s', 'r', 'v'};
    auto bytes = raw_request(hex("35 01 01 34 01 01 ff"), sname, hex("0c 02 76 6d ff"));
    auto m = Message::parse(bytes);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->sname, "srv");
    EXPECT_EQ(m->options.text(OptionCode::host_name), "vm");
}

TEST(DhcpMessage, ToleratesMissingEndAndPadding) {
    auto m = Message::parse(raw_request(hex("00 00 35 01 03 00 32 04 ac 1b a0 0a")));
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->type(), MessageType::request);
    EXPECT_EQ(m->options.address(OptionCode::requested_address), Ipv4(172, 27, 160, 10));
    // Bytes after END are ignored.
    auto after = Message::parse(raw_request(hex("35 01 01 ff 0c 09")));
    ASSERT_TRUE(after.ok());
    EXPECT_FALSE(after->options.has(OptionCode::host_name));
}

TEST(DhcpMessage, KeepsEssentialsAndDropsLowPriorityOptionsToFitMaxSize) {
    Message m = sample_reply();
    m.options.set(OptionCode(224), std::vector<uint8_t>(250, 0xaa));  // fits in 548
    m.options.set(OptionCode(225), std::vector<uint8_t>(250, 0xbb));  // does not fit after 224
    m.options.set_address(OptionCode::dns_server, Ipv4(172, 27, 160, 1));  // essential, last
    m.options.set_u16(OptionCode::mtu, 1400);  // small, still fits after 225 is skipped
    auto bytes = m.build(kDefaultMaxPayload);
    EXPECT_LE(bytes.size(), kDefaultMaxPayload);
    auto back = Message::parse(bytes);
    ASSERT_TRUE(back.ok());
    EXPECT_TRUE(back->options.has(OptionCode(224)));
    EXPECT_FALSE(back->options.has(OptionCode(225)));
    EXPECT_EQ(back->options.address(OptionCode::dns_server), Ipv4(172, 27, 160, 1));
    EXPECT_EQ(back->options.u16(OptionCode::mtu), 1400);
    EXPECT_EQ(back->options.message_type(), MessageType::ack);
    EXPECT_EQ(back->options.u32(OptionCode::lease_time), 86400u);
    // With room, everything goes.
    auto roomy = Message::parse(m.build(1500));
    ASSERT_TRUE(roomy.ok());
    EXPECT_EQ(*roomy, m);
}

TEST(DhcpMessage, NeverSendsOverloadOrFramingCodes) {
    Message m = sample_reply();
    m.options.set(OptionCode::overload, {3});
    auto back = Message::parse(m.build());
    ASSERT_TRUE(back.ok());
    EXPECT_FALSE(back->options.has(OptionCode::overload));
    EXPECT_EQ(back->sname, "gateway");
}

// The RFC edge-case table: each malformed input fails with its own reason.
struct BadPacket {
    const char* name;
    std::vector<uint8_t> bytes;
    DropReason reason;
    int code;
};

TEST(DhcpMessage, MalformedInputsFailEachWithItsOwnReason) {
    auto base = with_type(1);
    auto truncated = base;
    truncated.resize(239);
    auto oversized = base;
    oversized.resize(kMaxMessageSize + 1);
    auto wrong_op = base;
    wrong_op[0] = 3;
    auto wrong_hlen = base;
    wrong_hlen[2] = 17;
    auto bad_cookie = base;
    bad_cookie[239] = 0x64;
    auto bad_overload = raw_request(hex("35 01 01 34 01 04 ff"));
    std::vector<uint8_t> many;
    for (size_t i = 0; i <= kMaxOptionFragments; ++i) many.insert(many.end(), {224, 0});
    const BadPacket cases[] = {
        {"truncated", truncated, DropReason::truncated, EBADMSG},
        {"oversized", oversized, DropReason::oversized, E2BIG},
        {"wrong op", wrong_op, DropReason::wrong_op, EBADMSG},
        {"wrong hlen", wrong_hlen, DropReason::bad_hlen, EBADMSG},
        {"bad cookie", bad_cookie, DropReason::bad_cookie, EBADMSG},
        {"option overrun", raw_request(hex("35 01 01 0c 10 61 62")), DropReason::option_overrun, EBADMSG},
        {"length byte missing", raw_request(hex("35 01 01 0c")), DropReason::option_overrun, EBADMSG},
        {"overload in file", raw_request(hex("35 01 01 34 01 01 ff"), {}, hex("34 01 02 ff")),
         DropReason::overload_loop, EBADMSG},
        {"overload in sname", raw_request(hex("35 01 01 34 01 03 ff"), hex("34 01 01 ff"), hex("ff")),
         DropReason::overload_loop, EBADMSG},
        {"overrun in file", raw_request(hex("35 01 01 34 01 01 ff"), {}, [] {
             std::vector<uint8_t> f(128, 0);
             f[126] = 12, f[127] = 5;
             return f;
         }()), DropReason::option_overrun, EBADMSG},
        {"bad overload value", bad_overload, DropReason::bad_option, EBADMSG},
        {"too many fragments", raw_request(many), DropReason::too_many_options, E2BIG},
    };
    std::set<DropReason> seen;
    for (const auto& c : cases) {
        DropReason reason = DropReason::count;
        auto m = Message::parse(c.bytes, &reason);
        ASSERT_FALSE(m.ok()) << c.name;
        EXPECT_EQ(reason, c.reason) << c.name << ": " << m.error().message;
        EXPECT_EQ(m.error().code, c.code) << c.name;
        EXPECT_EQ(m.error().message.rfind("parsing DHCP message: ", 0), 0u) << m.error().message;
        seen.insert(reason);
    }
    EXPECT_EQ(seen.size(), 9u);
}

TEST(DhcpMessage, CheckRequestRefusesWhatAServerMustNotAnswer) {
    struct Case {
        const char* name;
        std::function<void(Message&)> spoil;
        DropReason reason;
    };
    const Case cases[] = {
        {"reply", [](Message& m) { m.op = Op::reply; }, DropReason::wrong_op},
        {"token ring", [](Message& m) { m.htype = 6; }, DropReason::bad_htype},
        {"hlen 8", [](Message& m) { m.hlen = 8; }, DropReason::bad_hlen},
        {"zero mac", [](Message& m) { m.chaddr.fill(0); }, DropReason::zero_mac},
        {"bootp", [](Message& m) { m.options.erase(OptionCode::message_type); }, DropReason::no_message_type},
        {"offer", [](Message& m) { m.options.set_message_type(MessageType::offer); }, DropReason::unexpected_type},
        {"short client id", [](Message& m) { m.options.set(OptionCode::client_id, {1}); }, DropReason::bad_option},
        {"long client id", [](Message& m) { m.options.set(OptionCode::client_id, std::vector<uint8_t>(256, 1)); },
         DropReason::bad_option},
    };
    auto good = Message::parse(with_type(1));
    ASSERT_TRUE(good.ok());
    EXPECT_TRUE(check_request(*good).ok());
    for (const auto& c : cases) {
        Message m = *good;
        c.spoil(m);
        DropReason reason = DropReason::count;
        auto st = check_request(m, &reason);
        ASSERT_FALSE(st.ok()) << c.name;
        EXPECT_EQ(reason, c.reason) << c.name;
        EXPECT_FALSE(to_string(reason).empty());
    }
}

TEST(DhcpMessage, ParsesWhatRealClientsSend) {
    struct Client {
        const char* file;
        std::vector<uint8_t> prl;
        bool has_client_id;
        std::optional<uint16_t> max_size;
        std::optional<std::string> host_name;
    };
    const Client clients[] = {
        {"dhcp/dhclient-discover.hex", {1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42}, false,
         std::nullopt, "vm-dhclient"},
        {"dhcp/udhcpc-discover.hex", {1, 3, 6, 12, 15, 28, 42}, true, 576, "vm-udhcpc"},
        {"dhcp/dhcpcd-discover.hex", {1, 121, 3, 6, 12, 15, 26, 28, 33, 51, 54, 58, 59, 119}, true,
         1472, "vm-dhcpcd"},
    };
    for (const auto& c : clients) {
        auto bytes = test::load_hex(c.file);
        ASSERT_GE(bytes.size(), 300u) << c.file;
        auto m = Message::parse(bytes);
        ASSERT_TRUE(m.ok()) << c.file << ": " << m.error().message;
        EXPECT_TRUE(check_request(*m).ok()) << c.file;
        EXPECT_EQ(m->type(), MessageType::discover) << c.file;
        EXPECT_EQ(m->options.parameter_request_list(), c.prl) << c.file;
        EXPECT_EQ(m->options.client_id().has_value(), c.has_client_id) << c.file;
        EXPECT_EQ(m->options.max_message_size(), c.max_size) << c.file;
        EXPECT_EQ(m->options.text(OptionCode::host_name), c.host_name) << c.file;
        auto again = Message::parse(m->build(1500));
        ASSERT_TRUE(again.ok());
        EXPECT_EQ(*again, *m) << c.file;
    }
}
