// Bus owns the sd-bus connection to the system bus (DBUS_SYSTEM_BUS_ADDRESS
// moves it, for tests), attached to the daemon's sd-event loop, and the
// org.vswitch1 objects on it: the Manager at /org/vswitch1, one Switch per
// switch, one Port per port, and the ObjectManager. The Manager creates it
// after the switches and ports exist; only then is the name requested, so a
// client that sees the name sees every object. The Switch and Port objects
// are found by path in the Manager (find callbacks, as networkd's
// link_object_find): their handlers get the real Switch or Port.
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libvswitch/base/handle.h"
#include "libvswitch/base/result.h"

namespace vswitch {
class Manager;
class Switch;
namespace dhcp {
struct Lease;
}
namespace health {
struct Problem;
}
namespace ports {
struct PortRecord;
}
}  // namespace vswitch

namespace vswitch::bus {

inline constexpr const char* kServiceName = "org.vswitch1";
inline constexpr const char* kRootPath = "/org/vswitch1";
inline constexpr const char* kSwitchPrefix = "/org/vswitch1/switch";
inline constexpr const char* kPortPrefix = "/org/vswitch1/port";
inline constexpr const char* kManagerInterface = "org.vswitch1.Manager";
inline constexpr const char* kSwitchInterface = "org.vswitch1.Switch";
inline constexpr const char* kPortInterface = "org.vswitch1.Port";

std::string switch_path(std::string_view name);
std::string port_path(std::string_view ifname);
// The name encoded in a path under prefix, or "" when it is not one.
std::string path_name(const char* path, const char* prefix);
// A node enumerator's answer: a NULL-terminated strv sd-bus frees.
int node_list(const std::vector<std::string>& paths, char*** nodes);

class Bus {
public:
    // Only create() can make a Key, so construction always goes through it
    // (and std::make_unique can still reach the constructor).
    class Key {
        friend class Bus;
        Key() = default;
    };
    Bus(Key, Manager& manager) : manager_(manager) {}
    // Connects to the system bus, publishes the objects, then takes the name.
    static Result<std::unique_ptr<Bus>> create(sd_event* event, Manager& manager);
    ~Bus();
    Bus(const Bus&) = delete;
    Bus& operator=(const Bus&) = delete;

    // From the DHCP side: emits LeaseChanged and the port's Address/Hostname.
    void on_lease_changed(const Switch& sw, const dhcp::Lease& lease);
    // From health::Problems: emits ProblemChanged (message "" when the
    // problem was cleared) and the Switch's Problems PropertiesChanged.
    void on_problem_changed(const Switch& sw, const health::Problem& problem);
    // A renumber: the Switch's Subnet and Gateway changed.
    void on_subnet_changed(const Switch& sw);
    // From the firewall guard: the Manager's FirewallRepairs changed.
    void on_firewall_repaired();
    // A switch repaired its bridge or ports: its Repairs changed.
    void on_switch_repaired(const Switch& sw);
    // A forward was added or removed or its target moved: the Switch's
    // PortForwards changed (forward_object.cc).
    void on_forwards_changed(const Switch& sw);

    // Announcements after a port changed (used by the object handlers).
    void announce_port_added(const ports::PortRecord& port);
    void announce_port_removing(std::string_view ifname);
    void announce_port_removed(std::string_view ifname, std::string_view switch_name);
    void announce_port_restored(std::string_view ifname);
    // A port's VM, MAC or Origin changed (an adopted member named by
    // AttachInterface, or its guest's MAC learned).
    void on_port_changed(const ports::PortRecord& port);

    Manager& manager() { return manager_; }
    sd_bus* get() const { return bus_.get(); }

private:
    using BusPtr = UniqueHandle<sd_bus, sd_bus_flush_close_unref>;
    using SlotPtr = UniqueHandle<sd_bus_slot, sd_bus_slot_unref>;

    Status publish();

    Manager& manager_;
    BusPtr bus_;  // before slots_: slots are released first
    std::vector<SlotPtr> slots_;
    friend Status add_manager_object(Bus& bus);
    friend Status add_switch_objects(Bus& bus);
    friend Status add_port_objects(Bus& bus);
    friend Status add_forward_objects(Bus& bus);
    Status add_slot(int r, sd_bus_slot* slot, const char* what);
};

// Each object file registers its vtables (manager_object.cc, ...).
Status add_manager_object(Bus& bus);
Status add_switch_objects(Bus& bus);
Status add_port_objects(Bus& bus);
Status add_forward_objects(Bus& bus);  // forward_object.cc: on the Switch objects

}  // namespace vswitch::bus
