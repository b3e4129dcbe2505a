#include "libvswitch/dhcp/lease_file.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include "libvswitch/base/file.h"

using namespace vswitch;
using namespace vswitch::dhcp;
using namespace std::chrono_literals;

namespace {

const Clock::time_point t0{std::chrono::seconds(1'800'000'000)};

std::vector<Lease> sample() {
    return {
        Lease{make_client_key(std::nullopt, *Mac::parse("52:54:00:12:34:56")),
              *Mac::parse("52:54:00:12:34:56"), Ipv4(172, 27, 160, 10), "web1", t0 + 3600s},
        Lease{std::string("\xff\x00\x12\x34\x56", 5), *Mac::parse("52:54:00:ab:cd:ef"),
              Ipv4(172, 27, 160, 11), "", t0 + 60s},
    };
}

}  // namespace

TEST(DhcpLeaseFile, FormatIsOneLineALeaseAfterTheHeader) {
    EXPECT_EQ(format_lease_file(sample()),
              "vswitch-leases 1\n"
              "lease 172.27.160.10 52:54:00:12:34:56 01:52:54:00:12:34:56 1800003600 web1\n"
              "lease 172.27.160.11 52:54:00:ab:cd:ef ff:00:12:34:56 1800000060 -\n");
}

TEST(DhcpLeaseFile, ParseOfFormatGivesBackTheLeases) {
    auto leases = sample();
    auto back = parse_lease_file(format_lease_file(leases));
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->leases, leases);
    EXPECT_EQ(back->bad_lines, 0u);
    EXPECT_TRUE(back->first_error.empty());
}

TEST(DhcpLeaseFile, SkipsAndReportsBadLinesKeepsGoodOnes) {
    auto back = parse_lease_file(
        "vswitch-leases 1\n"
        "# a comment\n"
        "\n"
        "lease 172.27.160.10 52:54:00:12:34:56 01:52:54:00:12:34:56 1800003600 web1\n"
        "lease 172.27.160.300 52:54:00:12:34:57 01:52:54:00:12:34:57 1800003600 -\n"
        "lease 172.27.160.12 52:54:00:12:34:58 zz 1800003600 -\n"
        "lease 172.27.160.13 52:54:00:12:34:59 01:02 soon -\n"
        "lease 172.27.160.14 52:54:00:12:34:5a 01:03 1800003600 bad_name\n"
        "lease 172.27.160.10 52:54:00:12:34:5b 01:04 1800003600 -\n"
        "garbage\n"
        "lease\t172.27.160.15  52:54:00:12:34:5c 01:05 1800003600 db\r\n"
        "lease 172.27.160.16 52:54:00:12:34:5d 01:06 1800003600");  // cut short
    ASSERT_TRUE(back.ok());
    ASSERT_EQ(back->leases.size(), 2u);
    EXPECT_EQ(back->leases[0].hostname, "web1");
    EXPECT_EQ(back->leases[1].address, Ipv4(172, 27, 160, 15));
    EXPECT_EQ(back->leases[1].hostname, "db");
    EXPECT_EQ(back->bad_lines, 7u);
    EXPECT_EQ(back->first_error.rfind("line 5: ", 0), 0u) << back->first_error;
    EXPECT_NE(back->first_error.find("172.27.160.300"), std::string::npos) << back->first_error;
}

TEST(DhcpLeaseFile, RefusesAFileWithoutOurHeaderOrAnotherVersion) {
    auto none = parse_lease_file("lease 172.27.160.10 52:54:00:12:34:56 01:02 1 -\n");
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error().code, EBADMSG);
    EXPECT_FALSE(parse_lease_file("").ok());
    auto v2 = parse_lease_file("vswitch-leases 2\n");
    ASSERT_FALSE(v2.ok());
    EXPECT_EQ(v2.error().code, ENOTSUP);
    auto empty = parse_lease_file("vswitch-leases 1\n");
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(empty->leases.empty());
}

TEST(DhcpLeaseFile, ExpiryBeyondTheClockIsBad) {
    // Found by the fuzzer: 18000034600 s overflowed system_clock's nanoseconds.
    auto back = parse_lease_file("vswitch-leases 1\n"
                                 "lease 172.27.160.10 52:54:00:12:34:56 01:02 18000034600 -\n"
                                 "lease 172.27.160.11 52:54:00:12:34:57 01:03 8000000000 -\n");
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->bad_lines, 1u);
    ASSERT_EQ(back->leases.size(), 1u);
    EXPECT_EQ(back->leases[0].expiry, Clock::time_point(std::chrono::seconds(8000000000)));
}

TEST(DhcpLeaseFile, OverlongLinesAreBad) {
    std::string text = "vswitch-leases 1\nlease " + std::string(2000, 'x') + "\n";
    auto back = parse_lease_file(text);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->bad_lines, 1u);
}

TEST(DhcpLeaseFile, SavesAtomicallyAndLoadsBack) {
    char tmpl[] = "/tmp/vswitch-dhcp-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    std::string path = std::string(tmpl) + "/leases";
    auto missing = load_lease_file(path);
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ENOENT);
    ASSERT_TRUE(save_lease_file(path, sample()).ok());
    auto back = load_lease_file(path);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->leases, sample());
    ASSERT_TRUE(write_file_atomic(path, "junk\n").ok());
    auto junk = load_lease_file(path);
    ASSERT_FALSE(junk.ok());
    EXPECT_NE(junk.error().message.find(path), std::string::npos);
    ::unlink(path.c_str());
    ::rmdir(tmpl);
}

// The file is read in blocks: lines cut by a block boundary, an overlong
// line spanning several blocks and a last line without a newline all read
// as parse_lease_file reads the same text.
TEST(DhcpLeaseFile, LoadsInBlocksAsTheTextParses) {
    char tmpl[] = "/tmp/vswitch-dhcp-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    std::string path = std::string(tmpl) + "/leases";
    std::vector<Lease> many;
    for (uint32_t i = 0; i < 3000; ++i) {
        Mac mac = *Mac::parse("52:54:00:01:" + std::string(1, "0123456789abcdef"[i >> 8 & 15]) + "0:" +
                              std::string(1, "0123456789abcdef"[i >> 4 & 15]) +
                              std::string(1, "0123456789abcdef"[i & 15]));
        many.push_back(Lease{make_client_key(std::nullopt, mac), mac, Ipv4(172, 27, uint8_t(160 + i / 250), uint8_t(1 + i % 250)),
                             "vm" + std::to_string(i), t0 + 3600s});
    }
    std::string text = format_lease_file(many);
    text.insert(text.find('\n', 50000) + 1, "lease " + std::string(40000, 'y') + "\n");
    text += "lease 172.27.175.1 52:54:00:ff:ff:ff 01:52:54:00:ff:ff:ff 1800003600 last";  // no newline
    ASSERT_TRUE(write_file_atomic(path, text).ok());
    auto loaded = load_lease_file(path);
    auto parsed = parse_lease_file(text);
    ASSERT_TRUE(loaded.ok());
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(loaded->leases.size(), 3001u);
    EXPECT_EQ(loaded->leases, parsed->leases);
    EXPECT_EQ(loaded->bad_lines, 1u);
    EXPECT_EQ(loaded->first_error, parsed->first_error);
    EXPECT_EQ(loaded->leases.back().hostname, "last");
    ::unlink(path.c_str());
    ::rmdir(tmpl);
}
