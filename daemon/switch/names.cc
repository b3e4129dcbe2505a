// The naming policy of a switch: which DNS names its local zone holds and
// so which lines the hosts file gets.
//   - the host's own name -> the gateway (RecordSource::host);
//   - each lease's DHCP host name -> its address (RecordSource::lease,
//     owned by the client's MAC);
//   - each port's VM name -> the address its MAC leased (RecordSource::port,
//     owned by the interface), as soon as both the port and the lease exist,
//     whichever came first.
// A released or expired lease takes both names with it; a detached or
// vanished port takes its VM name. One name, one guest (LocalZone::assign):
// the first holder keeps a name until its lease or port goes; a VM name
// (attach, the libvirt hook) takes it from a DHCP host name; the host's
// name beats both; the guest that loses gets name-2, name-3..., and the
// conflict is logged once, when it is resolved.
// A member adopted from the bridge has no VM name: its DHCP host name is
// its name until AttachInterface gives one.
#include "daemon/log.h"
#include "daemon/switch/switch.h"

namespace vswitch {

namespace {

const char* who(dns::RecordSource s) {
    switch (s) {
        case dns::RecordSource::host: return "the host";
        case dns::RecordSource::port: return "the VM";
        case dns::RecordSource::lease: return "the DHCP client";
    }
    return "?";
}

}  // namespace

void Switch::log_renames() {
    for (const auto& r : dns_->take_renames())
        log::notice("DNS: name '" + r.wanted + "' is " + who(r.holder_source) + " " + r.holder_address.to_string() +
                        "'s; " + who(r.source) + " " + r.address.to_string() + " (" + r.owner + ") is '" + r.label +
                        "' instead",
                    {{"VSWITCH_SWITCH", config_.name}, {"VSWITCH_NAME", r.wanted}});
}

void Switch::seed_names() {
    if (!dns_) return;
    if (!services_.host_name.empty()) {
        if (auto s = dns_->set_name(dns::RecordSource::host, "host", services_.host_name, gateway_); !s)
            log::warning(s.error().context("host name '" + services_.host_name + "'").message + ", ignoring");
        log_renames();
    }
    for (const auto& l : leases()) name_lease(dhcp::LeaseEvent::added, l);
}

void Switch::name_port(const ports::PortRecord& port, Ipv4 address) {
    if (!dns_ || port.vm.empty()) return;
    if (auto s = dns_->set_name(dns::RecordSource::port, port.ifname, port.vm, address); !s)
        log::debug(s.error().context("DNS name of port '" + port.ifname + "'").message + ", ignoring");
    log_renames();
}

void Switch::name_lease(dhcp::LeaseEvent ev, const dhcp::Lease& l) {
    if (!dns_) return;
    const std::string mac = l.mac.to_string();
    const ports::Port* port = ports_.find_by_mac(l.mac);
    if (ev == dhcp::LeaseEvent::released || ev == dhcp::LeaseEvent::expired) {
        dns_->remove_name(dns::RecordSource::lease, mac);
        if (port) dns_->remove_name(dns::RecordSource::port, port->record.ifname);
        return;
    }
    // Set again on every renewal; the zone changes (and the hosts file is
    // written) only when the name or the address did.
    if (!l.hostname.empty()) {
        if (auto s = dns_->set_name(dns::RecordSource::lease, mac, l.hostname, l.address); !s)
            log::debug(s.error().context("DNS name of lease " + mac).message + ", ignoring");
        log_renames();
    }
    if (port) name_port(port->record, l.address);
}

void Switch::on_lease(dhcp::LeaseEvent ev, const dhcp::Lease& l) {
    // The lease names the member it came through (members.cc), so its port
    // shows the address and host name.
    if (ev == dhcp::LeaseEvent::added || ev == dhcp::LeaseEvent::renewed) learn_member_mac(l.mac);
    name_lease(ev, l);
    services_.host->on_lease_changed(*this, l);
}

void Switch::on_port(ports::PortEvent ev, const ports::PortRecord& p) {
    if (ev == ports::PortEvent::attached || ev == ports::PortEvent::adopted ||
        ev == ports::PortEvent::changed) {
        // A VM's name resolves as soon as its port is attached (or an
        // adopted member named) with a MAC that holds a lease (lease events
        // cover the other order). An adopted member has no VM name: its
        // lease's host name is its DNS name until AttachInterface names it.
        if (auto lease = lease_of(p.mac)) name_port(p, lease->address);
        if (ev == ports::PortEvent::adopted) services_.host->on_port_adopted(*this, p);
        if (ev == ports::PortEvent::changed) services_.host->on_port_changed(*this, p);
        return;
    }
    if (dns_) dns_->remove_name(dns::RecordSource::port, p.ifname);
    if (ev == ports::PortEvent::vanished) services_.host->on_port_vanished(*this, p);
}

std::vector<dns::HostEntry> Switch::hosts() const {
    if (!dns_) return {};
    return dns_->zone().hosts();
}

}  // namespace vswitch
