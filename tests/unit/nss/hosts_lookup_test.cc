#include "libvswitch/nss/hosts_lookup.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <string>

namespace vswitch::nss {
namespace {

HostAddress v4(const char* text) {
    HostAddress a;
    a.family = AF_INET;
    EXPECT_EQ(inet_pton(AF_INET, text, a.bytes.data()), 1);
    return a;
}

HostAddress v6(const char* text) {
    HostAddress a;
    a.family = AF_INET6;
    EXPECT_EQ(inet_pton(AF_INET6, text, a.bytes.data()), 1);
    return a;
}

// What libvswitch/dns/hosts_file.cc writes, plus an IPv6 line.
const std::string kFile =
    "# written by vswitchd; replaced whenever a name changes\n"
    "172.27.160.1 myhost.vswitch.internal myhost\n"
    "172.27.160.7 web.vswitch.internal web\n"
    "fd00:1::7 web.vswitch.internal web\n"
    "10.5.0.9 db.lab.internal db\n";

TEST(NssHostsLookup, ParsesTheDaemonsLine) {
    HostLine line;
    ASSERT_TRUE(parse_host_line("172.27.160.7 web.vswitch.internal web", line));
    EXPECT_EQ(line.address, v4("172.27.160.7"));
    ASSERT_EQ(line.name_count, 2u);
    EXPECT_EQ(line.names[0], "web.vswitch.internal");
    EXPECT_EQ(line.names[1], "web");
}

TEST(NssHostsLookup, SkipsCommentsBlanksAndBadLines) {
    HostLine line;
    EXPECT_FALSE(parse_host_line("# comment", line));
    EXPECT_FALSE(parse_host_line("   ", line));
    EXPECT_FALSE(parse_host_line("172.27.160.7", line));        // no name
    EXPECT_FALSE(parse_host_line("172.27.160.300 web", line));  // bad address
    EXPECT_FALSE(parse_host_line("web 172.27.160.7", line));    // swapped
    EXPECT_FALSE(parse_host_line("172.27.160.7 we/b", line));   // bad name
    EXPECT_FALSE(parse_host_line("172.27.160.7 web..internal", line));
    EXPECT_FALSE(parse_host_line("172.27.160.7 " + std::string(64, 'a'), line));  // label > 63
    // A NUL inside the address field (the fuzzer found this): inet_pton
    // would stop there and read a different address than the text has.
    EXPECT_FALSE(parse_host_line(std::string("10.0.0.1\0\0[.4 web", 17), line));
    EXPECT_FALSE(parse_host_line(std::string("fd00::1\0x web", 13), line));
    EXPECT_TRUE(parse_host_line("172.27.160.7\tweb # trailing comment", line));
    EXPECT_EQ(line.name_count, 1u);
}

TEST(NssHostsLookup, KeepsAtMostTheNameLimitFromALine) {
    std::string text = "10.0.0.1";
    for (size_t i = 0; i < kMaxNamesPerLine + 5; ++i) text += " n" + std::to_string(i);
    HostLine line;
    ASSERT_TRUE(parse_host_line(text, line));
    EXPECT_EQ(line.name_count, kMaxNamesPerLine);
}

TEST(NssHostsLookup, FindsShortNamesAndFqdnsOfBothFamilies) {
    NameMatch m = find_by_name(kFile, "web", 0);
    ASSERT_TRUE(m.found);
    ASSERT_EQ(m.address_count, 2u);
    EXPECT_EQ(m.addresses[0], v4("172.27.160.7"));
    EXPECT_EQ(m.addresses[1], v6("fd00:1::7"));
    EXPECT_EQ(m.first.names[0], "web.vswitch.internal");

    m = find_by_name(kFile, "WEB.vswitch.Internal", AF_INET6);
    ASSERT_EQ(m.address_count, 1u);
    EXPECT_EQ(m.addresses[0], v6("fd00:1::7"));

    m = find_by_name(kFile, "db", AF_INET6);
    EXPECT_TRUE(m.found);  // a name without an address of the family: NO_DATA
    EXPECT_EQ(m.address_count, 0u);

    EXPECT_FALSE(find_by_name(kFile, "nope", 0).found);
    EXPECT_FALSE(find_by_name(kFile, "vswitch.internal", 0).found);  // no suffix matching
}

TEST(NssHostsLookup, NormalizesTheQuery) {
    std::string_view q;
    ASSERT_TRUE(normalize_query("web.vswitch.internal.", q));
    EXPECT_EQ(q, "web.vswitch.internal");
    EXPECT_FALSE(normalize_query("", q));
    EXPECT_FALSE(normalize_query(".", q));
    EXPECT_FALSE(normalize_query("a b", q));
    EXPECT_FALSE(normalize_query(std::string(300, 'a'), q));
}

TEST(NssHostsLookup, FindsNamesByAddress) {
    HostLine line;
    ASSERT_TRUE(find_by_address(kFile, v4("172.27.160.1"), line));
    EXPECT_EQ(line.names[0], "myhost.vswitch.internal");
    ASSERT_TRUE(find_by_address(kFile, v6("fd00:1::7"), line));
    EXPECT_EQ(line.names[1], "web");
    EXPECT_FALSE(find_by_address(kFile, v4("172.27.160.8"), line));
    EXPECT_FALSE(find_by_address(kFile, v6("::ffff:172.27.160.1"), line));  // families apart
}

TEST(NssHostsLookup, IgnoresATruncatedLastLine) {
    // Cut inside the last line: "10.5.0.9 db.lab.internal d" would answer "d".
    std::string cut = kFile.substr(0, kFile.size() - 2);
    EXPECT_FALSE(find_by_name(cut, "d", 0).found);
    EXPECT_FALSE(find_by_name(cut, "db", 0).found);
    EXPECT_TRUE(find_by_name(cut, "web", 0).found);
    EXPECT_FALSE(find_by_name("", "web", 0).found);
}

TEST(NssHostsLookup, ListsAnAddressOnce) {
    std::string twice = "10.0.0.1 a\n10.0.0.1 a\n";
    EXPECT_EQ(find_by_name(twice, "a", 0).address_count, 1u);
}

TEST(NssHostsLookup, StopsAtTheAddressLimit) {
    std::string many;
    for (size_t i = 0; i < kMaxAddressesPerName + 10; ++i)
        many += "10.0." + std::to_string(i) + ".1 a\n";
    EXPECT_EQ(find_by_name(many, "a", 0).address_count, kMaxAddressesPerName);
}

}  // namespace
}  // namespace vswitch::nss
