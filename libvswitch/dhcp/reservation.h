// Reservations: a fixed address for a MAC or a VM name, and the file that
// keeps the ones added at runtime (<state-dir>/<switch>.reservations).
//
// An address is kept as its host offset in the switch's subnet, not as a
// whole address: the subnet is drawn per boot and moves on a renumber, the
// offset stays. The file:
//
//   vswitch-reservations 1
//   mac 52:54:00:12:34:56 42
//   vm 42 web server
//
// Fields: kind, then for a MAC the MAC and the offset; for a VM the offset
// and the VM name, which runs to the end of the line (it may hold spaces).
// Written whole (write_file_atomic: temporary file, fsync, rename, fsync of
// the directory) and read back strictly: these are an admin's promises, so
// a bad file is an error naming its line, never silently thinned.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"

namespace vswitch::dhcp {

// Reservations of one switch, configured and runtime ones together: an
// admin's table, bounded all the same (a script in a loop).
inline constexpr size_t kMaxReservations = 1024;
inline constexpr size_t kMaxReservationFileSize = 1u << 20;

struct Reservation {
    enum class Kind : uint8_t { mac, vm };
    Kind kind = Kind::mac;
    std::string key;           // mac: "52:54:00:12:34:56" (lower case); vm: the VM name
    uint32_t host_offset = 0;  // address - network; 1 is the gateway

    friend bool operator==(const Reservation&, const Reservation&) = default;
};

// "mac" or "vm".
std::string_view to_string(Reservation::Kind kind);

// A key as users give it: a MAC when it parses as one (unicast, not zero),
// else a VM name (what AttachAdapter accepts). EINVAL for an empty key or
// a bad VM name.
Result<Reservation> parse_reservation_key(std::string_view key);

// The host offset an address names in a subnet of `prefix_length`:
//   - the offset form, whose network bits are zero ("0.0.0.42");
//   - an address inside `subnet` (today's subnet, or the pinned Subnet=).
// The offset must leave the network address, the gateway (offset 1) and
// the broadcast address alone. EINVAL otherwise, saying which form works.
Result<uint32_t> parse_host_offset(std::string_view address, uint8_t prefix_length,
                                   std::optional<Ipv4Prefix> subnet);

// The address at `offset` in `subnet`.
Ipv4 address_at(const Ipv4Prefix& subnet, uint32_t offset);

// EEXIST when two reservations share a key (a MAC in any case) or an
// offset, E2BIG past kMaxReservations; the message names both.
Status check_reservations(std::span<const Reservation> all);

std::string format_reservation_file(std::span<const Reservation> reservations);
// Strict: EBADMSG naming the line for a bad header, line or duplicate;
// ENOTSUP for another version; E2BIG past kMaxReservations.
Result<std::vector<Reservation>> parse_reservation_file(std::string_view text);

// read_file (ENOENT passes through) + parse; write_file_atomic + fsync.
Result<std::vector<Reservation>> load_reservation_file(const std::string& path);
Status save_reservation_file(const std::string& path, std::span<const Reservation> reservations);

}  // namespace vswitch::dhcp
