// Port forwards on org.vswitch1.Switch (issue 16): a second vtable of the
// Switch interface on the same objects, so switch_object.cc stays as it
// was. AddPortForward and RemovePortForward are root-only and reply once the
// forward is in the nft table and on the disk (daemon/switch/forwards.cc);
// PortForwards changes (PropertiesChanged) when one is added, removed, or
// its target moves.
#include <systemd/sd-bus.h>

#include <string>
#include <vector>

#include "daemon/bus/bus.h"
#include "daemon/bus/errors.h"
#include "daemon/bus/guard.h"
#include "daemon/log.h"
#include "daemon/manager.h"

namespace vswitch::bus {

namespace {

// id, protocol, host address ("" every), host ports, target, target port,
// AllowFrom, the target's address now ("" inactive), origin ("config" or
// "runtime").
constexpr const char* kRowType = "(sssssqasss)";
constexpr const char* kRowsType = "a(sssssqasss)";

Switch& switch_of(void* userdata) {
    return *static_cast<Switch*>(userdata);
}

// The Bus, from the fallback's own userdata (the handlers get the Switch).
Bus* bus_of(sd_bus_message* m) {
    sd_bus_slot* slot = sd_bus_get_current_slot(sd_bus_message_get_bus(m));
    return slot ? static_cast<Bus*>(sd_bus_slot_get_userdata(slot)) : nullptr;
}

int find_switch(sd_bus* /*bus*/, const char* path, const char* /*interface*/, void* userdata,
                void** found, sd_bus_error* /*error*/) {
    return guarded([&] {
        std::string name = path_name(path, kSwitchPrefix);
        Switch* sw =
            name.empty() ? nullptr : static_cast<Bus*>(userdata)->manager().find_switch(name);
        if (!sw) return 0;
        *found = sw;
        return 1;
    });
}

int append_rows(sd_bus_message* m, const Switch& sw) {
    int r = sd_bus_message_open_container(m, 'a', kRowType);
    if (r < 0) return r;
    for (const auto& row : sw.forwards()) {
        const forward::Forward& f = row.forward;
        if ((r = sd_bus_message_open_container(m, 'r', "sssssqasss")) < 0) return r;
        r = sd_bus_message_append(
            m, "sssssq", f.id().c_str(), std::string(forward::to_string(f.protocol)).c_str(),
            f.host_address ? f.host_address->to_string().c_str() : "",
            f.host_ports.to_string().c_str(), f.target.c_str(), f.target_port);
        if (r < 0) return r;
        if ((r = sd_bus_message_open_container(m, 'a', "s")) < 0) return r;
        for (const auto& p : f.allow_from)
            if ((r = sd_bus_message_append(m, "s", p.to_string().c_str())) < 0) return r;
        if ((r = sd_bus_message_close_container(m)) < 0) return r;
        r = sd_bus_message_append(m, "ss", row.address ? row.address->to_string().c_str() : "",
                                  row.configured ? "config" : "runtime");
        if (r < 0) return r;
        if ((r = sd_bus_message_close_container(m)) < 0) return r;
    }
    return sd_bus_message_close_container(m);
}

int get_forwards(sd_bus* /*bus*/, const char* /*path*/, const char* /*interface*/,
                 const char* /*property*/, sd_bus_message* reply, void* userdata,
                 sd_bus_error* /*error*/) {
    return guarded([&] { return append_rows(reply, switch_of(userdata)); });
}

int method_list(sd_bus_message* m, void* userdata, sd_bus_error* /*error*/) {
    return guarded([&] {
        sd_bus_message* raw = nullptr;
        int r = sd_bus_message_new_method_return(m, &raw);
        if (r < 0) return r;
        UniqueHandle<sd_bus_message, sd_bus_message_unref> reply(raw);
        if ((r = append_rows(raw, switch_of(userdata))) < 0) return r;
        return sd_bus_send(nullptr, raw, nullptr);
    });
}

// Options: "AllowFrom" (as): source prefixes; anything else is refused.
Result<std::vector<std::string>> read_options(sd_bus_message* m, int& r) {
    std::vector<std::string> allow;
    if ((r = sd_bus_message_enter_container(m, 'a', "{sv}")) < 0)
        return make_error(-r, "reading options");
    while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
        const char* key = nullptr;
        if ((r = sd_bus_message_read(m, "s", &key)) < 0) return make_error(-r, "reading options");
        if (std::string_view(key) != "AllowFrom")
            return make_error(EINVAL,
                              "unknown option '" + std::string(key) + "' (options: AllowFrom)");
        if ((r = sd_bus_message_enter_container(m, 'v', "as")) < 0)
            return make_error(EINVAL, "option AllowFrom must be an array of strings (as)");
        if ((r = sd_bus_message_enter_container(m, 'a', "s")) < 0)
            return make_error(-r, "reading AllowFrom");
        const char* s = nullptr;
        while ((r = sd_bus_message_read(m, "s", &s)) > 0) allow.emplace_back(s);
        if (r < 0) return make_error(-r, "reading AllowFrom");
        if ((r = sd_bus_message_exit_container(m)) < 0 ||
            (r = sd_bus_message_exit_container(m)) < 0 ||
            (r = sd_bus_message_exit_container(m)) < 0)
            return make_error(-r, "reading options");
    }
    if (r < 0 || (r = sd_bus_message_exit_container(m)) < 0)
        return make_error(-r, "reading options");
    r = 0;
    return allow;
}

int reply_forward_error(sd_bus_error* error, const Error& e) {
    // A port vswitchd serves is a bad value, not a kernel failure.
    if (e.code == EADDRINUSE) {
        sd_bus_error_set(error, kErrorInvalidArgument, e.message.c_str());
        return -EINVAL;
    }
    return reply_error(error, e);
}

int method_add(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    return guarded([&] {
        if (auto s = require_root(m, "forward ports"); !s) return reply_error(error, s.error());
        const char *proto = nullptr, *address = nullptr, *ports = nullptr, *target = nullptr;
        uint16_t target_port = 0;
        int r = sd_bus_message_read(m, "ssssq", &proto, &address, &ports, &target, &target_port);
        if (r < 0) return r;
        auto allow = read_options(m, r);
        if (!allow) return r < 0 ? r : reply_error(error, allow.error());
        Switch& sw = switch_of(userdata);
        auto f = forward::make_forward(proto, address, ports, target, target_port, *allow);
        if (!f)
            return reply_error(error,
                               f.error().context("forwarding on switch '" + sw.name() + "'"));
        auto row = sw.add_forward(std::move(*f));
        if (!row) return reply_forward_error(error, row.error());
        if (Bus* bus = bus_of(m)) bus->on_forwards_changed(sw);
        return sd_bus_reply_method_return(m, "s", row->forward.id().c_str());
    });
}

int method_remove(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    return guarded([&] {
        if (auto s = require_root(m, "remove port forwards"); !s)
            return reply_error(error, s.error());
        const char* id = nullptr;
        int r = sd_bus_message_read(m, "s", &id);
        if (r < 0) return r;
        Switch& sw = switch_of(userdata);
        if (auto s = sw.remove_forward(id); !s) {
            if (s.error().code != ENOENT) return reply_forward_error(error, s.error());
            sd_bus_error_set(error, kErrorNotFound, s.error().message.c_str());
            return -ENOENT;
        }
        if (Bus* bus = bus_of(m)) bus->on_forwards_changed(sw);
        return sd_bus_reply_method_return(m, "");
    });
}

const sd_bus_vtable kForwardVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_PROPERTY("PortForwards", kRowsType, get_forwards, 0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_METHOD_WITH_NAMES("ListPortForwards", "", , kRowsType, SD_BUS_PARAM(forwards),
                             method_list, SD_BUS_VTABLE_UNPRIVILEGED),
    // Privileged: require_root() and the bus policy.
    SD_BUS_METHOD_WITH_NAMES("AddPortForward", "ssssqa{sv}",
                             SD_BUS_PARAM(protocol) SD_BUS_PARAM(host_address)
                                 SD_BUS_PARAM(host_ports) SD_BUS_PARAM(target)
                                     SD_BUS_PARAM(target_port) SD_BUS_PARAM(options),
                             "s", SD_BUS_PARAM(id), method_add, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("RemovePortForward", "s", SD_BUS_PARAM(id), "", , method_remove,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_VTABLE_END,
};

}  // namespace

void Bus::on_forwards_changed(const Switch& sw) {
    (void)guarded([&] {
        int r = sd_bus_emit_properties_changed(bus_.get(), switch_path(sw.name()).c_str(),
                                               kSwitchInterface, "PortForwards", nullptr);
        if (r < 0) log::warning("emitting PropertiesChanged of PortForwards failed, ignoring");
        return 0;
    });
}

Status add_forward_objects(Bus& bus) {
    sd_bus_slot* slot = nullptr;
    int r = sd_bus_add_fallback_vtable(bus.get(), &slot, kSwitchPrefix, kSwitchInterface,
                                       kForwardVtable, find_switch, &bus);
    return bus.add_slot(r, slot, "the Switch objects' port forwards");
}

}  // namespace vswitch::bus
