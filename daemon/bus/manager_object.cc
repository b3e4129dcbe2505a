// org.vswitch1.Manager at /org/vswitch1: lists switches and ports, attaches
// and detaches ports, tears everything down. Changes need uid 0.
#include <systemd/sd-bus.h>

#include <cstring>

#include "daemon/bus/bus.h"
#include "daemon/bus/errors.h"
#include "daemon/bus/guard.h"
#include "daemon/bus/open_adapter.h"
#include "libvswitch/ports/limits.h"
#include "daemon/manager.h"

namespace vswitch::bus {

namespace {

Bus& bus_of(void* userdata) { return *static_cast<Bus*>(userdata); }

int method_list_switches(sd_bus_message* m, void* userdata, sd_bus_error* /*error*/) {
    return guarded([&] {
        sd_bus_message* raw = nullptr;
        int r = sd_bus_message_new_method_return(m, &raw);
        if (r < 0) return r;
        UniqueHandle<sd_bus_message, sd_bus_message_unref> reply(raw);
        if ((r = sd_bus_message_open_container(raw, 'a', "(so)")) < 0) return r;
        for (const auto& sw : bus_of(userdata).manager().switches()) {
            r = sd_bus_message_append(raw, "(so)", sw->name().c_str(), switch_path(sw->name()).c_str());
            if (r < 0) return r;
        }
        if ((r = sd_bus_message_close_container(raw)) < 0) return r;
        return sd_bus_send(nullptr, raw, nullptr);
    });
}

int method_list_ports(sd_bus_message* m, void* userdata, sd_bus_error* /*error*/) {
    return guarded([&] {
        sd_bus_message* raw = nullptr;
        int r = sd_bus_message_new_method_return(m, &raw);
        if (r < 0) return r;
        UniqueHandle<sd_bus_message, sd_bus_message_unref> reply(raw);
        if ((r = sd_bus_message_open_container(raw, 'a', "(sssso)")) < 0) return r;
        for (const auto* port : bus_of(userdata).manager().ports().list()) {
            const auto& p = port->record;
            r = sd_bus_message_append(raw, "(sssso)", p.ifname.c_str(), p.switch_name.c_str(), p.vm.c_str(),
                                      p.mac.to_string().c_str(), port_path(p.ifname).c_str());
            if (r < 0) return r;
        }
        if ((r = sd_bus_message_close_container(raw)) < 0) return r;
        return sd_bus_send(nullptr, raw, nullptr);
    });
}

Result<std::optional<Mac>> parse_optional_mac(const char* text) {
    if (!*text) return std::optional<Mac>();
    auto mac = ports::parse_port_mac(text);
    if (!mac) return mac.error();
    return std::optional<Mac>(*mac);
}

Error bad_option_type(const char* key, const char* want, const char* got) {
    return make_error(EINVAL, std::string("option '") + key + "' must be of type '" + want +
                                  "', not '" + (got ? got : "?") + "'");
}

// Reads AttachAdapter's a{sv}. Stops at kMaxAttachOptions entries without
// reading the rest, so a huge dictionary costs no more than a small one.
Status read_attach_options(sd_bus_message* m, ports::AdapterRequest& req) {
    auto failed = [](int r) { return errno_error(r, "reading options"); };
    int r = sd_bus_message_enter_container(m, 'a', "{sv}");
    if (r < 0) return failed(r);
    size_t count = 0;
    while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
        if (++count > ports::kMaxAttachOptions)
            return make_error(EINVAL, "more than " + std::to_string(ports::kMaxAttachOptions) +
                                          " options");
        const char* key = nullptr;
        if ((r = sd_bus_message_read(m, "s", &key)) < 0) return failed(r);
        const char* sig = nullptr;
        if ((r = sd_bus_message_peek_type(m, nullptr, &sig)) < 0) return failed(r);
        auto is = [sig](const char* want) { return sig && std::strcmp(sig, want) == 0; };
        if (std::strcmp(key, "ifname") == 0) {
            if (!is("s")) return bad_option_type(key, "s", sig);
            const char* v = nullptr;
            if ((r = sd_bus_message_read(m, "v", "s", &v)) < 0) return failed(r);
            req.ifname = v;
        } else if (std::strcmp(key, "owner") == 0 || std::strcmp(key, "group") == 0 ||
                   std::strcmp(key, "mtu") == 0) {
            if (!is("u")) return bad_option_type(key, "u", sig);
            uint32_t v = 0;
            if ((r = sd_bus_message_read(m, "v", "u", &v)) < 0) return failed(r);
            (key[0] == 'o' ? req.owner : key[0] == 'g' ? req.group : req.mtu) = v;
        } else if (std::strcmp(key, "multi_queue") == 0) {
            if (!is("b")) return bad_option_type(key, "b", sig);
            int v = 0;
            if ((r = sd_bus_message_read(m, "v", "b", &v)) < 0) return failed(r);
            req.multi_queue = v;
        } else {
            return make_error(EINVAL, std::string("unknown option '") + key +
                                          "' (known: ifname, owner, group, multi_queue, mtu)");
        }
        if ((r = sd_bus_message_exit_container(m)) < 0) return failed(r);
    }
    if (r < 0) return failed(r);
    if ((r = sd_bus_message_exit_container(m)) < 0) return failed(r);
    return ok_status();
}

int method_attach_adapter(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    return guarded([&] {
        Bus& bus = bus_of(userdata);
        if (auto s = require_root(m, "attach adapters"); !s) return reply_error(error, s.error());
        const char *sw = nullptr, *vm = nullptr, *mac_text = nullptr;
        int r = sd_bus_message_read(m, "sss", &sw, &vm, &mac_text);
        if (r < 0) return r;
        ports::AdapterRequest req;
        req.vm = vm;
        auto mac = parse_optional_mac(mac_text);
        if (!mac) return reply_error(error, mac.error());
        req.mac = *mac;
        if (auto s = read_attach_options(m, req); !s) return reply_error(error, s.error());
        Switch* target = bus.manager().find_switch(sw);
        if (!target) return reply_no_such_switch(error, sw);
        auto res = target->ports().attach_adapter(req);
        if (!res) return reply_error(error, res.error());
        const ports::PortRecord& p = res->port->record;
        if (res->added) bus.announce_port_added(p);
        return sd_bus_reply_method_return(m, "so", p.ifname.c_str(), port_path(p.ifname).c_str());
    });
}

int method_attach_interface(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    return guarded([&] {
        Bus& bus = bus_of(userdata);
        if (auto s = require_root(m, "attach interfaces"); !s) return reply_error(error, s.error());
        const char *sw = nullptr, *ifname = nullptr, *vm = nullptr, *mac_text = nullptr;
        int r = sd_bus_message_read(m, "ssss", &sw, &ifname, &vm, &mac_text);
        if (r < 0) return r;
        auto mac = parse_optional_mac(mac_text);
        if (!mac) return reply_error(error, mac.error());
        Switch* target = bus.manager().find_switch(sw);
        if (!target) return reply_no_such_switch(error, sw);
        auto res = target->ports().attach_interface(ifname, vm, *mac);
        if (!res) return reply_error(error, res.error());
        if (res->added) bus.announce_port_added(res->port->record);
        return sd_bus_reply_method_return(m, "o", port_path(res->port->record.ifname).c_str());
    });
}

int method_detach_adapter(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    return guarded([&] {
        Bus& bus = bus_of(userdata);
        const char* ifname = nullptr;
        int r = sd_bus_message_read(m, "s", &ifname);
        if (r < 0) return r;
        const ports::Port* port = bus.manager().ports().find(ifname);
        // Root, or the opener of an OpenAdapter port (issue 19); a non-root
        // caller learns nothing of ports that are not its own.
        if (!port) {
            if (auto s = require_root(m, "detach ports"); !s) return reply_error(error, s.error());
            return reply_error(error, make_error(ENODEV, std::string("no port '") + ifname + "'"));
        }
        if (auto s = require_root_or_opener(m, port->record, port->set->owner(), "detach"); !s)
            return reply_error(error, s.error());
        std::string sw = port->record.switch_name, name = port->record.ifname;
        ports::PortSet& set = *port->set;
        // InterfacesRemoved lists the object's interfaces, so it goes out
        // while the port still exists.
        bus.announce_port_removing(name);
        if (auto s = set.detach(name); !s) {
            if (set.find(name)) bus.announce_port_restored(name);
            return reply_error(error, s.error());
        }
        bus.announce_port_removed(name, sw);
        return sd_bus_reply_method_return(m, "");
    });
}

int method_teardown(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    return guarded([&] {
        Bus& bus = bus_of(userdata);
        if (auto s = require_root(m, "tear down the switches"); !s) return reply_error(error, s.error());
        std::vector<std::pair<std::string, std::string>> gone;
        for (const auto* p : bus.manager().ports().list()) {
            gone.emplace_back(p->record.ifname, p->record.switch_name);
            bus.announce_port_removing(p->record.ifname);
        }
        Status s = bus.manager().teardown_running();
        for (const auto& [ifname, sw] : gone) bus.announce_port_removed(ifname, sw);
        if (!s) return reply_error(error, s.error());
        return sd_bus_reply_method_return(m, "");
    });
}

int get_firewall_repairs(sd_bus* /*bus*/, const char* /*path*/, const char* /*interface*/,
                         const char* /*property*/, sd_bus_message* reply, void* userdata,
                         sd_bus_error* /*error*/) {
    return guarded([&] {
        return sd_bus_message_append(reply, "t", bus_of(userdata).manager().firewall_repairs());
    });
}

// Every member is UNPRIVILEGED for sd-bus: its own check would answer a
// non-root caller with a generic error before ours could name it; methods
// that change anything call require_root() themselves.
const sd_bus_vtable kManagerVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD_WITH_NAMES("ListSwitches", "", , "a(so)", SD_BUS_PARAM(switches), method_list_switches,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("ListPorts", "", , "a(sssso)", SD_BUS_PARAM(ports), method_list_ports,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("AttachAdapter", "sssa{sv}",
                             SD_BUS_PARAM(switch) SD_BUS_PARAM(vm) SD_BUS_PARAM(mac)
                                 SD_BUS_PARAM(options),
                             "so", SD_BUS_PARAM(ifname) SD_BUS_PARAM(port), method_attach_adapter,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("AttachInterface", "ssss",
                             SD_BUS_PARAM(switch) SD_BUS_PARAM(ifname) SD_BUS_PARAM(vm)
                                 SD_BUS_PARAM(mac),
                             "o", SD_BUS_PARAM(port), method_attach_interface,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("OpenAdapter", "sssa{sv}",
                             SD_BUS_PARAM(switch) SD_BUS_PARAM(vm) SD_BUS_PARAM(mac)
                                 SD_BUS_PARAM(options),
                             "hsso", SD_BUS_PARAM(tap) SD_BUS_PARAM(ifname) SD_BUS_PARAM(mac) SD_BUS_PARAM(port),
                             method_open_adapter, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("DetachAdapter", "s", SD_BUS_PARAM(ifname), "", , method_detach_adapter,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("Teardown", "", "", method_teardown, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_PROPERTY("FirewallRepairs", "t", get_firewall_repairs, 0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_SIGNAL_WITH_NAMES("ProblemChanged", "ssss",
                             SD_BUS_PARAM(switch) SD_BUS_PARAM(kind) SD_BUS_PARAM(message)
                                 SD_BUS_PARAM(fix),
                             0),
    SD_BUS_SIGNAL_WITH_NAMES("PortAttached", "so", SD_BUS_PARAM(ifname) SD_BUS_PARAM(port), 0),
    SD_BUS_SIGNAL_WITH_NAMES("PortDetached", "s", SD_BUS_PARAM(ifname), 0),
    SD_BUS_SIGNAL_WITH_NAMES("LeaseChanged", "ssss",
                             SD_BUS_PARAM(switch) SD_BUS_PARAM(mac) SD_BUS_PARAM(address)
                                 SD_BUS_PARAM(hostname),
                             0),
    SD_BUS_VTABLE_END,
};

}  // namespace

Status add_manager_object(Bus& bus) {
    sd_bus_slot* slot = nullptr;
    int r = sd_bus_add_object_vtable(bus.get(), &slot, kRootPath, kManagerInterface, kManagerVtable, &bus);
    return bus.add_slot(r, slot, "the Manager object");
}

}  // namespace vswitch::bus
