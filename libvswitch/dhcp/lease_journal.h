// The lease journal: the lease changes since the lease file was last written
// whole, appended as they happen, so that a binding the server ACKs is on
// the disk before the ACK leaves (the DHCP service groups every binding of
// one loop iteration into one write and one fdatasync). Beside the lease
// file, <state-dir>/<switch>.leases.journal:
//
//   vswitch-lease-journal 1
//   lease 172.27.160.10 52:54:00:12:34:56 01:52:54:00:12:34:56 1800003600 web1 #1b2c3d4e
//
// A record is one line: a lease line of the lease file (lease_file.h), then
// " #" and a checksum (32 bits of FNV-1a over what precedes it). Only
// bindings are journaled; renewals, releases and expiries reach the lease
// file with its next whole write. Replay is tolerant the way a log must be
// after a power loss: bad records at the end are a torn write (the last
// append never completed: it was never acknowledged) and are dropped
// silently; a bad record with good ones after it is corruption, counted
// and reported, the rest kept. The journal is emptied (compacted, as Kea's
// LFC does for its memfile) whenever the lease file is written whole.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "libvswitch/base/fd.h"
#include "libvswitch/base/result.h"
#include "libvswitch/dhcp/lease.h"

namespace vswitch::dhcp {

// A journal larger than this is not read (E2BIG): the service compacts it
// long before (kJournalCompactBytes in the daemon), so only a damaged or
// foreign file gets there.
inline constexpr size_t kMaxJournalBytes = 64u << 20;

struct JournalContent {
    std::vector<Lease> records;
    size_t bad_records = 0;   // corrupt records with good ones after them
    std::string first_error;  // "line 3: ..." for the first of them
    size_t torn_bytes = 0;    // the unfinished last append, dropped
};

std::string format_journal_header();
// Appends one record, newline included, to out.
void append_journal_record(std::string& out, const Lease& lease);

// An empty text is an empty journal (the file was created or emptied and
// the header never reached the disk). EBADMSG when the first line is not
// the header, ENOTSUP for another version.
Result<JournalContent> parse_journal(std::string_view text);

// The records applied in order onto the leases of the lease file: a record
// replaces whatever lease its client or its address had, except that the
// same client at the same address keeps the later expiry (the file may be
// newer than the journal: a crash between the file's write and the
// journal's reset must not take back a renewal). Ordered by address, like
// LeaseTable::leases().
std::vector<Lease> apply_journal(std::span<const Lease> leases, std::span<const Lease> records);

// read_file (up to kMaxJournalBytes) + parse_journal; ENOENT passes through.
Result<JournalContent> load_journal(const std::string& path);

// The journal file, open for appending. Owned by the DHCP service of one
// switch; every append is one write(2) and one fdatasync(2).
class LeaseJournal {
public:
    LeaseJournal() = default;
    // Opens (creating when missing, mode 0644) the journal at path, cutting
    // off the torn_bytes its replay dropped (JournalContent::torn_bytes), so
    // that the next record starts a line; a file that is empty or holds
    // only a torn header gets a fresh header. Appends go at its end.
    static Result<LeaseJournal> open(const std::string& path, uint64_t torn_bytes = 0);

    // Writes the records (append_journal_record's output) and syncs them.
    // On any failure the file is cut back to where it was, so a partial
    // write never leaves a torn record in front of later ones.
    Status append(std::string_view records);
    // Empties the journal (after the lease file was written whole).
    Status reset();

    uint64_t size() const { return size_; }
    const std::string& path() const { return path_; }
    explicit operator bool() const { return bool(fd_); }

private:
    Status write_synced(std::string_view bytes);

    std::string path_;
    Fd fd_;
    uint64_t size_ = 0;  // bytes known to be whole records (or the header)
};

}  // namespace vswitch::dhcp
