// Manager: holds the switches (daemon/switch/, one object each) and the
// services they share, and builds them in dependency order:
//   route socket, observer, port store → each switch (subnet, bridge,
//   address) → ip_forward → the nft table → DHCP → ports restored (and the
//   bridges' members adopted) → DNS →
//   hosts file → subnet checks, firewall guard and diagnostics → D-Bus →
//   systemd-resolved.
// main() drives it: start() once, then the event loop; teardown() for
// --teardown. It never leaves a half-built switch behind: a failure in
// start() removes the bridges this run created. It is the SwitchHost of
// its switches (the table, the bus, the hosts file and resolved are
// shared) and what the D-Bus objects look the switches and ports up in.
#pragma once

#include <systemd/sd-event.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/dns/hosts_writer.h"
#include "daemon/dns/resolved.h"
#include "daemon/health/diagnostics.h"
#include "daemon/health/firewall_guard.h"
#include "daemon/netlink/observer.h"
#include "daemon/netlink/route_socket.h"
#include "daemon/options.h"
#include "daemon/ports/port_store.h"
#include "daemon/switch/switch.h"
#include "libvswitch/base/result.h"
#include "libvswitch/config/config.h"

namespace vswitch {

namespace bus {
class Bus;
}

class Manager final : private SwitchHost {
public:
    Manager(Options options, Config config);
    ~Manager() override;
    Manager(const Manager&) = delete;
    Manager& operator=(const Manager&) = delete;

    // Builds every switch, the firewall, DHCP, DNS, the ports and the
    // D-Bus API on `event`. On error, the bridges this call created are
    // removed again and the error names the switch and the step.
    Status start(sd_event* event);

    // --teardown: removes every configured switch's bridge, the ports the
    // ports file and the interface aliases know, and the nftables table,
    // with no switch running. Keeps going after an error, returns the first.
    Status teardown();
    // Teardown over D-Bus: the same for the running switches, which are
    // gone afterwards.
    Status teardown_running();

    const std::vector<std::unique_ptr<Switch>>& switches() const { return switches_; }
    Switch* find_switch(std::string_view name) const;
    ports::PortStore& ports() { return *ports_; }
    uint64_t firewall_repairs() const { return fw_guard_ ? fw_guard_->repairs() : 0; }
    std::string status_text() const;  // for sd_notify STATUS=
    const dns::HostsWriter* hosts_writer() const { return hosts_.get(); }
    // The ports' guards (issue 17, manager_guards.cc): what bridge vswitch
    // holds now, and replacing that table alone (a port's setting changed).
    nft::PortGuards port_guards() const;
    Status apply_port_guards() override;

private:
    // SwitchHost
    Status apply_firewall() override;
    std::vector<Ipv4> gateways() const override;
    std::vector<Ipv4Prefix> subnets_besides(const Switch& self) const override;
    void on_lease_changed(Switch& sw, const dhcp::Lease& lease) override;
    void on_problem_changed(Switch& sw, const health::Problem& problem, bool cleared) override;
    void on_port_vanished(Switch& sw, const ports::PortRecord& port) override;
    void on_port_adopted(Switch& sw, const ports::PortRecord& port) override;
    void on_port_changed(Switch& sw, const ports::PortRecord& port) override;
    void on_names_changed(Switch& sw) override;
    void on_renumbered(Switch& sw) override;
    void on_forward_inputs_changed(Switch& sw) override;
    void on_repaired(Switch& sw, bool bridge_recreated) override;
    void on_port_guards_changed(Switch& sw) override;
    void on_lease_guards(Switch& sw, const dhcp::Lease& lease);

    Status build_switches();
    void roll_back();
    Status remove_firewall();
    Status start_services();
    void check_subnets();
    Status start_health();
    void start_bus();
    std::vector<dns::ResolvedLinkSettings> resolved_links() const;
    std::string hosts_text() const;
    SwitchServices services();

    Options options_;
    Config config_;
    sd_event* event_ = nullptr;
    std::string boot_id_;
    std::string host_name_;
    std::unique_ptr<netlink::RouteSocket> sock_;
    std::unique_ptr<netlink::Observer> observer_;
    std::unique_ptr<ports::PortStore> ports_;
    // In configuration order (Default first); each owns its services.
    std::vector<std::unique_ptr<Switch>> switches_;
    std::unique_ptr<dns::HostsWriter> hosts_;
    netlink::Subscription link_watch_;     // ports whose interface vanished
    netlink::Subscription prefix_watch_;   // runtime subnet conflicts
    // Re-applies inet vswitch when others remove it; owns the nft socket.
    std::unique_ptr<health::FirewallGuard> fw_guard_;
    // What bridge vswitch holds since the last replacement (manager_guards.cc).
    std::optional<nft::PortGuards> applied_guards_;
    std::unique_ptr<health::Diagnostics> diagnostics_;  // uses fw_guard_'s socket: dies first
    std::unique_ptr<bus::Bus> bus_;  // its objects read the members above
    std::unique_ptr<dns::ResolvedClient> resolved_;  // borrows bus_'s connection: dies first
};

}  // namespace vswitch
