// org.vswitch1.Port at /org/vswitch1/port/<ifname>: one object per port,
// found through the path. Address and Hostname come from the switch's DHCP
// leases (matched by MAC); Connected is the virtual cable, writable by root.
#include <systemd/sd-bus.h>

#include "daemon/bus/bus.h"
#include "daemon/bus/errors.h"
#include "daemon/bus/guard.h"
#include "daemon/ports/port_manager.h"

namespace vswitch::bus {

namespace {

Bus& bus_of(void* userdata) { return *static_cast<Bus*>(userdata); }

const ports::PortRecord* lookup(Bus& bus, const char* path) {
    std::string name = path_name(path, kPortPrefix);
    if (name.empty()) return nullptr;
    return bus.context().bus_ports().find(name);
}

int find_port(sd_bus* /*bus*/, const char* path, const char* /*interface*/, void* userdata, void** found,
              sd_bus_error* /*error*/) {
    return guarded([&] {
        if (!lookup(bus_of(userdata), path)) return 0;
        *found = userdata;
        return 1;
    });
}

int enumerate_ports(sd_bus* /*bus*/, const char* /*prefix*/, void* userdata, char*** nodes,
                    sd_bus_error* /*error*/) {
    return guarded([&] {
        auto list = bus_of(userdata).context().bus_ports().list();
        char** out = static_cast<char**>(calloc(list.size() + 1, sizeof(char*)));
        if (!out) return -ENOMEM;
        for (size_t i = 0; i < list.size(); ++i) {
            out[i] = strdup(port_path(list[i]->ifname).c_str());
            if (!out[i]) {
                for (size_t j = 0; j < i; ++j) free(out[j]);
                free(out);
                return -ENOMEM;
            }
        }
        *nodes = out;
        return 0;
    });
}

int get_property(sd_bus* /*bus*/, const char* path, const char* /*interface*/, const char* property,
                 sd_bus_message* reply, void* userdata, sd_bus_error* error) {
    return guarded([&] {
        Bus& bus = bus_of(userdata);
        const auto* p = lookup(bus, path);
        if (!p) return reply_error(error, make_error(ENODEV, std::string("no port at ") + path));
        const std::string prop = property;
        if (prop == "Connected") return sd_bus_message_append(reply, "b", int(p->connected));
        std::string v;
        if (prop == "Interface") v = p->ifname;
        else if (prop == "Switch") v = p->switch_name;
        else if (prop == "VM") v = p->vm;
        else if (prop == "MAC") v = p->mac.to_string();
        else {
            for (const auto& l : bus.context().bus_leases(p->switch_name)) {
                if (l.mac == p->mac) v = prop == "Address" ? l.address.to_string() : l.hostname;
            }
        }
        return sd_bus_message_append(reply, "s", v.c_str());
    });
}

int set_connected(sd_bus* /*bus*/, const char* path, const char* /*interface*/, const char* /*property*/,
                  sd_bus_message* value, void* userdata, sd_bus_error* error) {
    return guarded([&] {
        Bus& bus = bus_of(userdata);
        if (auto s = require_root(value, "connect or disconnect ports"); !s)
            return reply_error(error, s.error());
        const auto* p = lookup(bus, path);
        if (!p) return reply_error(error, make_error(ENODEV, std::string("no port at ") + path));
        int connected = 0;
        int r = sd_bus_message_read(value, "b", &connected);
        if (r < 0) return r;
        std::string name = p->ifname;
        bool was = p->connected;
        if (auto s = bus.context().bus_ports().set_connected(name, connected); !s)
            return reply_error(error, s.error());
        if (was != bool(connected))
            (void)sd_bus_emit_properties_changed(bus.get(), path, kPortInterface, "Connected", nullptr);
        return 0;
    });
}

const sd_bus_vtable kPortVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_PROPERTY("Interface", "s", get_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Switch", "s", get_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("VM", "s", get_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("MAC", "s", get_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Address", "s", get_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Hostname", "s", get_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    // UNPRIVILEGED: the setter checks the caller itself, to name the error.
    SD_BUS_WRITABLE_PROPERTY("Connected", "b", get_property, set_connected, 0,
                             SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE | SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_VTABLE_END,
};

}  // namespace

Status add_port_objects(Bus& bus) {
    sd_bus_slot* slot = nullptr;
    int r = sd_bus_add_fallback_vtable(bus.get(), &slot, kPortPrefix, kPortInterface, kPortVtable,
                                       find_port, &bus);
    if (auto s = bus.add_slot(r, slot, "the Port objects"); !s) return s;
    r = sd_bus_add_node_enumerator(bus.get(), &slot, kPortPrefix, enumerate_ports, &bus);
    return bus.add_slot(r, slot, "the Port enumerator");
}

}  // namespace vswitch::bus
