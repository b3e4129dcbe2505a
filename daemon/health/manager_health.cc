// The Manager's side of daemon/health: builds the firewall guard and the
// diagnostics over its switches and problem registries. Kept here so that
// manager.cc only holds the hook (start_api → start_health).
#include "daemon/log.h"
#include "daemon/manager.h"

namespace vswitch {

Status Manager::start_health(sd_event* event) {
    auto fw = firewall::Firewall::create();
    if (!fw) return fw.error();
    health::FirewallGuard::Hooks hooks;
    hooks.reapply = [this] { return apply_firewall(); };
    hooks.on_ruleset_changed = [this] {
        if (diagnostics_) diagnostics_->run();
    };
    hooks.on_repaired = [this](uint64_t) {
        if (bus_) bus_->on_firewall_repaired();
    };
    // The table serves every switch: a fight concerns them all.
    hooks.raise = [this](std::string kind, std::string message, std::string fix) {
        for (auto& [name, p] : problems_) p->raise(kind, message, fix);
    };
    hooks.clear = [this](std::string_view kind) {
        for (auto& [name, p] : problems_) p->clear(kind);
    };
    auto guard = health::FirewallGuard::create(event, std::move(*fw), std::move(hooks));
    if (!guard) return guard.error();
    fw_guard_ = std::move(*guard);

    auto switches = [this] {
        std::vector<health::SwitchCheck> out;
        for (const auto& rt : switches_) {
            health::SwitchCheck c;
            c.name = rt.config.name;
            c.bridge = rt.config.bridge;
            c.nat = rt.config.type == SwitchType::nat;
            c.has_address = rt.config.type != SwitchType::private_;
            c.fix_foreign = rt.config.fix_foreign_firewall;
            c.problems = problems(rt.config.name);
            out.push_back(std::move(c));
        }
        return out;
    };
    auto diag = health::Diagnostics::create(event, fw_guard_->firewall(), std::move(switches));
    if (!diag) return diag.error();
    diagnostics_ = std::move(*diag);
    diagnostics_->run();
    return {};
}

}  // namespace vswitch
