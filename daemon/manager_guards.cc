// The Manager's part of the port guards (issue 17): every switch's ports
// with their effective settings, MACs and allowed addresses become
// `bridge vswitch` (libvswitch/nft/port_guard.h). apply_firewall() sends
// it with `inet vswitch` in one transaction; a port that comes, goes or
// changes, and a lease of a port whose IpSpoofing is off, change the
// bridge table's set elements (or replace it, when its chains change).
#include <algorithm>

#include "daemon/firewall/firewall.h"
#include "daemon/log.h"
#include "daemon/manager.h"
#include "libvswitch/nft/port_guard.h"

namespace vswitch {

nft::PortGuards Manager::port_guards() const {
    nft::PortGuards g;
    for (const auto& sw : switches_) {
        std::vector<Switch::ReservationRow> reserved;
        bool reserved_read = false;
        for (const ports::Port* p : sw->ports().list()) {
            const ports::PortRecord& r = p->record;
            nft::PortGuard guard{r.ifname, r.mac, sw->ports().security_of(r), {}};
            if (!guard.security.ip_spoofing) {
                // What the daemon's own DHCP gave or keeps for this guest:
                // its lease, and its reservation by MAC or by VM name.
                if (auto l = sw->lease_of(r.mac)) guard.addresses.push_back(l->address);
                if (!reserved_read) {
                    reserved = sw->reservations();
                    reserved_read = true;
                }
                const std::string mac = r.mac.to_string();
                for (const auto& row : reserved) {
                    const auto& res = row.reservation;
                    bool mine = res.kind == dhcp::Reservation::Kind::mac
                                    ? res.key == mac
                                    : !r.vm.empty() && res.key == r.vm;
                    if (mine &&
                        std::find(guard.addresses.begin(), guard.addresses.end(), row.address) ==
                            guard.addresses.end() &&
                        guard.addresses.size() < nft::kMaxAddressesPerPort)
                        guard.addresses.push_back(row.address);
                }
            }
            g.ports.push_back(std::move(guard));
        }
    }
    return g;
}

Status Manager::apply_port_guards() {
    auto send = [this](firewall::Firewall& fw) -> Status {
        nft::PortGuards guards = port_guards();
        // Most port events change nothing the guards hold, and a replaced
        // table starts its drop counters from zero.
        if (applied_guards_ && *applied_guards_ == guards) return {};
        // Element changes alone when the chains stay: the counters go on
        // and a port costs its own elements, not the whole table.
        if (applied_guards_) {
            auto update = nft::update_port_guards(*applied_guards_, guards, fw.next_seq());
            if (update && update->message_count() == 2) {  // only unguarded ports changed
                applied_guards_ = std::move(guards);
                return {};
            }
            if (update && fw.send(*update)) {
                applied_guards_ = std::move(guards);
                return {};
            }
            // EAGAIN (other chains), or the kernel refused (the table was
            // changed behind us): replace it whole.
        }
        auto batch = nft::compile_port_guards(guards, fw.next_seq());
        if (!batch) return batch.error();
        if (auto s = fw.send(*batch); !s) {
            applied_guards_.reset();
            return s.error().context("replacing nftables table bridge vswitch");
        }
        applied_guards_ = std::move(guards);
        return {};
    };
    // Through the guard's socket once it runs: it ignores its own changes.
    if (fw_guard_) return send(fw_guard_->firewall());
    auto fw = firewall::Firewall::create();
    if (!fw) return fw.error();
    return send(*fw);
}

void Manager::on_port_guards_changed(Switch& sw) {
    if (auto s = apply_port_guards(); !s)
        log::warning(s.error().message + ", ignoring", {{"VSWITCH_SWITCH", sw.name()}});
}

// Only a port that checks its sources cares about its lease.
void Manager::on_lease_guards(Switch& sw, const dhcp::Lease& lease) {
    const ports::Port* p = sw.ports().find_by_mac(lease.mac);
    if (!p || sw.ports().security_of(p->record).ip_spoofing) return;
    on_port_guards_changed(sw);
}

}  // namespace vswitch
