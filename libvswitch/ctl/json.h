// vswitchctl's --json output for `status`, `list`, `leases` and `attach`:
// compact (no spaces), keys in a fixed order, one document per call, written
// with nlohmann::ordered_json so escaping follows RFC 8259 §7. Pure; the
// caller prints the string and a newline.
#pragma once

#include <string>
#include <vector>

#include "libvswitch/ctl/rows.h"

namespace vswitch::ctl {

// [{"name",...,"problems":[...],"firewall_repairs":N,"statistics":{...},"ports":[...]}, ...];
// firewall_repairs is -1 and statistics null when the daemon does not report them.
std::string status_json(const StatusView& view);

// {"<switch>": {"<key>": N, ...}, ...}; a switch whose daemon does not
// report Statistics maps to null.
std::string stats_json(const std::vector<SwitchRow>& switches);

// [{"interface","switch","vm","mac","address","hostname","connected","object"}, ...]
std::string list_json(const std::vector<PortRow>& ports);

// [{"switch","mac","address","hostname","expiry_usec"}, ...]
std::string reservations_json(const std::vector<ReservationRow>& reservations);
std::string leases_json(const std::vector<LeaseRow>& leases);

// {"interface","mac","object"}: what `attach --json` prints.
std::string attach_json(const std::string& ifname, const std::string& mac,
                        const std::string& object);

}  // namespace vswitch::ctl
