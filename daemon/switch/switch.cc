#include "daemon/switch/switch.h"

#include <algorithm>
#include <cstring>

#include "daemon/log.h"
#include "daemon/netlink/address.h"
#include "daemon/netlink/bridge.h"
#include "daemon/netlink/link.h"
#include "daemon/switch/heal.h"
#include "daemon/switch/subnet_choice.h"
#include "libvswitch/subnet/chooser.h"

namespace vswitch {

Switch::Switch(Key, SwitchServices services, SwitchConfig config, Ipv4Prefix subnet)
    : services_(std::move(services)),
      config_(std::move(config)),
      subnet_(subnet.normalized()),
      gateway_(subnet::gateway_of(subnet_)),
      problems_(config_.name),
      ports_(this, config_.name, config_.bridge, *services_.sock, *services_.ports) {
    problems_.set_on_change([this](const health::Problem& p, bool cleared) { on_problem(p, cleared); });
    ports_.set_security_defaults(config_.port_security);
    ports_.set_guards_applier([this] { return services_.host->apply_port_guards(); });
    ports_.set_listener([this](ports::PortEvent ev, const ports::PortRecord& p) {
        on_port(ev, p);
        apply_reservations();  // a VM's reservation follows its port
        services_.host->on_forward_inputs_changed(*this);  // a forward follows its VM
        services_.host->on_port_guards_changed(*this);
    });
    load_forwards();
}

Switch::~Switch() = default;

Result<std::unique_ptr<Switch>> Switch::create(SwitchServices services, SwitchConfig config, Ipv4Prefix subnet) {
    auto sw = std::make_unique<Switch>(Key(), std::move(services), std::move(config), subnet);
    // A fresh boot's choice (a restart in this boot keeps it); written only
    // when it differs from the stored one, and a failure (a full disk) is a
    // problem, not a reason to leave the guests without DHCP and DNS.
    if (!sw->is_external()) (void)sw->store_subnet();
    if (auto s = sw->is_external() ? sw->build_external() : sw->build_bridge(); !s) {
        // Nothing half built stays behind: a bridge this call made goes again.
        if (sw->created_bridge_)
            if (auto d = netlink::delete_link_if_exists(*sw->services_.sock, sw->bridge()); !d)
                log::warning(d.error().message + ", ignoring");
        return s.error().context("switch '" + sw->name() + "'");
    }
    Switch* self = sw.get();
    auto t = event::Timer::create(sw->services_.event, "reconnecting the ports of switch '" + sw->name() + "'",
                                  [self] { self->reconnect_ports(); });
    if (!t) return t.error().context("switch '" + sw->name() + "'");
    sw->reconnect_ = std::move(*t);
    return sw;
}

Status Switch::build_bridge() {
    netlink::RouteSocket& sock = *services_.sock;
    auto existing = netlink::link_index(sock, config_.bridge);
    created_bridge_ = !existing.ok();
    auto ifindex = netlink::ensure_bridge(sock, config_.bridge, config_.mtu);
    if (!ifindex) return ifindex.error();
    ifindex_ = *ifindex;
    if (has_address()) {
        if (auto s = netlink::set_bridge_address(sock, ifindex_, Ipv4Prefix(gateway_, subnet_.length())); !s)
            return s;
    }
    return netlink::set_link_up(sock, ifindex_);
}

Status Switch::store_subnet() {
    auto st = vswitch::store_subnet(services_.state_dir, config_.name, services_.boot_id, subnet_);
    if (st) {
        problems_.clear(kSubnetNotStored);
        return st;
    }
    problems_.raise(std::string(kSubnetNotStored),
                    "cannot store the subnet of switch " + config_.name + " in " + services_.state_dir + ": " +
                        std::strerror(st.error().code) + "; a restart in this boot may choose another",
                    "free space in " + services_.state_dir);
    return st;
}

void Switch::on_lease_storage(const Status& st) {
    if (st) {
        problems_.clear(kLeasesNotStored);
        return;
    }
    problems_.raise(std::string(kLeasesNotStored),
                    "cannot store the leases of switch " + config_.name + " in " + services_.state_dir + ": " +
                        std::strerror(st.error().code) + "; serving on, but a crash would lose the leases since",
                    "free space in " + services_.state_dir);
}

void Switch::on_problem(const health::Problem& p, bool cleared) {
    // Logged here, once per change: the registry drops repeats.
    const std::string& name = config_.name;
    if (cleared)
        log::info("switch '" + name + "': problem '" + p.kind + "' is gone",
                  {{"VSWITCH_SWITCH", name}, {"VSWITCH_PROBLEM", p.kind}});
    else
        log::warning("switch '" + name + "': " + p.message + (p.fix.empty() ? "" : "; fix: " + p.fix),
                     {{"VSWITCH_SWITCH", name}, {"VSWITCH_PROBLEM", p.kind}});
    services_.host->on_problem_changed(*this, p, cleared);
}

// One DHCP server per switch that has an address on its bridge (nat,
// internal); a private switch has none to serve from.
Status Switch::start_dhcp() {
    if (!has_address()) return {};
    dhcpd::DhcpServerParams p;
    p.switch_name = config_.name;
    p.bridge = config_.bridge;
    p.ifindex = ifindex_;
    p.core.subnet = subnet_;
    p.core.gateway = gateway_;
    p.core.domain = config_.domain;
    p.core.lease_time = std::chrono::seconds(config_.lease_time_sec);
    p.core.max_leases_per_source = config_.max_leases_per_port;
    p.trust_relay_from = config_.trust_relay_from;
    p.core.mtu = uint16_t(config_.mtu.value_or(1500));
    p.core.boot = {config_.boot_server, config_.boot_file, config_.ipxe_boot_file};
    p.lease_path = services_.state_dir + "/" + config_.name + ".leases";
    p.on_storage = [this](const Status& st) { on_lease_storage(st); };
    auto server = dhcpd::DhcpServer::create(services_.event, std::move(p), *services_.sock, *services_.observer);
    if (!server) return server.error();
    dhcp_ = std::move(*server);
    load_reservations();
    apply_reservations();
    dhcp_->add_lease_listener([this](dhcp::LeaseEvent ev, const dhcp::Lease& l) {
        on_lease(ev, l);
        services_.host->on_forward_inputs_changed(*this);  // a forward follows its VM's lease
    });
    return {};
}

Status Switch::start_dns() {
    if (!has_address()) return {};
    apply_reservations();  // the restored ports name their VMs now (restoring tells no listener)
    if (auto s = start_dns_on_gateway(); !s) return s;
    services_.host->on_names_changed(*this);
    return {};
}

// DNS listens on the gateway only: a renumber makes a new service on the
// new address (the old one's sockets are closed first).
Status Switch::start_dns_on_gateway() {
    dns_.reset();
    dns::DnsServiceConfig c{config_.name,          config_.bridge,
                            subnet_,               gateway_,
                            config_.domain,        services_.resolv_conf,
                            services_.host->gateways(), config_.forwards_dns()};
    auto svc = dns::DnsService::create(services_.event, std::move(c));
    if (!svc) return svc.error();
    dns_ = std::move(*svc);
    seed_names();
    dns_->set_on_names_changed([this] { services_.host->on_names_changed(*this); });
    return {};
}

std::vector<dhcp::Lease> Switch::leases() const { return dhcp_ ? dhcp_->leases() : std::vector<dhcp::Lease>(); }

std::optional<dhcp::Lease> Switch::lease_of(const Mac& mac) const {
    return dhcp_ ? dhcp_->lease_of(mac) : std::nullopt;
}

std::optional<dns::ResolvedLinkSettings> Switch::resolved_link() const {
    if (is_external()) return std::nullopt;  // the LAN's DNS, not ours
    return dns::resolved_link_settings(
        dns::ResolvedSwitch{config_.name, config_.type, config_.bridge, ifindex_, gateway_, config_.domain});
}

Status Switch::teardown() {
    heal_.reset();  // what is removed now must stay removed
    members_.reset();  // the members unplugged now are no new ports
    reconnect_.disarm();
    pulled_.clear();
    dns_.reset();
    dhcp_.reset();  // flushes the leases
    Status first;
    auto note = [&](Status s) {
        if (s) return;
        log::warning(s.error().message, {{"VSWITCH_SWITCH", config_.name}});
        if (first) first = s;
    };
    // Ports first: TAPs the daemon made outlive their bridge otherwise.
    note(ports_.remove_all());
    if (is_external()) {
        note(teardown_external());  // the NIC gets back what moved
        return first;
    }
    auto s = netlink::delete_link_if_exists(*services_.sock, config_.bridge);
    note(s ? s : Status(s.error().context("switch '" + config_.name + "'")));
    return first;
}

stats::Statistics Switch::statistics() const {
    stats::Statistics out;
    out.emplace_back("switch.renumbers", renumbers_);
    for (auto [kind, n] : repairs().by_kind()) {
        std::replace(kind.begin(), kind.end(), '_', '-');
        out.emplace_back("repairs." + kind, n);
    }
    if (dhcp_) stats::append_dhcp(out, dhcp_->counters());
    if (dns_) {
        stats::append_dns(out, dns_->responder().counters(), dns_->cache().counters(), dns_->forwarder().counters());
        const dns::TcpCounters& tcp = dns_->tcp_counters();
        stats::append_fair_share(out, "dns.tcp", tcp.slots);
        out.emplace_back("dns.tcp.idle-closed", tcp.closed_idle);
        out.emplace_back("dns.tcp.lifetime-ended", tcp.lifetime_reached);
        out.emplace_back("dns.tcp.slow-query-timeouts", tcp.closed_slow_query);  // RFC 7766 §6.2
        out.emplace_back("dns.tcp.drain-timeouts", tcp.closed_drained);
        out.emplace_back("dns.tcp.dropped.bad-framing", tcp.closed_bad_framing);
        out.emplace_back("dns.tcp.dropped.unread", tcp.closed_unread);
    }
    return out;
}

}  // namespace vswitch
