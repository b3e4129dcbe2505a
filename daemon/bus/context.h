// Context: what the D-Bus objects need from the rest of the daemon, kept
// small so the Manager can implement it and a test can fake it. The bus
// reads switches and leases through it, changes ports through the
// PortManager it hands out, and asks it to tear everything down.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"

namespace vswitch::ports {
class PortManager;
}

namespace vswitch::bus {

// One switch as the org.vswitch1.Switch object shows it.
struct SwitchView {
    std::string name;
    std::string type;     // "nat", "internal", "private"
    std::string bridge;
    std::string subnet;   // "172.27.160.0/20"
    std::string gateway;  // "172.27.160.1"
    std::string domain;
};

// One DHCP lease (from the DHCP side, once it lands).
struct LeaseView {
    Mac mac;
    Ipv4 address;
    std::string hostname;
    uint64_t expiry_usec = 0;  // CLOCK_REALTIME
};

// One current problem of a switch (health::Problems), for the Switch's
// Problems property and `vswitchctl status`.
struct ProblemView {
    std::string kind;     // "firewall-fight", "subnet-conflict", ...
    std::string message;
    std::string fix;      // a command, or ""
};

class Context {
public:
    virtual ~Context() = default;

    virtual std::vector<SwitchView> bus_switches() const = 0;
    virtual ports::PortManager& bus_ports() = 0;
    // Removes every port, switch and the nftables table. Keeps going after
    // an error and returns the first.
    virtual Status bus_teardown() = 0;
    // Leases of one switch; none until the DHCP server reports them.
    virtual std::vector<LeaseView> bus_leases(std::string_view /*switch_name*/) const { return {}; }
    // Current problems of one switch, oldest first.
    virtual std::vector<ProblemView> bus_problems(std::string_view /*switch_name*/) const { return {}; }
    // How often the daemon re-applied its nftables table after someone
    // else deleted or flushed it, since it started.
    virtual uint64_t bus_firewall_repairs() const { return 0; }
};

}  // namespace vswitch::bus
