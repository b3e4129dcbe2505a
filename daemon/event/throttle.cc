#include "daemon/event/throttle.h"

#include <algorithm>

namespace vswitch::event {

Result<Throttle> Throttle::create(sd_event* event, std::string_view what, ThrottlePolicy policy,
                                  CallFn action) {
    auto state = std::make_unique<State>();
    State* s = state.get();
    s->event = event;
    s->policy = policy;
    s->action = std::move(action);
    auto timer = Timer::create(event, what, [s] {
        s->last_run = now(s->event);
        s->action();
    });
    if (!timer) return timer.error();
    s->timer = std::move(*timer);
    Throttle t;
    t.state_ = std::move(state);
    return t;
}

void Throttle::request() {
    if (state_) request_in(state_->policy.delay_usec);
}

void Throttle::request_in(uint64_t delay_usec) {
    if (!state_ || state_->timer.armed()) return;
    uint64_t when = now(state_->event) + delay_usec;
    if (state_->last_run != 0) when = std::max(when, state_->last_run + state_->policy.min_interval_usec);
    state_->timer.arm_at(when);
}

void Throttle::cancel() {
    if (state_) state_->timer.disarm();
}

void Throttle::ran() {
    if (state_) state_->last_run = now(state_->event);
}

}  // namespace vswitch::event
