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
    if (auto s = g->fw_.start_monitor(); !s) return s.error();
    sd_event_source* raw = nullptr;
    int r = sd_event_add_io(event, &raw, g->fw_.monitor_fd(), EPOLLIN, on_io, g.get());
    if (r < 0) return errno_error(r, "watching nftables notifications");
    g->io_.reset(raw);
    r = sd_event_add_time(event, &raw, CLOCK_MONOTONIC, 0, 0, on_timer, g.get());
    if (r < 0) return errno_error(r, "adding the firewall repair timer");
    g->timer_.reset(raw);
    sd_event_source_set_enabled(raw, SD_EVENT_OFF);
    return g;
}

uint64_t FirewallGuard::now() const {
    uint64_t t = 0;
    sd_event_now(event_, CLOCK_MONOTONIC, &t);
    return t;
}

int FirewallGuard::on_io(sd_event_source*, int, uint32_t, void* userdata) noexcept {
    auto* g = static_cast<FirewallGuard*>(userdata);
    try {
        g->handle_notifications(g->now());
    } catch (const std::exception& e) {
        log::warning(std::string("handling nftables notifications: ") + e.what() + ", ignoring");
    }
    return 0;
}

int FirewallGuard::on_timer(sd_event_source*, uint64_t usec, void* userdata) noexcept {
    try {
        static_cast<FirewallGuard*>(userdata)->handle_timer(usec);
    } catch (const std::exception& e) {
        log::warning(std::string("repairing the nftables table: ") + e.what() + ", ignoring");
    }
    return 0;
}

void FirewallGuard::arm(uint64_t when) {
    uint64_t current = 0;
    int enabled = SD_EVENT_OFF;
    sd_event_source_get_enabled(timer_.get(), &enabled);
    if (enabled != SD_EVENT_OFF && sd_event_source_get_time(timer_.get(), &current) >= 0 &&
        current <= when)
        return;  // an earlier wake-up is already set; it re-arms for the rest
    sd_event_source_set_time(timer_.get(), when);
    sd_event_source_set_enabled(timer_.get(), SD_EVENT_ONESHOT);
}

void FirewallGuard::handle_notifications(uint64_t now) {
    auto n = fw_.read_notifications();
    if (!n) {
        log::warning(n.error().message + ", ignoring");
        return;
    }
    if (n->others && diagnose_due_ == 0) {
        diagnose_due_ = now + kRepairDelayUsec;
        arm(diagnose_due_);
    }
    if (!n->ours) return;
    last_removal_ = now;
    last_pid_ = n->pid;
    last_what_ = n->what;
    if (n->pid) last_what_ += " by process " + std::to_string(n->pid) + " (" + n->process + ")";
    if (repair_due_ != 0) return;  // already scheduled: part of the same burst
    first_seen_ = now;
    repair_due_ = now + backoff_.delay(now);
    arm(repair_due_);
}

void FirewallGuard::handle_timer(uint64_t now) {
    if (repair_due_ != 0 && now >= repair_due_) repair(now);
    if (diagnose_due_ != 0 && now >= diagnose_due_) {
        diagnose_due_ = 0;
        if (hooks_.on_ruleset_changed) hooks_.on_ruleset_changed();
    }
    // A fight ends after a whole window without removals.
    if (fight_raised_ && repair_due_ == 0 && now >= last_removal_ + kFightWindowUsec) {
        fight_raised_ = false;
        if (hooks_.clear) hooks_.clear("firewall-fight");
    }
    uint64_t next = 0;
    for (uint64_t t : {repair_due_, diagnose_due_, fight_raised_ ? last_removal_ + kFightWindowUsec : 0})
        if (t != 0 && (next == 0 || t < next)) next = t;
    if (next != 0) {
        sd_event_source_set_time(timer_.get(), std::max(next, now + 1));
        sd_event_source_set_enabled(timer_.get(), SD_EVENT_ONESHOT);
    }
}

void FirewallGuard::repair(uint64_t now) {
    repair_due_ = 0;
    backoff_.record_repair(now);
    Status s = hooks_.reapply ? hooks_.reapply() : Status();
    if (!s) {
        log::warning(s.error().context("re-applying table inet vswitch after " + last_what_).message +
                     ", retrying later");
        repair_due_ = now + backoff_.delay(now);
        return;
    }
    ++repairs_;
    log::notice("re-applied table inet vswitch " + std::to_string((now - first_seen_) / 1000) +
                    " ms after " + last_what_ + " (repair " + std::to_string(repairs_) + ")",
                {{"VSWITCH_FIREWALL_REPAIRS", std::to_string(repairs_)}});
    if (hooks_.on_repaired) hooks_.on_repaired(repairs_);
    if (backoff_.fighting(now) && hooks_.raise) {
        fight_raised_ = true;
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
