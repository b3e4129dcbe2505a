// A switch's reservations (issue 14): fixed addresses by MAC or VM name.
// Configured ones come from the switch's [Reservation] sections; runtime
// ones are added over D-Bus and kept in <state-dir>/<switch>.reservations,
// written atomically (fsync before the reply), so an acknowledged one
// survives a kill -9 or a power loss. Both are host offsets: they follow
// the switch through a renumber. The DHCP core gets them resolved to MACs
// (a VM name to the MAC of the VM's first port by interface name) whenever
// they or the ports change.
#include <algorithm>
#include <cstdio>

#include "daemon/dhcp/dhcp_server.h"
#include "daemon/log.h"
#include "daemon/switch/runtime_records.h"
#include "daemon/switch/switch.h"

namespace vswitch {

namespace {

constexpr std::string_view kReservationsCorrupt = "reservations-file-corrupt";

bool same_key(const dhcp::Reservation& a, const dhcp::Reservation& b) {
    return a.kind == b.kind && a.key == b.key;
}

}  // namespace

std::string Switch::reservations_path() const {
    return services_.state_dir + "/" + config_.name + ".reservations";
}

void Switch::load_reservations() {
    const std::string path = reservations_path();
    runtime_reservations_ = load_runtime_records(config_.name, path, dhcp::load_reservation_file(path), config_.reservations, &dhcp::check_reservations, problems_,
                              {"reservations file", kReservationsCorrupt, "fix the file and move it back, then restart vswitchd, or add the reservations again"});
}

std::vector<Switch::ReservationRow> Switch::reservations() const {
    std::vector<ReservationRow> out;
    auto row = [&](const dhcp::Reservation& r, bool configured) {
        out.push_back({r, configured, dhcp::address_at(subnet_, r.host_offset)});
    };
    for (const auto& r : config_.reservations) row(r, true);
    for (const auto& r : runtime_reservations_) row(r, false);
    return out;
}

Result<Switch::ReservationRow> Switch::add_reservation(std::string_view key,
                                                       std::string_view address) {
    const std::string what = "reserving an address on switch '" + config_.name + "'";
    if (!has_address()) return make_error(EINVAL, what + ": a private switch serves no DHCP");
    auto r = dhcp::parse_reservation_key(key);
    if (!r) return r.error().context(what);
    auto offset = dhcp::parse_host_offset(address, subnet_.length(), subnet_);
    if (!offset) return offset.error().context(what);
    r->host_offset = *offset;
    std::vector<dhcp::Reservation> all = config_.reservations;
    all.insert(all.end(), runtime_reservations_.begin(), runtime_reservations_.end());
    all.push_back(*r);
    if (auto st = dhcp::check_reservations(all); !st) return st.error().context(what);
    auto runtime = runtime_reservations_;
    runtime.push_back(*r);
    // On the disk before it is acknowledged.
    if (auto st = dhcp::save_reservation_file(reservations_path(), runtime); !st)
        return st.error().context(what);
    runtime_reservations_ = std::move(runtime);
    apply_reservations();
    ReservationRow row{*r, false, dhcp::address_at(subnet_, r->host_offset)};
    log::info("switch '" + config_.name + "': " + row.address.to_string() + " reserved for " +
                  std::string(dhcp::to_string(r->kind)) + " '" + r->key + "'",
              {{"VSWITCH_SWITCH", config_.name}});
    return row;
}

Status Switch::remove_reservation(std::string_view key) {
    const std::string what =
        "removing the reservation of '" + std::string(key) + "' on switch '" + config_.name + "'";
    auto r = dhcp::parse_reservation_key(key);
    if (!r) return r.error().context(what);
    for (const auto& c : config_.reservations)
        if (same_key(c, *r))
            return make_error(
                EINVAL, what + ": it is configured in " + config_.source + "; remove it there");
    auto it = std::find_if(runtime_reservations_.begin(), runtime_reservations_.end(),
                           [&](const dhcp::Reservation& x) { return same_key(x, *r); });
    if (it == runtime_reservations_.end())
        return make_error(ENOENT, what + ": no such reservation");
    auto runtime = runtime_reservations_;
    runtime.erase(runtime.begin() + (it - runtime_reservations_.begin()));
    if (auto st = dhcp::save_reservation_file(reservations_path(), runtime); !st)
        return st.error().context(what);
    runtime_reservations_ = std::move(runtime);
    apply_reservations();
    log::info("switch '" + config_.name + "': reservation of " +
                  std::string(dhcp::to_string(r->kind)) + " '" + r->key + "' removed",
              {{"VSWITCH_SWITCH", config_.name}});
    return {};
}

void Switch::apply_reservations() {
    if (!dhcp_) return;
    std::vector<dhcp::FixedAddress> fixed;
    auto taken = [&](const Mac& m) {
        return std::any_of(fixed.begin(), fixed.end(),
                           [&](const dhcp::FixedAddress& f) { return f.mac == m; });
    };
    const auto ports = ports_.list();  // by interface name
    // MACs first: a MAC reservation wins over a VM's whose port has that MAC.
    for (bool by_mac : {true, false}) {
        for (const auto& row : reservations()) {
            const dhcp::Reservation& r = row.reservation;
            if ((r.kind == dhcp::Reservation::Kind::mac) != by_mac) continue;
            std::optional<Mac> mac;
            if (by_mac) {
                if (auto m = Mac::parse(r.key)) mac = *m;
            } else {
                for (const ports::Port* p : ports)
                    if (p->record.vm == r.key) {
                        mac = p->record.mac;
                        break;
                    }
            }
            if (!mac || taken(*mac))
                continue;  // a VM not attached now; or its MAC is reserved already
            fixed.push_back({*mac, r.host_offset});
        }
    }
    if (fixed == dhcp_->fixed_addresses()) return;
    if (auto st = dhcp_->set_fixed_addresses(std::move(fixed)); !st)
        log::error("switch '" + config_.name + "': " + st.error().message +
                       ", keeping the previous reservations",
                   {{"VSWITCH_SWITCH", config_.name}});
}

}  // namespace vswitch
