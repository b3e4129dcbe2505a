// Thin owners over sd-event. EventLoop owns the sd_event; each add_* returns
// a Source that owns its sd_event_source (disabled and unreffed when the
// Source dies) and the callback it calls. Callbacks run on the loop thread;
// the trampolines are noexcept and never let an exception reach sd-event.
#pragma once

#include <systemd/sd-event.h>
#include <sys/signalfd.h>

#include <cstdint>
#include <functional>

#include "libvswitch/base/handle.h"
#include "libvswitch/base/result.h"

namespace vswitch::event {

using EventSourcePtr = UniqueHandle<sd_event_source, sd_event_source_disable_unref>;

// One registered event source; move-only. Destroying it unregisters it.
class Source {
public:
    Source() = default;
    explicit Source(EventSourcePtr s) : src_(std::move(s)) {}
    sd_event_source* get() const { return src_.get(); }
    explicit operator bool() const { return bool(src_); }
    void reset() { src_.reset(); }
    Status set_enabled(bool on);

private:
    EventSourcePtr src_;
};

class EventLoop {
public:
    using SignalFn = std::function<void(const signalfd_siginfo&)>;
    using IoFn = std::function<void(int fd, uint32_t revents)>;
    using TimerFn = std::function<void(uint64_t now_usec)>;
    using DeferFn = std::function<void()>;

    // The thread's default loop, with the watchdog hooked up when systemd
    // asked for one (WATCHDOG_USEC): sd-event then sends WATCHDOG=1 itself.
    static Result<EventLoop> create();

    sd_event* get() const { return ev_.get(); }

    // sig must already be blocked (block_signals()).
    Result<Source> add_signal(int sig, SignalFn fn);
    Result<Source> add_io(int fd, uint32_t events, IoFn fn);
    // One-shot timer at an absolute time on CLOCK_MONOTONIC (usec).
    Result<Source> add_timer(uint64_t when_usec, uint64_t accuracy_usec, TimerFn fn);
    Result<Source> add_defer(DeferFn fn);

    uint64_t now() const;  // CLOCK_MONOTONIC usec as seen by the loop
    Result<int> run();     // until exit(); returns the exit code
    void exit(int code);

private:
    using EventPtr = UniqueHandle<sd_event, sd_event_unref>;
    explicit EventLoop(EventPtr ev) : ev_(std::move(ev)) {}
    EventPtr ev_;
};

// Blocks the given signals for the process so sd-event can take them.
Status block_signals(std::initializer_list<int> signals);

}  // namespace vswitch::event
