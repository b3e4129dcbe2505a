#include "daemon/bus/port_security.h"

#include <string>

#include "daemon/bus/bus.h"
#include "daemon/bus/errors.h"
#include "daemon/bus/guard.h"
#include "daemon/ports/port_set.h"
#include "libvswitch/ports/security.h"

namespace vswitch::bus {

int get_port_security(sd_bus* /*bus*/, const char* /*path*/, const char* /*interface*/,
                      const char* property, sd_bus_message* reply, void* userdata,
                      sd_bus_error* error) {
    return guarded([&] {
        const auto& port = *static_cast<const ports::Port*>(userdata);
        auto key = ports::parse_security_key(property);
        if (!key) return reply_error(error, key.error());
        bool v = ports::value_of(port.set->security_of(port.record), *key);
        return sd_bus_message_append(reply, "b", int(v));
    });
}

int set_port_security(sd_bus* bus, const char* path, const char* /*interface*/,
                      const char* property, sd_bus_message* value, void* userdata,
                      sd_bus_error* error) {
    return guarded([&] {
        auto key = ports::parse_security_key(property);
        if (!key) return reply_error(error, key.error());
        if (auto s = require_root(value, "change the settings of ports"); !s)
            return reply_error(error, s.error());
        const auto& port = *static_cast<const ports::Port*>(userdata);
        int v = 0;
        int r = sd_bus_message_read(value, "b", &v);
        if (r < 0) return r;
        const std::string name = port.record.ifname;
        auto changed = port.set->set_security(name, *key, bool(v));
        if (!changed) return reply_error(error, changed.error());
        if (*changed)
            (void)sd_bus_emit_properties_changed(bus, path, kPortInterface, property, nullptr);
        return 0;
    });
}

int get_port_bandwidth(sd_bus* /*bus*/, const char* /*path*/, const char* /*interface*/,
                       const char* /*property*/, sd_bus_message* reply, void* userdata,
                       sd_bus_error* /*error*/) {
    return guarded([&] {
        const auto& port = *static_cast<const ports::Port*>(userdata);
        uint64_t v = port.set->security_of(port.record).maximum_bandwidth;
        return sd_bus_message_append(reply, "t", v);
    });
}

int set_port_bandwidth(sd_bus* bus, const char* path, const char* /*interface*/,
                       const char* property, sd_bus_message* value, void* userdata,
                       sd_bus_error* error) {
    return guarded([&] {
        if (auto s = require_root(value, "change the settings of ports"); !s)
            return reply_error(error, s.error());
        const auto& port = *static_cast<const ports::Port*>(userdata);
        uint64_t v = 0;
        int r = sd_bus_message_read(value, "t", &v);
        if (r < 0) return r;
        const std::string name = port.record.ifname;
        auto changed = port.set->set_bandwidth(name, v);
        if (!changed) return reply_error(error, changed.error());
        if (*changed)
            (void)sd_bus_emit_properties_changed(bus, path, kPortInterface, property, nullptr);
        return 0;
    });
}

}  // namespace vswitch::bus
