// When a client's DNS-over-TCP connection must end (RFC 7766 §6.2: the
// server decides how long it keeps a connection; §10 asks for bounds on the
// idle time, on the time to read one message and on a connection's whole
// lifetime, so that slow or idle clients cannot hold the server's slots).
// Pure: the daemon reports what happened on the connection and arms one
// timer at deadline(); when it fires, expired() says why.
#pragma once

#include <cstdint>

namespace vswitch::dns {

struct TcpTimeouts {
    uint64_t idle_usec = 0;        // nothing in flight, nothing half-read
    uint64_t query_read_usec = 0;  // from a query's first byte to its last
    uint64_t lifetime_usec = 0;    // from accept; then no more queries are read
    uint64_t drain_usec = 0;       // after the lifetime, for answers still owed
};

enum class TcpExpiry : uint8_t {
    none,
    idle,        // close
    slow_query,  // close: a query that trickles in (slowloris)
    lifetime,    // stop reading; close once the answers owed are out
    drained,     // close: the answers owed after the lifetime took too long
};
const char* to_string(TcpExpiry e);

// TcpTimeline owns the times of one connection; the daemon's connection
// holds one and reports every read and every change of work in flight.
class TcpTimeline {
public:
    TcpTimeline() = default;
    TcpTimeline(const TcpTimeouts& t, uint64_t now) : t_(t), opened_(now), last_active_(now) {}

    // Bytes arrived; `partial` tells whether a query is now half-read.
    void on_read(uint64_t now, bool partial);
    // Queries in flight (waiting upstream or answers not yet written) or not.
    void set_busy(uint64_t now, bool busy);
    // The lifetime expired and the daemon stopped reading.
    void start_draining() { draining_ = true; }

    bool idle() const { return !busy_ && !partial_; }
    bool draining() const { return draining_; }
    // The earliest time something expires.
    uint64_t deadline() const;
    // What expired by `now` (the gravest first), none before deadline().
    TcpExpiry expired(uint64_t now) const;

private:
    TcpTimeouts t_;
    uint64_t opened_ = 0;
    uint64_t last_active_ = 0;    // last read, or the end of the last work
    uint64_t query_started_ = 0;  // when partial_
    bool partial_ = false;
    bool busy_ = false;
    bool draining_ = false;
};

}  // namespace vswitch::dns
