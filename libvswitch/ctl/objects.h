// The pure half of reading the daemon: which interfaces and properties of a
// GetManagedObjects reply vswitchctl reads (and with which D-Bus signature),
// and how those properties become rows. The bus half (daemon/ctl/
// managed_objects.cc) walks the message, skips everything this file does not
// name, and hands over typed values; unit tests feed this file directly.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "libvswitch/base/result.h"
#include "libvswitch/ctl/rows.h"

namespace vswitch::ctl {

inline constexpr std::string_view kSwitchInterface = "org.vswitch1.Switch";
inline constexpr std::string_view kPortInterface = "org.vswitch1.Port";

// A property's value as decoded from its variant: s, b, t, a(sss) or a{st}.
using PropertyValue = std::variant<std::string, bool, uint64_t, std::vector<ProblemRow>, StatisticsRow>;

// The signature vswitchctl reads `property` of `interface` with, or nullopt
// when it does not read it (an unknown interface or property is skipped).
std::optional<std::string_view> property_signature(std::string_view interface,
                                                   std::string_view property);

// Whether vswitchctl reads anything of `interface`.
bool known_interface(std::string_view interface);

// EBADMSG naming the property: "property org.vswitch1.Switch.Subnet of
// /org/vswitch1/switch/Default has type 'i', expected 's'".
Error wrong_type_error(std::string_view path, std::string_view interface, std::string_view property,
                       std::string_view got, std::string_view want);

// The properties read of one interface of one object, in reply order.
struct ObjectProperties {
    std::string path, interface;
    std::vector<std::pair<std::string, PropertyValue>> properties;
};

// Switches and ports out of what GetManagedObjects gave.
struct Objects {
    std::vector<SwitchRow> switches;  // in reply order; see order_switches
    std::vector<PortRow> ports;       // sorted by interface name, as ListPorts
};

// Builds rows: a Switch needs Name, a Port needs Interface and Switch (else
// EBADMSG naming the object and the property); every other property may be
// missing (an older daemon without Problems shows no problems). A value of
// another type than property_signature's is EBADMSG too.
Result<Objects> build_objects(const std::vector<ObjectProperties>& objects);

// Puts switches in the order of `paths` (ListSwitches' objects: the config's
// order, Default first). A switch not in `paths` (one that appeared between
// the two calls) follows the others in its reply order; a path with no
// switch (one that went) is passed over.
void order_switches(std::vector<SwitchRow>& switches, const std::vector<std::string>& paths);

}  // namespace vswitch::ctl
