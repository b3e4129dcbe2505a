#include "daemon/ctl/managed_objects.h"

#include <cstring>
#include <string>

namespace vswitch::ctl {

namespace {

Error failed(int r, const std::string& where) {
    return make_error(-r, "reading GetManagedObjects (" + where + "): " + std::strerror(-r));
}

// The variant's contents, known to be `sig` (one of objects.cc's signatures).
Result<PropertyValue> read_value(sd_bus_message* m, std::string_view sig,
                                 const std::string& where) {
    int r = 0;
    if (sig == "s") {
        const char* v = nullptr;
        if ((r = sd_bus_message_read(m, "v", "s", &v)) < 0) return failed(r, where);
        return PropertyValue(std::string(v));
    }
    if (sig == "b") {
        int v = 0;
        if ((r = sd_bus_message_read(m, "v", "b", &v)) < 0) return failed(r, where);
        return PropertyValue(v != 0);
    }
    if (sig == "t") {
        uint64_t v = 0;
        if ((r = sd_bus_message_read(m, "v", "t", &v)) < 0) return failed(r, where);
        return PropertyValue(v);
    }
    if (sig == "a{st}") {
        StatisticsRow stats;
        if ((r = sd_bus_message_enter_container(m, 'v', "a{st}")) < 0) return failed(r, where);
        if ((r = sd_bus_message_enter_container(m, 'a', "{st}")) < 0) return failed(r, where);
        const char* key = nullptr;
        uint64_t value = 0;
        while ((r = sd_bus_message_read(m, "{st}", &key, &value)) > 0) stats.emplace_back(key, value);
        if (r < 0) return failed(r, where);
        if ((r = sd_bus_message_exit_container(m)) < 0) return failed(r, where);
        if ((r = sd_bus_message_exit_container(m)) < 0) return failed(r, where);
        return PropertyValue(std::move(stats));
    }
    std::vector<ProblemRow> problems;  // a(sss)
    if ((r = sd_bus_message_enter_container(m, 'v', "a(sss)")) < 0) return failed(r, where);
    if ((r = sd_bus_message_enter_container(m, 'a', "(sss)")) < 0) return failed(r, where);
    const char *kind = nullptr, *message = nullptr, *fix = nullptr;
    while ((r = sd_bus_message_read(m, "(sss)", &kind, &message, &fix)) > 0)
        problems.push_back(ProblemRow{kind, message, fix});
    if (r < 0) return failed(r, where);
    if ((r = sd_bus_message_exit_container(m)) < 0) return failed(r, where);
    if ((r = sd_bus_message_exit_container(m)) < 0) return failed(r, where);
    return PropertyValue(std::move(problems));
}

// One {sv} entry, inside it: read when objects.h names it, else skipped.
Status read_property(sd_bus_message* m, ObjectProperties& o) {
    const char* name = nullptr;
    int r = sd_bus_message_read(m, "s", &name);
    if (r < 0) return failed(r, o.path + " " + o.interface);
    auto want = property_signature(o.interface, name);
    if (!want) {
        if ((r = sd_bus_message_skip(m, "v")) < 0) return failed(r, o.path + " " + name);
        return ok_status();
    }
    const char* got = nullptr;
    if ((r = sd_bus_message_peek_type(m, nullptr, &got)) < 0) return failed(r, o.path + " " + name);
    if (!got || *want != got)
        return wrong_type_error(o.path, o.interface, name, got ? got : "", *want);
    auto v = read_value(m, *want, o.path + " " + name);
    if (!v) return v.error();
    o.properties.emplace_back(name, std::move(*v));
    return ok_status();
}

// One interface's a{sv}.
Status read_properties(sd_bus_message* m, ObjectProperties& o) {
    int r = sd_bus_message_enter_container(m, 'a', "{sv}");
    if (r < 0) return failed(r, o.path + " " + o.interface);
    while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
        if (auto s = read_property(m, o); !s) return s;
        if ((r = sd_bus_message_exit_container(m)) < 0) return failed(r, o.path);
    }
    if (r < 0) return failed(r, o.path + " " + o.interface);
    if ((r = sd_bus_message_exit_container(m)) < 0) return failed(r, o.path);
    return ok_status();
}

// One object's a{sa{sv}}: its known interfaces appended to out.
Status read_interfaces(sd_bus_message* m, const std::string& path,
                       std::vector<ObjectProperties>& out) {
    int r = sd_bus_message_enter_container(m, 'a', "{sa{sv}}");
    if (r < 0) return failed(r, path);
    while ((r = sd_bus_message_enter_container(m, 'e', "sa{sv}")) > 0) {
        const char* interface = nullptr;
        if ((r = sd_bus_message_read(m, "s", &interface)) < 0) return failed(r, path);
        if (known_interface(interface)) {
            ObjectProperties o{path, interface, {}};
            if (auto s = read_properties(m, o); !s) return s;
            out.push_back(std::move(o));
        } else if ((r = sd_bus_message_skip(m, "a{sv}")) < 0) {
            return failed(r, path + " " + interface);
        }
        if ((r = sd_bus_message_exit_container(m)) < 0) return failed(r, path);
    }
    if (r < 0) return failed(r, path);
    if ((r = sd_bus_message_exit_container(m)) < 0) return failed(r, path);
    return ok_status();
}

}  // namespace

Result<std::vector<ObjectProperties>> read_managed_objects(sd_bus_message* reply) {
    std::vector<ObjectProperties> out;
    int r = sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}");
    if (r < 0) return failed(r, "the object dictionary");
    while ((r = sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}")) > 0) {
        const char* path = nullptr;
        if ((r = sd_bus_message_read(reply, "o", &path)) < 0) return failed(r, "an object path");
        if (auto s = read_interfaces(reply, path, out); !s) return s.error();
        if ((r = sd_bus_message_exit_container(reply)) < 0) return failed(r, path);
    }
    if (r < 0) return failed(r, "the object dictionary");
    if ((r = sd_bus_message_exit_container(reply)) < 0) return failed(r, "the object dictionary");
    return out;
}

}  // namespace vswitch::ctl
