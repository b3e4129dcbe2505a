// Switch: everything about one switch, in one object. It owns
//   - its configuration and this boot's block (subnet, gateway), stored in
//     <state-dir>/<name>.subnet;
//   - its bridge (created or adopted) and the gateway address on it;
//   - its DHCP server and DNS service (nat and internal switches);
//   - its ports (a PortSet, registered with the daemon-wide PortStore),
//     every member of its bridge among them (members.cc);
//   - its problems, each logged once and told to the bus;
//   - the policy that turns leases and port VM names into DNS names and
//     hosts-file lines (names.cc);
//   - the runtime renumbering to a fresh block (renumber.cc);
//   - the repair of what it owns when others undo it (heal.cc): the bridge
//     deleted, set down or stripped of its address, a port unplugged or a
//     TAP of the daemon's deleted.
// The Manager creates one per configured switch, in configuration order,
// and keeps the services all switches share: the route socket and the
// observer, the PortStore, the nft table, the bus, the hosts file and
// systemd-resolved. What a switch needs of those it asks its SwitchHost.
//
// Life: create() (bridge up, address set) → the Manager applies the nft
// table → start_dhcp() → the PortStore restores the ports →
// watch_members() → start_dns()
// → start_healing() → serving; check_subnet() on every burst of host address/route changes;
// teardown() on Teardown; destruction (clean stop) flushes the leases.
#pragma once

#include <systemd/sd-event.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/dhcp/dhcp_server.h"
#include "daemon/dns/dns_service.h"
#include "daemon/event/event.h"
#include "daemon/netlink/fdb.h"
#include "daemon/netlink/host_prefixes.h"
#include "daemon/netlink/observer.h"
#include "daemon/netlink/route_socket.h"
#include "daemon/ports/port_set.h"
#include "daemon/ports/port_store.h"
#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"
#include "libvswitch/config/config.h"
#include "libvswitch/dhcp/lease.h"
#include "libvswitch/dns/local_zone.h"
#include "libvswitch/dns/resolved_link.h"
#include "libvswitch/forward/forward.h"
#include "libvswitch/health/bridge_repair.h"
#include "libvswitch/health/problems.h"
#include "libvswitch/nft/forwards.h"
#include "libvswitch/stats/statistics.h"

namespace vswitch {

class Switch;
struct SwitchHealing;  // heal.h

// How long a port's virtual cable stays pulled after a renumber. Long
// enough that a guest sees the carrier loss as its own event (dhcpcd,
// NetworkManager and systemd-networkd then rebind), short enough that
// nothing times out.
inline constexpr uint64_t kCarrierPulseUsec = 200'000;

// Problems a switch raises when its state cannot reach the disk (a full
// state directory): it serves on.
inline constexpr std::string_view kSubnetNotStored = "subnet-not-stored";
inline constexpr std::string_view kLeasesNotStored = "leases-not-stored";

// What a switch needs from the daemon around it: the shared services it
// cannot own itself, and where to report what changed. The Manager.
class SwitchHost {
public:
    virtual ~SwitchHost() = default;
    // The one nft table serves every switch: re-applied with all of them.
    virtual Status apply_firewall() = 0;
    // Every switch's gateway (DNS never forwards to one of them) and the
    // subnets of the switches besides `self` (a renumber avoids them).
    virtual std::vector<Ipv4> gateways() const = 0;
    virtual std::vector<Ipv4Prefix> subnets_besides(const Switch& self) const = 0;
    // After the switch took its DNS names from the change.
    virtual void on_lease_changed(Switch& sw, const dhcp::Lease& lease) = 0;
    virtual void on_problem_changed(Switch& sw, const health::Problem& problem, bool cleared) = 0;
    // A port whose interface someone else deleted.
    virtual void on_port_vanished(Switch& sw, const ports::PortRecord& port) = 0;
    // The switch's local names changed: the hosts file is out of date.
    virtual void on_names_changed(Switch& sw) = 0;
    // The switch moved to another block (resolved, the bus, STATUS=).
    virtual void on_renumbered(Switch& sw) = 0;
    // A member found on the bridge became a port (members.cc); a port's VM,
    // MAC or origin changed (an adopted member named or its MAC learned).
    virtual void on_port_adopted(Switch& /*sw*/, const ports::PortRecord& /*port*/) {}
    virtual void on_port_changed(Switch& /*sw*/, const ports::PortRecord& /*port*/) {}
    // The switch repaired what others undid (heal.cc): its Repairs changed;
    // bridge_recreated: the bridge has a new ifindex (resolved).
    virtual void on_repaired(Switch& /*sw*/, bool /*bridge_recreated*/) {}
    // A lease or a port changed: a port forward's target may have moved
    // (forwards.cc; the Manager re-applies the table when one did).
    virtual void on_forward_inputs_changed(Switch& /*sw*/) {}
    // A port came, went or changed: the port guards (bridge vswitch) are
    // out of date (issue 17).
    virtual void on_port_guards_changed(Switch& /*sw*/) {}
    // Replaces bridge vswitch now (a port's setting changed over the bus).
    virtual Status apply_port_guards() { return {}; }
};

// The shared services a switch uses, all owned by the Manager and
// outliving the switch.
struct SwitchServices {
    sd_event* event = nullptr;
    netlink::RouteSocket* sock = nullptr;
    netlink::Observer* observer = nullptr;
    ports::PortStore* ports = nullptr;
    SwitchHost* host = nullptr;
    std::string state_dir;
    std::string resolv_conf;
    std::string boot_id;
    std::string host_name;  // the host's own name in the local zone ("" none)
};

class Switch {
public:
    class Key {
        friend class Switch;
        Key() = default;
    };
    Switch(Key, SwitchServices services, SwitchConfig config, Ipv4Prefix subnet);
    ~Switch();
    Switch(const Switch&) = delete;
    Switch& operator=(const Switch&) = delete;

    // Creates the bridge or adopts it, gives it the gateway address (not on
    // a private switch) and brings it up. Errors name the switch and step.
    static Result<std::unique_ptr<Switch>> create(SwitchServices services, SwitchConfig config, Ipv4Prefix subnet);

    // DHCP on the bridge (nat, internal): before the ports are restored.
    Status start_dhcp();
    // DNS on the gateway (nat, internal), fed with the host's name, the
    // leases and the ports' VM names: after the ports are restored.
    Status start_dns();

    const SwitchConfig& config() const { return config_; }
    const std::string& name() const { return config_.name; }
    const std::string& bridge() const { return config_.bridge; }
    SwitchType type() const { return config_.type; }
    bool has_address() const { return config_.type != SwitchType::private_ && !is_external(); }
    // Type=external (external.cc): the host NIC in the bridge, no DHCP,
    // DNS, NAT or subnet of the daemon's; nic() names it.
    bool is_external() const { return config_.type == SwitchType::external; }
    const std::string& nic() const { return nic_; }
    Ipv4Prefix subnet() const { return subnet_; }
    Ipv4 gateway() const { return gateway_; }
    int ifindex() const { return ifindex_; }
    bool created_bridge() const { return created_bridge_; }  // this run made it

    ports::PortSet& ports() { return ports_; }
    const ports::PortSet& ports() const { return ports_; }
    health::Problems& problems() { return problems_; }
    const health::Problems& problems() const { return problems_; }
    dhcpd::DhcpServer* dhcp() { return dhcp_.get(); }
    const dhcpd::DhcpServer* dhcp() const { return dhcp_.get(); }
    dns::DnsService* dns() { return dns_.get(); }
    const dns::DnsService* dns() const { return dns_.get(); }

    std::vector<dhcp::Lease> leases() const;
    // The lease a client with this MAC holds now.
    std::optional<dhcp::Lease> lease_of(const Mac& mac) const;
    // The local names, for the hosts file (names.cc).
    std::vector<dns::HostEntry> hosts() const;
    // What systemd-resolved is told about the bridge; none for a private
    // switch or before the bridge exists.
    std::optional<dns::ResolvedLinkSettings> resolved_link() const;

    // The host's addresses and routes changed (renumber.cc): a switch whose
    // subnet now overlaps one (its own bridge left out) raises
    // "subnet-conflict" and, unless RenumberOnConflict=no or Subnet= pins
    // it, renumbers to the next free block of the same per-boot draw.
    void check_subnet(const std::vector<netlink::HostPrefix>& host);
    // Moves the switch to `block`: bridge address, nft table, stored
    // choice, DHCP (leases keep their host offset, the old block is
    // NAKed), DNS on the new gateway, hosts file, resolved, D-Bus, then a
    // carrier pulse on each port so guests rebind at once. After the
    // bridge took the new address every step runs whatever fails, and the
    // first failure is returned. reason goes into the log line.
    Status renumber(Ipv4Prefix block, std::string_view reason = {});
    uint64_t renumbers() const { return renumbers_; }

    // Reservations (reservations.cc): configured ([Reservation]) and
    // runtime ones (D-Bus, <state-dir>/<name>.reservations), each at its
    // host offset in today's subnet.
    struct ReservationRow {
        dhcp::Reservation reservation;
        bool configured = false;
        Ipv4 address;  // today's
    };
    std::vector<ReservationRow> reservations() const;
    // key: a MAC or a VM name; address: in today's subnet, or a host
    // offset (0.0.0.42). Saved (atomic write, fsync) before it returns.
    // EINVAL bad key or address, EEXIST key or address reserved already,
    // E2BIG past dhcp::kMaxReservations; the file failing: its error.
    Result<ReservationRow> add_reservation(std::string_view key, std::string_view address);
    // ENOENT none for the key; EINVAL a configured one.
    Status remove_reservation(std::string_view key);

    // Port forwards (forwards.cc): configured ([PortForward]) and runtime
    // ones (D-Bus, <state-dir>/<name>.forwards), each with the address its
    // target has now (none: inactive).
    struct ForwardRow {
        forward::Forward forward;
        bool configured = false;
        std::optional<Ipv4> address;
    };
    std::vector<ForwardRow> forwards() const;
    // Checked against every forward of the switch and its subnet, put in
    // the nft table and saved (atomic write, fsync) before it returns;
    // nothing stays of a failed one. EEXIST the host port is forwarded,
    // EINVAL/EADDRINUSE bad for this switch, E2BIG past the limits.
    Result<ForwardRow> add_forward(forward::Forward f);
    // id as Forward::id() gives it; ENOENT none, EINVAL a configured one.
    Status remove_forward(std::string_view id);
    // The map elements of the switch's active forwards, resolved now.
    std::vector<nft::ForwardEntry> forward_entries() const;
    // Whether the resolution changed since the last call (which records it).
    bool forwards_moved();
    // route_localnet on the bridge while the switch has forwards: the host
    // reaching one through 127.0.0.1 sends from 127.0.0.1 out of the bridge
    // (then masqueraded). force: the bridge was re-created.
    void apply_route_localnet(bool force = false);

    // Every counter of the switch's services, for the bus's Statistics
    // property (libvswitch/stats/statistics.h): DHCP's and DNS's only when
    // they run, so a private switch lists none of theirs.
    stats::Statistics statistics() const;
    // heal.cc: watches the bridge (deleted, down, gateway address gone) and
    // the ports (unplugged, a TAP of the daemon's deleted) through the
    // observer and puts them back after a short delay, logging each repair
    // once; backs off and raises "bridge-fight" while someone keeps undoing
    // it, and "bridge-repair-failed" while a repair fails. After the ports
    // are restored and DNS serves.
    Status start_healing();
    // Repairs by kind (bridge_recreated, link_up, address_restored,
    // port_replugged, port_recreated) and in all (repairs).
    const health::RepairCounts& repairs() const;

    // members.cc: every member of the bridge is a port. Subscribes to the
    // observer's link events, then adopts the members already there (a
    // start: members put in before the daemon ran); later a link gaining
    // the bridge as master becomes a port, an adopted one leaving it goes.
    // After the ports are restored, before DNS starts.
    void watch_members();

    // Teardown: stops DHCP and DNS (leases flushed), removes the ports
    // (TAPs deleted, foreign interfaces unplugged) and deletes the bridge.
    // Keeps going after an error and returns the first.
    Status teardown();

    // external.cc: the NIC's carrier and presence become problems
    // (kNicNoCarrier, kNicGone); a NIC that comes back is put into the
    // bridge again. After the ports are restored.
    void watch_nic();
    // Gives the NIC back what the switch-over moved and deletes the bridge.
    Status teardown_external();

private:
    // external.cc
    Status build_external();
    void check_nic_link();

    // names.cc: the DNS naming policy.
    void on_lease(dhcp::LeaseEvent event, const dhcp::Lease& lease);
    void on_port(ports::PortEvent event, const ports::PortRecord& port);
    void name_lease(dhcp::LeaseEvent event, const dhcp::Lease& lease);
    void name_port(const ports::PortRecord& port, Ipv4 address);
    void seed_names();
    void log_renames();  // the name conflicts the zone just resolved

    // forwards.cc
    std::string forwards_path() const;
    void load_forwards();
    forward::Tables forward_tables() const;
    // reservations.cc
    std::string reservations_path() const;
    void load_reservations();
    void apply_reservations();  // resolved (VM names to MACs) into the DHCP core

    Status build_bridge();
    Status start_dns_on_gateway();
    // Stores this boot's block; raises or clears kSubnetNotStored.
    Status store_subnet();
    // From the DHCP server: the leases could (not) be stored.
    void on_lease_storage(const Status& st);
    void on_problem(const health::Problem& p, bool cleared);
    // renumber.cc
    void pulse_ports();
    void reconnect_ports();
    // members.cc
    void on_member_link(const netlink::LinkEvent& ev);
    void adopt_members();
    void check_member(const std::string& ifname);
    std::vector<netlink::FdbEntry> read_fdb();
    std::optional<Mac> guest_mac_of(const std::vector<netlink::FdbEntry>& fdb, int port_ifindex,
                                    const Mac& own) const;
    void learn_member_mac(const Mac& mac);
    // heal.cc
    void on_heal_link(const netlink::LinkEvent& ev);
    void on_heal_address(const netlink::AddressEvent& ev);
    void request_heal();
    void heal();
    Status apply_repair(const health::RepairPlan& plan);
    void end_bridge_fight();

    SwitchServices services_;
    SwitchConfig config_;
    Ipv4Prefix subnet_;  // network/len
    Ipv4 gateway_;
    int ifindex_ = 0;
    bool created_bridge_ = false;
    health::Problems problems_;
    ports::PortSet ports_;
    std::unique_ptr<dhcpd::DhcpServer> dhcp_;  // flushed to the lease file when destroyed
    std::unique_ptr<dns::DnsService> dns_;
    event::Timer reconnect_;            // ends the carrier pulse of a renumber
    std::vector<std::string> pulled_;   // ports whose cable the pulse pulled
    uint64_t renumbers_ = 0;
    netlink::Subscription members_;  // the bridge's members (members.cc)
    std::vector<dhcp::Reservation> runtime_reservations_;  // as in the file
    std::string nic_;                 // external: the NIC in the bridge
    int nic_ifindex_ = 0;
    netlink::Subscription nic_watch_;
    std::vector<forward::Forward> runtime_forwards_;       // as in the file
    std::vector<std::optional<Ipv4>> forwards_seen_;       // forwards_moved()
    std::optional<bool> route_localnet_;                   // as last written
    // Last: its subscriptions and timers go first.
    std::unique_ptr<SwitchHealing> heal_;
};

}  // namespace vswitch
