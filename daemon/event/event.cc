#include "daemon/event/event.h"

#include <signal.h>
#include <time.h>

#include <memory>

namespace vswitch::event {

namespace {

// The callback lives on the heap, owned by the sd_event_source: the source's
// destroy callback frees it, so a Source can be moved freely.
template <class Fn>
void own_callback(sd_event_source* s, std::unique_ptr<Fn> fn) {
    sd_event_source_set_userdata(s, fn.get());
    sd_event_source_set_destroy_callback(s, [](void* p) { std::unique_ptr<Fn> drop(static_cast<Fn*>(p)); });
    (void)fn.release();  // now owned by the source's destroy callback
}

int on_signal(sd_event_source*, const signalfd_siginfo* si, void* userdata) noexcept {
    try {
        (*static_cast<EventLoop::SignalFn*>(userdata))(*si);
    } catch (...) {
    }
    return 0;
}

int on_io(sd_event_source*, int fd, uint32_t revents, void* userdata) noexcept {
    try {
        (*static_cast<EventLoop::IoFn*>(userdata))(fd, revents);
    } catch (...) {
    }
    return 0;
}

int on_timer(sd_event_source*, uint64_t usec, void* userdata) noexcept {
    try {
        (*static_cast<EventLoop::TimerFn*>(userdata))(usec);
    } catch (...) {
    }
    return 0;
}

int on_defer(sd_event_source*, void* userdata) noexcept {
    try {
        (*static_cast<EventLoop::DeferFn*>(userdata))();
    } catch (...) {
    }
    return 0;
}

}  // namespace

Status Source::set_enabled(bool on) {
    int r = sd_event_source_set_enabled(src_.get(), on ? SD_EVENT_ON : SD_EVENT_OFF);
    if (r < 0) return errno_error(r, "changing event source state");
    return {};
}

Result<EventLoop> EventLoop::create() {
    sd_event* raw = nullptr;
    int r = sd_event_default(&raw);
    if (r < 0) return errno_error(r, "creating event loop");
    EventPtr ev(raw);
    r = sd_event_set_watchdog(ev.get(), true);
    if (r < 0) return errno_error(r, "enabling the watchdog");
    return EventLoop(std::move(ev));
}

Result<Source> EventLoop::add_signal(int sig, SignalFn fn) {
    sd_event_source* s = nullptr;
    int r = sd_event_add_signal(ev_.get(), &s, sig, on_signal, nullptr);
    if (r < 0) return errno_error(r, "watching signal " + std::to_string(sig));
    EventSourcePtr owned(s);
    own_callback(s, std::make_unique<SignalFn>(std::move(fn)));
    return Source(std::move(owned));
}

Result<Source> EventLoop::add_io(int fd, uint32_t events, IoFn fn) {
    sd_event_source* s = nullptr;
    int r = sd_event_add_io(ev_.get(), &s, fd, events, on_io, nullptr);
    if (r < 0) return errno_error(r, "watching fd " + std::to_string(fd));
    EventSourcePtr owned(s);
    own_callback(s, std::make_unique<IoFn>(std::move(fn)));
    return Source(std::move(owned));
}

Result<Source> EventLoop::add_timer(uint64_t when_usec, uint64_t accuracy_usec, TimerFn fn) {
    sd_event_source* s = nullptr;
    int r = sd_event_add_time(ev_.get(), &s, CLOCK_MONOTONIC, when_usec, accuracy_usec, on_timer,
                              nullptr);
    if (r < 0) return errno_error(r, "adding timer");
    EventSourcePtr owned(s);
    own_callback(s, std::make_unique<TimerFn>(std::move(fn)));
    return Source(std::move(owned));
}

Result<Source> EventLoop::add_defer(DeferFn fn) {
    sd_event_source* s = nullptr;
    int r = sd_event_add_defer(ev_.get(), &s, on_defer, nullptr);
    if (r < 0) return errno_error(r, "adding deferred event");
    EventSourcePtr owned(s);
    own_callback(s, std::make_unique<DeferFn>(std::move(fn)));
    return Source(std::move(owned));
}

uint64_t EventLoop::now() const {
    uint64_t t = 0;
    if (sd_event_now(ev_.get(), CLOCK_MONOTONIC, &t) < 0) {
        struct timespec ts {};
        clock_gettime(CLOCK_MONOTONIC, &ts);
        t = uint64_t(ts.tv_sec) * 1000000u + uint64_t(ts.tv_nsec) / 1000u;
    }
    return t;
}

Result<int> EventLoop::run() {
    int r = sd_event_loop(ev_.get());
    if (r < 0) return errno_error(r, "running event loop");
    return r;
}

void EventLoop::exit(int code) { sd_event_exit(ev_.get(), code); }

Status block_signals(std::initializer_list<int> signals) {
    sigset_t set;
    sigemptyset(&set);
    for (int s : signals) sigaddset(&set, s);
    if (sigprocmask(SIG_BLOCK, &set, nullptr) < 0) return errno_error(errno, "blocking signals");
    return {};
}

}  // namespace vswitch::event
