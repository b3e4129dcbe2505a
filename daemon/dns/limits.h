// Every limit a DNS client or an upstream server can push on in the daemon's
// DNS service (the message-level limits are in libvswitch/dns/limits.h).
#pragma once

#include <cstddef>
#include <cstdint>

namespace vswitch::dns {

inline constexpr uint16_t kDnsPort = 53;

// Queries waiting for an upstream answer, per switch. Past it a client gets
// SERVFAIL at once: a flood cannot grow memory or sockets without bound.
inline constexpr size_t kMaxPendingQueries = 512;
// Of those, one guest (source address) may hold this many: a guest flooding
// names that upstream never answers leaves three quarters of the table to
// the others. When the table is full all the same (four or more heavy
// guests), a query from a lighter guest takes the place of the oldest one
// of the heaviest guest, which gets SERVFAIL at once (fair_share.h).
inline constexpr size_t kMaxPendingQueriesPerSource = kMaxPendingQueries / 4;

// One upstream gets this long before the next one is asked; the whole
// forward gets kForwardTimeoutUsec before the client gets SERVFAIL (well
// inside the 5 s a stub resolver waits by default, resolv.conf(5)).
inline constexpr uint64_t kAttemptTimeoutUsec = 1'200'000;
inline constexpr uint64_t kForwardTimeoutUsec = 3'500'000;

// How late a DNS timer (forward deadline, attempt, TCP idle) may fire: the
// loop wakes once for all that fall into the same window.
inline constexpr uint64_t kDnsTimerAccuracyUsec = 10'000;

// Client TCP (RFC 7766): connections at once, idle time before we close
// (§6.2.3 suggests seconds), queries of one connection in flight at once,
// and bytes of answers queued for a client that does not read.
inline constexpr size_t kMaxTcpConnections = 64;
inline constexpr uint64_t kTcpIdleTimeoutUsec = 10'000'000;
// RFC 7766 §6.2 and §10: bounds that keep one guest from holding the slots.
// Connections of one guest (source address) at once: a guest past it trades
// its own oldest idle connection for the new one, else is refused; when the
// table is full, a lighter guest takes the oldest idle (else oldest)
// connection of the heaviest one (fair_share.h).
inline constexpr size_t kMaxTcpConnectionsPerSource = 8;
// From a query's first byte to its last: a query is a few hundred bytes, so
// a client trickling it in (slowloris) is cut off. Every byte still resets
// the idle time, but not this.
inline constexpr uint64_t kTcpQueryReadTimeoutUsec = 2'000'000;
// A connection's whole life: then no more queries are read, the answers owed
// go out (kTcpDrainUsec at most, past the forward deadline) and it closes. A
// client opens a new one (RFC 7766 §6.2.3: the server may close at any time).
inline constexpr uint64_t kTcpLifetimeUsec = 20'000'000;
inline constexpr uint64_t kTcpDrainUsec = kForwardTimeoutUsec + 1'000'000;
// A run of refusals (connections, forwards) is logged when it starts and once
// more when none came for this long, with the count; each refusal itself only
// at debug level.
inline constexpr uint64_t kRefusalEpisodeQuietUsec = 10'000'000;
inline constexpr size_t kMaxTcpInFlight = 32;
inline constexpr size_t kMaxTcpWriteBuffer = 256u << 10;

// Datagrams read from the client socket per wakeup, so one busy client
// cannot starve the other sources of the loop.
inline constexpr int kMaxDatagramsPerWakeup = 64;

}  // namespace vswitch::dns
