#include "libvswitch/ctl/text.h"

#include <algorithm>

#include "libvswitch/ctl/table.h"
#include "libvswitch/stats/statistics.h"

namespace vswitch::ctl {

namespace {

// An empty value as the tables and blocks show it.
const std::string& or_dash(const std::string& s) {
    static const std::string dash = "-";
    return s.empty() ? dash : s;
}

void append_ports(std::string& out, const SwitchRow& sw, const std::vector<PortRow>& ports) {
    const char* label = "    Ports:";
    size_t n = 0;
    for (const auto& p : ports) {
        if (p.sw != sw.name) continue;
        out += std::string(label) + " " + p.ifname + "  " + or_dash(p.vm) + "  " + p.mac + "  " +
               or_dash(p.address) + "  " + or_dash(p.hostname) +
               (p.connected ? "" : "  (disconnected)") +
               (p.origin == "bridge" ? "  (bridge member)" : "") + "\n";
        label = "          ";
        ++n;
    }
    if (n == 0) out += "    Ports: none\n";
}

void append_problems(std::string& out, const SwitchRow& sw) {
    if (sw.problems.empty()) out += " Problems: none\n";
    const char* label = " Problems:";
    for (const auto& p : sw.problems) {
        out += std::string(label) + " [" + p.kind + "] " + p.message + "\n";
        if (!p.fix.empty()) out += "           fix: " + p.fix + "\n";
        label = "          ";
    }
}

// The trouble counters that are not 0 (libvswitch/stats' rule), nothing
// when the daemon does not report Statistics.
void append_counters(std::string& out, const SwitchRow& sw) {
    if (!sw.statistics) return;
    const char* label = " Counters:";
    bool any = false;
    for (const auto& [key, value] : *sw.statistics) {
        if (value == 0 || !stats::is_trouble(key)) continue;
        out += std::string(label) + " " + key + " " + std::to_string(value) + "\n";
        label = "          ";
        any = true;
    }
    if (!any) out += " Counters: nothing dropped, refused or repaired\n";
}

void append_switch(std::string& out, const SwitchRow& sw, const StatusView& view) {
    out += "● " + sw.name + "\n";
    out += "     Type: " + sw.type + "\n";
    out += "   Bridge: " + sw.bridge + "\n";
    if (!sw.interface.empty()) out += "Interface: " + sw.interface + " (the LAN's DHCP server serves the guests)\n";
    // Empty on a private switch: nothing of the host's is on its bridge.
    if (sw.type != "external")
        out += "   Subnet: " + (sw.subnet.empty() ? std::string("none (private: guests reach only each other)") : sw.subnet) + "\n";
    out += "  Gateway: " + (sw.gateway.empty() ? std::string("none") : sw.gateway) + "\n";
    out += "   Domain: " + sw.domain + "\n";
    out += "   Leases: " + std::to_string(sw.leases) + "\n";
    append_ports(out, sw, view.ports);
    // One nftables table serves every switch, so each shows the same count.
    if (view.firewall_repairs.value_or(0) > 0)
        out += " Firewall: re-applied " + std::to_string(*view.firewall_repairs) +
               " time(s) after others removed it\n";
    append_counters(out, sw);
    append_problems(out, sw);
}

}  // namespace

std::string status_text(const StatusView& view) {
    std::string out;
    for (size_t i = 0; i < view.switches.size(); ++i) {
        if (i) out += "\n";
        append_switch(out, view.switches[i], view);
    }
    return out;
}

std::string stats_text(const std::vector<SwitchRow>& switches) {
    std::string out;
    for (size_t i = 0; i < switches.size(); ++i) {
        const SwitchRow& sw = switches[i];
        if (i) out += "\n";
        out += "● " + sw.name + "\n";
        if (!sw.statistics) {
            out += "  (the daemon does not report statistics)\n";
            continue;
        }
        size_t width = 0;
        for (const auto& kv : *sw.statistics) width = std::max(width, kv.first.size());
        for (const auto& [key, value] : *sw.statistics)
            out += "  " + key + std::string(width - key.size() + 2, ' ') + std::to_string(value) + "\n";
    }
    return out;
}

std::string list_text(const std::vector<PortRow>& ports) {
    Table t({"INTERFACE", "SWITCH", "VM", "MAC", "ADDRESS", "HOSTNAME", "STATE", "ORIGIN"});
    for (const auto& p : ports)
        t.add({p.ifname, p.sw, or_dash(p.vm), p.mac, or_dash(p.address), or_dash(p.hostname),
               p.connected ? "connected" : "disconnected", or_dash(p.origin)});
    return t.render() + "\n" + std::to_string(t.size()) + " port(s) listed.\n";
}

std::string reservations_text(const std::vector<ReservationRow>& reservations) {
    Table t({"SWITCH", "KEY", "ADDRESS", "ORIGIN"});
    for (const auto& r : reservations) t.add({r.sw, r.key, r.address, r.origin});
    return t.render() + "\n" + std::to_string(t.size()) + " reservation(s) listed.\n";
}

std::string leases_text(const std::vector<LeaseRow>& leases, const TimeFormatter& format_time) {
    Table t({"SWITCH", "MAC", "ADDRESS", "HOSTNAME", "EXPIRES"});
    for (const auto& l : leases)
        t.add({l.sw, l.mac, l.address, or_dash(l.hostname),
               l.expiry_usec == 0 ? "-" : format_time(l.expiry_usec)});
    return t.render() + "\n" + std::to_string(t.size()) + " lease(s) listed.\n";
}

}  // namespace vswitch::ctl
