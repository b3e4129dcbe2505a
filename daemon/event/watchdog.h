// systemd's watchdog (WatchdogSec=, WATCHDOG_USEC), the daemon's only
// mechanism for it: a timer on the event loop sends WATCHDOG=1 every
// quarter of the period, so only a loop that stops turning misses the
// deadline. (sd-event's own sd_event_set_watchdog() pings at 1/2..3/4 of
// the period, which leaves a loop that stalls briefly too little margin;
// it is not used.)
#pragma once

#include <systemd/sd-event.h>

#include <cstdint>
#include <memory>

#include "daemon/event/event.h"
#include "libvswitch/base/result.h"

namespace vswitch::event {

inline constexpr uint64_t kWatchdogPingsPerPeriod = 4;

class Watchdog {
public:
    // Only start() can make a Key, so construction always goes through it.
    class Key {
        friend class Watchdog;
        Key() = default;
    };
    explicit Watchdog(Key) {}
    // Pings from now on when systemd asked for a watchdog; null when not.
    static Result<std::unique_ptr<Watchdog>> start(sd_event* event);
    uint64_t interval_usec() const { return interval_; }

private:
    Timer timer_;
    uint64_t interval_ = 0;
    uint64_t next_ = 0;  // CLOCK_MONOTONIC usec of the next ping
};

}  // namespace vswitch::event
