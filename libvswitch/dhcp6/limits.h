// Every limit a DHCPv6 client (or a corrupt lease file) can push on, in one
// place.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace vswitch::dhcp6 {

// --- wire -----------------------------------------------------------------
// msg-type + transaction-id (RFC 8415 §8).
inline constexpr size_t kHeaderSize = 4;
// Largest datagram the parser looks at; larger: E2BIG. A DHCPv6 message
// fits the IPv6 minimum MTU in practice; jumbo frames still pass.
inline constexpr size_t kMaxMessageSize = 16384;
// Options per message, nested ones included (each IA, each IAADDR).
inline constexpr size_t kMaxOptions = 256;
// IAs of one kind per message: a guest has a handful of interfaces' worth.
inline constexpr size_t kMaxIas = 16;
// Addresses in one IA a client may list (hints, renewals).
inline constexpr size_t kMaxIaAddresses = 16;
// RFC 8415 §11.1: a DUID is at most 128 octets after its 2-octet type.
inline constexpr size_t kMaxDuidLength = 130;
// DNS servers and domains the server sends, and a client's ORO entries.
inline constexpr size_t kMaxDnsServers = 16;
inline constexpr size_t kMaxDomains = 16;
inline constexpr size_t kMaxOroEntries = 64;
// RFC 1035 name limits (domain list, client FQDN).
inline constexpr size_t kMaxLabelLength = 63;
inline constexpr size_t kMaxNameLength = 255;
// Status message text kept from a client (Decline, Release carry some).
inline constexpr size_t kMaxStatusMessage = 255;

// --- server state ---------------------------------------------------------
// Bindings held at once (one per client DUID + IAID).
inline constexpr size_t kMaxLeases = 65536;
// Bindings one source (bridge port) may hold by default: as for DHCPv4,
// enough for nested guests, few enough that a flood from one port cannot
// fill the table.
inline constexpr size_t kDefaultMaxLeasesPerSource = 64;
// Candidate host parts tried for one binding before NoAddrsAvail: with
// 2^64 host parts, a second collision is already astronomically rare.
inline constexpr unsigned kMaxProbes = 16;
// How long a declined address is kept out of use (the DHCPv4 figure).
inline constexpr std::chrono::seconds kDeclineQuarantine{600};
// Declined addresses remembered at once; past it the oldest goes.
inline constexpr size_t kMaxQuarantined = 1024;
// Host names learnt from clients are one DNS label.
inline constexpr size_t kMaxHostNameLength = 63;

// --- lease file -----------------------------------------------------------
inline constexpr size_t kMaxLeaseFileLine = 1024;

}  // namespace vswitch::dhcp6
