// Every limit a DNS client, a guest or an upstream server can push on, in one
// place. The daemon's DNS service reads the transport limits from here too.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vswitch::dns {

// RFC 1035 §4.1.1: the fixed message header.
inline constexpr size_t kHeaderSize = 12;

// Local zone. Records follow DHCP leases live, so TTLs stay short: a client
// never keeps a stale address (or a stale NXDOMAIN) for long.
inline constexpr uint32_t kLocalTtl = 30;          // seconds, A and PTR
inline constexpr uint32_t kLocalNegativeTtl = 5;   // SOA TTL and MINIMUM (RFC 2308)
inline constexpr size_t kMaxLocalRecords = 16384;  // a /20 holds 4094 guests
// Name conflicts kept for the daemon to log until it takes them.
inline constexpr size_t kMaxPendingRenames = 64;

// UDP payload sizes. RFC 1035 §4.2.1 fixes 512 without EDNS0; with EDNS0 we
// advertise and serve at most 1232 bytes (DNS flag day 2020: no fragments).
inline constexpr uint16_t kMinUdpPayload = 512;
inline constexpr uint16_t kMaxUdpPayload = 1232;
inline constexpr size_t kMaxTcpMessage = 65535;  // RFC 7766 §8: 16-bit length

// A client's query over TCP is a question and an OPT record; anything
// longer than this is not a query we would answer and is not buffered.
inline constexpr size_t kMaxTcpQueryLength = 4096;

// Cache. Sizes bound memory whatever upstream sends; TTL caps bound how
// long a poisoned or stale answer could live.
inline constexpr size_t kCacheMaxEntries = 10000;
inline constexpr size_t kCacheMaxBytes = 8u << 20;
inline constexpr size_t kCacheMaxEntryBytes = 16384;     // larger replies are not cached
inline constexpr size_t kCacheEntryOverhead = 128;       // bookkeeping per entry, estimated
inline constexpr uint32_t kCacheMaxTtl = 86400;          // one day
inline constexpr uint32_t kCacheMaxNegativeTtl = 10800;  // RFC 2308 §5: 1-3 hours

// glibc's MAXNS: resolv.conf nameservers beyond the third are ignored.
inline constexpr size_t kMaxNameservers = 3;

}  // namespace vswitch::dns
