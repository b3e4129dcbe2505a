// Renumberer: keeps each switch's subnet clear of the host's network at
// runtime (issue 7, "conflicts at runtime"). It owns the RouteWatch and the
// timer that reconnects carrier-pulsed ports; the Manager creates it at the
// end of start_api() and destroys it before anything it drives. On every
// burst of address/route/rule changes it re-checks each switch; a switch
// whose subnet now overlaps an address or route of the host (its own bridge
// left out) gets the problem "subnet-conflict" and, unless
// RenumberOnConflict=no or Subnet= pins it, moves to the next free block of
// the same per-boot draw: bridge address, nft table, DHCP (leases keep
// their host offset, the old block is NAKed), DNS on the new gateway, the
// stored choice, D-Bus, hosts file, resolved, STATUS=, then a carrier pulse
// on each of its ports so guests rebind at once.
#pragma once

#include <systemd/sd-event.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "daemon/event/event.h"
#include "daemon/netlink/watch.h"
#include "libvswitch/base/result.h"

namespace vswitch {

class Manager;
struct SwitchRuntime;

// How long a port's virtual cable stays pulled. Long enough that a guest
// sees the carrier loss as its own event (dhcpcd, NetworkManager and
// systemd-networkd then rebind), short enough that nothing times out.
inline constexpr uint64_t kCarrierPulseUsec = 200'000;

class Renumberer {
public:
    class Key {
        friend class Renumberer;
        Key() = default;
    };
    Renumberer(Key, Manager& manager, sd_event* event) : manager_(manager), event_(event) {}
    static Result<std::unique_ptr<Renumberer>> create(Manager& manager, sd_event* event);
    Renumberer(const Renumberer&) = delete;
    Renumberer& operator=(const Renumberer&) = delete;

    // Re-checks every switch against the host's addresses and routes now.
    void check();
    uint64_t renumbers() const { return renumbers_; }

private:
    void check_switch(SwitchRuntime& rt, const std::vector<netlink::HostPrefix>& host);
    Status renumber(SwitchRuntime& rt, const std::vector<netlink::HostPrefix>& host,
                    const std::string& conflict);
    Status replace_dns(const SwitchRuntime& rt);
    void pulse_ports(const std::string& switch_name);
    static int on_reconnect(sd_event_source* s, uint64_t usec, void* userdata) noexcept;
    void reconnect();

    Manager& manager_;
    sd_event* event_;
    std::unique_ptr<netlink::RouteWatch> watch_;
    event::EventSourcePtr reconnect_timer_;
    std::vector<std::string> pulled_;  // ports whose cable the pulse pulled
    uint64_t renumbers_ = 0;
};

}  // namespace vswitch
