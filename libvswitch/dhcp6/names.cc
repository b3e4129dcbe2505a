#include "libvswitch/dhcp6/names.h"

#include "libvswitch/dhcp6/limits.h"

namespace vswitch::dhcp6 {

namespace {

bool label_char_ok(uint8_t c) {
    return c > 0x20 && c < 0x7f && c != '.';
}

}  // namespace

Result<WireName> parse_wire_name(std::span<const uint8_t> bytes, bool allow_partial) {
    WireName out;
    size_t pos = 0;
    size_t wire_length = 0;
    while (true) {
        if (pos == bytes.size()) {
            // RFC 4704 §4.2: a partial name simply stops, without the root.
            if (allow_partial && pos > 0) {
                out.fully_qualified = false;
                out.size = pos;
                return out;
            }
            return make_error(EBADMSG, "domain name cut short");
        }
        uint8_t len = bytes[pos];
        if ((len & 0xc0) == 0xc0)
            return make_error(EBADMSG, "compressed domain name (RFC 8415 §10 forbids it)");
        if (len > kMaxLabelLength) return make_error(EBADMSG, "label longer than 63 bytes");
        wire_length += size_t{len} + 1;
        if (wire_length > kMaxNameLength)
            return make_error(EBADMSG, "domain name longer than 255 bytes");
        ++pos;
        if (len == 0) break;
        if (bytes.size() - pos < len) return make_error(EBADMSG, "label runs past the option");
        if (!out.name.empty()) out.name += '.';
        for (size_t i = 0; i < len; ++i) {
            uint8_t c = bytes[pos + i];
            if (!label_char_ok(c)) return make_error(EBADMSG, "bad character in a domain label");
            out.name += char(c);
        }
        pos += len;
    }
    out.size = pos;
    return out;
}

Status append_wire_name(std::vector<uint8_t>& out, std::string_view name, bool partial) {
    std::vector<uint8_t> wire;
    size_t start = 0;
    while (!name.empty() && start <= name.size()) {
        size_t dot = name.find('.', start);
        std::string_view label = name.substr(
            start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (label.empty()) return make_error(EINVAL, "empty label in '" + std::string(name) + "'");
        if (label.size() > kMaxLabelLength)
            return make_error(EINVAL, "label longer than 63 bytes in '" + std::string(name) + "'");
        wire.push_back(uint8_t(label.size()));
        wire.insert(wire.end(), label.begin(), label.end());
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    if (!partial) wire.push_back(0);
    if (wire.size() > kMaxNameLength)
        return make_error(EINVAL, "name longer than 255 bytes: '" + std::string(name) + "'");
    out.insert(out.end(), wire.begin(), wire.end());
    return ok_status();
}

bool valid_domain(std::string_view name) {
    if (name.empty()) return false;
    for (char c : name)
        if (!label_char_ok(uint8_t(c)) && c != '.') return false;
    std::vector<uint8_t> wire;
    return append_wire_name(wire, name).ok();
}

}  // namespace vswitch::dhcp6

namespace vswitch::dhcp6 {

std::string host_label(std::string_view name) {
    std::string_view label = name.substr(0, name.find('.'));
    if (label.empty() || label.size() > kMaxHostNameLength) return "";
    if (label.front() == '-' || label.back() == '-') return "";
    std::string out;
    for (char c : label) {
        if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return "";
        out += c;
    }
    return out;
}

}  // namespace vswitch::dhcp6
