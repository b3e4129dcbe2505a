// Daemon states the output tests render: no switches; one switch with two
// ports (one with a lease, one disconnected) and a problem with a fix; a
// second switch without ports; leases with and without a host name; names
// that need JSON escapes.
#pragma once

#include "libvswitch/ctl/rows.h"

namespace vswitch::ctl::testing {

inline ProblemRow forward_drop() {
    return {"foreign-forward-drop:ip/filter/FORWARD",
            "chain ip filter FORWARD (hook forward, another program's) drops new connections "
            "from VMs on 'vswitch0' (policy drop)",
            "iptables -I DOCKER-USER -i vswitch0 -j ACCEPT"};
}

inline SwitchRow default_switch() {
    SwitchRow s;
    s.name = "Default";
    s.object = "/org/vswitch1/switch/Default";
    s.type = "nat";
    s.bridge = "vswitch0";
    s.subnet = "172.27.160.0/20";
    s.gateway = "172.27.160.1";
    s.domain = "vswitch.internal";
    s.leases = 1;
    s.problems = {forward_drop()};
    // Two trouble counters, one of them 0, and two ordinary ones.
    s.statistics = StatisticsRow{
        {"dhcp.acks", 3}, {"dhcp.dropped.zero-mac", 2}, {"dns.queries", 10}, {"dns.refused", 0}};
    return s;
}

inline SwitchRow lab_switch() {
    SwitchRow s;
    s.name = "lab";
    s.object = "/org/vswitch1/switch/lab";
    s.type = "internal";
    s.bridge = "vs-lab";
    s.subnet = "172.18.96.0/20";
    s.gateway = "172.18.96.1";
    s.domain = "lab.vswitch.internal";
    return s;
}

// Online, with a lease.
inline PortRow web_port() {
    return {"tap-web",
            "Default",
            "web",
            "52:54:00:0f:0e:c2",
            "/org/vswitch1/port/tap_2dweb",
            "172.27.160.37",
            "web-guest",
            true,
            "daemon"};
}

// Plugged by libvirt without a VM name, cable pulled, no lease.
inline PortRow db_port() {
    return {"vm-db", "Default", "",    "52:54:00:00:0d:b0", "/org/vswitch1/port/vm_2ddb",
            "",      "",        false, "attached"};
}

// Put into the bridge with `ip link set ... master` (no VM name), leased.
inline PortRow member_port() {
    return {"vm-guest",
            "Default",
            "",
            "0a:3e:12:34:56:78",
            "/org/vswitch1/port/vm_2dguest",
            "172.27.160.99",
            "guest1",
            true,
            "bridge"};
}

inline StatusView one_switch(std::optional<uint64_t> repairs = 0) {
    return {{default_switch()}, {web_port(), db_port()}, repairs};
}

inline LeaseRow named_lease() {
    return {"Default", "52:54:00:0f:0e:c2", "172.27.160.37", "web-guest", 1767225600000000};
}

inline LeaseRow anonymous_lease() {
    return {"Default", "6e:c3:40:97:1e:72", "172.27.160.200", "", 1767229200000000};
}

// A VM name with a quote, a backslash, a control character and UTF-8.
inline constexpr const char* kOddVm = "we\"ird\\vm\x01 \xc3\xbc";

}  // namespace vswitch::ctl::testing
