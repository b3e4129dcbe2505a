#include "daemon/dns/sources.h"

#include <time.h>

#include <memory>

namespace vswitch::dns {

namespace {

template <class Fn>
void own_callback(sd_event_source* s, std::unique_ptr<Fn> fn) {
    sd_event_source_set_userdata(s, fn.get());
    sd_event_source_set_destroy_callback(s, [](void* p) { std::unique_ptr<Fn> drop(static_cast<Fn*>(p)); });
    (void)fn.release();  // owned by the destroy callback from here on
}

int on_io(sd_event_source*, int, uint32_t revents, void* userdata) noexcept {
    try {
        (*static_cast<IoCallback*>(userdata))(revents);
    } catch (...) {
    }
    return 0;
}

int on_timer(sd_event_source*, uint64_t, void* userdata) noexcept {
    try {
        (*static_cast<TimerCallback*>(userdata))();
    } catch (...) {
    }
    return 0;
}

}  // namespace

Result<event::Source> add_io(sd_event* ev, int fd, uint32_t events, IoCallback fn) {
    sd_event_source* s = nullptr;
    int r = sd_event_add_io(ev, &s, fd, events, on_io, nullptr);
    if (r < 0) return errno_error(r, "watching fd " + std::to_string(fd));
    event::EventSourcePtr owned(s);
    own_callback(s, std::make_unique<IoCallback>(std::move(fn)));
    return event::Source(std::move(owned));
}

Result<event::Source> add_timer(sd_event* ev, uint64_t when_usec, TimerCallback fn) {
    sd_event_source* s = nullptr;
    int r = sd_event_add_time(ev, &s, CLOCK_MONOTONIC, when_usec, 10'000, on_timer, nullptr);
    if (r < 0) return errno_error(r, "adding timer");
    event::EventSourcePtr owned(s);
    own_callback(s, std::make_unique<TimerCallback>(std::move(fn)));
    return event::Source(std::move(owned));
}

Status set_io_events(const event::Source& s, uint32_t events) {
    int r = sd_event_source_set_io_events(s.get(), events);
    if (r < 0) return errno_error(r, "changing watched events");
    return {};
}

uint64_t now_usec(sd_event* ev) {
    uint64_t t = 0;
    if (sd_event_now(ev, CLOCK_MONOTONIC, &t) < 0) {
        struct timespec ts {};
        clock_gettime(CLOCK_MONOTONIC, &ts);
        t = uint64_t(ts.tv_sec) * 1000000u + uint64_t(ts.tv_nsec) / 1000u;
    }
    return t;
}

}  // namespace vswitch::dns
