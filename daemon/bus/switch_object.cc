// org.vswitch1.Switch at /org/vswitch1/switch/<name>: one object per switch,
// found through the path (sd_bus_path_encode'd name), read-only but for the
// Ports list, which changes with every attach and detach, and the Problems
// list, which changes as the daemon's checks raise and clear them.
#include <systemd/sd-bus.h>

#include <optional>

#include "daemon/bus/bus.h"
#include "daemon/bus/errors.h"
#include "daemon/bus/guard.h"
#include "daemon/ports/port_manager.h"

namespace vswitch::bus {

namespace {

Bus& bus_of(void* userdata) { return *static_cast<Bus*>(userdata); }

std::optional<SwitchView> lookup(Bus& bus, const char* path) {
    std::string name = path_name(path, kSwitchPrefix);
    if (name.empty()) return std::nullopt;
    for (auto& sw : bus.context().bus_switches()) {
        if (sw.name == name) return std::move(sw);
    }
    return std::nullopt;
}

int find_switch(sd_bus* /*bus*/, const char* path, const char* /*interface*/, void* userdata,
                void** found, sd_bus_error* /*error*/) {
    return guarded([&] {
        if (!lookup(bus_of(userdata), path)) return 0;
        *found = userdata;
        return 1;
    });
}

int enumerate_switches(sd_bus* /*bus*/, const char* /*prefix*/, void* userdata, char*** nodes,
                       sd_bus_error* /*error*/) {
    return guarded([&] {
        auto switches = bus_of(userdata).context().bus_switches();
        char** list = static_cast<char**>(calloc(switches.size() + 1, sizeof(char*)));
        if (!list) return -ENOMEM;
        for (size_t i = 0; i < switches.size(); ++i) {
            list[i] = strdup(switch_path(switches[i].name).c_str());
            if (!list[i]) {
                for (size_t j = 0; j < i; ++j) free(list[j]);
                free(list);
                return -ENOMEM;
            }
        }
        *nodes = list;
        return 0;
    });
}

int get_string(sd_bus* /*bus*/, const char* path, const char* /*interface*/, const char* property,
               sd_bus_message* reply, void* userdata, sd_bus_error* error) {
    return guarded([&] {
        auto sw = lookup(bus_of(userdata), path);
        if (!sw) return reply_error(error, make_error(ENOENT, std::string("no switch at ") + path));
        const std::string prop = property;
        const std::string& v = prop == "Name"     ? sw->name
                               : prop == "Type"   ? sw->type
                               : prop == "Bridge" ? sw->bridge
                               : prop == "Subnet" ? sw->subnet
                               : prop == "Gateway" ? sw->gateway
                                                   : sw->domain;
        return sd_bus_message_append(reply, "s", v.c_str());
    });
}

int get_ports(sd_bus* /*bus*/, const char* path, const char* /*interface*/, const char* /*property*/,
              sd_bus_message* reply, void* userdata, sd_bus_error* error) {
    return guarded([&] {
        Bus& bus = bus_of(userdata);
        auto sw = lookup(bus, path);
        if (!sw) return reply_error(error, make_error(ENOENT, std::string("no switch at ") + path));
        int r = sd_bus_message_open_container(reply, 'a', "o");
        if (r < 0) return r;
        for (const auto* p : bus.context().bus_ports().list(sw->name)) {
            if ((r = sd_bus_message_append(reply, "o", port_path(p->ifname).c_str())) < 0) return r;
        }
        return sd_bus_message_close_container(reply);
    });
}

int get_problems(sd_bus* /*bus*/, const char* path, const char* /*interface*/,
                 const char* /*property*/, sd_bus_message* reply, void* userdata,
                 sd_bus_error* error) {
    return guarded([&] {
        Bus& bus = bus_of(userdata);
        auto sw = lookup(bus, path);
        if (!sw) return reply_error(error, make_error(ENOENT, std::string("no switch at ") + path));
        int r = sd_bus_message_open_container(reply, 'a', "(sss)");
        if (r < 0) return r;
        for (const auto& p : bus.context().bus_problems(sw->name)) {
            r = sd_bus_message_append(reply, "(sss)", p.kind.c_str(), p.message.c_str(),
                                      p.fix.c_str());
            if (r < 0) return r;
        }
        return sd_bus_message_close_container(reply);
    });
}

int method_list_leases(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    return guarded([&] {
        Bus& bus = bus_of(userdata);
        auto sw = lookup(bus, sd_bus_message_get_path(m));
        if (!sw) return reply_error(error, make_error(ENOENT, "no such switch"));
        sd_bus_message* raw = nullptr;
        int r = sd_bus_message_new_method_return(m, &raw);
        if (r < 0) return r;
        UniqueHandle<sd_bus_message, sd_bus_message_unref> reply(raw);
        if ((r = sd_bus_message_open_container(raw, 'a', "(ssst)")) < 0) return r;
        for (const auto& l : bus.context().bus_leases(sw->name)) {
            r = sd_bus_message_append(raw, "(ssst)", l.mac.to_string().c_str(),
                                      l.address.to_string().c_str(), l.hostname.c_str(),
                                      l.expiry_usec);
            if (r < 0) return r;
        }
        if ((r = sd_bus_message_close_container(raw)) < 0) return r;
        return sd_bus_send(nullptr, raw, nullptr);
    });
}

const sd_bus_vtable kSwitchVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_PROPERTY("Name", "s", get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Type", "s", get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Bridge", "s", get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Subnet", "s", get_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),  // renumber
    SD_BUS_PROPERTY("Gateway", "s", get_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),  // renumber
    SD_BUS_PROPERTY("Domain", "s", get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Ports", "ao", get_ports, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    // kind, message, fix (a command, or "")
    SD_BUS_PROPERTY("Problems", "a(sss)", get_problems, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_METHOD_WITH_NAMES("ListLeases", "", , "a(ssst)", SD_BUS_PARAM(leases), method_list_leases,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_VTABLE_END,
};

}  // namespace

Status add_switch_objects(Bus& bus) {
    sd_bus_slot* slot = nullptr;
    int r = sd_bus_add_fallback_vtable(bus.get(), &slot, kSwitchPrefix, kSwitchInterface, kSwitchVtable,
                                       find_switch, &bus);
    if (auto s = bus.add_slot(r, slot, "the Switch objects"); !s) return s;
    r = sd_bus_add_node_enumerator(bus.get(), &slot, kSwitchPrefix, enumerate_switches, &bus);
    return bus.add_slot(r, slot, "the Switch enumerator");
}

}  // namespace vswitch::bus
