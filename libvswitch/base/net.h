// Value types for IPv4 addresses, prefixes and MAC addresses, with strict
// parsers (Result) and canonical to_string.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "libvswitch/base/result.h"

namespace vswitch {

// An IPv4 address, held in host byte order.
class Ipv4 {
public:
    constexpr Ipv4() = default;
    constexpr explicit Ipv4(uint32_t host_order) : v_(host_order) {}
    constexpr Ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
        : v_(uint32_t{a} << 24 | uint32_t{b} << 16 | uint32_t{c} << 8 | d) {}

    // Dotted quad only ("172.16.0.1"); no leading zeros, no shorthand.
    static Result<Ipv4> parse(std::string_view s);
    // From/to network byte order (struct in_addr's s_addr).
    static Ipv4 from_network(uint32_t be);
    uint32_t to_network() const;

    constexpr uint32_t value() const { return v_; }
    std::array<uint8_t, 4> bytes() const {
        return {uint8_t(v_ >> 24), uint8_t(v_ >> 16), uint8_t(v_ >> 8), uint8_t(v_)};
    }
    std::string to_string() const;
    constexpr bool is_zero() const { return v_ == 0; }

    friend constexpr auto operator<=>(Ipv4, Ipv4) = default;

private:
    uint32_t v_ = 0;
};

// An IPv4 prefix "a.b.c.d/len". The address is kept as given; network()
// masks it. Parsing accepts host bits only when allow_host_bits is set
// (an interface address "172.16.0.1/20" versus a subnet "172.16.0.0/20").
class Ipv4Prefix {
public:
    constexpr Ipv4Prefix() = default;
    constexpr Ipv4Prefix(Ipv4 addr, uint8_t len) : addr_(addr), len_(len) {}

    static Result<Ipv4Prefix> parse(std::string_view s, bool allow_host_bits = false);

    Ipv4 address() const { return addr_; }
    uint8_t length() const { return len_; }
    uint32_t mask() const { return len_ == 0 ? 0 : ~uint32_t{0} << (32 - len_); }
    Ipv4 network() const { return Ipv4(addr_.value() & mask()); }
    Ipv4 broadcast() const { return Ipv4(network().value() | ~mask()); }
    uint64_t size() const { return uint64_t{1} << (32 - len_); }
    Ipv4Prefix normalized() const { return {network(), len_}; }

    bool contains(Ipv4 a) const { return (a.value() & mask()) == network().value(); }
    bool contains(const Ipv4Prefix& p) const { return p.len_ >= len_ && contains(p.addr_); }
    bool overlaps(const Ipv4Prefix& p) const { return contains(p) || p.contains(*this); }

    std::string to_string() const;  // "address/len" as held

    friend bool operator==(const Ipv4Prefix&, const Ipv4Prefix&) = default;

private:
    Ipv4 addr_{};
    uint8_t len_ = 0;
};

class Mac {
public:
    constexpr Mac() = default;
    constexpr explicit Mac(std::array<uint8_t, 6> b) : b_(b) {}

    // "52:54:00:12:34:56" (also accepts '-' separators), case-insensitive.
    static Result<Mac> parse(std::string_view s);

    const std::array<uint8_t, 6>& bytes() const { return b_; }
    std::string to_string() const;  // lower-case, ':' separated
    bool is_zero() const { return b_ == std::array<uint8_t, 6>{}; }
    bool is_multicast() const { return b_[0] & 1; }

    friend auto operator<=>(const Mac&, const Mac&) = default;

private:
    std::array<uint8_t, 6> b_{};
};

}  // namespace vswitch
