#include "libvswitch/ctl/objects.h"

#include <algorithm>
#include <iterator>

namespace vswitch::ctl {

namespace {

struct PropertySpec {
    std::string_view interface, name, signature;
};

// What vswitchctl shows. Switch.Ports (ao) is not read: Port.Switch says the
// same, and ports are listed in one sorted list.
constexpr PropertySpec kProperties[] = {
    {kSwitchInterface, "Name", "s"},
    {kSwitchInterface, "Type", "s"},
    {kSwitchInterface, "Bridge", "s"},
    {kSwitchInterface, "Subnet", "s"},
    {kSwitchInterface, "Gateway", "s"},
    {kSwitchInterface, "Domain", "s"},
    {kSwitchInterface, "Problems", "a(sss)"},
    {kSwitchInterface, "Statistics", "a{st}"},
    {kSwitchInterface, "Interface", "s"},
    {kPortInterface, "Interface", "s"},
    {kPortInterface, "Switch", "s"},
    {kPortInterface, "VM", "s"},
    {kPortInterface, "MAC", "s"},
    {kPortInterface, "Address", "s"},
    {kPortInterface, "Hostname", "s"},
    {kPortInterface, "Connected", "b"},
    {kPortInterface, "Origin", "s"},
};

// In PropertyValue's order.
constexpr std::string_view kValueSignatures[] = {"s", "b", "t", "a(sss)", "a{st}"};
static_assert(std::size(kValueSignatures) == std::variant_size_v<PropertyValue>);

std::string_view signature_of(const PropertyValue& v) {
    return kValueSignatures[v.index()];
}

// The string properties of each row, by name.
constexpr std::pair<std::string_view, std::string SwitchRow::*> kSwitchStrings[] = {
    {"Name", &SwitchRow::name},       {"Type", &SwitchRow::type},
    {"Bridge", &SwitchRow::bridge},   {"Subnet", &SwitchRow::subnet},
    {"Gateway", &SwitchRow::gateway}, {"Domain", &SwitchRow::domain},
    {"Interface", &SwitchRow::interface},
};
constexpr std::pair<std::string_view, std::string PortRow::*> kPortStrings[] = {
    {"Interface", &PortRow::ifname},
    {"Switch", &PortRow::sw},
    {"VM", &PortRow::vm},
    {"MAC", &PortRow::mac},
    {"Address", &PortRow::address},
    {"Hostname", &PortRow::hostname},
    {"Origin", &PortRow::origin},
};

// Sets row's string member named `name`, if any.
template <class Row, size_t N>
void set_string(Row& row, const std::pair<std::string_view, std::string Row::*> (&fields)[N],
                std::string_view name, const PropertyValue& v) {
    for (const auto& [field, member] : fields) {
        if (field == name) row.*member = std::get<std::string>(v);
    }
}

Error missing(const ObjectProperties& o, std::string_view property) {
    return make_error(EBADMSG, "object " + o.path + " has no property " + o.interface + "." +
                                   std::string(property));
}

// Checks each value against its signature and hands it to set(name, value).
template <class Set>
Status apply(const ObjectProperties& o, Set&& set) {
    for (const auto& [name, value] : o.properties) {
        auto want = property_signature(o.interface, name);
        if (!want) continue;
        if (signature_of(value) != *want)
            return wrong_type_error(o.path, o.interface, name, signature_of(value), *want);
        set(name, value);
    }
    return ok_status();
}

bool has(const ObjectProperties& o, std::string_view property) {
    return std::any_of(o.properties.begin(), o.properties.end(),
                       [&](const auto& p) { return p.first == property; });
}

Result<SwitchRow> build_switch(const ObjectProperties& o) {
    if (!has(o, "Name")) return missing(o, "Name");
    SwitchRow row;
    row.object = o.path;
    auto s = apply(o, [&](const std::string& name, const PropertyValue& v) {
        if (name == "Problems") {
            row.problems = std::get<std::vector<ProblemRow>>(v);
            return;
        }
        if (name == "Statistics") {
            row.statistics = std::get<StatisticsRow>(v);
            return;
        }
        set_string(row, kSwitchStrings, name, v);
    });
    if (!s) return s.error();
    return row;
}

Result<PortRow> build_port(const ObjectProperties& o) {
    for (const char* required : {"Interface", "Switch"}) {
        if (!has(o, required)) return missing(o, required);
    }
    PortRow row;
    row.object = o.path;
    auto s = apply(o, [&](const std::string& name, const PropertyValue& v) {
        if (name == "Connected") {
            row.connected = std::get<bool>(v);
            return;
        }
        set_string(row, kPortStrings, name, v);
    });
    if (!s) return s.error();
    return row;
}

}  // namespace

std::optional<std::string_view> property_signature(std::string_view interface,
                                                   std::string_view property) {
    for (const auto& p : kProperties) {
        if (p.interface == interface && p.name == property) return p.signature;
    }
    return std::nullopt;
}

bool known_interface(std::string_view interface) {
    return interface == kSwitchInterface || interface == kPortInterface;
}

Error wrong_type_error(std::string_view path, std::string_view interface, std::string_view property,
                       std::string_view got, std::string_view want) {
    return make_error(EBADMSG, "property " + std::string(interface) + "." + std::string(property) +
                                   " of " + std::string(path) + " has type '" + std::string(got) +
                                   "', expected '" + std::string(want) + "'");
}

Result<Objects> build_objects(const std::vector<ObjectProperties>& objects) {
    Objects out;
    for (const auto& o : objects) {
        if (o.interface == kSwitchInterface) {
            auto row = build_switch(o);
            if (!row) return row.error();
            out.switches.push_back(std::move(*row));
        } else if (o.interface == kPortInterface) {
            auto row = build_port(o);
            if (!row) return row.error();
            out.ports.push_back(std::move(*row));
        }
    }
    // ListPorts' order (the daemon's map of ports by name); paths would not
    // do, since sd_bus_path_encode turns '-' into "_2d".
    std::stable_sort(out.ports.begin(), out.ports.end(),
                     [](const PortRow& a, const PortRow& b) { return a.ifname < b.ifname; });
    return out;
}

void order_switches(std::vector<SwitchRow>& switches, const std::vector<std::string>& paths) {
    auto rank = [&](const SwitchRow& s) {
        return size_t(std::find(paths.begin(), paths.end(), s.object) - paths.begin());
    };
    std::stable_sort(switches.begin(), switches.end(),
                     [&](const SwitchRow& a, const SwitchRow& b) { return rank(a) < rank(b); });
}

}  // namespace vswitch::ctl
