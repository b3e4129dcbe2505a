#include "libvswitch/base/net.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstdio>

namespace vswitch {

namespace {

// Parses a decimal number in [0, max] with no sign, no leading zeros.
bool parse_small(std::string_view s, unsigned max, unsigned& out) {
    if (s.empty() || s.size() > 3) return false;
    if (s.size() > 1 && s[0] == '0') return false;
    unsigned v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v > max) return false;
    out = v;
    return true;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

Result<Ipv4> Ipv4::parse(std::string_view s) {
    uint32_t v = 0;
    std::string_view rest = s;
    for (int i = 0; i < 4; ++i) {
        size_t dot = rest.find('.');
        std::string_view part = i < 3 ? rest.substr(0, dot) : rest;
        if (i < 3 && dot == std::string_view::npos)
            return make_error(EINVAL, "'" + std::string(s) + "' is not an IPv4 address");
        unsigned octet = 0;
        if (!parse_small(part, 255, octet))
            return make_error(EINVAL, "'" + std::string(s) + "' is not an IPv4 address");
        v = v << 8 | octet;
        if (i < 3) rest = rest.substr(dot + 1);
    }
    return Ipv4(v);
}

Ipv4 Ipv4::from_network(uint32_t be) { return Ipv4(ntohl(be)); }
uint32_t Ipv4::to_network() const { return htonl(v_); }

std::string Ipv4::to_string() const {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", v_ >> 24, (v_ >> 16) & 0xff, (v_ >> 8) & 0xff,
                  v_ & 0xff);
    return buf;
}

Result<Ipv4Prefix> Ipv4Prefix::parse(std::string_view s, bool allow_host_bits) {
    size_t slash = s.find('/');
    if (slash == std::string_view::npos)
        return make_error(EINVAL, "'" + std::string(s) + "' is not a prefix (expected a.b.c.d/len)");
    auto addr = Ipv4::parse(s.substr(0, slash));
    if (!addr) return addr.error();
    unsigned len = 0;
    if (!parse_small(s.substr(slash + 1), 32, len))
        return make_error(EINVAL, "'" + std::string(s) + "' has an invalid prefix length");
    Ipv4Prefix p(*addr, uint8_t(len));
    if (!allow_host_bits && p.network() != *addr)
        return make_error(EINVAL, "'" + std::string(s) + "' has host bits set (did you mean " +
                                      p.normalized().to_string() + "?)");
    return p;
}

std::string Ipv4Prefix::to_string() const {
    return addr_.to_string() + "/" + std::to_string(len_);
}

Result<Mac> Mac::parse(std::string_view s) {
    std::array<uint8_t, 6> b{};
    if (s.size() != 17)
        return make_error(EINVAL, "'" + std::string(s) + "' is not a MAC address");
    for (size_t i = 0; i < 6; ++i) {
        int hi = hex_value(s[i * 3]), lo = hex_value(s[i * 3 + 1]);
        if (hi < 0 || lo < 0 || (i < 5 && s[i * 3 + 2] != ':' && s[i * 3 + 2] != '-'))
            return make_error(EINVAL, "'" + std::string(s) + "' is not a MAC address");
        b[i] = uint8_t(hi << 4 | lo);
    }
    return Mac(b);
}

std::string Mac::to_string() const {
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", b_[0], b_[1], b_[2], b_[3],
                  b_[4], b_[5]);
    return buf;
}

}  // namespace vswitch
