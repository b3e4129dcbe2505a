#include "libvswitch/dhcp/lease_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <optional>
#include <unordered_set>

#include "libvswitch/base/fd.h"
#include "libvswitch/base/file.h"
#include "libvswitch/dhcp/limits.h"
#include "libvswitch/dhcp/server_core.h"

namespace vswitch::dhcp {

namespace {

constexpr std::string_view kMagic = "vswitch-leases";
constexpr std::string_view kVersion = "1";
// Leases far in the future are corrupt; 2^33 s (year 2242) also stays
// inside system_clock's 64-bit nanoseconds (about 292 years past 1970).
constexpr uint64_t kMaxExpirySeconds = uint64_t{1} << 33;
// load_lease_file reads the file in blocks of this size.
constexpr size_t kLeaseFileBlock = 16384;

std::vector<std::string_view> split_words(std::string_view line) {
    std::vector<std::string_view> words;
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
        if (i > start) words.push_back(line.substr(start, i - start));
    }
    return words;
}

Result<Lease> parse_lease_words(const std::vector<std::string_view>& w) {
    if (w.size() != 6 || w[0] != "lease")
        return make_error(EBADMSG, "expected 'lease ADDRESS MAC CLIENT-KEY EXPIRY HOSTNAME'");
    Lease lease;
    auto address = Ipv4::parse(w[1]);
    if (!address) return address.error();
    lease.address = *address;
    auto mac = Mac::parse(w[2]);
    if (!mac) return mac.error();
    lease.mac = *mac;
    auto key = client_key_from_hex(w[3]);
    if (!key) return make_error(EBADMSG, "bad client key '" + std::string(w[3]) + "'");
    lease.client_key = std::move(*key);
    uint64_t secs = 0;
    auto [end, ec] = std::from_chars(w[4].data(), w[4].data() + w[4].size(), secs);
    if (ec != std::errc() || end != w[4].data() + w[4].size() || secs > kMaxExpirySeconds)
        return make_error(EBADMSG, "bad expiry '" + std::string(w[4]) + "'");
    lease.expiry = Clock::time_point(std::chrono::seconds(secs));
    if (w[5] != "-") {
        lease.hostname = sanitize_host_name(w[5]);
        if (lease.hostname.empty())
            return make_error(EBADMSG, "bad host name '" + std::string(w[5]) + "'");
    }
    return lease;
}

}  // namespace

std::string format_lease_line(const Lease& l) {
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(l.expiry.time_since_epoch());
    return "lease " + l.address.to_string() + ' ' + l.mac.to_string() + ' ' + client_key_to_hex(l.client_key) + ' ' +
           std::to_string(std::max<int64_t>(secs.count(), 0)) + ' ' +
           (l.hostname.empty() ? std::string("-") : l.hostname);
}

Result<Lease> parse_lease_line(std::string_view line) { return parse_lease_words(split_words(line)); }

std::string format_lease_file(std::span<const Lease> leases) {
    std::string out(kMagic);
    out += ' ';
    out += kVersion;
    out += '\n';
    for (const auto& l : leases) {
        out += format_lease_line(l);
        out += '\n';
    }
    return out;
}

namespace {

// Reads the file a line at a time, so that a load holds one line and the
// leases, never the whole text as well. Fed by parse_lease_file (text in
// memory) and load_lease_file (the file read in blocks).
class LeaseFileReader {
public:
    // false once the header turned out wrong: error() says why.
    bool feed(std::string_view line);
    Result<LeaseFileContent> finish() &&;

private:
    void bad(const std::string& why) {
        if (content_.bad_lines++ == 0) content_.first_error = "line " + std::to_string(line_no_) + ": " + why;
    }

    LeaseFileContent content_;
    std::optional<Error> error_;
    bool header_seen_ = false;
    size_t line_no_ = 0;
    // Duplicates by key and by address; hashed, which costs less memory
    // than ordered sets while the leases are read.
    std::unordered_set<std::string> keys_;
    std::unordered_set<uint32_t> addresses_;
};

bool LeaseFileReader::feed(std::string_view line) {
    ++line_no_;
    if (!header_seen_) {
        header_seen_ = true;
        auto header = split_words(line);
        if (header.size() != 2 || header[0] != kMagic) {
            error_ = make_error(EBADMSG, "not a vswitch lease file (no 'vswitch-leases' header)");
            return false;
        }
        if (header[1] != kVersion) {
            error_ = make_error(ENOTSUP, "lease file version '" + std::string(header[1]) + "' is not supported");
            return false;
        }
        return true;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > kMaxLeaseFileLine) {
        bad("longer than " + std::to_string(kMaxLeaseFileLine) + " bytes");
        return true;
    }
    auto words = split_words(line);
    if (words.empty() || words[0].front() == '#') return true;
    auto lease = parse_lease_words(words);
    if (!lease) {
        bad(lease.error().message);
        return true;
    }
    if (content_.leases.size() >= kMaxLeases) {
        bad("more than " + std::to_string(kMaxLeases) + " leases");
        return true;
    }
    if (keys_.count(lease->client_key) || addresses_.count(lease->address.value())) {
        bad("duplicate lease for " + lease->address.to_string());
        return true;
    }
    keys_.insert(lease->client_key);
    addresses_.insert(lease->address.value());
    content_.leases.push_back(std::move(*lease));
    return true;
}

Result<LeaseFileContent> LeaseFileReader::finish() && {
    if (!header_seen_) feed("");  // an empty file has no header either
    if (error_) return *error_;
    content_.leases.shrink_to_fit();
    return std::move(content_);
}

}  // namespace

Result<LeaseFileContent> parse_lease_file(std::string_view text) {
    LeaseFileReader reader;
    for (bool more = true; more;) {
        size_t end = text.find('\n');
        more = end != std::string_view::npos;
        if (!reader.feed(text.substr(0, end))) break;
        text = more ? text.substr(end + 1) : std::string_view{};
        if (text.empty()) break;  // a final newline ends the last line, it starts none
    }
    return std::move(reader).finish();
}

Result<LeaseFileContent> load_lease_file(const std::string& path) {
    auto what = [&] { return "reading lease file '" + path + "'"; };
    Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return errno_error(errno, what());
    LeaseFileReader reader;
    // Lines longer than kMaxLeaseFileLine are bad lines anyway: a line that
    // does not fit the buffer is cut there and reported, the rest skipped.
    std::array<char, kLeaseFileBlock> block;
    std::string line;
    bool skipping = false;  // inside the rest of an overlong line
    bool done = false;
    for (;;) {
        ssize_t n = read(fd.get(), block.data(), block.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno_error(errno, what());
        if (n == 0) break;
        std::string_view data(block.data(), size_t(n));
        while (!data.empty() && !done) {
            size_t end = data.find('\n');
            std::string_view piece = data.substr(0, end);
            if (!skipping) {
                line.append(piece.substr(0, std::min(piece.size(), kMaxLeaseFileLine + 2 - line.size())));
                skipping = line.size() > kMaxLeaseFileLine + 1;
            }
            if (end == std::string_view::npos) break;
            data.remove_prefix(end + 1);
            done = !reader.feed(line);
            line.clear();
            skipping = false;
        }
        if (done) break;
    }
    if (!done && !line.empty()) reader.feed(line);
    auto content = std::move(reader).finish();
    if (!content) return content.error().context(what());
    return content;
}

Status save_lease_file(const std::string& path, std::span<const Lease> leases) {
    return write_file_atomic(path, format_lease_file(leases), 0644);
}

}  // namespace vswitch::dhcp
