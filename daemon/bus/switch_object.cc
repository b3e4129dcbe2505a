// org.vswitch1.Switch at /org/vswitch1/switch/<name>: one object per switch.
// The find callback decodes the path (sd_bus_path_encode'd name) and hands
// the real Switch to the handlers. Read-only but for the Ports list, which
// changes with every attach and detach, Subnet and Gateway, which a
// renumber changes, the Problems list, which changes as the daemon's
// checks raise and clear them, and Repairs, which counts the times the
// switch put back its bridge or ports after others undid them. Statistics
// is read when asked for.
#include <systemd/sd-bus.h>

#include <chrono>

#include "daemon/bus/bus.h"
#include "daemon/bus/errors.h"
#include "daemon/bus/guard.h"
#include "daemon/manager.h"

namespace vswitch::bus {

namespace {

Switch& switch_of(void* userdata) { return *static_cast<Switch*>(userdata); }

int find_switch(sd_bus* /*bus*/, const char* path, const char* /*interface*/, void* userdata, void** found,
                sd_bus_error* /*error*/) {
    return guarded([&] {
        std::string name = path_name(path, kSwitchPrefix);
        Switch* sw = name.empty() ? nullptr : static_cast<Bus*>(userdata)->manager().find_switch(name);
        if (!sw) return 0;
        *found = sw;
        return 1;
    });
}

int enumerate_switches(sd_bus* /*bus*/, const char* /*prefix*/, void* userdata, char*** nodes,
                       sd_bus_error* /*error*/) {
    return guarded([&] {
        std::vector<std::string> paths;
        for (const auto& sw : static_cast<Bus*>(userdata)->manager().switches()) paths.push_back(switch_path(sw->name()));
        return node_list(paths, nodes);
    });
}

int get_string(sd_bus* /*bus*/, const char* /*path*/, const char* /*interface*/, const char* property,
               sd_bus_message* reply, void* userdata, sd_bus_error* /*error*/) {
    return guarded([&] {
        const Switch& sw = switch_of(userdata);
        const std::string_view prop = property;
        std::string v;
        if (prop == "Name") v = sw.name();
        else if (prop == "Type") v = to_string(sw.type());
        else if (prop == "Bridge") v = sw.bridge();
        // A private switch has no address on its bridge: none to report.
        else if (prop == "Subnet") v = sw.has_address() ? sw.subnet().to_string() : "";
        else if (prop == "Gateway") v = sw.has_address() ? sw.gateway().to_string() : "";
        else if (prop == "Interface") v = sw.nic();  // external: its NIC; others ""
        else v = sw.config().domain;
        return sd_bus_message_append(reply, "s", v.c_str());
    });
}

int get_ports(sd_bus* /*bus*/, const char* /*path*/, const char* /*interface*/, const char* /*property*/,
              sd_bus_message* reply, void* userdata, sd_bus_error* /*error*/) {
    return guarded([&] {
        int r = sd_bus_message_open_container(reply, 'a', "o");
        if (r < 0) return r;
        for (const auto* p : switch_of(userdata).ports().list()) {
            if ((r = sd_bus_message_append(reply, "o", port_path(p->record.ifname).c_str())) < 0) return r;
        }
        return sd_bus_message_close_container(reply);
    });
}

int get_problems(sd_bus* /*bus*/, const char* /*path*/, const char* /*interface*/, const char* /*property*/,
                 sd_bus_message* reply, void* userdata, sd_bus_error* /*error*/) {
    return guarded([&] {
        int r = sd_bus_message_open_container(reply, 'a', "(sss)");
        if (r < 0) return r;
        for (const auto& p : switch_of(userdata).problems().list()) {
            r = sd_bus_message_append(reply, "(sss)", p.kind.c_str(), p.message.c_str(), p.fix.c_str());
            if (r < 0) return r;
        }
        return sd_bus_message_close_container(reply);
    });
}

// a{st}: every counter (libvswitch/stats). Read on demand, never signalled:
// they change with every packet.
int get_statistics(sd_bus* /*bus*/, const char* /*path*/, const char* /*interface*/, const char* /*property*/,
                   sd_bus_message* reply, void* userdata, sd_bus_error* /*error*/) {
    return guarded([&] {
        int r = sd_bus_message_open_container(reply, 'a', "{st}");
        if (r < 0) return r;
        for (const auto& [key, value] : switch_of(userdata).statistics()) {
            if ((r = sd_bus_message_append(reply, "{st}", key.c_str(), value)) < 0) return r;
        }
        return sd_bus_message_close_container(reply);
    });
}

int get_repairs(sd_bus* /*bus*/, const char* /*path*/, const char* /*interface*/, const char* /*property*/,
                sd_bus_message* reply, void* userdata, sd_bus_error* /*error*/) {
    return guarded([&] { return sd_bus_message_append(reply, "t", uint64_t(switch_of(userdata).repairs().repairs)); });
}

int method_list_leases(sd_bus_message* m, void* userdata, sd_bus_error* /*error*/) {
    return guarded([&] {
        sd_bus_message* raw = nullptr;
        int r = sd_bus_message_new_method_return(m, &raw);
        if (r < 0) return r;
        UniqueHandle<sd_bus_message, sd_bus_message_unref> reply(raw);
        if ((r = sd_bus_message_open_container(raw, 'a', "(ssst)")) < 0) return r;
        for (const auto& l : switch_of(userdata).leases()) {
            auto us = std::chrono::duration_cast<std::chrono::microseconds>(l.expiry.time_since_epoch()).count();
            r = sd_bus_message_append(raw, "(ssst)", l.mac.to_string().c_str(), l.address.to_string().c_str(),
                                      l.hostname.c_str(), us < 0 ? uint64_t(0) : uint64_t(us));
            if (r < 0) return r;
        }
        if ((r = sd_bus_message_close_container(raw)) < 0) return r;
        return sd_bus_send(nullptr, raw, nullptr);
    });
}

// a(sss): key (a MAC or a VM name), today's address, origin ("config":
// a [Reservation] section; "runtime": added over the bus).
int method_list_reservations(sd_bus_message* m, void* userdata, sd_bus_error* /*error*/) {
    return guarded([&] {
        sd_bus_message* raw = nullptr;
        int r = sd_bus_message_new_method_return(m, &raw);
        if (r < 0) return r;
        UniqueHandle<sd_bus_message, sd_bus_message_unref> reply(raw);
        if ((r = sd_bus_message_open_container(raw, 'a', "(sss)")) < 0) return r;
        for (const auto& row : switch_of(userdata).reservations()) {
            r = sd_bus_message_append(raw, "(sss)", row.reservation.key.c_str(), row.address.to_string().c_str(),
                                      row.configured ? "config" : "runtime");
            if (r < 0) return r;
        }
        if ((r = sd_bus_message_close_container(raw)) < 0) return r;
        return sd_bus_send(nullptr, raw, nullptr);
    });
}

// Replies only once the reservation is on the disk (reservations.cc).
int method_add_reservation(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    return guarded([&] {
        if (auto s = require_root(m, "reserve addresses"); !s) return reply_error(error, s.error());
        const char *key = nullptr, *address = nullptr;
        int r = sd_bus_message_read(m, "ss", &key, &address);
        if (r < 0) return r;
        auto row = switch_of(userdata).add_reservation(key, address);
        if (!row) return reply_error(error, row.error());
        return sd_bus_reply_method_return(m, "s", row->address.to_string().c_str());
    });
}

int method_remove_reservation(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    return guarded([&] {
        if (auto s = require_root(m, "remove reservations"); !s) return reply_error(error, s.error());
        const char* key = nullptr;
        int r = sd_bus_message_read(m, "s", &key);
        if (r < 0) return r;
        if (auto s = switch_of(userdata).remove_reservation(key); !s) {
            // ENOENT from the kernel stays Failed (errors.cc); here it is
            // the reservation that is not there.
            if (s.error().code != ENOENT) return reply_error(error, s.error());
            sd_bus_error_set(error, kErrorNotFound, s.error().message.c_str());
            return -ENOENT;
        }
        return sd_bus_reply_method_return(m, "");
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
    SD_BUS_PROPERTY("Statistics", "a{st}", get_statistics, 0, 0),
    // Times the bridge or ports were put back after others undid them (heal.cc).
    SD_BUS_PROPERTY("Repairs", "t", get_repairs, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    // Type external: the host NIC in the bridge (issue 20); "" otherwise.
    SD_BUS_PROPERTY("Interface", "s", get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_METHOD_WITH_NAMES("ListLeases", "", , "a(ssst)", SD_BUS_PARAM(leases), method_list_leases,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("ListReservations", "", , "a(sss)", SD_BUS_PARAM(reservations),
                             method_list_reservations, SD_BUS_VTABLE_UNPRIVILEGED),
    // Privileged: require_root() and the bus policy (unprivileged flag set
    // so the daemon's own check gives the named error).
    SD_BUS_METHOD_WITH_NAMES("AddReservation", "ss", SD_BUS_PARAM(key) SD_BUS_PARAM(address), "s",
                             SD_BUS_PARAM(reserved), method_add_reservation, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("RemoveReservation", "s", SD_BUS_PARAM(key), "", , method_remove_reservation,
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
