#include "daemon/event/event.h"

#include <signal.h>

#include <exception>
#include <memory>

#include "daemon/log.h"

namespace vswitch::event {

namespace {

// What a source calls, owned by the sd_event_source: its destroy callback
// frees it (sd-event defers that while the source is being dispatched, so a
// callback may destroy its own Source).
template <class Fn>
struct Callback {
    Fn fn;
    std::string what;
    uint64_t failures = 0;
};

template <class Fn>
void report_failure(Callback<Fn>& cb, const char* why) noexcept {
    try {
        if (cb.failures++ == 0)
            log::error(cb.what + ": " + why +
                       ", ignoring (further failures of this event source are logged at debug level)");
        else
            log::debug(cb.what + ": " + why + ", ignoring (failure " + std::to_string(cb.failures) + ")");
    } catch (...) {
        // Out of memory while logging: nothing left to tell it with.
    }
}

template <class Fn, class... Args>
int invoke(void* userdata, Args&&... args) noexcept {
    auto& cb = *static_cast<Callback<Fn>*>(userdata);
    try {
        cb.fn(std::forward<Args>(args)...);
    } catch (const std::exception& e) {
        report_failure(cb, e.what());
    } catch (...) {
        report_failure(cb, "unknown exception");
    }
    return 0;  // a negative value would disable the source for good
}

template <class Fn>
void destroy_callback(void* p) noexcept {
    std::unique_ptr<Callback<Fn>> drop(static_cast<Callback<Fn>*>(p));
}

// Gives the new source its description and its callback. On failure the
// source is unreffed by `owned` and the callback freed here.
template <class Fn>
Result<Source> own(sd_event_source* raw, std::string_view what, Fn fn) {
    EventSourcePtr owned(raw);
    auto cb = std::make_unique<Callback<Fn>>(Callback<Fn>{std::move(fn), std::string(what)});
    (void)sd_event_source_set_description(raw, cb->what.c_str());
    sd_event_source_set_userdata(raw, cb.get());
    if (int r = sd_event_source_set_destroy_callback(raw, destroy_callback<Fn>); r < 0)
        return errno_error(r, std::string(what) + ": setting the destroy callback");
    (void)cb.release();  // the source's destroy callback frees it from here on
    return Source(std::move(owned));
}

int on_io(sd_event_source*, int, uint32_t revents, void* userdata) noexcept {
    return invoke<IoFn>(userdata, revents);
}

int on_signal(sd_event_source*, const signalfd_siginfo* si, void* userdata) noexcept {
    return invoke<SignalFn>(userdata, *si);
}

int on_call(sd_event_source*, void* userdata) noexcept { return invoke<CallFn>(userdata); }

int on_time(sd_event_source*, uint64_t, void* userdata) noexcept { return invoke<CallFn>(userdata); }

}  // namespace

uint64_t now(sd_event* event, clockid_t clock) {
    uint64_t t = 0;
    // Before the first iteration sd_event_now() gives the current time and a
    // positive return; only a bad clock or no loop fails.
    if (!event || sd_event_now(event, clock, &t) < 0) {
        timespec ts{};
        clock_gettime(clock, &ts);
        t = uint64_t(ts.tv_sec) * 1'000'000u + uint64_t(ts.tv_nsec) / 1000u;
    }
    return t;
}

Status Source::set_enabled(bool on) {
    int r = sd_event_source_set_enabled(src_.get(), on ? SD_EVENT_ON : SD_EVENT_OFF);
    if (r < 0) return errno_error(r, "changing the state of an event source");
    return {};
}

Status Source::set_io_events(uint32_t events) {
    int r = sd_event_source_set_io_events(src_.get(), events);
    if (r < 0) return errno_error(r, "changing the events an fd is watched for");
    return {};
}

Result<Source> add_io(sd_event* event, int fd, uint32_t events, std::string_view what, IoFn fn) {
    sd_event_source* s = nullptr;
    int r = sd_event_add_io(event, &s, fd, events, on_io, nullptr);
    if (r < 0) return errno_error(r, std::string(what) + ": watching fd " + std::to_string(fd));
    return own(s, what, std::move(fn));
}

Result<Source> add_signal(sd_event* event, int sig, std::string_view what, SignalFn fn) {
    sd_event_source* s = nullptr;
    int r = sd_event_add_signal(event, &s, sig, on_signal, nullptr);
    if (r < 0) return errno_error(r, std::string(what) + ": watching signal " + std::to_string(sig));
    return own(s, what, std::move(fn));
}

Result<Source> add_exit(sd_event* event, std::string_view what, int64_t priority, CallFn fn) {
    sd_event_source* s = nullptr;
    int r = sd_event_add_exit(event, &s, on_call, nullptr);
    if (r < 0) return errno_error(r, std::string(what) + ": adding an exit handler");
    auto src = own(s, what, std::move(fn));
    if (!src) return src;
    if ((r = sd_event_source_set_priority(src->get(), priority)) < 0)
        return errno_error(r, std::string(what) + ": ordering the exit handler");
    return src;
}

Result<Timer> Timer::create(sd_event* event, std::string_view what, CallFn fn, clockid_t clock,
                            uint64_t accuracy_usec) {
    sd_event_source* s = nullptr;
    int r = sd_event_add_time(event, &s, clock, 0, accuracy_usec, on_time, nullptr);
    if (r < 0) return errno_error(r, std::string(what) + ": adding a timer");
    auto src = own(s, what, std::move(fn));
    if (!src) return src.error();
    if (auto st = src->set_enabled(false); !st) return st.error().context(what);
    return Timer(std::move(*src));
}

void Timer::enable_oneshot() {
    if (int r = sd_event_source_set_enabled(src_.get(), SD_EVENT_ONESHOT); r < 0) {
        const char* d = nullptr;
        (void)sd_event_source_get_description(src_.get(), &d);
        log::warning(errno_error(r, std::string("arming the timer '") + (d ? d : "?") + "'").message +
                     ", ignoring");
    }
}

void Timer::arm_in(uint64_t usec) {
    if (!src_) return;
    (void)sd_event_source_set_time_relative(src_.get(), usec);
    enable_oneshot();
}

void Timer::arm_at(uint64_t usec) {
    if (!src_) return;
    (void)sd_event_source_set_time(src_.get(), usec);
    enable_oneshot();
}

void Timer::disarm() {
    if (src_) (void)sd_event_source_set_enabled(src_.get(), SD_EVENT_OFF);
}

bool Timer::armed() const {
    int enabled = SD_EVENT_OFF;
    return src_ && sd_event_source_get_enabled(src_.get(), &enabled) >= 0 && enabled != SD_EVENT_OFF;
}

uint64_t Timer::due() const {
    uint64_t t = 0;
    if (!armed() || sd_event_source_get_time(src_.get(), &t) < 0) return 0;
    return t;
}

Result<EventLoop> EventLoop::create() {
    sd_event* raw = nullptr;
    int r = sd_event_default(&raw);
    if (r < 0) return errno_error(r, "creating event loop");
    return EventLoop(EventPtr(raw));
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
