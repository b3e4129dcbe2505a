// Manager: owns every switch's runtime state and the firewall, and builds
// the data plane in dependency order (config → subnet → bridge → address →
// forwarding → nftables). main() drives it: start() once, then the event
// loop; teardown() for --teardown. It never leaves a half-built switch
// behind: a failure rolls back the bridges this run created.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/bus/bus.h"
#include "daemon/bus/context.h"
#include "daemon/dhcp/dhcp_server.h"
#include "daemon/dns/dns_service.h"
#include "daemon/dns/resolved.h"
#include "daemon/health/diagnostics.h"
#include "daemon/health/firewall_guard.h"
#include "libvswitch/health/problems.h"
#include "daemon/options.h"
#include "daemon/ports/port_manager.h"
#include "daemon/renumber.h"
#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"
#include "libvswitch/config/config.h"

namespace vswitch {

struct SwitchRuntime {
    SwitchConfig config;
    Ipv4Prefix subnet;  // network/len
    Ipv4 gateway;
    int ifindex = 0;
    bool created_bridge = false;  // this run created it (rolled back on failure)
};

// Also the bus::Context of the D-Bus API (switches, ports, teardown).
class Manager : public bus::Context {
public:
    Manager(Options options, Config config);

    // Builds every switch and the firewall. On error, what this call built
    // is removed again and the error names the switch and the step.
    Status start();

    // Removes every configured switch's bridge and the nftables table.
    // Keeps going after an error and reports the first one.
    Status teardown();

    // After start(), before READY=1: the ports of every switch (restored
    // from the state directory) and the D-Bus API on the loop.
    Status start_api(sd_event* event);

    const std::vector<SwitchRuntime>& switches() const { return switches_; }
    std::string status_text() const;  // for sd_notify STATUS=

    // The DHCP server of a nat/internal switch, once start_api() ran; null
    // otherwise. Subscribe to its leases with add_lease_listener().
    dhcpd::DhcpServer* dhcp_server(std::string_view switch_name) const;

    // The problems registry of a switch (null for an unknown name). Checks
    // raise and clear; each raise is logged once and told to the bus.
    health::Problems* problems(std::string_view switch_name);

    // Registers the switches' bridges with systemd-resolved anew, from
    // switches_ as they are now: call after a renumber or a recreated bridge.
    void refresh_resolved();

    // bus::Context
    std::vector<bus::SwitchView> bus_switches() const override;
    std::vector<bus::ProblemView> bus_problems(std::string_view switch_name) const override;
    uint64_t bus_firewall_repairs() const override { return fw_guard_ ? fw_guard_->repairs() : 0; }
    ports::PortManager& bus_ports() override { return *ports_; }
    Status bus_teardown() override;
    std::vector<bus::LeaseView> bus_leases(std::string_view switch_name) const override;

private:
    friend class Renumberer;  // moves a switch to a fresh block at runtime (daemon/renumber.cc)

    Result<std::unique_ptr<ports::PortManager>> make_port_manager();
    Result<std::string> boot_id() const;
    Result<Ipv4Prefix> pick_subnet(const SwitchConfig& sw, const std::string& boot_id,
                                   const std::vector<Ipv4Prefix>& also_taken) const;
    Status build_switch(SwitchRuntime& rt);
    Status apply_firewall();
    Status start_dhcp(sd_event* event);
    Status start_dns(sd_event* event);
    void on_lease_names(dns::DnsService& dns, dhcp::LeaseEvent ev, const dhcp::Lease& l);
    void write_hosts() const;
    std::vector<dns::ResolvedLinkSettings> resolved_links() const;
    void roll_back();
    void make_problems();
    Status start_health(sd_event* event);  // daemon/health/manager_health.cc

    Options options_;
    Config config_;
    std::vector<SwitchRuntime> switches_;
    std::unique_ptr<ports::PortManager> ports_;
    // One per switch, by name; stable addresses (checks keep pointers).
    std::map<std::string, std::unique_ptr<health::Problems>, std::less<>> problems_;
    // Re-applies inet vswitch when others remove it; owns the nft socket.
    std::unique_ptr<health::FirewallGuard> fw_guard_;
    std::unique_ptr<health::Diagnostics> diagnostics_;  // uses fw_guard_'s socket: dies first
    std::vector<std::unique_ptr<dhcpd::DhcpServer>> dhcp_;  // flushed to the lease files when destroyed
    std::vector<std::unique_ptr<dns::DnsService>> dns_;  // reads ports_ and dhcp_ names
    std::unique_ptr<bus::Bus> bus_;  // last: its objects read the members above
    std::unique_ptr<dns::ResolvedClient> resolved_;  // borrows bus_'s connection: dies first
    std::unique_ptr<Renumberer> renumber_;  // watches routes, drives the members above: dies first
};

}  // namespace vswitch
