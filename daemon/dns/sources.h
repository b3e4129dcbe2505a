// sd-event sources whose callback is a std::function owned by the source
// itself (freed by its destroy callback), for the DNS service's sockets and
// timers. Same trampolines as daemon/event: noexcept, nothing escapes.
#pragma once

#include <systemd/sd-event.h>

#include <cstdint>
#include <functional>

#include "daemon/event/event.h"
#include "libvswitch/base/result.h"

namespace vswitch::dns {

using IoCallback = std::function<void(uint32_t revents)>;
using TimerCallback = std::function<void()>;

Result<event::Source> add_io(sd_event* ev, int fd, uint32_t events, IoCallback fn);
// One-shot timer at an absolute CLOCK_MONOTONIC time (usec).
Result<event::Source> add_timer(sd_event* ev, uint64_t when_usec, TimerCallback fn);
Status set_io_events(const event::Source& s, uint32_t events);
uint64_t now_usec(sd_event* ev);

}  // namespace vswitch::dns
