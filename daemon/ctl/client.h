// vswitchctl's side of org.vswitch1: every bus call it makes, each returning
// a value or an Error whose message is the daemon's own (or "<what>: <errno
// text>" when the call failed before reaching it). Reading the state takes
// one GetManagedObjects; ListSwitches gives the switches' order, ListLeases
// (a method, not a property) is called only by the verbs that show leases.
#pragma once

#include <systemd/sd-bus.h>

#include <optional>
#include <string>
#include <vector>

#include "libvswitch/base/handle.h"
#include "libvswitch/base/result.h"
#include "libvswitch/ctl/objects.h"
#include "libvswitch/ctl/rows.h"

namespace vswitch::ctl {

using BusPtr = UniqueHandle<sd_bus, sd_bus_flush_close_unref>;
using MessagePtr = UniqueHandle<sd_bus_message, sd_bus_message_unref>;

inline constexpr const char* kService = "org.vswitch1";
inline constexpr const char* kRootPath = "/org/vswitch1";
inline constexpr const char* kPortPrefix = "/org/vswitch1/port";
inline constexpr const char* kManagerInterface = "org.vswitch1.Manager";

// A failed call as vswitchctl reports it: the daemon's message, else its
// error name, else "<what>: <strerror(-r)>".
Error bus_error(const sd_bus_error& e, int r, const std::string& what);

// A switch as ListSwitches names it.
struct SwitchRef {
    std::string name, object;
};

// Borrows the bus; one per vswitchctl run.
class Client {
public:
    explicit Client(sd_bus* bus) : bus_(bus) {}

    sd_bus* get() const { return bus_; }

    // A method without arguments, or `request` when given.
    Result<MessagePtr> call(const std::string& path, const char* interface, const char* member,
                            sd_bus_message* request = nullptr);

    Result<std::string> get_string(const std::string& path, const char* interface,
                                   const char* property);

    // Every switch and port with its properties (one GetManagedObjects):
    // switches in reply order (order_switches with list_switches() puts them
    // in the daemon's), ports sorted by interface name. Leases not counted.
    Result<Objects> objects();

    // The Manager's FirewallRepairs; nullopt when the daemon predates it.
    Result<std::optional<uint64_t>> firewall_repairs();

    Result<std::vector<SwitchRef>> list_switches();
    Result<std::vector<LeaseRow>> leases(const std::string& switch_name, const std::string& object);

    Result<std::vector<ReservationRow>> reservations(const std::string& switch_name, const std::string& object);

private:
    sd_bus* bus_;
};

}  // namespace vswitch::ctl
