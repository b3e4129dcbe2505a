// Every limit a DHCP client (or a corrupt file) can push on, in one place.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace vswitch::dhcp {

// --- wire -----------------------------------------------------------------
// BOOTP fixed header (op .. file) and the magic cookie that follows it.
inline constexpr size_t kFixedHeaderSize = 236;
inline constexpr size_t kCookieSize = 4;
// RFC 951: a BOOTP message is at least 300 bytes; older relays and ROMs
// drop anything shorter, so replies are padded up to it.
inline constexpr size_t kBootpMinSize = 300;
// Largest datagram the parser looks at (jumbo frames fit); larger: E2BIG.
inline constexpr size_t kMaxMessageSize = 16384;
// RFC 2132 §9.10: the smallest legal maximum message size (a whole IP
// datagram); IP + UDP headers take kIpUdpHeaderSize of it.
inline constexpr size_t kMinMaxMessageSize = 576;
inline constexpr size_t kIpUdpHeaderSize = 28;
// What a reply may use when the client did not say (RFC 2131 §2: every
// client accepts a 576-byte datagram).
inline constexpr size_t kDefaultMaxPayload = kMinMaxMessageSize - kIpUdpHeaderSize;
// Option fragments per message (RFC 3396 lets one option come in many).
inline constexpr size_t kMaxOptionFragments = 1024;
// RFC 1035 name limits, used by domain search (119) and client FQDN (81).
inline constexpr size_t kMaxLabelLength = 63;
inline constexpr size_t kMaxNameLength = 255;
// Compression pointers followed while decoding one name.
inline constexpr size_t kMaxNamePointers = 32;
// Client identifiers longer than this are refused (they key the lease table).
inline constexpr size_t kMaxClientIdLength = 255;

// --- server state ---------------------------------------------------------
// Leases held at once (a /16 has 65534 hosts; a /20 4094).
inline constexpr size_t kMaxLeases = 65536;
// Offers waiting for their REQUEST: caps memory under a DISCOVER flood.
inline constexpr size_t kMaxPendingOffers = 1024;
// A source's (a bridge port's) share of them: past it, the source's own
// oldest hold makes room, so a DISCOVER stream from one port only churns
// its own holds. A quarter leaves room for three ports flooding at once and
// still gives any other port a hold (when the table is full, the heaviest
// source's oldest hold goes, never a light source's).
inline constexpr size_t kMaxPendingOffersPerSource = kMaxPendingOffers / 4;
// Leases (bindings) one port may hold, unless MaxLeasesPerPort= says
// otherwise: a VM with nested containers or VMs bridged behind it needs a
// few dozen; a DORA flood from one port takes no more than this of the /20.
inline constexpr size_t kDefaultMaxLeasesPerSource = 64;
// A limit's episode ends at the first success this long after its last
// refusal, so a limit hovering at its edge is reported once, not per packet.
inline constexpr std::chrono::seconds kLimitQuietTime{10};
// How long an offered address stays held for the client it was offered to.
inline constexpr std::chrono::seconds kOfferHoldTime{30};
// How long a DECLINEd address is kept out of the pool (dnsmasq: 10 min).
inline constexpr std::chrono::seconds kDeclineQuarantine{600};
// Addresses marked in use by others (ports, neighbour table).
inline constexpr size_t kMaxReservedAddresses = 65536;
// Host names learnt from clients are one DNS label.
inline constexpr size_t kMaxHostNameLength = 63;

// --- lease file -----------------------------------------------------------
inline constexpr size_t kMaxLeaseFileLine = 1024;

}  // namespace vswitch::dhcp
