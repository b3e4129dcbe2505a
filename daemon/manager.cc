#include "daemon/manager.h"

#include <unistd.h>

#include "daemon/dns/hosts_file.h"
#include "daemon/firewall/firewall.h"
#include "daemon/log.h"
#include "daemon/netlink/address.h"
#include "daemon/netlink/forwarding.h"
#include "daemon/netlink/link.h"
#include "libvswitch/base/file.h"
#include "libvswitch/nft/ruleset.h"
#include "libvswitch/subnet/chooser.h"
#include "libvswitch/subnet/state.h"

namespace vswitch {

namespace {

std::vector<const SwitchConfig*> all_switches(const Config& c) {
    std::vector<const SwitchConfig*> v{&c.default_switch};
    for (const auto& s : c.extra_switches) v.push_back(&s);
    return v;
}

std::string state_path(const Options& o, const std::string& name) {
    return o.state_dir + "/" + name + ".subnet";
}

bool overlaps_any(const Ipv4Prefix& p, const std::vector<Ipv4Prefix>& list) {
    for (const auto& q : list)
        if (p.overlaps(q)) return true;
    return false;
}

}  // namespace

Manager::Manager(Options options, Config config)
    : options_(std::move(options)), config_(std::move(config)) {}

Result<std::string> Manager::boot_id() const {
    if (options_.boot_id) {
        auto b = subnet::normalize_boot_id(*options_.boot_id);
        if (!b) return b.error().context("--boot-id");
        return b;
    }
    auto text = read_file("/proc/sys/kernel/random/boot_id");
    if (!text) return text.error().context("reading the boot id");
    auto b = subnet::normalize_boot_id(*text);
    if (!b) return b.error().context("reading the boot id");
    return b;
}

// The stored choice wins while it is still valid for this boot and this
// configuration and collides with nothing but our own bridge; a pinned
// Subnet= always wins; otherwise the per-boot draw.
Result<Ipv4Prefix> Manager::pick_subnet(const SwitchConfig& sw, const std::string& boot,
                                        const std::vector<Ipv4Prefix>& also_taken) const {
    auto taken = netlink::dump_taken_prefixes(sw.bridge);
    if (!taken) return taken.error().context("reading the host's addresses and routes");
    std::vector<Ipv4Prefix> busy = std::move(*taken);
    busy.insert(busy.end(), also_taken.begin(), also_taken.end());

    if (sw.subnet) {
        if (overlaps_any(*sw.subnet, busy))
            log::warning("switch '" + sw.name + "': pinned Subnet=" + sw.subnet->to_string() +
                             " overlaps an address or route of the host, using it anyway",
                         {{"VSWITCH_SWITCH", sw.name}});
        return *sw.subnet;
    }

    if (auto text = read_file(state_path(options_, sw.name)); text) {
        auto st = subnet::parse_subnet_state(*text);
        if (st && st->boot_id == boot && st->subnet.length() == sw.prefix_length &&
            sw.subnet_pool.contains(st->subnet) && !overlaps_any(st->subnet, sw.exclude_subnets)) {
            if (!overlaps_any(st->subnet, busy)) return st->subnet;
            log::warning("switch '" + sw.name + "': stored subnet " + st->subnet.to_string() +
                             " now overlaps an address or route of the host, choosing another",
                         {{"VSWITCH_SWITCH", sw.name}});
        }
    }

    subnet::SubnetRequest req;
    req.pool = sw.subnet_pool;
    req.prefix_length = sw.prefix_length;
    req.boot_id = boot;
    req.switch_name = sw.name;
    req.taken = busy;
    req.excluded = sw.exclude_subnets;
    auto chosen = subnet::choose_subnet(req);
    if (!chosen) return chosen.error().context("switch '" + sw.name + "'");
    return chosen;
}

Status Manager::build_switch(SwitchRuntime& rt) {
    const auto& sw = rt.config;
    auto existing = netlink::link_index(sw.bridge);
    rt.created_bridge = !existing.ok();
    auto ifindex = netlink::ensure_bridge(sw.bridge, sw.mtu);
    if (!ifindex) return ifindex.error().context("switch '" + sw.name + "'");
    rt.ifindex = *ifindex;
    if (sw.type != SwitchType::private_) {
        auto s = netlink::set_bridge_address(rt.ifindex, Ipv4Prefix(rt.gateway, rt.subnet.length()));
        if (!s) return s.error().context("switch '" + sw.name + "'");
    }
    if (auto s = netlink::set_link_up(rt.ifindex); !s)
        return s.error().context("switch '" + sw.name + "'");
    return {};
}

Status Manager::apply_firewall() {
    nft::Ruleset rules;
    for (const auto& rt : switches_) rules.switches.push_back({rt.config.bridge, rt.subnet, rt.config.type});
    // Through the guard's socket, once it runs: it ignores its own changes.
    if (fw_guard_) return fw_guard_->firewall().apply(rules);
    auto fw = firewall::Firewall::create();
    if (!fw) return fw.error();
    return fw->apply(rules);
}

void Manager::roll_back() {
    for (const auto& rt : switches_) {
        if (!rt.created_bridge) continue;
        if (auto s = netlink::delete_link_if_exists(rt.config.bridge); !s)
            log::warning(s.error().message + ", ignoring");
    }
}

Status Manager::start() {
    auto boot = boot_id();
    if (!boot) return boot.error();
    if (auto s = make_directories(options_.state_dir, 0755); !s) return s.error().context("state directory");
    if (auto s = make_directories(options_.runtime_dir, 0755); !s)
        return s.error().context("runtime directory");

    std::vector<Ipv4Prefix> chosen;
    for (const SwitchConfig* sw : all_switches(config_)) {
        auto subnet = pick_subnet(*sw, *boot, chosen);
        if (!subnet) return subnet.error();
        SwitchRuntime rt;
        rt.config = *sw;
        rt.subnet = subnet->normalized();
        rt.gateway = subnet::gateway_of(rt.subnet);
        chosen.push_back(rt.subnet);

        subnet::SubnetState st;
        st.boot_id = *boot;
        st.subnet = rt.subnet;
        st.switch_name = sw->name;
        if (auto s = write_file_atomic(state_path(options_, sw->name), subnet::format_subnet_state(st)); !s)
            return s.error().context("storing the subnet of switch '" + sw->name + "'");
        switches_.push_back(std::move(rt));
    }

    for (auto& rt : switches_) {
        if (auto s = build_switch(rt); !s) {
            roll_back();
            return s;
        }
    }
    if (auto s = netlink::enable_ip_forwarding(); !s) {
        roll_back();
        return s;
    }
    if (auto s = apply_firewall(); !s) {
        roll_back();
        return s.error().context("replacing nftables table inet vswitch");
    }
    make_problems();
    for (const auto& rt : switches_) {
        log::info("switch '" + rt.config.name + "' (" + std::string(to_string(rt.config.type)) + ") serves " +
                      rt.subnet.to_string() + " on '" + rt.config.bridge + "', gateway " +
                      rt.gateway.to_string() + (rt.created_bridge ? "" : " (bridge adopted)"),
                  {{"VSWITCH_SWITCH", rt.config.name},
                   {"VSWITCH_SUBNET", rt.subnet.to_string()},
                   {"VSWITCH_BRIDGE", rt.config.bridge}});
    }
    return {};
}

void Manager::make_problems() {
    for (const auto& rt : switches_) {
        if (problems_.count(rt.config.name)) continue;
        auto p = std::make_unique<health::Problems>(rt.config.name);
        p->set_on_change([this, name = rt.config.name](const health::Problem& pr, bool cleared) {
            // Logged here, once per change: the registry drops repeats.
            if (cleared)
                log::info("switch '" + name + "': problem '" + pr.kind + "' is gone",
                          {{"VSWITCH_SWITCH", name}, {"VSWITCH_PROBLEM", pr.kind}});
            else
                log::warning("switch '" + name + "': " + pr.message +
                                 (pr.fix.empty() ? "" : "; fix: " + pr.fix),
                             {{"VSWITCH_SWITCH", name}, {"VSWITCH_PROBLEM", pr.kind}});
            if (bus_) bus_->on_problem_changed(name, {pr.kind, pr.message, pr.fix});
        });
        problems_.emplace(rt.config.name, std::move(p));
    }
}

health::Problems* Manager::problems(std::string_view switch_name) {
    auto it = problems_.find(switch_name);
    return it == problems_.end() ? nullptr : it->second.get();
}

std::vector<bus::ProblemView> Manager::bus_problems(std::string_view switch_name) const {
    std::vector<bus::ProblemView> out;
    auto it = problems_.find(switch_name);
    if (it == problems_.end()) return out;
    for (const auto& p : it->second->list()) out.push_back({p.kind, p.message, p.fix});
    return out;
}

Status Manager::teardown() {
    // Before the table goes: the guard would put it back.
    diagnostics_.reset();
    fw_guard_.reset();
    Status first;
    auto note = [&](Status s) {
        if (s) return;
        log::warning(s.error().message);
        if (first) first = s;
    };
    // Ports first: TAPs the daemon made outlive their bridge otherwise.
    if (!ports_) {
        auto pm = make_port_manager();
        if (pm) {
            ports_ = std::move(*pm);
            note(ports_->load());
        } else {
            note(pm.error());
        }
    }
    if (ports_) note(ports_->remove_all());
    for (const SwitchConfig* sw : all_switches(config_)) {
        auto s = netlink::delete_link_if_exists(sw->bridge);
        note(s ? s : Status(s.error().context("switch '" + sw->name + "'")));
    }
    auto fw = firewall::Firewall::create();
    if (!fw) {
        note(fw.error());
    } else {
        auto s = fw->remove();
        note(s ? s : Status(s.error().context("removing nftables table inet vswitch")));
        note(health::remove_foreign_fixes(*fw));
    }
    return first;
}

Result<std::unique_ptr<ports::PortManager>> Manager::make_port_manager() {
    return ports::PortManager::create(options_.state_dir, [this](std::string_view name) -> std::optional<std::string> {
        for (const auto& rt : switches_) {
            if (rt.config.name == name) return rt.config.bridge;
        }
        return std::nullopt;
    });
}

static bus::LeaseView to_lease_view(const dhcp::Lease& l) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(l.expiry.time_since_epoch()).count();
    return {l.mac, l.address, l.hostname, us < 0 ? 0 : uint64_t(us)};
}

// One DHCP server per switch that has an address on its bridge (nat,
// internal); a private switch has none to serve from.
Status Manager::start_dhcp(sd_event* event) {
    for (const auto& rt : switches_) {
        if (rt.config.type == SwitchType::private_) continue;
        dhcpd::DhcpServerParams p;
        p.switch_name = rt.config.name;
        p.bridge = rt.config.bridge;
        p.ifindex = rt.ifindex;
        p.core.subnet = rt.subnet;
        p.core.gateway = rt.gateway;
        p.core.domain = rt.config.domain;
        p.core.lease_time = std::chrono::seconds(rt.config.lease_time_sec);
        p.core.mtu = uint16_t(rt.config.mtu.value_or(1500));
        p.lease_path = options_.state_dir + "/" + rt.config.name + ".leases";
        auto server = dhcpd::DhcpServer::create(event, std::move(p));
        if (!server) return server.error();
        std::string name = rt.config.name;
        (*server)->add_lease_listener([this, name](dhcp::LeaseEvent, const dhcp::Lease& l) {
            if (bus_) bus_->on_lease_changed(name, to_lease_view(l));
        });
        dhcp_.push_back(std::move(*server));
    }
    return {};
}

dhcpd::DhcpServer* Manager::dhcp_server(std::string_view switch_name) const {
    for (const auto& s : dhcp_)
        if (s->switch_name() == switch_name) return s.get();
    return nullptr;
}

std::vector<bus::LeaseView> Manager::bus_leases(std::string_view switch_name) const {
    std::vector<bus::LeaseView> out;
    if (const auto* s = dhcp_server(switch_name))
        for (const auto& l : s->leases()) out.push_back(to_lease_view(l));
    return out;
}

// One DNS server per switch with an address (nat, internal), on its
// gateway. Names: the host's own → gateway; DHCP host names and port VM
// names → the leased address. Every change rewrites the hosts file.
Status Manager::start_dns(sd_event* event) {
    std::vector<Ipv4> gateways;
    for (const auto& rt : switches_) gateways.push_back(rt.gateway);
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0) host[0] = 0;
    for (const auto& rt : switches_) {
        if (rt.config.type == SwitchType::private_) continue;
        dns::DnsServiceConfig c{rt.config.name, rt.config.bridge, rt.subnet, rt.gateway, rt.config.domain,
                                options_.resolv_conf, gateways};
        auto svc = dns::DnsService::create(event, std::move(c));
        if (!svc) return svc.error();
        dns::DnsService& dns = **svc;
        if (host[0] != 0) {
            if (auto s = dns.set_name(dns::RecordSource::host, "host", host, rt.gateway); !s)
                log::warning(s.error().context("host name '" + std::string(host) + "'").message + ", ignoring");
        }
        if (auto* dhcp = dhcp_server(rt.config.name)) {
            for (const auto& l : dhcp->leases()) on_lease_names(dns, dhcp::LeaseEvent::added, l);
            // Looked up at each event: the listener may outlive the service.
            dhcp->add_lease_listener([this, name = rt.config.name](dhcp::LeaseEvent ev, const dhcp::Lease& l) {
                for (const auto& d : dns_)
                    if (d->switch_name() == name) on_lease_names(*d, ev, l);
            });
        }
        dns.set_on_names_changed([this] { write_hosts(); });
        dns_.push_back(std::move(*svc));
    }
    write_hosts();
    return {};
}

void Manager::on_lease_names(dns::DnsService& dns, dhcp::LeaseEvent ev, const dhcp::Lease& l) {
    const std::string mac = l.mac.to_string();
    const auto* port = ports_ ? ports_->find_by_mac(dns.switch_name(), l.mac) : nullptr;
    bool gone = ev == dhcp::LeaseEvent::released || ev == dhcp::LeaseEvent::expired;
    if (gone) {
        dns.remove_name(dns::RecordSource::lease, mac);
        if (port) dns.remove_name(dns::RecordSource::port, port->ifname);
        return;
    }
    if (!l.hostname.empty()) {
        if (auto s = dns.set_name(dns::RecordSource::lease, mac, l.hostname, l.address); !s)
            log::debug(s.error().context("DNS name of lease " + mac).message + ", ignoring");
    }
    if (port && !port->vm.empty()) {
        if (auto s = dns.set_name(dns::RecordSource::port, port->ifname, port->vm, l.address); !s)
            log::debug(s.error().context("DNS name of port '" + port->ifname + "'").message + ", ignoring");
    }
}

void Manager::write_hosts() const {
    std::vector<dns::HostEntry> all;
    for (const auto& d : dns_) {
        auto h = d->zone().hosts();
        all.insert(all.end(), h.begin(), h.end());
    }
    if (auto s = dns::write_hosts_file(options_.runtime_dir + "/hosts", all); !s)
        log::warning(s.error().message + ", ignoring");
}

Status Manager::start_api(sd_event* event) {
    if (auto s = start_dhcp(event); !s) return s;
    auto pm = make_port_manager();
    if (!pm) return pm.error();
    ports_ = std::move(*pm);
    // A ports file we cannot read loses the old ports' records, not the
    // switches: serve on without them.
    if (auto s = ports_->restore(); !s) log::warning(s.error().message + ", ignoring");
    if (auto s = start_dns(event); !s) return s;
    // Ports come and go: a VM's name resolves as soon as its port is
    // attached with a MAC that holds a lease (lease events cover the other
    // order), and a port deleted behind our back is announced on the bus.
    ports_->add_listener([this](ports::PortEvent ev, const ports::PortRecord& p) {
        if (ev == ports::PortEvent::vanished && bus_) bus_->announce_port_removed(p.ifname, p.switch_name);
        for (const auto& d : dns_) {
            if (d->switch_name() != p.switch_name) continue;
            if (ev != ports::PortEvent::attached) {
                d->remove_name(dns::RecordSource::port, p.ifname);
                continue;
            }
            auto* dhcp = dhcp_server(p.switch_name);
            auto lease = dhcp && !p.vm.empty() ? dhcp->lease_of(p.mac) : std::nullopt;
            if (!lease) continue;
            if (auto s = d->set_name(dns::RecordSource::port, p.ifname, p.vm, lease->address); !s)
                log::debug(s.error().context("DNS name of port '" + p.ifname + "'").message + ", ignoring");
        }
    });
    // Runtime conflicts: a VPN or LAN route over a switch's subnet renumbers it.
    auto rn = Renumberer::create(*this, event);
    if (!rn) return rn.error();
    renumber_ = std::move(*rn);
    // A table flushed by others is put back; foreign drops are reported.
    if (auto s = start_health(event); !s)
        log::warning(s.error().context("firewall guard and diagnostics").message + ", serving without them");
    // The data plane (NAT, DHCP, DNS) serves VMs without D-Bus; a host
    // without a system bus gets the switches, not a daemon that quits.
    auto b = bus::Bus::create(event, *this);
    if (!b) {
        log::warning(b.error().context("D-Bus API unavailable").message + ", serving without it");
        return {};
    }
    bus_ = std::move(*b);
    // Last: resolved is told about a DNS server only once it answers.
    auto r = dns::ResolvedClient::create(bus_->get(), resolved_links());
    if (!r)
        log::warning(r.error().message + ", ignoring");
    else
        resolved_ = std::move(*r);
    return {};
}

std::vector<dns::ResolvedLinkSettings> Manager::resolved_links() const {
    std::vector<dns::ResolvedSwitch> v;
    for (const auto& rt : switches_)
        v.push_back({rt.config.name, rt.config.type, rt.config.bridge, rt.ifindex, rt.gateway, rt.config.domain});
    return dns::resolved_link_settings(v);
}

void Manager::refresh_resolved() {
    if (resolved_) resolved_->refresh(resolved_links());
}

std::vector<bus::SwitchView> Manager::bus_switches() const {
    std::vector<bus::SwitchView> out;
    for (const auto& rt : switches_) {
        out.push_back({rt.config.name, std::string(to_string(rt.config.type)), rt.config.bridge,
                       rt.subnet.to_string(), rt.gateway.to_string(), rt.config.domain});
    }
    return out;
}

Status Manager::bus_teardown() {
    // Before the bridges go: resolved must not keep routing ~Domain to them.
    if (resolved_) resolved_->revert_all();
    renumber_.reset();  // no renumbering of switches being torn down
    Status s = teardown();
    dns_.clear();
    dhcp_.clear();
    switches_.clear();  // their objects leave the bus with them
    return s;
}

std::string Manager::status_text() const {
    std::string s;
    for (const auto& rt : switches_) {
        if (!s.empty()) s += "; ";
        s += rt.config.name + " " + rt.subnet.to_string() + " on " + rt.config.bridge;
    }
    return s.empty() ? "no switches" : "Serving " + s;
}

}  // namespace vswitch
