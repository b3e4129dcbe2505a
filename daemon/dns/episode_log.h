// Refusals a guest can cause at packet rate (TCP connections, forwards) are
// logged per episode, not per packet: a warning when a run of them starts,
// naming the first source and the reason, and one info line with the count
// once none came for kRefusalEpisodeQuietUsec. Each refusal is at debug level.
#pragma once

#include <systemd/sd-event.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "daemon/event/event.h"
#include "daemon/log.h"
#include "libvswitch/base/result.h"

namespace vswitch::dns {

// EpisodeLog owns its quiet timer; the DnsService or Forwarder that refuses
// calls refused() at each refusal.
class EpisodeLog {
public:
    EpisodeLog() = default;
    // what: "DNS over TCP connections"; sw: the switch's name, for the field.
    static Result<EpisodeLog> create(sd_event* ev, std::string what, std::string sw);

    // detail() makes the rest of the line ("from 172.16.0.100: refused:
    // ..."); it is called only when the line is logged, so a flood costs
    // no string per packet.
    template <class Detail>
    void refused(Detail&& detail) {
        if (!state_) return;
        const bool first = !state_->active;
        if (first || log::enabled(log::Level::debug)) write(first, detail());
        count();
    }
    bool active() const { return state_ && state_->active; }
    explicit operator bool() const { return bool(state_); }

private:
    void write(bool first, std::string_view detail);
    void count();
    // On the heap: the timer's callback points at it, so an EpisodeLog moves.
    struct State {
        std::string what;
        std::string sw;
        event::Timer quiet;
        bool active = false;
        uint64_t count = 0;
    };
    std::unique_ptr<State> state_;
};

}  // namespace vswitch::dns
