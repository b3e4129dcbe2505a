// Throttle: the one way the daemon delays and coalesces a reaction (a lease
// file, ports file or hosts file write, a re-check after a burst of route
// changes, a firewall repair). The first request() arms a timer `delay`
// from now; requests until it fires join that same run (the leading edge
// wins: a steady flood still runs every `delay`, never never); and two runs
// are at least `min_interval` apart, so a disk or a kernel dump gets a
// bounded share of the loop however fast the requests come. Owners that
// must run the action at once (a clean stop) cancel() the throttle, run it
// themselves and call ran(), so the spacing still holds.
#pragma once

#include <systemd/sd-event.h>

#include <cstdint>
#include <memory>
#include <string_view>

#include "daemon/event/event.h"
#include "libvswitch/base/result.h"

namespace vswitch::event {

struct ThrottlePolicy {
    uint64_t delay_usec = 0;         // from the first request to the run
    uint64_t min_interval_usec = 0;  // from one run to the next, at least
};

class Throttle {
public:
    Throttle() = default;
    static Result<Throttle> create(sd_event* event, std::string_view what, ThrottlePolicy policy,
                                   CallFn action);

    // Asks for a run; nothing changes while one is already due.
    void request();
    // The same with another delay this time (the firewall guard's back-off).
    void request_in(uint64_t delay_usec);
    bool pending() const { return state_ && state_->timer.armed(); }
    // When the pending run is due (CLOCK_MONOTONIC usec), 0 when none.
    uint64_t due() const { return state_ ? state_->timer.due() : 0; }
    void cancel();
    // The owner ran the action itself, now.
    void ran();
    explicit operator bool() const { return bool(state_); }

private:
    // On the heap: the timer's callback points at it, so a Throttle moves.
    struct State {
        sd_event* event = nullptr;
        ThrottlePolicy policy;
        CallFn action;
        Timer timer;
        uint64_t last_run = 0;  // CLOCK_MONOTONIC usec; 0: never ran
    };
    std::unique_ptr<State> state_;
};

}  // namespace vswitch::event
