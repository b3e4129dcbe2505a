#include "libvswitch/dhcp/lease_journal.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "libvswitch/base/file.h"
#include "libvswitch/dhcp/lease_file.h"

using namespace vswitch;
using namespace vswitch::dhcp;
using namespace std::chrono_literals;

namespace {

const Clock::time_point t0{std::chrono::seconds(1'800'000'000)};

Lease lease(uint8_t n, Ipv4 address, Clock::time_point expiry = t0 + 3600s, std::string host = {}) {
    Mac mac({0x52, 0x54, 0x00, 0x00, 0x00, n});
    return Lease{make_client_key(std::nullopt, mac), mac, address, std::move(host), expiry};
}

std::string journal_of(const std::vector<Lease>& records) {
    std::string text = format_journal_header();
    for (const auto& r : records) append_journal_record(text, r);
    return text;
}

std::string temp_dir() {
    char tmpl[] = "/tmp/vswitch-journal-XXXXXX";
    const char* d = ::mkdtemp(tmpl);
    return d ? d : "";
}

}  // namespace

TEST(DhcpLeaseJournal, RecordIsALeaseLineWithAChecksum) {
    std::string text;
    append_journal_record(text, lease(1, Ipv4(172, 27, 160, 10), t0 + 3600s, "web1"));
    EXPECT_EQ(text.substr(0, text.find(" #")),
              "lease 172.27.160.10 52:54:00:00:00:01 01:52:54:00:00:00:01 1800003600 web1");
    EXPECT_EQ(text.size(), text.find(" #") + 2 + 8 + 1);
    EXPECT_EQ(text.back(), '\n');
    EXPECT_EQ(format_journal_header(), "vswitch-lease-journal 1\n");
}

TEST(DhcpLeaseJournal, ParseOfFormatGivesBackTheRecords) {
    std::vector<Lease> records{lease(1, Ipv4(172, 27, 160, 10), t0 + 60s, "a"),
                               lease(2, Ipv4(172, 27, 160, 11)), lease(1, Ipv4(172, 27, 160, 12))};
    auto back = parse_journal(journal_of(records));
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->records, records);
    EXPECT_EQ(back->bad_records, 0u);
    EXPECT_EQ(back->torn_bytes, 0u);
}

TEST(DhcpLeaseJournal, EmptyOrTornHeaderIsAnEmptyJournal) {
    auto empty = parse_journal("");
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(empty->records.empty());
    auto torn = parse_journal("vswitch-lease-jo");
    ASSERT_TRUE(torn.ok());
    EXPECT_TRUE(torn->records.empty());
    EXPECT_EQ(torn->torn_bytes, 16u);
}

TEST(DhcpLeaseJournal, ForeignOrNewerFilesAreRefused) {
    EXPECT_EQ(parse_journal("vswitch-leases 1\n").error().code, EBADMSG);
    EXPECT_EQ(parse_journal("garbage\nmore\n").error().code, EBADMSG);
    EXPECT_EQ(parse_journal("vswitch-lease-journal 2\n").error().code, ENOTSUP);
}

// Power loss mid-append: whatever prefix of the last record reached the
// disk, the records before it come back whole and nothing is "corrupt".
TEST(DhcpLeaseJournal, TornLastRecordIsDroppedAtEveryCut) {
    std::vector<Lease> records{lease(1, Ipv4(172, 27, 160, 10)), lease(2, Ipv4(172, 27, 160, 11)),
                               lease(3, Ipv4(172, 27, 160, 12), t0, "last")};
    std::string whole = journal_of(records);
    std::string before = journal_of({records[0], records[1]});
    for (size_t cut = before.size() + 1; cut < whole.size(); ++cut) {
        auto back = parse_journal(std::string_view(whole).substr(0, cut));
        ASSERT_TRUE(back.ok()) << cut;
        EXPECT_EQ(back->records, std::vector<Lease>(records.begin(), records.begin() + 2)) << cut;
        EXPECT_EQ(back->bad_records, 0u) << cut;
        EXPECT_EQ(back->torn_bytes, cut - before.size()) << cut;
    }
    // Zeros where the append should be (a file size that got to the disk
    // before its data) are torn as well.
    auto zeros = parse_journal(before + std::string(70, '\0') + "\n" + std::string(5, '\0'));
    ASSERT_TRUE(zeros.ok());
    EXPECT_EQ(zeros->records.size(), 2u);
    EXPECT_EQ(zeros->bad_records, 0u);
    EXPECT_EQ(zeros->torn_bytes, 76u);
}

TEST(DhcpLeaseJournal, CorruptRecordWithGoodOnesAfterItIsCountedAndSkipped) {
    std::vector<Lease> records{lease(1, Ipv4(172, 27, 160, 10)), lease(2, Ipv4(172, 27, 160, 11)),
                               lease(3, Ipv4(172, 27, 160, 12))};
    std::string text = journal_of(records);
    size_t second = text.find("172.27.160.11");
    text[second + 11] = '9';  // 172.27.160.91: the checksum no longer matches
    auto back = parse_journal(text);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->records, (std::vector<Lease>{records[0], records[2]}));
    EXPECT_EQ(back->bad_records, 1u);
    EXPECT_EQ(back->first_error, "line 3: checksum mismatch");
    EXPECT_EQ(back->torn_bytes, 0u);
}

TEST(DhcpLeaseJournal, ApplyReplacesByClientAndByAddressInOrder) {
    // The file: client 1 on .10, client 2 on .11.
    std::vector<Lease> file{lease(1, Ipv4(172, 27, 160, 10)), lease(2, Ipv4(172, 27, 160, 11))};
    // Then: client 1 moved to .12; client 3 got .10 (freed by 1's move);
    // client 2's .11 went to client 4 (2 released it, lazily: no record).
    std::vector<Lease> journal{lease(1, Ipv4(172, 27, 160, 12)), lease(3, Ipv4(172, 27, 160, 10)),
                               lease(4, Ipv4(172, 27, 160, 11))};
    auto out = apply_journal(file, journal);
    EXPECT_EQ(
        out, (std::vector<Lease>{lease(3, Ipv4(172, 27, 160, 10)), lease(4, Ipv4(172, 27, 160, 11)),
                                 lease(1, Ipv4(172, 27, 160, 12))}));
}

TEST(DhcpLeaseJournal, ApplyOntoANewerFileKeepsTheRenewal) {
    // A crash after the file was written whole but before the journal was
    // emptied: the file's renewal (later expiry) stays.
    std::vector<Lease> file{lease(1, Ipv4(172, 27, 160, 10), t0 + 7200s, "renamed")};
    std::vector<Lease> journal{lease(1, Ipv4(172, 27, 160, 10), t0 + 3600s)};
    auto out = apply_journal(file, journal);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].expiry, t0 + 7200s);
}

TEST(DhcpLeaseJournal, FileAppendsReopenAndCutsATornEnd) {
    std::string dir = temp_dir();
    ASSERT_FALSE(dir.empty());
    std::string path = dir + "/Default.leases.journal";
    {
        auto j = LeaseJournal::open(path);
        ASSERT_TRUE(j.ok()) << j.error().message;
        EXPECT_EQ(j->size(), format_journal_header().size());
        std::string batch;
        append_journal_record(batch, lease(1, Ipv4(172, 27, 160, 10)));
        append_journal_record(batch, lease(2, Ipv4(172, 27, 160, 11)));
        ASSERT_TRUE(j->append(batch).ok());
    }
    // A torn append from a power loss.
    std::string text = *read_file(path);
    ASSERT_TRUE(write_file_atomic(path, text + "lease 172.27.160.1").ok());
    auto content = load_journal(path);
    ASSERT_TRUE(content.ok());
    EXPECT_EQ(content->records.size(), 2u);
    EXPECT_EQ(content->torn_bytes, 18u);
    {
        auto j = LeaseJournal::open(path, content->torn_bytes);
        ASSERT_TRUE(j.ok()) << j.error().message;
        EXPECT_EQ(j->size(), text.size());
        std::string batch;
        append_journal_record(batch, lease(3, Ipv4(172, 27, 160, 12)));
        ASSERT_TRUE(j->append(batch).ok());
        auto again = load_journal(path);
        ASSERT_TRUE(again.ok());
        EXPECT_EQ(again->records.size(), 3u);
        EXPECT_EQ(again->bad_records, 0u);
        EXPECT_EQ(again->torn_bytes, 0u);
        ASSERT_TRUE(j->reset().ok());
        EXPECT_EQ(*read_file(path), format_journal_header());
    }
    std::remove(path.c_str());
    ::rmdir(dir.c_str());
}

// A write the file system refuses half-way (a full disk; here the file
// size limit) leaves the journal as it was, so the next append starts a
// line and is read back.
TEST(DhcpLeaseJournal, FailedAppendIsCutBack) {
    std::string dir = temp_dir();
    ASSERT_FALSE(dir.empty());
    std::string path = dir + "/j";
    auto j = LeaseJournal::open(path);
    ASSERT_TRUE(j.ok()) << j.error().message;
    std::string batch;
    for (uint8_t n = 1; n <= 20; ++n) append_journal_record(batch, lease(n, Ipv4(172, 27, 160, n)));
    rlimit old{};
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
    auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
    rlimit small = old;
    small.rlim_cur = j->size() + 100;  // part of the batch fits
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
    auto st = j->append(batch);
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &old), 0);
    ::signal(SIGXFSZ, old_handler);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, EFBIG);
    EXPECT_EQ(*read_file(path), format_journal_header());
    std::string one;
    append_journal_record(one, lease(30, Ipv4(172, 27, 160, 30)));
    ASSERT_TRUE(j->append(one).ok());
    auto back = load_journal(path);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->records, std::vector<Lease>{lease(30, Ipv4(172, 27, 160, 30))});
    EXPECT_EQ(back->bad_records, 0u);
    std::remove(path.c_str());
    ::rmdir(dir.c_str());
}
