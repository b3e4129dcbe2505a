// `vswitchctl set PORT KEY=VALUE...` and `vswitchctl show PORT` (issue 17):
// the settings' names as the Port object's properties, parsed without a
// bus, and the text/JSON of one port's properties.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "libvswitch/base/result.h"

namespace vswitch::ctl {

// The writable boolean settings of org.vswitch1.Port, in display order.
const std::vector<std::string>& port_setting_names();

struct PortSetting {
    std::string property;  // "DhcpGuard"
    bool value = false;
    std::optional<uint64_t> bits;  // MaximumBandwidth: sent as "t" instead
};

// Each argument is KEY=VALUE, KEY a name of port_setting_names() (case as
// written there), VALUE yes/no, true/false, on/off or 1/0. EINVAL names the
// bad argument; nothing is returned for a list with one bad entry.
Result<std::vector<PortSetting>> parse_port_settings(const std::vector<std::string>& args);

// One port for `show`: property name and its value as text ("yes"/"no" for
// booleans), in the order given.
using PortProperties = std::vector<std::pair<std::string, std::string>>;
std::string port_text(const PortProperties& props);
std::string port_json(const PortProperties& props, const std::vector<std::string>& booleans);

}  // namespace vswitch::ctl
