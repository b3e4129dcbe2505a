#include "libvswitch/dns/tcp_timeouts.h"

#include <algorithm>

namespace vswitch::dns {

const char* to_string(TcpExpiry e) {
    switch (e) {
        case TcpExpiry::none:
            return "none";
        case TcpExpiry::idle:
            return "idle";
        case TcpExpiry::slow_query:
            return "query read too slowly";
        case TcpExpiry::lifetime:
            return "lifetime reached";
        case TcpExpiry::drained:
            return "answers after the lifetime took too long";
    }
    return "unknown";
}

void TcpTimeline::on_read(uint64_t now, bool partial) {
    // A query that began before this read and is still incomplete keeps its
    // start: trickling one byte at a time does not buy more time.
    if (partial && !partial_) query_started_ = now;
    partial_ = partial;
    last_active_ = now;
}

void TcpTimeline::set_busy(uint64_t now, bool busy) {
    if (busy_ && !busy) last_active_ = now;  // idle from the end of the work
    busy_ = busy;
}

uint64_t TcpTimeline::deadline() const {
    const uint64_t end_of_life = opened_ + t_.lifetime_usec;
    if (draining_) return end_of_life + t_.drain_usec;
    uint64_t d = end_of_life;
    if (partial_) d = std::min(d, query_started_ + t_.query_read_usec);
    if (idle()) d = std::min(d, last_active_ + t_.idle_usec);
    return d;
}

TcpExpiry TcpTimeline::expired(uint64_t now) const {
    const uint64_t end_of_life = opened_ + t_.lifetime_usec;
    if (draining_) return now >= end_of_life + t_.drain_usec ? TcpExpiry::drained : TcpExpiry::none;
    if (partial_ && now >= query_started_ + t_.query_read_usec) return TcpExpiry::slow_query;
    if (now >= end_of_life) return TcpExpiry::lifetime;
    if (idle() && now >= last_active_ + t_.idle_usec) return TcpExpiry::idle;
    return TcpExpiry::none;
}

}  // namespace vswitch::dns
