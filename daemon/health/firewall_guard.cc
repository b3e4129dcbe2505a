#include "daemon/health/firewall_guard.h"

#include <sys/epoll.h>

#include <algorithm>
#include <exception>

#include "daemon/log.h"

namespace vswitch::health {

namespace {

std::string seconds_text(uint64_t usec) {
    uint64_t tenths = (usec + 50'000) / 100'000;
    return std::to_string(tenths / 10) + (tenths % 10 ? "." + std::to_string(tenths % 10) : "") + " s";
}

}  // namespace

Result<std::unique_ptr<FirewallGuard>> FirewallGuard::create(sd_event* event, firewall::Firewall fw,
                                                             Hooks hooks) {
    auto g = std::make_unique<FirewallGuard>(Key(), event, std::move(fw), std::move(hooks));
    FirewallGuard* self = g.get();
    if (auto s = g->fw_.start_monitor(); !s) return s.error();
    auto io = event::add_io(event, g->fw_.monitor_fd(), EPOLLIN, "nftables notifications",
                            [self](uint32_t) { self->handle_notifications(); });
    if (!io) return io.error();
    g->io_ = std::move(*io);
    auto repair = event::Throttle::create(event, "repairing table inet vswitch", {kRepairDelayUsec, 0},
                                          [self] { self->repair(); });
    if (!repair) return repair.error();
    g->repair_ = std::move(*repair);
    auto diagnose = event::Throttle::create(event, "diagnosing other programs' nftables changes",
                                            {kRepairDelayUsec, 0}, [self] {
                                                if (self->hooks_.on_ruleset_changed) self->hooks_.on_ruleset_changed();
                                            });
    if (!diagnose) return diagnose.error();
    g->diagnose_ = std::move(*diagnose);
    auto fight = event::Timer::create(event, "ending a firewall fight", [self] { self->end_fight(); });
    if (!fight) return fight.error();
    g->fight_over_ = std::move(*fight);
    return g;
}

uint64_t FirewallGuard::now() const { return event::now(event_); }

void FirewallGuard::handle_notifications() {
    auto n = fw_.read_notifications();
    if (!n) {
        log::warning(n.error().message + ", ignoring");
        return;
    }
    if (n->others) diagnose_.request();
    if (!n->ours) return;
    const uint64_t t = now();
    last_removal_ = t;
    last_pid_ = n->pid;
    last_what_ = n->what;
    if (n->pid) last_what_ += " by process " + std::to_string(n->pid) + " (" + n->process + ")";
    if (fight_raised_) fight_over_.arm_at(last_removal_ + kFightWindowUsec);
    if (repair_.pending()) return;  // already scheduled: part of the same burst
    first_seen_ = t;
    repair_.request_in(backoff_.delay(t));
}

// A fight ends after a whole window without removals.
void FirewallGuard::end_fight() {
    if (!fight_raised_) return;
    if (repair_.pending() || now() < last_removal_ + kFightWindowUsec) {
        fight_over_.arm_at(std::max(last_removal_ + kFightWindowUsec, now() + 1));
        return;
    }
    fight_raised_ = false;
    if (hooks_.clear) hooks_.clear("firewall-fight");
}

void FirewallGuard::repair() {
    const uint64_t now = this->now();
    backoff_.record_repair(now);
    Status s = hooks_.reapply ? hooks_.reapply() : Status();
    if (!s) {
        log::warning(s.error().context("re-applying table inet vswitch after " + last_what_).message +
                     ", retrying later");
        repair_.request_in(backoff_.delay(now));
        return;
    }
    ++repairs_;
    log::notice("re-applied table inet vswitch " + std::to_string((now - first_seen_) / 1000) +
                    " ms after " + last_what_ + " (repair " + std::to_string(repairs_) + ")",
                {{"VSWITCH_FIREWALL_REPAIRS", std::to_string(repairs_)}});
    if (hooks_.on_repaired) hooks_.on_repaired(repairs_);
    if (backoff_.fighting(now) && hooks_.raise) {
        fight_raised_ = true;
        fight_over_.arm_at(last_removal_ + kFightWindowUsec);
        std::string who = last_pid_ ? "ps -o pid,args -p " + std::to_string(last_pid_) + "  # then " : "";
        hooks_.raise("firewall-fight",
                     "table inet vswitch was removed " + std::to_string(backoff_.recent(now)) +
                         " times within " + seconds_text(kFightWindowUsec) + " (last: " + last_what_ +
                         "); vswitchd now waits up to " + seconds_text(backoff_.delay(now)) +
                         " before re-applying it, and VMs are offline meanwhile",
                     who + "stop the program that removes it, or keep 'table inet vswitch' out of "
                           "its ruleset (a 'flush ruleset' in /etc/nftables.conf removes it)");
    }
}

}  // namespace vswitch::health
