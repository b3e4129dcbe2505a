// The host part (interface identifier) a DHCPv6 client gets inside the
// switch's /64: SipHash-2-4 under the server's secret key over the client's
// DUID and IAID, so it is the same at every exchange, every restart and on
// every prefix, yet not guessable from outside (RFC 7943 §3's concern with
// predictable addresses). Probe n (0, 1, ...) moves off a collision.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace vswitch::dhcp6 {

using HashKey = std::array<uint8_t, 16>;

// SipHash-2-4 (Aumasson & Bernstein), 64-bit output.
uint64_t siphash24(const HashKey& key, std::span<const uint8_t> data);

// The candidate host part for probe `probe`; usable_host_part() says
// whether the server may hand it out.
uint64_t candidate_host_part(const HashKey& key, std::span<const uint8_t> duid, uint32_t iaid,
                             unsigned probe);

// Never given: 0 (the Subnet-Router anycast, RFC 4291 §2.6.1), 1 (the
// gateway), the RFC 2526 subnet anycast identifiers (the top 128 of
// fdff:ffff:ffff:ff80..ffff) and the RFC 5453 reserved range
// 0200:5eff:fe00:0000..0200:5eff:feff:ffff.
bool usable_host_part(uint64_t host);

}  // namespace vswitch::dhcp6
