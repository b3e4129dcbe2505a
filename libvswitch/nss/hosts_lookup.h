// Reads /run/vswitch/hosts (daemon/dns/hosts_writer.h writes it atomically,
// libvswitch/dns/hosts_file.h formats it) for the NSS module nss/: which
// addresses a name has, which names an address has. hosts(5) syntax, one
// address per line followed by its names ("<addr> <fqdn> <label>"), IPv4
// and IPv6 alike.
//
// Built into libnss_vswitch.so.2, which is loaded into every process that
// resolves a name (sshd, ping, setuid programs), so this code allocates
// nothing, throws nothing and needs nothing from libstdc++ at run time:
// views into the caller's text, fixed arrays, inet_pton. (string_view's
// substr() is avoided: its range check calls into libstdc++ to throw.)
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vswitch::nss {

// A file over this size is not read at all (the daemon's is about 60 bytes
// a name; 4 MiB is far beyond its port and lease limits).
inline constexpr size_t kMaxHostsFileBytes = size_t(4) << 20;
// Names kept from one line; the rest of a longer line is ignored.
inline constexpr size_t kMaxNamesPerLine = 16;
// RFC 1035 §2.3.4: 253 characters in a name's text form, 63 a label.
inline constexpr size_t kMaxNameLength = 253;
inline constexpr size_t kMaxLabelLength = 63;
// Addresses one lookup returns (the same name on several switches or
// families); more are left out.
inline constexpr size_t kMaxAddressesPerName = 32;

struct HostAddress {
    int family = 0;  // AF_INET or AF_INET6
    std::array<uint8_t, 16> bytes{};
    size_t size() const;  // 4 or 16
    bool operator==(const HostAddress&) const = default;
};

struct HostLine {
    HostAddress address;
    std::array<std::string_view, kMaxNamesPerLine> names{};
    size_t name_count = 0;
};

// One line without its newline. False for a comment, a blank line, a bad
// address or a line with an invalid name (all skipped by the lookups).
bool parse_host_line(std::string_view line, HostLine& out);

// A query as NSS passes it, trailing dot removed; false when it cannot be a
// name in the file (empty, too long, a character no name there has).
bool normalize_query(std::string_view name, std::string_view& out);

// Case-insensitive (RFC 4343), the query already normalized.
bool line_has_name(const HostLine& line, std::string_view name);

// Every well-formed complete line of text, in order; fn(const HostLine&)
// returns false to stop. A last line without its newline is a truncated
// file and is ignored (the daemon ends every line with one). Returns the
// number of lines handed to fn.
// for_each_host_line_if() parses only the lines whose raw text keep(line)
// accepts: the lookups skip, by a byte comparison, the lines that cannot
// match (a 4096-name file, 184 KB: 0.57 ms of CPU a lookup, 0.85 ms
// parsing every line).
template <class Keep, class Fn>
size_t for_each_host_line_if(std::string_view text, Keep&& keep, Fn&& fn) {
    size_t handed = 0;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        if (nl == std::string_view::npos) break;
        std::string_view line(text.data(), nl);  // not substr(): it may throw
        text.remove_prefix(nl + 1);
        if (!keep(line)) continue;
        HostLine parsed;
        if (!parse_host_line(line, parsed)) continue;
        ++handed;
        if (!fn(static_cast<const HostLine&>(parsed))) break;
    }
    return handed;
}

template <class Fn>
size_t for_each_host_line(std::string_view text, Fn&& fn) {
    return for_each_host_line_if(
        text, [](std::string_view) { return true; }, static_cast<Fn&&>(fn));
}

// Whether a raw line has `name` (normalized) as one of its fields after the
// first, ignoring case: the pre-filter of find_by_name.
bool line_mentions(std::string_view line, std::string_view name);

// The result of a lookup by name: the matching lines' addresses of the
// wanted family (0 = both), and the first matching line's names (its first
// is the canonical name).
struct NameMatch {
    std::array<HostAddress, kMaxAddressesPerName> addresses{};
    size_t address_count = 0;
    HostLine first;      // valid when found
    bool found = false;  // the name is in the file (maybe with no address of the family)
};
NameMatch find_by_name(std::string_view text, std::string_view normalized_name, int family);

// The first line with this address, or false.
bool find_by_address(std::string_view text, const HostAddress& address, HostLine& out);

}  // namespace vswitch::nss
