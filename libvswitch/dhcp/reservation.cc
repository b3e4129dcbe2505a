#include "libvswitch/dhcp/reservation.h"

#include <charconv>
#include <map>

#include "libvswitch/base/file.h"
#include "libvswitch/base/records_file.h"
#include "libvswitch/base/text.h"
#include "libvswitch/ports/port_record.h"

namespace vswitch::dhcp {

namespace {

constexpr RecordsFormat kFormat{"vswitch-reservations", "1", "reservations", kMaxReservationFileSize};

std::string describe(const Reservation& r) {
    return (r.kind == Reservation::Kind::mac ? "MAC " : "VM ") + quoted(r.key);
}

Result<uint32_t> parse_offset_field(std::string_view s) {
    uint32_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v < 2)
        return make_error(EBADMSG, "bad host offset " + quoted(s));
    return v;
}

Result<Reservation> parse_line(std::string_view line) {
    size_t sp = line.find(' ');
    std::string_view kind = line.substr(0, sp);
    if (sp == std::string_view::npos)
        return make_error(EBADMSG, "expected 'mac MAC OFFSET' or 'vm OFFSET NAME'");
    std::string_view rest = line.substr(sp + 1);
    size_t sp2 = rest.find(' ');
    if (sp2 == std::string_view::npos)
        return make_error(EBADMSG, "expected 'mac MAC OFFSET' or 'vm OFFSET NAME'");
    std::string_view a = rest.substr(0, sp2), b = rest.substr(sp2 + 1);
    Reservation r;
    if (kind == "mac") {
        auto mac = Mac::parse(a);
        if (!mac) return make_error(EBADMSG, "bad MAC " + quoted(a));
        r.kind = Reservation::Kind::mac;
        r.key = mac->to_string();
        auto off = parse_offset_field(b);
        if (!off) return off.error();
        r.host_offset = *off;
    } else if (kind == "vm") {
        auto off = parse_offset_field(a);
        if (!off) return off.error();
        if (auto st = ports::validate_vm_name(b, false); !st)
            return make_error(EBADMSG, st.error().message);
        r.kind = Reservation::Kind::vm;
        r.key = std::string(b);
        r.host_offset = *off;
    } else {
        return make_error(EBADMSG, "unknown kind " + quoted(kind) + " (expected mac or vm)");
    }
    return r;
}

}  // namespace

std::string_view to_string(Reservation::Kind kind) {
    return kind == Reservation::Kind::mac ? "mac" : "vm";
}

Result<Reservation> parse_reservation_key(std::string_view key) {
    if (key.empty()) return make_error(EINVAL, "a reservation needs a MAC or a VM name");
    Reservation r;
    if (auto mac = Mac::parse(key)) {
        if (mac->is_zero() || mac->is_multicast())
            return make_error(EINVAL, "MAC " + quoted(key) + " is not a unicast address");
        r.kind = Reservation::Kind::mac;
        r.key = mac->to_string();
        return r;
    }
    if (auto st = ports::validate_vm_name(key, false); !st) return st.error();
    r.kind = Reservation::Kind::vm;
    r.key = std::string(key);
    return r;
}

Result<uint32_t> parse_host_offset(std::string_view address, uint8_t prefix_length,
                                   std::optional<Ipv4Prefix> subnet) {
    auto a = Ipv4::parse(address);
    if (!a) return a.error().context("invalid reservation address");
    if (prefix_length < 8 || prefix_length > 30)
        return make_error(EINVAL, "a /" + std::to_string(prefix_length) + " holds no reservations");
    const uint32_t host_mask = (uint32_t{1} << (32 - prefix_length)) - 1;
    uint32_t offset;
    if ((a->value() & ~host_mask) == 0) {
        offset = a->value();
    } else if (subnet && subnet->normalized().contains(*a)) {
        offset = a->value() - subnet->normalized().network().value();
    } else {
        std::string m = "address " + quoted(address) + " is ";
        m += subnet ? "neither in " + subnet->normalized().to_string() + " nor" : "not";
        m += " a host offset (such as 0.0.0.42: the network part zero)";
        return make_error(EINVAL, m);
    }
    if (offset < 2 || offset >= host_mask)
        return make_error(EINVAL, "address " + quoted(address) + " is not a client address of a /" +
                                      std::to_string(prefix_length) +
                                      " (offset 1 is the gateway; offsets 2 to " +
                                      std::to_string(host_mask - 1) + " are clients)");
    return offset;
}

Ipv4 address_at(const Ipv4Prefix& subnet, uint32_t offset) {
    return Ipv4(subnet.normalized().network().value() + offset);
}

Status check_reservations(std::span<const Reservation> all) {
    if (all.size() > kMaxReservations)
        return make_error(E2BIG, std::to_string(all.size()) + " reservations (at most " +
                                     std::to_string(kMaxReservations) + " per switch)");
    std::map<std::pair<Reservation::Kind, std::string>, const Reservation*> keys;
    std::map<uint32_t, const Reservation*> offsets;
    for (const auto& r : all) {
        if (auto [it, fresh] = keys.emplace(std::pair{r.kind, r.key}, &r); !fresh)
            return make_error(EEXIST, describe(r) + " is reserved twice");
        if (auto [it, fresh] = offsets.emplace(r.host_offset, &r); !fresh)
            return make_error(EEXIST, "host offset " + std::to_string(r.host_offset) +
                                          " is reserved for " + describe(*it->second) +
                                          " and for " + describe(r));
    }
    return {};
}

std::string format_reservation_file(std::span<const Reservation> reservations) {
    std::string out = records_header(kFormat);
    for (const auto& r : reservations) {
        if (r.kind == Reservation::Kind::mac)
            out += "mac " + r.key + ' ' + std::to_string(r.host_offset) + '\n';
        else
            out += "vm " + std::to_string(r.host_offset) + ' ' + r.key + '\n';
    }
    return out;
}

Result<std::vector<Reservation>> parse_reservation_file(std::string_view text) {
    std::vector<Reservation> out;
    auto st = walk_records(text, kFormat, [&](std::string_view line) -> Status {
        auto r = parse_line(line);
        if (!r) return r.error();
        if (out.size() >= kMaxReservations)
            return make_error(E2BIG, "more than " + std::to_string(kMaxReservations) + " reservations");
        out.push_back(std::move(*r));
        if (auto c = check_reservations(out); !c) return make_error(EBADMSG, c.error().message);
        return {};
    });
    if (!st) return st.error();
    return out;
}

Result<std::vector<Reservation>> load_reservation_file(const std::string& path) {
    auto text = read_file(path, kMaxReservationFileSize);
    if (!text)
        return text.error().code == ENOENT ? text.error()
                                           : text.error().context("reading '" + path + "'");
    auto r = parse_reservation_file(*text);
    if (!r) return r.error().context("reservations file '" + path + "'");
    return r;
}

Status save_reservation_file(const std::string& path, std::span<const Reservation> reservations) {
    if (auto st = write_file_atomic(path, format_reservation_file(reservations)); !st)
        return st.error().context("saving reservations to '" + path + "'");
    return {};
}

}  // namespace vswitch::dhcp
