// org.vswitch1.Port at /org/vswitch1/port/<ifname>: one object per port.
// The find callback looks the port up in the PortStore and hands the real
// Port to the handlers; Address and Hostname come from its switch's lease
// for the port's MAC; Origin says who plugged it in ("daemon": a TAP of
// AttachAdapter, "attached": AttachInterface, "bridge": a member found on
// the bridge); Connected is the virtual cable, writable by root.
#include <systemd/sd-bus.h>

#include "daemon/bus/bus.h"
#include "daemon/bus/errors.h"
#include "daemon/bus/guard.h"
#include "daemon/bus/port_security.h"
#include "daemon/bus/open_adapter.h"
#include "daemon/manager.h"

namespace vswitch::bus {

namespace {

const ports::Port& port_of(void* userdata) { return *static_cast<const ports::Port*>(userdata); }

int find_port(sd_bus* /*bus*/, const char* path, const char* /*interface*/, void* userdata, void** found,
              sd_bus_error* /*error*/) {
    return guarded([&] {
        std::string name = path_name(path, kPortPrefix);
        const ports::Port* p = name.empty() ? nullptr : static_cast<Bus*>(userdata)->manager().ports().find(name);
        if (!p) return 0;
        *found = const_cast<ports::Port*>(p);  // sd-bus's userdata is void*; the getters only read
        return 1;
    });
}

int enumerate_ports(sd_bus* /*bus*/, const char* /*prefix*/, void* userdata, char*** nodes,
                    sd_bus_error* /*error*/) {
    return guarded([&] {
        std::vector<std::string> paths;
        for (const auto* p : static_cast<Bus*>(userdata)->manager().ports().list())
            paths.push_back(port_path(p->record.ifname));
        return node_list(paths, nodes);
    });
}

int get_property(sd_bus* /*bus*/, const char* /*path*/, const char* /*interface*/, const char* property,
                 sd_bus_message* reply, void* userdata, sd_bus_error* /*error*/) {
    return guarded([&] {
        const ports::Port& port = port_of(userdata);
        const ports::PortRecord& p = port.record;
        const std::string_view prop = property;
        if (prop == "Connected") return sd_bus_message_append(reply, "b", int(p.connected));
        std::string v;
        if (prop == "Interface") v = p.ifname;
        else if (prop == "Switch") v = p.switch_name;
        else if (prop == "VM") v = p.vm;
        else if (prop == "MAC") v = p.mac.to_string();
        else if (prop == "Origin")
            v = ports::to_string(ports::origin_of(p));
        else if (const Switch* sw = port.set->owner()) {
            if (auto l = sw->lease_of(p.mac)) v = prop == "Address" ? l->address.to_string() : l->hostname;
        }
        return sd_bus_message_append(reply, "s", v.c_str());
    });
}

int set_connected(sd_bus* bus, const char* path, const char* /*interface*/, const char* /*property*/,
                  sd_bus_message* value, void* userdata, sd_bus_error* error) {
    return guarded([&] {
        const ports::Port& port = port_of(userdata);
        // Root, or the opener of an OpenAdapter port (issue 19).
        if (auto s = require_root_or_opener(value, port.record, port.set->owner(), "connect or disconnect");
            !s)
            return reply_error(error, s.error());
        int connected = 0;
        int r = sd_bus_message_read(value, "b", &connected);
        if (r < 0) return r;
        const std::string name = port.record.ifname;
        const bool was = port.record.connected;
        if (auto s = port.set->set_connected(name, connected); !s) return reply_error(error, s.error());
        if (was != bool(connected)) (void)sd_bus_emit_properties_changed(bus, path, kPortInterface, "Connected", nullptr);
        return 0;
    });
}

const sd_bus_vtable kPortVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_PROPERTY("Interface", "s", get_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Switch", "s", get_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    // VM, MAC and Origin change once for a member adopted from the bridge:
    // its guest's MAC learned, AttachInterface naming it.
    SD_BUS_PROPERTY("VM", "s", get_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("MAC", "s", get_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Origin", "s", get_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Address", "s", get_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Hostname", "s", get_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    // UNPRIVILEGED: the setter checks the caller itself, to name the error.
    SD_BUS_WRITABLE_PROPERTY("Connected", "b", get_property, set_connected, 0,
                             SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE | SD_BUS_VTABLE_UNPRIVILEGED),
    // The port guards (issue 17, port_security.cc); the setters check root.
    SD_BUS_WRITABLE_PROPERTY("DhcpGuard", "b", get_port_security, set_port_security, 0,
                             SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE | SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_WRITABLE_PROPERTY("RouterGuard", "b", get_port_security, set_port_security, 0,
                             SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE | SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_WRITABLE_PROPERTY("MacSpoofing", "b", get_port_security, set_port_security, 0,
                             SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE | SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_WRITABLE_PROPERTY("IpSpoofing", "b", get_port_security, set_port_security, 0,
                             SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE | SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_WRITABLE_PROPERTY("Isolated", "b", get_port_security, set_port_security, 0,
                             SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE | SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_WRITABLE_PROPERTY("MaximumBandwidth", "t", get_port_bandwidth, set_port_bandwidth, 0,
                             SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE | SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_VTABLE_END,
};

}  // namespace

Status add_port_objects(Bus& bus) {
    sd_bus_slot* slot = nullptr;
    int r = sd_bus_add_fallback_vtable(bus.get(), &slot, kPortPrefix, kPortInterface, kPortVtable, find_port, &bus);
    if (auto s = bus.add_slot(r, slot, "the Port objects"); !s) return s;
    r = sd_bus_add_node_enumerator(bus.get(), &slot, kPortPrefix, enumerate_ports, &bus);
    return bus.add_slot(r, slot, "the Port enumerator");
}

}  // namespace vswitch::bus
