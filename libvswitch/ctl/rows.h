// What vswitchctl shows, as plain values: one row per switch, port, lease
// and problem, filled by the bus reader (daemon/ctl) and rendered as text or
// JSON by text.h and json.h. No bus in here, so every output is unit-tested.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vswitch::ctl {

// One entry of a Switch's Problems property (a(sss)).
struct ProblemRow {
    std::string kind, message;
    std::string fix;  // a command, or "" when there is none

    bool operator==(const ProblemRow&) const = default;
};

// An org.vswitch1.Port object.
struct PortRow {
    std::string ifname, sw, vm, mac, object;
    std::string address, hostname;  // "" until the VM has a lease
    bool connected = true;
    // "daemon", "attached" or "bridge" (a member found on the bridge); ""
    // when the daemon predates Port.Origin.
    std::string origin;

    bool operator==(const PortRow&) const = default;
};

// A Switch's Statistics property (a{st}), in the daemon's order.
using StatisticsRow = std::vector<std::pair<std::string, uint64_t>>;

// An org.vswitch1.Switch object; `leases` is counted from ListLeases.
struct SwitchRow {
    std::string name, object, type, bridge, subnet, gateway, domain;
    std::string interface;  // Type external: the host NIC in the bridge
    size_t leases = 0;
    std::vector<ProblemRow> problems;  // empty also when the daemon predates Problems
    std::optional<StatisticsRow> statistics;  // nullopt: the daemon predates Statistics

    bool operator==(const SwitchRow&) const = default;
};

// One entry of a Switch's ListLeases() (a(ssst)), with the switch's name.
struct LeaseRow {
    std::string sw, mac, address, hostname;
    uint64_t expiry_usec = 0;  // CLOCK_REALTIME µs; 0 = never set

    bool operator==(const LeaseRow&) const = default;
};

// One entry of a Switch's ListReservations() (a(sss)), with the switch's
// name; origin is "config" or "runtime".
struct ReservationRow {
    std::string sw, key, address, origin;

    bool operator==(const ReservationRow&) const = default;
};

// Everything `status` shows: switches in the daemon's order (the config's,
// Default first), all ports sorted by interface name (each switch shows its
// own), and the Manager's FirewallRepairs (nullopt: the daemon lacks it).
struct StatusView {
    std::vector<SwitchRow> switches;
    std::vector<PortRow> ports;
    std::optional<uint64_t> firewall_repairs;
};

}  // namespace vswitch::ctl
