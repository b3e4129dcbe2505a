// FirewallGuard: keeps `inet vswitch` in place when another program
// deletes or flushes it (`nft flush ruleset`, a restart of nftables.service,
// a firewalld reload), and tells the diagnostics when any table changed.
#pragma once

#include <systemd/sd-event.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "daemon/event/event.h"
#include "daemon/event/throttle.h"
#include "daemon/firewall/firewall.h"
#include "libvswitch/health/backoff.h"
#include "libvswitch/base/result.h"

namespace vswitch::health {

// Owns the daemon's nftables socket (the Manager applies through it, so
// the guard can tell its own transactions from others'), the notification
// watch on the loop, a throttle for the repair and one for the diagnosis,
// and the timer that ends a fight. The Manager creates it in start_api and
// destroys it before teardown. A removal is repaired after a short delay
// that absorbs the burst; repeated removals back off (RepairBackoff) and
// raise the problem "firewall-fight" until a whole window passes quietly.
class FirewallGuard {
public:
    struct Hooks {
        std::function<Status()> reapply;              // applies the current ruleset
        std::function<void()> on_ruleset_changed;     // any table changed, after the burst
        std::function<void(uint64_t repairs)> on_repaired;
        std::function<void(std::string kind, std::string message, std::string fix)> raise;
        std::function<void(std::string_view kind)> clear;
    };

    class Key {
        friend class FirewallGuard;
        Key() = default;
    };
    FirewallGuard(Key, sd_event* event, firewall::Firewall fw, Hooks hooks)
        : event_(event), fw_(std::move(fw)), hooks_(std::move(hooks)) {}
    static Result<std::unique_ptr<FirewallGuard>> create(sd_event* event, firewall::Firewall fw,
                                                         Hooks hooks);
    FirewallGuard(const FirewallGuard&) = delete;
    FirewallGuard& operator=(const FirewallGuard&) = delete;

    firewall::Firewall& firewall() { return fw_; }
    // Times the table was re-applied after others removed it.
    uint64_t repairs() const { return repairs_; }

private:
    void handle_notifications();
    void repair();
    void end_fight();
    uint64_t now() const;

    sd_event* event_;
    firewall::Firewall fw_;
    Hooks hooks_;
    event::Source io_;
    event::Throttle repair_;     // its delay comes from backoff_ each time
    event::Throttle diagnose_;   // after a burst of others' changes
    event::Timer fight_over_;    // a whole window without removals
    RepairBackoff backoff_;
    uint64_t repairs_ = 0;
    uint64_t first_seen_ = 0;     // when the removal being repaired was noticed, for the log
    uint64_t last_removal_ = 0;
    bool fight_raised_ = false;
    std::string last_what_;      // "table deleted by process 123 (nft)"
    uint32_t last_pid_ = 0;
};

}  // namespace vswitch::health
