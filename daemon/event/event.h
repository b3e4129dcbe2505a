// The daemon's one layer over sd-event. EventLoop owns the sd_event; every
// other part of the daemon registers its fds, signals and timers through the
// functions here and holds what they return:
//   - Source: owns one sd_event_source (disabled and unreffed when the Source
//     dies) and the std::function it calls, freed by the source's destroy
//     callback, so a Source moves freely;
//   - Timer: a one-shot time source created disabled and re-armed in place,
//     relative to now (sd_event_source_set_time_relative) or at a time;
//   - Throttle (throttle.h): coalesced, spaced reactions built on a Timer.
// Every source has a description ("DHCP socket of switch 'Default'"). The
// trampolines are noexcept: an exception from a callback is logged with
// that description (the first at error level, later ones of the same
// source at debug level, so a failing source cannot flood the journal) and
// the loop goes on; nothing reaches sd-event.
#pragma once

#include <systemd/sd-event.h>
#include <sys/signalfd.h>
#include <time.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

#include "libvswitch/base/handle.h"
#include "libvswitch/base/result.h"

namespace vswitch::event {

using EventSourcePtr = UniqueHandle<sd_event_source, sd_event_source_disable_unref>;

using IoFn = std::function<void(uint32_t revents)>;
using SignalFn = std::function<void(const signalfd_siginfo&)>;
using CallFn = std::function<void()>;

// The loop's idea of now on `clock` (usec): the time the current iteration
// woke up, or the current time before the first one.
uint64_t now(sd_event* event, clockid_t clock = CLOCK_MONOTONIC);

// One registered event source; move-only. Destroying it unregisters it.
class Source {
public:
    Source() = default;
    explicit Source(EventSourcePtr s) : src_(std::move(s)) {}
    sd_event_source* get() const { return src_.get(); }
    explicit operator bool() const { return bool(src_); }
    void reset() { src_.reset(); }
    Status set_enabled(bool on);
    // Which of EPOLLIN/EPOLLOUT an IO source waits for.
    Status set_io_events(uint32_t events);

private:
    EventSourcePtr src_;
};

// fd stays the caller's: the source never closes it.
Result<Source> add_io(sd_event* event, int fd, uint32_t events, std::string_view what, IoFn fn);
// sig must already be blocked (block_signals()).
Result<Source> add_signal(sd_event* event, int sig, std::string_view what, SignalFn fn);
// Runs when the loop exits (sd_event_exit), higher priority (lower value) first.
Result<Source> add_exit(sd_event* event, std::string_view what, int64_t priority, CallFn fn);

// One time source, one-shot, re-armed in place without an allocation.
// Created disarmed. The callback may re-arm or destroy its own Timer.
class Timer {
public:
    Timer() = default;
    // accuracy_usec 0 takes sd-event's default (250 ms for CLOCK_MONOTONIC is
    // too coarse for us): the timers here ask for 1 ms unless told.
    static Result<Timer> create(sd_event* event, std::string_view what, CallFn fn,
                                clockid_t clock = CLOCK_MONOTONIC, uint64_t accuracy_usec = 1000);

    // Fires `usec` from the loop's now.
    void arm_in(uint64_t usec);
    // Fires at `usec` on the timer's clock (an absolute time).
    void arm_at(uint64_t usec);
    void disarm();
    bool armed() const;
    // When an armed timer fires, on its clock; 0 when disarmed.
    uint64_t due() const;
    explicit operator bool() const { return bool(src_); }

private:
    explicit Timer(Source s) : src_(std::move(s)) {}
    void enable_oneshot();
    Source src_;
};

class EventLoop {
public:
    // The thread's default loop (sd_event_default), which the daemon's parts
    // created without an explicit loop also use.
    static Result<EventLoop> create();

    sd_event* get() const { return ev_.get(); }
    uint64_t now() const { return event::now(ev_.get()); }
    Result<int> run();  // until exit(); returns the exit code
    void exit(int code);

private:
    using EventPtr = UniqueHandle<sd_event, sd_event_unref>;
    explicit EventLoop(EventPtr ev) : ev_(std::move(ev)) {}
    EventPtr ev_;
};

// Blocks the given signals for the process so sd-event can take them.
Status block_signals(std::initializer_list<int> signals);

}  // namespace vswitch::event
