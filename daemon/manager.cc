#include "daemon/manager.h"

#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "daemon/bus/bus.h"
#include "daemon/firewall/firewall.h"
#include "daemon/log.h"
#include "daemon/netlink/forwarding.h"
#include "daemon/netlink/link.h"
#include "daemon/switch/external.h"
#include "daemon/switch/subnet_choice.h"
#include "libvswitch/base/file.h"
#include "libvswitch/dns/hosts_file.h"
#include "libvswitch/nft/ruleset.h"

namespace vswitch {

namespace {

std::vector<const SwitchConfig*> all_switches(const Config& c) {
    std::vector<const SwitchConfig*> v{&c.default_switch};
    for (const auto& s : c.extra_switches) v.push_back(&s);
    return v;
}

std::string host_name() {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0) return {};
    return host;
}

}  // namespace

Manager::Manager(Options options, Config config) : options_(std::move(options)), config_(std::move(config)) {}

Manager::~Manager() = default;

SwitchServices Manager::services() {
    SwitchServices s;
    s.event = event_;
    s.sock = sock_.get();
    s.observer = observer_.get();
    s.ports = ports_.get();
    s.host = this;
    s.state_dir = options_.state_dir;
    s.resolv_conf = options_.resolv_conf;
    s.boot_id = boot_id_;
    s.host_name = host_name_;
    return s;
}

Switch* Manager::find_switch(std::string_view name) const {
    for (const auto& sw : switches_)
        if (sw->name() == name) return sw.get();
    return nullptr;
}

Status Manager::build_switches() {
    std::vector<Ipv4Prefix> chosen;
    // A switch gone from the configuration gives its NIC back first.
    if (auto s = restore_unconfigured_externals(*sock_, options_.state_dir, config_); !s)
        log::warning(s.error().message + ", ignoring");
    for (const SwitchConfig* cfg : all_switches(config_)) {
        if (cfg->type == SwitchType::external) {  // no subnet of ours: the LAN's
            auto sw = Switch::create(services(), *cfg, Ipv4Prefix());
            if (!sw) return sw.error();
            switches_.push_back(std::move(*sw));
            continue;
        }
        auto subnet = choose_start_subnet(*sock_, *cfg, options_.state_dir, boot_id_, chosen);
        if (!subnet) return subnet.error();
        auto sw = Switch::create(services(), *cfg, *subnet);
        if (!sw) return sw.error();
        chosen.push_back((*sw)->subnet());
        switches_.push_back(std::move(*sw));
    }
    return {};
}

void Manager::roll_back() {
    for (const auto& sw : switches_) {
        if (sw->is_external()) {  // the NIC gets back what this run moved
            if (sw->created_bridge())
                if (auto s = sw->teardown_external(); !s) log::warning(s.error().message + ", ignoring");
            continue;
        }
        if (!sw->created_bridge()) continue;
        if (auto s = netlink::delete_link_if_exists(*sock_, sw->bridge()); !s)
            log::warning(s.error().message + ", ignoring");
    }
    switches_.clear();
}

Status Manager::apply_firewall() {
    nft::Ruleset rules;
    for (const auto& sw : switches_) rules.switches.push_back({sw->bridge(), sw->subnet(), sw->type()});
    for (const auto& sw : switches_) {
        auto entries = sw->forward_entries();  // port forwards, resolved now
        rules.forwards.insert(rules.forwards.end(), entries.begin(), entries.end());
    }
    rules.port_guards = port_guards();
    applied_guards_.reset();  // known again once the transaction went through
    // Through the guard's socket, once it runs: it ignores its own changes.
    Status s;
    if (fw_guard_) {
        s = fw_guard_->firewall().apply(rules);
    } else {
        auto fw = firewall::Firewall::create();
        s = fw ? fw->apply(rules) : Status(fw.error());
    }
    if (s) applied_guards_ = std::move(rules.port_guards);
    return s;
}

Status Manager::start(sd_event* event) {
    event_ = event;
    auto boot = read_boot_id(options_.boot_id);
    if (!boot) return boot.error();
    boot_id_ = std::move(*boot);
    host_name_ = host_name();
    if (auto s = make_directories(options_.state_dir, 0755); !s) return s.error().context("state directory");
    if (auto s = make_directories(options_.runtime_dir, 0755); !s) return s.error().context("runtime directory");

    auto sock = netlink::RouteSocket::open();
    if (!sock) return sock.error();
    sock_ = std::make_unique<netlink::RouteSocket>(std::move(*sock));
    // Watching first, then building: a change in between is not missed.
    auto observer = netlink::Observer::create(event);
    if (!observer) return observer.error();
    observer_ = std::move(*observer);
    auto store = ports::PortStore::create(options_.state_dir, *sock_, ports::kMaxPorts, event);
    if (!store) return store.error();
    ports_ = std::move(*store);

    Status s = build_switches();
    if (s) s = netlink::enable_ip_forwarding();
    if (s) {
        s = apply_firewall();
        if (!s) s = s.error().context("replacing nftables table inet vswitch");
    }
    if (!s) {
        roll_back();
        return s;
    }
    for (const auto& sw : switches_) {
        if (sw->is_external()) {
            log::info("switch '" + sw->name() + "' (external) on '" + sw->bridge() + "': guests join the LAN of '" +
                          sw->nic() + "'" + (sw->config().share_with_host ? ", shared with the host" : ", dedicated") +
                          (sw->created_bridge() ? "" : " (bridge adopted)"),
                      {{"VSWITCH_SWITCH", sw->name()}, {"VSWITCH_BRIDGE", sw->bridge()}});
            continue;
        }
        if (!sw->has_address()) {  // nothing of the host's on its bridge
            log::info("switch '" + sw->name() + "' (private) on '" + sw->bridge() +
                          "': no address, its guests reach only each other" +
                          (sw->created_bridge() ? "" : " (bridge adopted)"),
                      {{"VSWITCH_SWITCH", sw->name()}, {"VSWITCH_BRIDGE", sw->bridge()}});
            continue;
        }
        log::info("switch '" + sw->name() + "' (" + std::string(to_string(sw->type())) + ") serves " +
                      sw->subnet().to_string() + " on '" + sw->bridge() + "', gateway " + sw->gateway().to_string() +
                      (sw->created_bridge() ? "" : " (bridge adopted)"),
                  {{"VSWITCH_SWITCH", sw->name()},
                   {"VSWITCH_SUBNET", sw->subnet().to_string()},
                   {"VSWITCH_BRIDGE", sw->bridge()}});
    }
    return start_services();
}

Status Manager::start_services() {
    for (const auto& sw : switches_)
        if (auto s = sw->start_dhcp(); !s) return s;
    // A ports file we cannot read loses the old ports' records, not the
    // switches: serve on without them.
    if (auto s = ports_->restore(); !s) log::warning(s.error().message + ", ignoring");
    link_watch_ = observer_->watch_links([this](const netlink::LinkEvent& ev) { ports_->on_link(ev); },
                                         [this] { ports_->on_links_overrun(); });
    // Every member of a bridge is a port, those put in by others too.
    for (const auto& sw : switches_) sw->watch_members();
    for (const auto& sw : switches_) sw->watch_nic();  // external switches' NICs
    // restore() and the members found at start tell no listener: their
    // guards (bridge vswitch) go in now.
    if (auto s = apply_port_guards(); !s) log::warning(s.error().message + ", serving without the port guards");
    auto hosts = dns::HostsWriter::create(event_, options_.runtime_dir + "/hosts", [this] { return hosts_text(); });
    if (!hosts) return hosts.error();
    hosts_ = std::move(*hosts);
    for (const auto& sw : switches_)
        if (auto s = sw->start_dns(); !s) return s;
    if (auto s = hosts_->flush(); !s) log::warning(s.error().message + ", ignoring");
    // The bridge, its address and the ports are put back when others undo them.
    for (const auto& sw : switches_)
        if (auto s = sw->start_healing(); !s) log::warning(s.error().message + ", serving without it");
    // Runtime conflicts: a VPN or LAN route over a switch's subnet renumbers it.
    prefix_watch_ = observer_->watch_host_prefixes([this] { check_subnets(); });
    // A table flushed by others is put back; foreign drops are reported.
    if (auto s = start_health(); !s)
        log::warning(s.error().context("firewall guard and diagnostics").message + ", serving without them");
    start_bus();
    // Port forwards: their targets resolve now that leases and ports are back.
    for (const auto& sw : switches_) {
        sw->apply_route_localnet();
        on_forward_inputs_changed(*sw);
    }
    return {};
}

void Manager::check_subnets() {
    auto host = netlink::dump_host_prefixes(*sock_);
    if (!host) {
        log::warning(host.error().context("re-checking the switches' subnets").message + ", ignoring");
        return;
    }
    for (const auto& sw : switches_) sw->check_subnet(*host);
}

Status Manager::start_health() {
    auto fw = firewall::Firewall::create();
    if (!fw) return fw.error();
    health::FirewallGuard::Hooks hooks;
    hooks.reapply = [this] { return apply_firewall(); };
    hooks.on_ruleset_changed = [this] {
        if (diagnostics_) diagnostics_->run();
    };
    hooks.on_repaired = [this](uint64_t) {
        if (bus_) bus_->on_firewall_repaired();
    };
    // The table serves every switch: a fight concerns them all.
    hooks.raise = [this](std::string kind, std::string message, std::string fix) {
        for (const auto& sw : switches_) sw->problems().raise(kind, message, fix);
    };
    hooks.clear = [this](std::string_view kind) {
        for (const auto& sw : switches_) sw->problems().clear(kind);
    };
    auto guard = health::FirewallGuard::create(event_, std::move(*fw), std::move(hooks));
    if (!guard) return guard.error();
    fw_guard_ = std::move(*guard);

    auto switches = [this] {
        std::vector<health::SwitchCheck> out;
        for (const auto& sw : switches_) {
            health::SwitchCheck c;
            c.name = sw->name();
            c.bridge = sw->bridge();
            c.nat = sw->type() == SwitchType::nat;
            c.has_address = sw->has_address();
            c.fix_foreign = sw->config().fix_foreign_firewall;
            c.problems = &sw->problems();
            out.push_back(std::move(c));
        }
        return out;
    };
    auto diag = health::Diagnostics::create(*observer_, fw_guard_->firewall(), std::move(switches));
    if (!diag) return diag.error();
    diagnostics_ = std::move(*diag);
    diagnostics_->run();
    return {};
}

void Manager::start_bus() {
    // The data plane (NAT, DHCP, DNS) serves VMs without D-Bus; a host
    // without a system bus gets the switches, not a daemon that quits.
    auto b = bus::Bus::create(event_, *this);
    if (!b) {
        log::warning(b.error().context("D-Bus API unavailable").message + ", serving without it");
        return;
    }
    bus_ = std::move(*b);
    // Last: resolved is told about a DNS server only once it answers.
    auto r = dns::ResolvedClient::create(bus_->get(), resolved_links());
    if (!r)
        log::warning(r.error().message + ", ignoring");
    else
        resolved_ = std::move(*r);
}

std::vector<dns::ResolvedLinkSettings> Manager::resolved_links() const {
    std::vector<dns::ResolvedLinkSettings> out;
    for (const auto& sw : switches_)
        if (auto l = sw->resolved_link()) out.push_back(std::move(*l));
    return out;
}

std::string Manager::hosts_text() const {
    std::vector<dns::HostEntry> all;
    for (const auto& sw : switches_) {
        auto h = sw->hosts();
        all.insert(all.end(), h.begin(), h.end());
    }
    return dns::format_hosts(all);
}

std::vector<Ipv4> Manager::gateways() const {
    std::vector<Ipv4> out;
    for (const auto& sw : switches_)
        if (!sw->is_external()) out.push_back(sw->gateway());
    return out;
}

std::vector<Ipv4Prefix> Manager::subnets_besides(const Switch& self) const {
    std::vector<Ipv4Prefix> out;
    for (const auto& sw : switches_)
        if (sw.get() != &self && !sw->is_external()) out.push_back(sw->subnet());
    return out;
}

void Manager::on_lease_changed(Switch& sw, const dhcp::Lease& lease) {
    on_lease_guards(sw, lease);  // manager_guards.cc
    if (bus_) bus_->on_lease_changed(sw, lease);
}

void Manager::on_problem_changed(Switch& sw, const health::Problem& problem, bool /*cleared*/) {
    if (bus_) bus_->on_problem_changed(sw, problem);
}

void Manager::on_port_vanished(Switch& sw, const ports::PortRecord& port) {
    if (bus_) bus_->announce_port_removed(port.ifname, sw.name());
}

void Manager::on_port_adopted(Switch& /*sw*/, const ports::PortRecord& port) {
    if (bus_) bus_->announce_port_added(port);
}

void Manager::on_port_changed(Switch& /*sw*/, const ports::PortRecord& port) {
    if (bus_) bus_->on_port_changed(port);
}

void Manager::on_names_changed(Switch&) {
    if (hosts_) hosts_->changed();
}

void Manager::on_renumbered(Switch& sw) {
    if (resolved_) resolved_->refresh(resolved_links());
    if (bus_) bus_->on_subnet_changed(sw);
    sd_notifyf(0, "STATUS=%s", status_text().c_str());
}

// A lease or port changed: when a forward's target moved, the table is
// replaced and the bus told (its PortForwards).
void Manager::on_forward_inputs_changed(Switch& sw) {
    if (!sw.forwards_moved()) return;
    if (auto s = apply_firewall(); !s)
        log::error(s.error().context("switch '" + sw.name() + "': re-applying port forwards").message +
                       ", keeping the previous table",
                   {{"VSWITCH_SWITCH", sw.name()}});
    if (bus_) bus_->on_forwards_changed(sw);
}

void Manager::on_repaired(Switch& sw, bool bridge_recreated) {
    if (bridge_recreated) sw.apply_route_localnet(true);  // a new bridge has the default
    // A new bridge has a new ifindex, which resolved knows the link by.
    if (bridge_recreated && resolved_) resolved_->refresh(resolved_links());
    if (bus_) bus_->on_switch_repaired(sw);
}

// The table and the rules FixForeignFirewall added to others' chains.
Status Manager::remove_firewall() {
    auto fw = firewall::Firewall::create();
    if (!fw) return fw.error();
    Status first = fw->remove();
    if (!first) first = first.error().context("removing nftables table inet vswitch");
    if (auto guards = nft::remove_port_guards_batch(fw->next_seq()); !guards) {
        if (first) first = guards.error();
    } else if (auto s = fw->send(*guards); !s && first) {
        first = s.error().context("removing nftables table bridge vswitch");
    }
    auto fixes = health::remove_foreign_fixes(*fw);
    if (!fixes) {
        if (!first) log::warning(fixes.error().message);
        else first = fixes;
    }
    return first;
}

Status Manager::teardown_running() {
    // Before the bridges go: resolved must not keep routing ~Domain to them.
    if (resolved_) resolved_->revert_all();
    prefix_watch_.reset();  // no renumbering of switches being torn down
    // Before the table goes: the guard would put it back.
    diagnostics_.reset();
    fw_guard_.reset();
    Status first;
    auto note = [&](Status s) {
        if (s) return;
        log::warning(s.error().message);
        if (first) first = s;
    };
    for (const auto& sw : switches_) note(sw->teardown());
    note(remove_firewall());
    switches_.clear();  // their objects leave the bus with them
    if (hosts_) hosts_->changed();
    return first;
}

Status Manager::teardown() {
    Status first;
    auto note = [&](Status s) {
        if (s) return;
        log::warning(s.error().message);
        if (first) first = s;
    };
    auto sock = netlink::RouteSocket::open();
    if (!sock) return sock.error();
    // Ports first: TAPs the daemon made outlive their bridge otherwise.
    note(ports::PortStore::remove_recorded(options_.state_dir, *sock));
    // External switches: their NICs get back what moved (the bridge goes too).
    note(restore_all_externals(*sock, options_.state_dir));
    for (const SwitchConfig* sw : all_switches(config_)) {
        auto s = netlink::delete_link_if_exists(*sock, sw->bridge);
        note(s ? s : Status(s.error().context("switch '" + sw->name + "'")));
    }
    note(remove_firewall());
    return first;
}

std::string Manager::status_text() const {
    std::string s;
    for (const auto& sw : switches_) {
        if (!s.empty()) s += "; ";
        s += sw->name() + " " +
             (sw->is_external() ? "external " + sw->nic()
                                : sw->has_address() ? sw->subnet().to_string() : "private") +
             " on " + sw->bridge();
    }
    return s.empty() ? "no switches" : "Serving " + s;
}

}  // namespace vswitch
