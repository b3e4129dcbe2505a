#include "libvswitch/dhcp/options.h"

#include <gtest/gtest.h>

#include "tests/unit/dhcp/test_util.h"

using namespace vswitch;
using namespace vswitch::dhcp;
using vswitch::dhcp::test::hex;

TEST(DhcpOptions, MessageTypeNamesAndRange) {
    EXPECT_EQ(to_string(MessageType::discover), "DISCOVER");
    EXPECT_EQ(to_string(MessageType::inform), "INFORM");
    Options o;
    o.set(OptionCode::message_type, {9});
    EXPECT_EQ(o.message_type(), std::nullopt);
    o.set(OptionCode::message_type, {3, 3});
    EXPECT_EQ(o.message_type(), std::nullopt);
    o.set_message_type(MessageType::request);
    EXPECT_EQ(o.message_type(), MessageType::request);
    EXPECT_EQ(*o.find(OptionCode::message_type), std::vector<uint8_t>{3});
}

TEST(DhcpOptions, SetKeepsPositionAppendConcatenates) {
    Options o;
    o.set_u32(OptionCode::lease_time, 60);
    o.set_text(OptionCode::host_name, "vm");
    o.set_u32(OptionCode::lease_time, 120);
    ASSERT_EQ(o.size(), 2u);
    EXPECT_EQ(o.items()[0].code, OptionCode::lease_time);
    EXPECT_EQ(o.u32(OptionCode::lease_time), 120u);
    const uint8_t more[] = {'-', '1'};
    o.append(OptionCode::host_name, more);
    EXPECT_EQ(o.text(OptionCode::host_name), "vm-1");
    o.erase(OptionCode::lease_time);
    EXPECT_FALSE(o.has(OptionCode::lease_time));
    EXPECT_EQ(o.size(), 1u);
}

TEST(DhcpOptions, TypedReadsRefuseWrongLengths) {
    Options o;
    o.set(OptionCode::requested_address, {10, 0, 0});
    o.set(OptionCode::router, {10, 0, 0, 1, 10, 0});
    o.set(OptionCode::lease_time, {0, 0, 1});
    o.set(OptionCode::mtu, {5});
    o.set(OptionCode::client_id, {1});
    EXPECT_EQ(o.address(OptionCode::requested_address), std::nullopt);
    EXPECT_TRUE(o.addresses(OptionCode::router).empty());
    EXPECT_EQ(o.u32(OptionCode::lease_time), std::nullopt);
    EXPECT_EQ(o.u16(OptionCode::mtu), std::nullopt);
    EXPECT_EQ(o.client_id(), std::nullopt);  // RFC 2132 §9.14: at least 2 bytes
    const Ipv4 dns[] = {Ipv4(192, 0, 2, 1), Ipv4(192, 0, 2, 2)};
    o.set_addresses(OptionCode::dns_server, dns);
    EXPECT_EQ(o.addresses(OptionCode::dns_server), std::vector<Ipv4>(std::begin(dns), std::end(dns)));
}

TEST(DhcpOptions, MaxMessageSizeBelowTheMinimumReadsAsTheMinimum) {
    Options o;
    o.set_u16(OptionCode::max_message_size, 300);
    EXPECT_EQ(o.max_message_size(), 576);
    o.set_u16(OptionCode::max_message_size, 1500);
    EXPECT_EQ(o.max_message_size(), 1500);
}

TEST(DhcpOptions, TextDropsTrailingNuls) {
    Options o;
    o.set(OptionCode::host_name, {'w', 'i', 'n', 0});
    EXPECT_EQ(o.text(OptionCode::host_name), "win");
}

TEST(DhcpOptions, DomainSearchCompressesAsInRfc3397) {
    // RFC 3397 §3 example: eng.apple.com and marketing.apple.com.
    Options o;
    const std::vector<std::string> names{"eng.apple.com", "marketing.apple.com"};
    ASSERT_TRUE(o.set_domain_search(names).ok());
    EXPECT_EQ(*o.find(OptionCode::domain_search),
              hex("03 65 6e 67 05 61 70 70 6c 65 03 63 6f 6d 00"
                  "09 6d 61 72 6b 65 74 69 6e 67 c0 04"));
    EXPECT_EQ(o.domain_search(), names);
}

TEST(DhcpOptions, DomainSearchRefusesBadNames) {
    Options o;
    for (const char* bad : {"", "a..b", "trailing.", ".lead"}) {
        const std::vector<std::string> names{bad};
        EXPECT_FALSE(o.set_domain_search(names).ok()) << bad;
    }
    const std::vector<std::string> long_label{std::string(64, 'a') + ".com"};
    EXPECT_FALSE(o.set_domain_search(long_label).ok());
}

TEST(DhcpOptions, DomainSearchRejectsLoopsForwardPointersAndOverruns) {
    Options o;
    o.set(OptionCode::domain_search, hex("c0 00"));  // points at itself
    EXPECT_EQ(o.domain_search(), std::nullopt);
    o.set(OptionCode::domain_search, hex("03 61 62 63 c0 00"));  // loops back forever
    EXPECT_EQ(o.domain_search(), std::nullopt);
    o.set(OptionCode::domain_search, hex("c0 02 00"));  // forward pointer
    EXPECT_EQ(o.domain_search(), std::nullopt);
    o.set(OptionCode::domain_search, hex("05 61 62"));  // label past the end
    EXPECT_EQ(o.domain_search(), std::nullopt);
    o.set(OptionCode::domain_search, hex("03 61 62 63"));  // no terminator
    EXPECT_EQ(o.domain_search(), std::nullopt);
    o.set(OptionCode::domain_search, hex("41 61"));  // reserved label type
    EXPECT_EQ(o.domain_search(), std::nullopt);
    o.set(OptionCode::domain_search, hex("03 61 2e 63 00"));  // '.' inside a label
    EXPECT_EQ(o.domain_search(), std::nullopt);
}

TEST(DhcpOptions, ClientFqdnWireFormatFullAndPartial) {
    Options o;
    ClientFqdn full{ClientFqdn::kFlagE | ClientFqdn::kFlagS, 0, 0, "vm1.example.org."};
    ASSERT_TRUE(o.set_client_fqdn(full).ok());
    EXPECT_EQ(*o.find(OptionCode::client_fqdn),
              hex("05 00 00 03 76 6d 31 07 65 78 61 6d 70 6c 65 03 6f 72 67 00"));
    EXPECT_EQ(o.client_fqdn(), full);
    ClientFqdn partial{ClientFqdn::kFlagE, 0, 0, "vm1"};
    ASSERT_TRUE(o.set_client_fqdn(partial).ok());
    EXPECT_EQ(*o.find(OptionCode::client_fqdn), hex("04 00 00 03 76 6d 31"));
    EXPECT_EQ(o.client_fqdn(), partial);
}

TEST(DhcpOptions, ClientFqdnAsciiIsKeptAsSent) {
    Options o;
    ClientFqdn ascii{0, 255, 255, "vm2.example.org"};
    ASSERT_TRUE(o.set_client_fqdn(ascii).ok());
    EXPECT_EQ(o.client_fqdn(), ascii);
    o.set(OptionCode::client_fqdn, hex("04 00"));  // too short for flags + rcodes
    EXPECT_EQ(o.client_fqdn(), std::nullopt);
    o.set(OptionCode::client_fqdn, hex("04 00 00 05 61"));  // label overrun
    EXPECT_EQ(o.client_fqdn(), std::nullopt);
    o.set(OptionCode::client_fqdn, hex("04 00 00 01 61 00 01 62"));  // data after the root
    EXPECT_EQ(o.client_fqdn(), std::nullopt);
}

TEST(DhcpOptions, EncodeDnsNameRefusesOverlongNames) {
    std::string name;
    for (int i = 0; i < 5; ++i) name += std::string(60, 'x') + ".";
    name += "com";
    EXPECT_FALSE(encode_dns_name(name).ok());
    auto ok = encode_dns_name("a.b");
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(*ok, hex("01 61 01 62 00"));
    auto root = encode_dns_name("", true);
    ASSERT_TRUE(root.ok());
    EXPECT_EQ(*root, hex("00"));
}
