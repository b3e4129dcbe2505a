#include "daemon/bus/bus.h"

#include <cstdlib>
#include <cstring>

#include "daemon/bus/guard.h"
#include "daemon/log.h"
#include "daemon/manager.h"

namespace vswitch::bus {

namespace {

using FreePtr = UniqueHandle<char, free>;

void log_emit_failure(int r, const std::string& what) {
    if (r < 0) log::debug(errno_error(r, "emitting " + what).message + ", ignoring");
}

}  // namespace

std::string switch_path(std::string_view name) {
    char* raw = nullptr;
    if (sd_bus_path_encode(kSwitchPrefix, std::string(name).c_str(), &raw) < 0) throw std::bad_alloc();
    FreePtr p(raw);
    return p.get();
}

std::string port_path(std::string_view ifname) {
    char* raw = nullptr;
    if (sd_bus_path_encode(kPortPrefix, std::string(ifname).c_str(), &raw) < 0) throw std::bad_alloc();
    FreePtr p(raw);
    return p.get();
}

std::string path_name(const char* path, const char* prefix) {
    char* raw = nullptr;
    if (sd_bus_path_decode(path, prefix, &raw) <= 0 || !raw) return {};
    FreePtr p(raw);
    return p.get();
}

void log_handler_failure(const char* what) noexcept {
    static uint64_t failures = 0;
    try {
        if (failures++ == 0)
            log::error(std::string("a D-Bus handler failed: ") + what +
                       ", answering with an error (further failures are logged at debug level)");
        else
            log::debug(std::string("a D-Bus handler failed: ") + what + ", answering with an error");
    } catch (...) {
        // Out of memory while logging: nothing left to tell it with.
    }
}

int node_list(const std::vector<std::string>& paths, char*** nodes) {
    char** out = static_cast<char**>(calloc(paths.size() + 1, sizeof(char*)));
    if (!out) return -ENOMEM;
    for (size_t i = 0; i < paths.size(); ++i) {
        out[i] = strdup(paths[i].c_str());
        if (!out[i]) {
            for (size_t j = 0; j < i; ++j) free(out[j]);
            free(out);
            return -ENOMEM;
        }
    }
    *nodes = out;
    return 0;
}

Result<std::unique_ptr<Bus>> Bus::create(sd_event* event, Manager& manager) {
    auto b = std::make_unique<Bus>(Key(), manager);
    sd_bus* raw = nullptr;
    if (int r = sd_bus_open_system_with_description(&raw, "vswitchd"); r < 0)
        return errno_error(r, "connecting to the system bus");
    b->bus_.reset(raw);
    if (int r = sd_bus_attach_event(raw, event, SD_EVENT_PRIORITY_NORMAL); r < 0)
        return errno_error(r, "attaching the bus to the event loop");
    // Without the bus nobody can reach us: exit the loop (and let systemd
    // restart us) rather than serve on without an API.
    if (int r = sd_bus_set_exit_on_disconnect(raw, 1); r < 0)
        return errno_error(r, "setting exit-on-disconnect");
    if (auto s = b->publish(); !s) return s.error();
    // Last: a client that sees the name finds every object in place.
    if (int r = sd_bus_request_name(raw, kServiceName, 0); r < 0)
        return errno_error(r, std::string("requesting the bus name '") + kServiceName + "'");
    log::info(std::string("serving D-Bus API as ") + kServiceName);
    return b;
}

Bus::~Bus() = default;

Status Bus::add_slot(int r, sd_bus_slot* slot, const char* what) {
    if (r < 0) return errno_error(r, std::string("publishing ") + what);
    slots_.emplace_back(slot);
    return ok_status();
}

Status Bus::publish() {
    sd_bus_slot* slot = nullptr;
    if (auto s = add_slot(sd_bus_add_object_manager(bus_.get(), &slot, kRootPath), slot,
                          "the object manager");
        !s)
        return s;
    if (auto s = add_manager_object(*this); !s) return s;
    if (auto s = add_switch_objects(*this); !s) return s;
    if (auto s = add_forward_objects(*this); !s) return s;
    return add_port_objects(*this);
}

void Bus::announce_port_added(const ports::PortRecord& port) {
    std::string path = port_path(port.ifname);
    log_emit_failure(sd_bus_emit_object_added(bus_.get(), path.c_str()), "InterfacesAdded");
    log_emit_failure(sd_bus_emit_signal(bus_.get(), kRootPath, kManagerInterface, "PortAttached", "so",
                                        port.ifname.c_str(), path.c_str()),
                     "PortAttached");
    log_emit_failure(sd_bus_emit_properties_changed(bus_.get(), switch_path(port.switch_name).c_str(),
                                                    kSwitchInterface, "Ports", nullptr),
                     "PropertiesChanged");
}

void Bus::announce_port_removing(std::string_view ifname) {
    log_emit_failure(sd_bus_emit_object_removed(bus_.get(), port_path(ifname).c_str()),
                     "InterfacesRemoved");
}

void Bus::announce_port_restored(std::string_view ifname) {
    log_emit_failure(sd_bus_emit_object_added(bus_.get(), port_path(ifname).c_str()), "InterfacesAdded");
}

void Bus::announce_port_removed(std::string_view ifname, std::string_view switch_name) {
    std::string name(ifname);
    log_emit_failure(
        sd_bus_emit_signal(bus_.get(), kRootPath, kManagerInterface, "PortDetached", "s", name.c_str()),
        "PortDetached");
    log_emit_failure(sd_bus_emit_properties_changed(bus_.get(), switch_path(switch_name).c_str(),
                                                    kSwitchInterface, "Ports", nullptr),
                     "PropertiesChanged");
}

void Bus::on_port_changed(const ports::PortRecord& port) {
    (void)guarded([&] {
        log_emit_failure(sd_bus_emit_properties_changed(bus_.get(), port_path(port.ifname).c_str(),
                                                        kPortInterface, "VM", "MAC", "Origin",
                                                        "Address", "Hostname", nullptr),
                         "PropertiesChanged");
        return 0;
    });
}

void Bus::on_lease_changed(const Switch& sw, const dhcp::Lease& lease) {
    (void)guarded([&] {
        std::string mac = lease.mac.to_string(), addr = lease.address.to_string();
        log_emit_failure(sd_bus_emit_signal(bus_.get(), kRootPath, kManagerInterface, "LeaseChanged",
                                            "ssss", sw.name().c_str(), mac.c_str(), addr.c_str(),
                                            lease.hostname.c_str()),
                         "LeaseChanged");
        if (const auto* p = sw.ports().find_by_mac(lease.mac)) {
            log_emit_failure(sd_bus_emit_properties_changed(bus_.get(), port_path(p->record.ifname).c_str(),
                                                            kPortInterface, "Address", "Hostname",
                                                            nullptr),
                             "PropertiesChanged");
        }
        return 0;
    });
}

void Bus::on_problem_changed(const Switch& sw, const health::Problem& problem) {
    (void)guarded([&] {
        log_emit_failure(sd_bus_emit_signal(bus_.get(), kRootPath, kManagerInterface, "ProblemChanged",
                                            "ssss", sw.name().c_str(), problem.kind.c_str(),
                                            problem.message.c_str(), problem.fix.c_str()),
                         "ProblemChanged");
        log_emit_failure(sd_bus_emit_properties_changed(bus_.get(), switch_path(sw.name()).c_str(),
                                                        kSwitchInterface, "Problems", nullptr),
                         "PropertiesChanged");
        return 0;
    });
}

void Bus::on_subnet_changed(const Switch& sw) {
    (void)guarded([&] {
        log_emit_failure(sd_bus_emit_properties_changed(bus_.get(), switch_path(sw.name()).c_str(),
                                                        kSwitchInterface, "Subnet", "Gateway", nullptr),
                         "PropertiesChanged");
        return 0;
    });
}

void Bus::on_firewall_repaired() {
    log_emit_failure(sd_bus_emit_properties_changed(bus_.get(), kRootPath, kManagerInterface,
                                                    "FirewallRepairs", nullptr),
                     "PropertiesChanged");
}

void Bus::on_switch_repaired(const Switch& sw) {
    (void)guarded([&] {
        log_emit_failure(sd_bus_emit_properties_changed(bus_.get(), switch_path(sw.name()).c_str(),
                                                        kSwitchInterface, "Repairs", nullptr),
                         "PropertiesChanged");
        return 0;
    });
}

}  // namespace vswitch::bus
