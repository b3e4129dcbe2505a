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
inline constexpr size_t kMaxTcpInFlight = 32;
inline constexpr size_t kMaxTcpWriteBuffer = 256u << 10;

// Datagrams read from the client socket per wakeup, so one busy client
// cannot starve the other sources of the loop.
inline constexpr int kMaxDatagramsPerWakeup = 64;

}  // namespace vswitch::dns
