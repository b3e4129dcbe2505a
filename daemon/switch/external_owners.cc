#include "daemon/switch/external_owners.h"

#include <systemd/sd-bus.h>

#include <cstdarg>
#include <cstring>

#include "daemon/log.h"
#include "libvswitch/base/handle.h"

namespace vswitch {

namespace {

using BusHandle = UniqueHandle<sd_bus, sd_bus_flush_close_unref>;
using MessageHandle = UniqueHandle<sd_bus_message, sd_bus_message_unref>;

constexpr uint64_t kTimeoutUsec = 2'000'000;

// One call that never starts the service; null reply when it is not there.
MessageHandle call(sd_bus* bus, const char* dest, const char* path, const char* iface,
                   const char* method, const char* types, ...) {
    sd_bus_message* m = nullptr;
    if (sd_bus_message_new_method_call(bus, &m, dest, path, iface, method) < 0) return nullptr;
    MessageHandle msg(m);
    sd_bus_message_set_auto_start(m, 0);
    va_list ap;
    va_start(ap, types);
    int r = types ? sd_bus_message_appendv(m, types, ap) : 0;
    va_end(ap);
    if (r < 0) return nullptr;
    sd_bus_error err = SD_BUS_ERROR_NULL;
    sd_bus_message* reply = nullptr;
    r = sd_bus_call(bus, m, kTimeoutUsec, &err, &reply);
    sd_bus_error_free(&err);
    if (r < 0) return nullptr;
    return MessageHandle(reply);
}

MessageHandle get_property(sd_bus* bus, const char* dest, const char* path, const char* iface,
                           const char* prop) {
    return call(bus, dest, path, "org.freedesktop.DBus.Properties", "Get", "ss", iface, prop);
}

void ask_network_manager(sd_bus* bus, external::NicFacts& f) {
    auto dev = call(bus, "org.freedesktop.NetworkManager", "/org/freedesktop/NetworkManager",
                    "org.freedesktop.NetworkManager", "GetDeviceByIpIface", "s", f.name.c_str());
    const char* path = nullptr;
    if (!dev || sd_bus_message_read(dev.get(), "o", &path) < 0 || !path) return;
    std::string p = path;
    auto managed = get_property(bus, "org.freedesktop.NetworkManager", p.c_str(),
                                "org.freedesktop.NetworkManager.Device", "Managed");
    int value = 0;
    if (managed && sd_bus_message_read(managed.get(), "v", "b", &value) >= 0)
        f.nm_managed = value != 0;
}

void ask_networkd(sd_bus* bus, external::NicFacts& f) {
    auto link = call(bus, "org.freedesktop.network1", "/org/freedesktop/network1",
                     "org.freedesktop.network1.Manager", "GetLinkByIndex", "i", f.ifindex);
    const char* name = nullptr;
    const char* path = nullptr;
    if (!link || sd_bus_message_read(link.get(), "so", &name, &path) < 0 || !name || !path) return;
    // networkd knows the links of its own network namespace: the same index
    // under another name is another link.
    if (f.name != name) return;
    std::string p = path;
    auto state = get_property(bus, "org.freedesktop.network1", p.c_str(),
                              "org.freedesktop.network1.Link", "AdministrativeState");
    const char* s = nullptr;
    if (state && sd_bus_message_read(state.get(), "v", "s", &s) >= 0 && s)
        f.networkd_state = std::string(s);
}

}  // namespace

void ask_network_managers(external::NicFacts& facts) {
    sd_bus* raw = nullptr;
    if (int r = sd_bus_open_system(&raw); r < 0) {
        log::debug("no system bus to ask NetworkManager and systemd-networkd about '" + facts.name +
                   "': " + std::strerror(-r) + ", ignoring");
        return;
    }
    BusHandle bus(raw);
    ask_network_manager(bus.get(), facts);
    ask_networkd(bus.get(), facts);
}

}  // namespace vswitch
