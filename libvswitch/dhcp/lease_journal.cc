#include "libvswitch/dhcp/lease_journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <map>
#include <optional>
#include <unordered_map>

#include "libvswitch/base/file.h"
#include "libvswitch/base/hash.h"
#include "libvswitch/dhcp/lease_file.h"
#include "libvswitch/dhcp/limits.h"

namespace vswitch::dhcp {

namespace {

constexpr std::string_view kMagic = "vswitch-lease-journal";
constexpr std::string_view kVersion = "1";
constexpr std::string_view kChecksumMark = " #";
constexpr size_t kChecksumDigits = 8;
// A record is a lease line plus its checksum.
constexpr size_t kMaxRecordLine = kMaxLeaseFileLine + kChecksumMark.size() + kChecksumDigits;

uint32_t checksum(std::string_view body) {
    return uint32_t(fnv1a(body));
}

std::string hex32(uint32_t v) {
    char buf[kChecksumDigits + 1];
    std::snprintf(buf, sizeof buf, "%08x", v);
    return std::string(buf, kChecksumDigits);
}

std::string header() {
    return std::string(kMagic) + ' ' + std::string(kVersion) + '\n';
}

Result<Lease> parse_record(std::string_view line) {
    if (line.size() > kMaxRecordLine)
        return make_error(EBADMSG, "longer than " + std::to_string(kMaxRecordLine) + " bytes");
    size_t mark = line.rfind(kChecksumMark);
    if (mark == std::string_view::npos ||
        line.size() - mark - kChecksumMark.size() != kChecksumDigits)
        return make_error(EBADMSG, "no checksum");
    std::string_view body = line.substr(0, mark);
    if (line.substr(mark + kChecksumMark.size()) != hex32(checksum(body)))
        return make_error(EBADMSG, "checksum mismatch");
    return parse_lease_line(body);
}

}  // namespace

std::string format_journal_header() {
    return header();
}

void append_journal_record(std::string& out, const Lease& lease) {
    size_t start = out.size();
    out += format_lease_line(lease);
    uint32_t sum = checksum(std::string_view(out).substr(start));
    out += kChecksumMark;
    out += hex32(sum);
    out += '\n';
}

Result<JournalContent> parse_journal(std::string_view text) {
    JournalContent content;
    if (text.empty()) return content;
    size_t end = text.find('\n');
    if (end == std::string_view::npos) {
        // The header's own write never finished: an empty journal.
        if (header().starts_with(text)) {
            content.torn_bytes = text.size();
            return content;
        }
        end = text.size();
    }
    std::string_view first = text.substr(0, end);
    if (!first.starts_with(kMagic) || first.size() <= kMagic.size() || first[kMagic.size()] != ' ')
        return make_error(EBADMSG,
                          "not a vswitch lease journal (no 'vswitch-lease-journal' header)");
    if (first.substr(kMagic.size() + 1) != kVersion)
        return make_error(ENOTSUP, "lease journal version '" +
                                       std::string(first.substr(kMagic.size() + 1, 16)) +
                                       "' is not supported");
    text.remove_prefix(std::min(text.size(), end + 1));

    // Bad records count as corrupt only once a good one follows them; the
    // ones at the end are the torn tail.
    size_t line_no = 1;
    size_t pending_bad = 0, pending_bytes = 0;
    std::string pending_error;
    while (!text.empty()) {
        ++line_no;
        size_t nl = text.find('\n');
        bool whole = nl != std::string_view::npos;
        std::string_view line = text.substr(0, whole ? nl : text.size());
        size_t used = whole ? nl + 1 : text.size();
        text.remove_prefix(used);
        auto rec =
            whole ? parse_record(line) : Result<Lease>(make_error(EBADMSG, "unfinished record"));
        if (!rec) {
            if (pending_bad++ == 0)
                pending_error = "line " + std::to_string(line_no) + ": " + rec.error().message;
            pending_bytes += used;
            continue;
        }
        if (pending_bad > 0) {
            if (content.bad_records == 0) content.first_error = pending_error;
            content.bad_records += pending_bad;
            pending_bad = pending_bytes = 0;
        }
        content.records.push_back(std::move(*rec));
    }
    content.torn_bytes = pending_bytes;
    return content;
}

std::vector<Lease> apply_journal(std::span<const Lease> leases, std::span<const Lease> records) {
    std::unordered_map<std::string, Lease> by_key;
    std::map<uint32_t, std::string> key_at;  // address → key
    auto erase_key = [&](const std::string& key) {
        auto it = by_key.find(key);
        if (it == by_key.end()) return;
        key_at.erase(it->second.address.value());
        by_key.erase(it);
    };
    auto put = [&](Lease l) {
        if (auto it = by_key.find(l.client_key);
            it != by_key.end() && it->second.address == l.address)
            l.expiry = std::max(l.expiry, it->second.expiry);
        erase_key(l.client_key);
        if (auto at = key_at.find(l.address.value()); at != key_at.end()) erase_key(at->second);
        key_at[l.address.value()] = l.client_key;
        by_key[l.client_key] = std::move(l);
    };
    for (const auto& l : leases) put(l);
    for (const auto& r : records) put(r);
    std::vector<Lease> out;
    out.reserve(key_at.size());
    for (const auto& [address, key] : key_at) out.push_back(std::move(by_key[key]));
    return out;
}

Result<JournalContent> load_journal(const std::string& path) {
    auto text = read_file(path, kMaxJournalBytes);
    if (!text) return text.error();
    auto content = parse_journal(*text);
    if (!content) return content.error().context("reading lease journal '" + path + "'");
    return content;
}

Result<LeaseJournal> LeaseJournal::open(const std::string& path, uint64_t torn_bytes) {
    LeaseJournal j;
    j.path_ = path;
    bool created = false;
    j.fd_.reset(::open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC | O_NOCTTY));
    if (!j.fd_ && errno == ENOENT) {
        j.fd_.reset(::open(path.c_str(),
                           O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0644));
        created = true;
    }
    if (!j.fd_) return errno_error(errno, "opening lease journal '" + path + "'");
    struct stat st {};
    if (::fstat(j.fd_.get(), &st) < 0)
        return errno_error(errno, "reading the size of '" + path + "'");
    j.size_ = uint64_t(st.st_size);
    uint64_t keep = j.size_ > torn_bytes ? j.size_ - torn_bytes : 0;
    if (keep < header().size()) keep = 0;  // a torn header: nothing after it can exist
    if (keep != j.size_) {
        if (::ftruncate(j.fd_.get(), off_t(keep)) < 0)
            return errno_error(errno, "cutting the torn end of '" + path + "'");
        j.size_ = keep;
    }
    if (j.size_ == 0) {
        if (auto s = j.write_synced(header()); !s) {
            if (created) ::unlink(path.c_str());
            return s.error();
        }
    }
    if (created) {
        // The new name must survive a power loss too.
        std::string dir =
            path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/'));
        if (dir.empty()) dir = "/";
        Fd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!d || ::fsync(d.get()) < 0)
            return errno_error(errno, "syncing directory '" + dir + "'");
    }
    return j;
}

Status LeaseJournal::write_synced(std::string_view bytes) {
    const uint64_t before = size_;
    auto undo = [&](int err, const std::string& what) {
        // Cut a partial append off, so the next record starts a line.
        if (::ftruncate(fd_.get(), off_t(before)) < 0) size_ = UINT64_MAX;
        return errno_error(err, what + " '" + path_ + "'");
    };
    if (size_ == UINT64_MAX)
        return make_error(EIO, "lease journal '" + path_ + "' has an unknown end, not appending");
    const char* p = bytes.data();
    size_t left = bytes.size();
    while (left > 0) {
        ssize_t n = ::write(fd_.get(), p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            return undo(errno, "appending to");
        }
        p += n;
        left -= size_t(n);
    }
    if (::fdatasync(fd_.get()) < 0) return undo(errno, "syncing");
    size_ = before + bytes.size();
    return {};
}

Status LeaseJournal::append(std::string_view records) {
    if (records.empty()) return {};
    return write_synced(records);
}

Status LeaseJournal::reset() {
    if (::ftruncate(fd_.get(), 0) < 0)
        return errno_error(errno, "emptying lease journal '" + path_ + "'");
    size_ = 0;
    return write_synced(header());
}

}  // namespace vswitch::dhcp
