// vswitchctl's text output for `status`, `list` and `leases`, byte for byte
// as it has always been: `● Name` blocks for switches, tables for ports and
// leases. Pure: the caller prints the string and owns the clock's time zone.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "libvswitch/ctl/rows.h"

namespace vswitch::ctl {

// A lease's expiry (CLOCK_REALTIME µs, never 0) as the user reads it.
using TimeFormatter = std::function<std::string(uint64_t usec)>;

// One block per switch, a blank line between them; each shows its own ports.
std::string status_text(const StatusView& view);

// `stats`: every counter of each switch, one per line, in the daemon's order.
std::string stats_text(const std::vector<SwitchRow>& switches);

// The ports table and its "N port(s) listed." footer.
std::string list_text(const std::vector<PortRow>& ports);

// The leases table ("-" for an expiry of 0) and its footer.
// The reservations table and its footer.
std::string reservations_text(const std::vector<ReservationRow>& reservations);
std::string leases_text(const std::vector<LeaseRow>& leases, const TimeFormatter& format_time);

}  // namespace vswitch::ctl
