#include "libvswitch/nss/hosts_lookup.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstring>

namespace vswitch::nss {

namespace {

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
}

// The names the daemon writes are DNS labels joined by dots (sanitize_label
// in libvswitch/dns/local_zone.h); '_' is accepted for hand-made names.
bool valid_name(std::string_view name) {
    if (name.empty() || name.size() > kMaxNameLength) return false;
    size_t label = 0;
    for (char c : name) {
        if (c == '.') {
            if (label == 0) return false;
            label = 0;
            continue;
        }
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        if (!ok || ++label > kMaxLabelLength) return false;
    }
    return label != 0;
}

bool parse_address(std::string_view text, HostAddress& out) {
    char buf[INET6_ADDRSTRLEN + 1];
    if (text.empty() || text.size() >= sizeof buf) return false;
    // inet_pton stops at a NUL: "10.0.0.1\0junk" must not read as 10.0.0.1
    // (find_by_address compares the field's whole text).
    if (std::memchr(text.data(), '\0', text.size()) != nullptr) return false;
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = '\0';
    if (text.find(':') != std::string_view::npos) {
        out.family = AF_INET6;
        return inet_pton(AF_INET6, buf, out.bytes.data()) == 1;
    }
    out.family = AF_INET;
    return inet_pton(AF_INET, buf, out.bytes.data()) == 1;
}

// Splits off the next whitespace-separated field; empty at the end.
std::string_view next_field(std::string_view& rest) {
    size_t i = 0;
    while (i < rest.size() && is_blank(rest[i])) ++i;
    size_t j = i;
    while (j < rest.size() && !is_blank(rest[j])) ++j;
    std::string_view field(rest.data() + i, j - i);
    rest.remove_prefix(j);
    return field;
}

bool equal_nocase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

}  // namespace

size_t HostAddress::size() const {
    return family == AF_INET6 ? 16 : 4;
}

bool parse_host_line(std::string_view line, HostLine& out) {
    out = HostLine{};
    if (size_t hash = line.find('#'); hash != std::string_view::npos)
        line = std::string_view(line.data(), hash);
    std::string_view rest = line;
    std::string_view address = next_field(rest);
    if (address.empty() || !parse_address(address, out.address)) return false;
    for (std::string_view name = next_field(rest); !name.empty(); name = next_field(rest)) {
        if (!valid_name(name)) return false;
        if (out.name_count < kMaxNamesPerLine) out.names[out.name_count++] = name;
    }
    return out.name_count > 0;
}

bool normalize_query(std::string_view name, std::string_view& out) {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    if (!valid_name(name)) return false;
    out = name;
    return true;
}

bool line_has_name(const HostLine& line, std::string_view name) {
    for (size_t i = 0; i < line.name_count; ++i)
        if (equal_nocase(line.names[i], name)) return true;
    return false;
}

bool line_mentions(std::string_view line, std::string_view name) {
    std::string_view rest = line;
    next_field(rest);  // the address
    for (std::string_view f = next_field(rest); !f.empty(); f = next_field(rest)) {
        if (f.front() == '#') return false;
        if (equal_nocase(f, name)) return true;
    }
    return false;
}

NameMatch find_by_name(std::string_view text, std::string_view normalized_name, int family) {
    NameMatch match;
    auto mentions = [normalized_name](std::string_view line) {
        return line_mentions(line, normalized_name);
    };
    for_each_host_line_if(text, mentions, [&](const HostLine& line) {
        if (!line_has_name(line, normalized_name)) return true;
        if (!match.found) {
            match.found = true;
            match.first = line;
        }
        if (family != 0 && line.address.family != family) return true;
        for (size_t i = 0; i < match.address_count; ++i)
            if (match.addresses[i] == line.address) return true;  // listed twice
        if (match.address_count == kMaxAddressesPerName) return false;
        match.addresses[match.address_count++] = line.address;
        return true;
    });
    return match;
}

bool find_by_address(std::string_view text, const HostAddress& address, HostLine& out) {
    bool found = false;
    // IPv4 has one text form (inet_pton takes no leading zeros): compare
    // it. IPv6 has several: parse every line that may be one.
    char want[INET6_ADDRSTRLEN] = "";
    if (address.family == AF_INET && !inet_ntop(AF_INET, address.bytes.data(), want, sizeof want))
        return false;
    auto maybe = [&](std::string_view line) {
        std::string_view rest = line;
        std::string_view first = next_field(rest);
        if (address.family == AF_INET) return first == std::string_view(want);
        return first.find(':') != std::string_view::npos;
    };
    for_each_host_line_if(text, maybe, [&](const HostLine& line) {
        if (line.address.family != address.family ||
            std::memcmp(line.address.bytes.data(), address.bytes.data(), address.size()) != 0)
            return true;
        out = line;
        found = true;
        return false;
    });
    return found;
}

}  // namespace vswitch::nss
