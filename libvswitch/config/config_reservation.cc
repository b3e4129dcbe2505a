// [Reservation] sections, in the shape of systemd-networkd's
// [DHCPServerStaticLease]: MACAddress= (or VM=, a VM name as attach and the
// libvirt hook give it) and Address=.
#include "libvswitch/base/text.h"
#include "libvswitch/config/config_internal.h"

namespace vswitch::config_detail {

Status parse_reservation_key(ReservationDraft& d, std::string_view key, std::string_view value,
                             size_t line) {
    struct Field {
        std::string_view key;
        std::optional<std::string> ReservationDraft::*value;
        size_t ReservationDraft::*line;
    };
    // MAC= is DESIGN.md's name for networkd's MACAddress=: both work.
    static constexpr Field kFields[] = {
        {"MACAddress", &ReservationDraft::mac, &ReservationDraft::mac_line},
        {"MAC", &ReservationDraft::mac, &ReservationDraft::mac_line},
        {"VM", &ReservationDraft::vm, &ReservationDraft::vm_line},
        {"Address", &ReservationDraft::address, &ReservationDraft::address_line},
    };
    const Field* f = nullptr;
    for (const auto& k : kFields)
        if (k.key == key) f = &k;
    if (!f)
        return make_error(EINVAL, "unknown key " + quoted(key) +
                                      " in section [Reservation] (keys: MACAddress= or MAC=, VM=, "
                                      "Address=)");
    std::optional<std::string>* slot = &(d.*(f->value));
    size_t* where = &(d.*(f->line));
    if (value.empty()) {  // systemd: an empty assignment resets
        slot->reset();
        return {};
    }
    *slot = std::string(value);
    *where = line;
    return {};
}

Result<std::vector<dhcp::Reservation>> finish_reservations(
    const std::vector<ReservationDraft>& drafts, const SwitchConfig& sw, std::string_view path) {
    std::vector<dhcp::Reservation> out;
    if (drafts.size() > dhcp::kMaxReservations)
        return error_at(path, drafts[dhcp::kMaxReservations].line, E2BIG,
                        "too many [Reservation] sections (at most " +
                            std::to_string(dhcp::kMaxReservations) + " per switch)");
    // A pinned subnet makes a whole address natural; a per-boot one has
    // only the offset to go by.
    const uint8_t length = sw.subnet ? sw.subnet->length() : sw.prefix_length;
    for (const auto& d : drafts) {
        if (d.mac.has_value() == d.vm.has_value())
            return error_at(path, d.mac && d.vm ? d.vm_line : d.line, EINVAL,
                            "a [Reservation] needs exactly one of MACAddress= and VM=");
        if (!d.address) return error_at(path, d.line, EINVAL, "a [Reservation] needs Address=");
        const std::string& key = d.mac ? *d.mac : *d.vm;
        const size_t key_line = d.mac ? d.mac_line : d.vm_line;
        auto r = dhcp::parse_reservation_key(key);
        if (!r) return error_at(path, key_line, r.error().code, r.error().message);
        if (d.mac && r->kind != dhcp::Reservation::Kind::mac)
            return error_at(path, key_line, EINVAL, "invalid MACAddress " + quoted(key));
        if (d.vm) {  // a VM named like a MAC stays a VM
            r->kind = dhcp::Reservation::Kind::vm;
            r->key = key;
        }
        auto offset = dhcp::parse_host_offset(*d.address, length, sw.subnet);
        if (!offset) {
            std::string why = offset.error().message;
            if (!sw.subnet && why.find("is not a host offset") != std::string::npos)
                why += "; the subnet is drawn per boot, so give the host offset, or pin Subnet=";
            return error_at(path, d.address_line, offset.error().code, why);
        }
        r->host_offset = *offset;
        out.push_back(std::move(*r));
        if (auto st = dhcp::check_reservations(out); !st)
            return error_at(path, d.line, st.error().code, st.error().message);
    }
    return out;
}

}  // namespace vswitch::config_detail
