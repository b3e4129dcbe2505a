// An IPv6 address as a value, for the DHCPv6 code: 16 bytes in network
// order, a strict parser and the RFC 5952 text form (inet_pton/inet_ntop).
// Kept inside dhcp6 so that this library part stands alone.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "libvswitch/base/result.h"

namespace vswitch::dhcp6 {

class Address {
public:
    constexpr Address() = default;
    constexpr explicit Address(std::array<uint8_t, 16> b) : b_(b) {}
    // The /64 prefix's upper half and a host part (interface identifier).
    static Address from_halves(uint64_t prefix, uint64_t host);

    // Any RFC 4291 text form ("fd00::1", "2001:db8::1"); no zone, no prefix.
    static Result<Address> parse(std::string_view s);
    std::string to_string() const;  // RFC 5952 canonical form

    const std::array<uint8_t, 16>& bytes() const { return b_; }
    uint64_t upper() const;  // bytes 0..7: the /64
    uint64_t lower() const;  // bytes 8..15: the host part
    bool is_zero() const { return b_ == std::array<uint8_t, 16>{}; }
    bool is_multicast() const { return b_[0] == 0xff; }
    bool is_link_local() const { return b_[0] == 0xfe && (b_[1] & 0xc0) == 0x80; }

    friend auto operator<=>(const Address&, const Address&) = default;

private:
    std::array<uint8_t, 16> b_{};
};

}  // namespace vswitch::dhcp6
