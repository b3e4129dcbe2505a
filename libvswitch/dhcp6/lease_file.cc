#include "libvswitch/dhcp6/lease_file.h"

#include <charconv>
#include <set>

#include "libvswitch/base/file.h"
#include "libvswitch/dhcp6/limits.h"
#include "libvswitch/dhcp6/message.h"
#include "libvswitch/dhcp6/names.h"

namespace vswitch::dhcp6 {

namespace {

constexpr std::string_view kMagic = "vswitch-leases6";
constexpr std::string_view kVersion = "1";
// As the DHCPv4 file: later than 2^33 s (year 2242) is corrupt, and stays
// inside system_clock's range.
constexpr uint64_t kMaxExpirySeconds = uint64_t{1} << 33;
// The file holds at most kMaxLeases lines of at most kMaxLeaseFileLine bytes.
constexpr size_t kMaxLeaseFileSize = 64u << 20;

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

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;  // lower case only: the file is ours
}

std::string to_hex(std::span<const uint8_t> bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < bytes.size(); ++i) {
        if (i) out += ':';
        out += kDigits[bytes[i] >> 4];
        out += kDigits[bytes[i] & 15];
    }
    return out;
}

std::optional<std::vector<uint8_t>> from_hex(std::string_view s) {
    if (s.size() % 3 != 2) return std::nullopt;
    std::vector<uint8_t> out;
    for (size_t i = 0; i < s.size(); i += 3) {
        int hi = hex_digit(s[i]), lo = hex_digit(s[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        if (i + 2 < s.size() && s[i + 2] != ':') return std::nullopt;
        out.push_back(uint8_t(hi << 4 | lo));
    }
    return out;
}

template <class T>
bool parse_number(std::string_view s, T& out, int base) {
    if (s.empty()) return false;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
    return ec == std::errc() && end == s.data() + s.size();
}

std::string quoted(std::string_view s) {
    return "'" + std::string(s.substr(0, 64)) + "'";
}

}  // namespace

std::string format_lease_line(const Lease& l) {
    auto secs =
        std::chrono::duration_cast<std::chrono::seconds>(l.expiry.time_since_epoch()).count();
    char iaid[9];
    static constexpr char kDigits[] = "0123456789abcdef";
    for (int i = 0; i < 8; ++i) iaid[i] = kDigits[(l.iaid >> (28 - 4 * i)) & 15];
    iaid[8] = 0;
    return "lease6 " + l.address.to_string() + ' ' + to_hex(l.duid) + ' ' + iaid + ' ' +
           std::to_string(secs < 0 ? 0 : secs) + ' ' +
           (l.hostname.empty() ? std::string("-") : l.hostname);
}

Result<Lease> parse_lease_line(std::string_view line) {
    auto w = split_words(line);
    if (w.size() != 6 || w[0] != "lease6")
        return make_error(EBADMSG, "expected 'lease6 ADDRESS DUID IAID EXPIRY HOSTNAME'");
    Lease l;
    auto address = Address::parse(w[1]);
    if (!address) return make_error(EBADMSG, "bad address " + quoted(w[1]));
    if (address->is_zero() || address->is_multicast() || address->is_link_local())
        return make_error(EBADMSG,
                          "address " + quoted(w[1]) + " is no unicast address a server gives");
    l.address = *address;
    auto duid = from_hex(w[2]);
    if (!duid) return make_error(EBADMSG, "bad DUID " + quoted(w[2]));
    if (auto d = Duid::parse(*duid); !d) return make_error(EBADMSG, d.error().message);
    l.duid = std::move(*duid);
    if (w[3].size() != 8 || !parse_number(w[3], l.iaid, 16))
        return make_error(EBADMSG, "bad IAID " + quoted(w[3]) + " (8 hex digits)");
    uint64_t secs = 0;
    if (!parse_number(w[4], secs, 10) || secs > kMaxExpirySeconds)
        return make_error(EBADMSG, "bad expiry " + quoted(w[4]));
    l.expiry = Clock::time_point(std::chrono::seconds(secs));
    if (w[5] != "-") {
        if (host_label(w[5]) != w[5]) return make_error(EBADMSG, "bad host name " + quoted(w[5]));
        l.hostname = std::string(w[5]);
    }
    return l;
}

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

Result<LeaseFileContent> parse_lease_file(std::string_view text) {
    LeaseFileContent content;
    std::set<std::string> keys;
    std::set<Address> addresses;
    size_t line_no = 0;
    bool header = false;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        ++line_no;
        if (!header) {
            auto w = split_words(line);
            if (w.size() != 2 || w[0] != kMagic)
                return make_error(EBADMSG, "not a vswitch DHCPv6 lease file");
            if (w[1] != kVersion)
                return make_error(ENOTSUP, "lease file version " + quoted(w[1]) + " not supported");
            header = true;
            continue;
        }
        if (split_words(line).empty()) continue;
        auto bad = [&](const std::string& why) {
            if (content.bad_lines++ == 0)
                content.first_error = "line " + std::to_string(line_no) + ": " + why;
        };
        if (line.size() > kMaxLeaseFileLine) {
            bad("line longer than " + std::to_string(kMaxLeaseFileLine) + " bytes");
            continue;
        }
        auto lease = parse_lease_line(line);
        if (!lease) {
            bad(lease.error().message);
            continue;
        }
        if (!keys.insert(binding_key(lease->duid, lease->iaid)).second) {
            bad("a second binding of the same DUID and IAID");
            continue;
        }
        if (!addresses.insert(lease->address).second) {
            bad("address " + lease->address.to_string() + " bound twice");
            continue;
        }
        content.leases.push_back(std::move(*lease));
    }
    if (!header) return make_error(EBADMSG, "not a vswitch DHCPv6 lease file (empty)");
    return content;
}

Result<LeaseFileContent> load_lease_file(const std::string& path) {
    auto text = read_file(path, kMaxLeaseFileSize);
    if (!text) return text.error();
    auto content = parse_lease_file(*text);
    if (!content) return content.error().context("reading '" + path + "'");
    return content;
}

Status save_lease_file(const std::string& path, std::span<const Lease> leases) {
    auto st = write_file_atomic(path, format_lease_file(leases), 0644);
    if (!st) return st.error().context("writing '" + path + "'");
    return ok_status();
}

}  // namespace vswitch::dhcp6
