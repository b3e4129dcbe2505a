#include "daemon/event/watchdog.h"

#include <systemd/sd-daemon.h>

namespace vswitch::event {

Result<std::unique_ptr<Watchdog>> Watchdog::start(sd_event* event) {
    uint64_t period = 0;
    if (sd_watchdog_enabled(0, &period) <= 0 || period == 0) return std::unique_ptr<Watchdog>();
    auto w = std::make_unique<Watchdog>(Key());
    w->interval_ = period / kWatchdogPingsPerPeriod;
    Watchdog* self = w.get();
    auto timer = Timer::create(event, "watchdog", [self, event] {
        sd_notify(0, "WATCHDOG=1");
        // From the planned time, not from the wake-up: the timer's accuracy
        // window must not add up into a slower rhythm.
        self->next_ += self->interval_;
        if (uint64_t t = now(event); self->next_ <= t) self->next_ = t + self->interval_;
        self->timer_.arm_at(self->next_);
    }, CLOCK_MONOTONIC, w->interval_ / 8);
    if (!timer) return timer.error().context("arming the watchdog timer");
    w->timer_ = std::move(*timer);
    w->next_ = now(event) + w->interval_;
    w->timer_.arm_at(w->next_);
    return w;
}

}  // namespace vswitch::event
