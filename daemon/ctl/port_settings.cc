// `set` writes each setting as the Port object's property, in the order
// given, stopping at the first the daemon refuses (each one it acknowledged
// is applied and saved). `show` reads every property of the port.
#include "daemon/ctl/port_settings.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "libvswitch/ctl/port_settings.h"
#include "libvswitch/ports/bandwidth.h"

namespace vswitch::ctl {

namespace {

constexpr const char* kPortInterface = "org.vswitch1.Port";

int fail(const Error& e, int status = 1) {
    std::fprintf(stderr, "vswitchctl: %s\n", e.message.c_str());
    return status;
}

struct Path {
    char* p = nullptr;
    ~Path() { std::free(p); }
};

// A port that does not exist has no object: said in our words.
Error port_error(sd_bus_error& e, int r, const std::string& port, const std::string& what) {
    if (sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_OBJECT) ||
        sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_INTERFACE))
        return make_error(ENODEV, "no port '" + port + "'");
    return bus_error(e, r, what);
}

int set_settings(Client& c, const Command& cmd, const char* path) {
    std::vector<std::string> pairs(cmd.args.begin() + 1, cmd.args.end());
    auto settings = parse_port_settings(pairs);
    if (!settings) return fail(settings.error(), 2);
    for (const auto& s : *settings) {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = s.bits ? sd_bus_set_property(c.get(), kService, path, kPortInterface,
                                             s.property.c_str(), &e, "t", *s.bits)
                       : sd_bus_set_property(c.get(), kService, path, kPortInterface,
                                             s.property.c_str(), &e, "b", int(s.value));
        if (r < 0) {
            int rc = fail(port_error(e, r, cmd.args[0], "setting " + s.property));
            sd_bus_error_free(&e);
            return rc;
        }
    }
    return 0;
}

int show(Client& c, const Command& cmd, const char* path) {
    PortProperties props;
    for (const char* name : {"Interface", "Switch", "VM", "MAC", "Origin", "Address", "Hostname"}) {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        char* v = nullptr;
        int r = sd_bus_get_property_string(c.get(), kService, path, kPortInterface, name, &e, &v);
        if (r < 0) {
            int rc = fail(port_error(e, r, cmd.args[0], std::string("reading ") + name));
            sd_bus_error_free(&e);
            return rc;
        }
        props.emplace_back(name, v);
        std::free(v);
    }
    std::vector<std::string> booleans = {"Connected"};
    for (const auto& n : port_setting_names()) booleans.push_back(n);
    for (const auto& name : booleans) {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int v = 0;
        int r = sd_bus_get_property_trivial(c.get(), kService, path, kPortInterface, name.c_str(),
                                            &e, 'b', &v);
        if (r < 0) {
            // A daemon older than the settings lacks them: shown as absent.
            if (sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_PROPERTY)) {
                sd_bus_error_free(&e);
                continue;
            }
            int rc = fail(port_error(e, r, cmd.args[0], "reading " + name));
            sd_bus_error_free(&e);
            return rc;
        }
        props.emplace_back(name, v ? "yes" : "no");
    }
    {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        uint64_t bits = 0;
        int r = sd_bus_get_property_trivial(c.get(), kService, path, kPortInterface,
                                            "MaximumBandwidth", &e, 't', &bits);
        if (r >= 0) props.emplace_back("MaximumBandwidth", ports::format_bit_rate(bits));
        sd_bus_error_free(&e);  // an older daemon lacks it: shown as absent
    }
    std::string out = cmd.json ? port_json(props, booleans) + "\n" : port_text(props);
    std::fputs(out.c_str(), stdout);
    return 0;
}

}  // namespace

int cmd_port_settings(Client& c, const Command& cmd) {
    Path path;
    if (int r = sd_bus_path_encode(kPortPrefix, cmd.args[0].c_str(), &path.p); r < 0)
        return fail(make_error(-r, std::string("encoding the port path: ") + std::strerror(-r)));
    return cmd.verb == "set" ? set_settings(c, cmd, path.p) : show(c, cmd, path.p);
}

}  // namespace vswitch::ctl
