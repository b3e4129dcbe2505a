#include "daemon/dns/episode_log.h"

#include "daemon/dns/limits.h"
#include "daemon/log.h"

namespace vswitch::dns {

Result<EpisodeLog> EpisodeLog::create(sd_event* ev, std::string what, std::string sw) {
    EpisodeLog out;
    out.state_ = std::make_unique<State>();
    State* s = out.state_.get();
    s->what = std::move(what);
    s->sw = std::move(sw);
    auto timer = event::Timer::create(
        ev, s->what + " refusal episode",
        [s] {
            log::info(s->what + ": " + std::to_string(s->count) +
                          " refused in this episode, none for " +
                          std::to_string(kRefusalEpisodeQuietUsec / 1'000'000) + " s now",
                      {{"VSWITCH_SWITCH", s->sw}});
            s->active = false;
            s->count = 0;
        },
        CLOCK_MONOTONIC, 100'000);
    if (!timer) return timer.error();
    s->quiet = std::move(*timer);
    return out;
}

void EpisodeLog::write(bool first, std::string_view detail) {
    State& s = *state_;
    if (first)
        log::warning(s.what + " " + std::string(detail) +
                         " (further refusals are counted, logged at debug level)",
                     {{"VSWITCH_SWITCH", s.sw}});
    else
        log::debug(s.what + " " + std::string(detail), {{"VSWITCH_SWITCH", s.sw}});
}

void EpisodeLog::count() {
    State& s = *state_;
    s.active = true;
    ++s.count;
    s.quiet.arm_in(kRefusalEpisodeQuietUsec);
}

}  // namespace vswitch::dns
