#include "libvswitch/dhcp/lease_file.h"

#include <charconv>
#include <set>

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

Result<Lease> parse_lease_line(const std::vector<std::string_view>& w) {
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

std::string format_lease_file(std::span<const Lease> leases) {
    std::string out(kMagic);
    out += ' ';
    out += kVersion;
    out += '\n';
    for (const auto& l : leases) {
        auto secs = std::chrono::duration_cast<std::chrono::seconds>(l.expiry.time_since_epoch());
        out += "lease " + l.address.to_string() + ' ' + l.mac.to_string() + ' ' +
               client_key_to_hex(l.client_key) + ' ' +
               std::to_string(std::max<int64_t>(secs.count(), 0)) + ' ' +
               (l.hostname.empty() ? std::string("-") : l.hostname) + '\n';
    }
    return out;
}

Result<LeaseFileContent> parse_lease_file(std::string_view text) {
    size_t eol = text.find('\n');
    auto header = split_words(text.substr(0, eol));
    if (header.size() != 2 || header[0] != kMagic)
        return make_error(EBADMSG, "not a vswitch lease file (no 'vswitch-leases' header)");
    if (header[1] != kVersion)
        return make_error(ENOTSUP, "lease file version '" + std::string(header[1]) +
                                       "' is not supported");
    LeaseFileContent content;
    std::set<std::string> keys;
    std::set<Ipv4> addresses;
    size_t line_no = 1;
    auto bad = [&](const std::string& why) {
        if (content.bad_lines++ == 0) content.first_error = "line " + std::to_string(line_no) + ": " + why;
    };
    std::string_view rest = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    while (!rest.empty()) {
        ++line_no;
        size_t end = rest.find('\n');
        std::string_view line = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.size() > kMaxLeaseFileLine) {
            bad("longer than " + std::to_string(kMaxLeaseFileLine) + " bytes");
            continue;
        }
        auto words = split_words(line);
        if (words.empty() || words[0].front() == '#') continue;
        auto lease = parse_lease_line(words);
        if (!lease) {
            bad(lease.error().message);
            continue;
        }
        if (content.leases.size() >= kMaxLeases) {
            bad("more than " + std::to_string(kMaxLeases) + " leases");
            continue;
        }
        if (!keys.insert(lease->client_key).second || !addresses.insert(lease->address).second) {
            bad("duplicate lease for " + lease->address.to_string());
            continue;
        }
        content.leases.push_back(std::move(*lease));
    }
    return content;
}

Result<LeaseFileContent> load_lease_file(const std::string& path) {
    auto text = read_file(path);
    if (!text) return text.error();
    auto content = parse_lease_file(*text);
    if (!content) return content.error().context("reading lease file '" + path + "'");
    return content;
}

Status save_lease_file(const std::string& path, std::span<const Lease> leases) {
    return write_file_atomic(path, format_lease_file(leases), 0644);
}

}  // namespace vswitch::dhcp
