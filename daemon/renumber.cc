#include "daemon/renumber.h"

#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "daemon/log.h"
#include "daemon/manager.h"
#include "daemon/netlink/address.h"
#include "libvswitch/base/file.h"
#include "libvswitch/subnet/chooser.h"
#include "libvswitch/subnet/renumber.h"
#include "libvswitch/subnet/state.h"

namespace vswitch {

namespace {

constexpr std::string_view kConflict = "subnet-conflict";
constexpr std::string_view kNoFreeSubnet = "no-free-subnet";

uint64_t monotonic_usec() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000 + uint64_t(ts.tv_nsec) / 1000;
}

// What the host uses, without the switch's own bridge: its address and the
// connected route (and the local-table routes) that address brings.
std::vector<Ipv4Prefix> taken_besides(const std::vector<netlink::HostPrefix>& host, int own_ifindex,
                                      std::vector<const netlink::HostPrefix*>* origin) {
    std::vector<Ipv4Prefix> out;
    out.reserve(host.size());
    for (const auto& h : host) {
        if (own_ifindex != 0 && h.ifindex == own_ifindex) continue;
        out.push_back(h.prefix);
        if (origin) origin->push_back(&h);
    }
    return out;
}

}  // namespace

Result<std::unique_ptr<Renumberer>> Renumberer::create(Manager& manager, sd_event* event) {
    auto r = std::make_unique<Renumberer>(Key(), manager, event);
    Renumberer* self = r.get();
    auto w = netlink::RouteWatch::create(event, [self] { self->check(); });
    if (!w) return w.error();
    r->watch_ = std::move(*w);
    sd_event_source* raw = nullptr;
    int e = sd_event_add_time(event, &raw, CLOCK_MONOTONIC, 0, 0, on_reconnect, self);
    if (e < 0) return errno_error(e, "adding the port reconnect timer");
    r->reconnect_timer_.reset(raw);
    sd_event_source_set_enabled(raw, SD_EVENT_OFF);
    return r;
}

void Renumberer::check() {
    auto host = netlink::dump_host_prefixes();
    if (!host) {
        log::warning(host.error().context("re-checking the switches' subnets").message +
                     ", ignoring");
        return;
    }
    for (auto& rt : manager_.switches_) check_switch(rt, *host);
}

void Renumberer::check_switch(SwitchRuntime& rt, const std::vector<netlink::HostPrefix>& host) {
    // A private switch has no address on the host: nothing to collide.
    if (rt.config.type == SwitchType::private_) return;
    health::Problems* problems = manager_.problems(rt.config.name);
    std::vector<const netlink::HostPrefix*> origin;
    auto taken = taken_besides(host, rt.ifindex, &origin);
    auto hit = subnet::first_overlap(rt.subnet, taken);
    if (!hit) {
        if (problems) {
            problems->clear(kConflict);
            problems->clear(kNoFreeSubnet);
        }
        return;
    }
    const std::string& name = rt.config.name;
    std::string conflict = netlink::describe(*origin[*hit]) + " overlaps switch " + name + "'s " +
                           rt.subnet.to_string();
    std::string fix;
    if (rt.config.subnet)
        fix = "change Subnet= in " + rt.config.source + " to a free prefix, then restart vswitchd";
    else if (!rt.config.renumber_on_conflict)
        fix =
            "restart vswitchd to move the switch to a free block, or set RenumberOnConflict=yes "
            "in " +
            rt.config.source;
    else
        fix = "none needed: vswitchd moves the switch to a free block";
    // The registry logs a problem once, when it is raised or its text changes.
    if (problems) problems->raise(std::string(kConflict), conflict, fix);
    if (rt.config.subnet || !rt.config.renumber_on_conflict) return;

    auto s = renumber(rt, host, conflict);
    if (s) {
        if (problems) {
            problems->clear(kConflict);
            problems->clear(kNoFreeSubnet);
        }
        return;
    }
    if (s.error().code == EADDRNOTAVAIL) {
        // Keep today's subnet: guests keep working towards everything but
        // the conflicting range.
        if (problems)
            problems->raise(std::string(kNoFreeSubnet),
                            "cannot move switch " + name + " away from " + rt.subnet.to_string() +
                                ": " + s.error().message,
                            "widen SubnetPool= or drop ExcludeSubnet= entries in " +
                                rt.config.source + ", then restart vswitchd");
        return;
    }
    log::error(s.error().message + ", keeping " + rt.subnet.to_string(),
               {{"VSWITCH_SWITCH", name}});
}

Status Renumberer::renumber(SwitchRuntime& rt, const std::vector<netlink::HostPrefix>& host,
                            const std::string& conflict) {
    const uint64_t started = monotonic_usec();
    const std::string& name = rt.config.name;
    const std::string what = "moving switch '" + name + "' to a free block";
    auto boot = manager_.boot_id();
    if (!boot) return boot.error().context(what);

    // The same draw as at start: the first free block in this boot's order
    // for this switch, now also avoiding the block we leave and the others'.
    auto taken = taken_besides(host, rt.ifindex, nullptr);
    for (const auto& other : manager_.switches_)
        if (&other != &rt) taken.push_back(other.subnet);
    taken.push_back(rt.subnet);
    subnet::SubnetRequest req;
    req.pool = rt.config.subnet_pool;
    req.prefix_length = rt.config.prefix_length;
    req.boot_id = *boot;
    req.switch_name = name;
    req.taken = taken;
    req.excluded = rt.config.exclude_subnets;
    auto chosen = subnet::choose_subnet(req);
    if (!chosen) return chosen.error();
    const Ipv4Prefix old = rt.subnet;
    const Ipv4Prefix fresh = chosen->normalized();
    const Ipv4 gateway = subnet::gateway_of(fresh);

    // The bridge first: DNS binds to the new gateway, and the nft rules and
    // DHCP replies must not name an address the host does not have.
    if (auto s = netlink::set_bridge_address(rt.ifindex, Ipv4Prefix(gateway, fresh.length())); !s)
        return s.error().context(what);
    rt.subnet = fresh;
    rt.gateway = gateway;

    // From here on the switch lives in the new block whatever fails: each
    // step is logged and the others still run, as in a teardown.
    Status first;
    auto note = [&](Status s, std::string_view step) {
        if (s) return;
        Error e = s.error().context(std::string(step));
        log::error(e.message + " (switch '" + name + "' renumbered to " + fresh.to_string() + ")",
                   {{"VSWITCH_SWITCH", name}});
        if (first) first = e;
    };
    // One transaction: the old table goes and the new one comes at once.
    note(manager_.apply_firewall(), "replacing nftables table inet vswitch");

    subnet::SubnetState st;
    st.boot_id = *boot;
    st.subnet = fresh;
    st.switch_name = name;
    note(write_file_atomic(manager_.options_.state_dir + "/" + name + ".subnet",
                           subnet::format_subnet_state(st)),
         "storing the new subnet");

    if (auto* dhcp = manager_.dhcp_server(name))
        note(dhcp->renumber(fresh, gateway), "renumbering DHCP");
    note(replace_dns(rt), "moving DNS to the new gateway");
    manager_.write_hosts();
    manager_.refresh_resolved();
    if (manager_.bus_) {
        int r = sd_bus_emit_properties_changed(manager_.bus_->get(), bus::switch_path(name).c_str(),
                                               bus::kSwitchInterface, "Subnet", "Gateway", nullptr);
        if (r < 0)
            log::warning("announcing the new subnet on D-Bus: " + std::string(strerror(-r)) +
                         ", ignoring");
    }
    sd_notifyf(0, "STATUS=%s", manager_.status_text().c_str());
    pulse_ports(name);
    ++renumbers_;
    log::notice("switch '" + name + "' moved from " + old.to_string() + " to " + fresh.to_string() +
                    " (gateway " + gateway.to_string() + ") in " +
                    std::to_string((monotonic_usec() - started) / 1000) + " ms: " + conflict,
                {{"VSWITCH_SWITCH", name}, {"VSWITCH_SUBNET", fresh.to_string()}});
    return first;
}

// DNS listens on the gateway only, so it moves with it: a new service on
// the new address, fed with the names the old one had.
Status Renumberer::replace_dns(const SwitchRuntime& rt) {
    auto& services = manager_.dns_;
    auto it = std::find_if(services.begin(), services.end(),
                           [&](const auto& d) { return d->switch_name() == rt.config.name; });
    if (it == services.end()) return {};
    it->reset();  // frees gateway:53 sockets and pending queries first
    std::vector<Ipv4> gateways;
    for (const auto& s : manager_.switches_) gateways.push_back(s.gateway);
    dns::DnsServiceConfig c{rt.config.name, rt.config.bridge, rt.subnet,
                            rt.gateway,     rt.config.domain, manager_.options_.resolv_conf,
                            gateways};
    auto svc = dns::DnsService::create(event_, std::move(c));
    if (!svc) {
        services.erase(it);
        return svc.error();
    }
    dns::DnsService& dns = **svc;
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) == 0 && host[0] != 0)
        (void)dns.set_name(dns::RecordSource::host, "host", host, rt.gateway);
    if (auto* dhcp = manager_.dhcp_server(rt.config.name))
        for (const auto& l : dhcp->leases())
            manager_.on_lease_names(dns, dhcp::LeaseEvent::added, l);
    Manager& m = manager_;
    dns.set_on_names_changed([&m] { m.write_hosts(); });
    *it = std::move(*svc);
    return {};
}

void Renumberer::pulse_ports(const std::string& switch_name) {
    auto& ports = manager_.ports_;
    if (!ports) return;
    for (const auto* p : ports->list(switch_name)) {
        if (!p->connected) continue;  // a cable the user pulled stays pulled
        std::string ifname = p->ifname;
        if (auto s = ports->set_connected(ifname, false); !s) {
            log::warning(s.error().context("pulsing the carrier").message + ", ignoring",
                         {{"VSWITCH_PORT", ifname}});
            continue;
        }
        pulled_.push_back(std::move(ifname));
    }
    if (pulled_.empty()) return;
    uint64_t now = 0;
    sd_event_now(event_, CLOCK_MONOTONIC, &now);
    sd_event_source_set_time(reconnect_timer_.get(), now + kCarrierPulseUsec);
    sd_event_source_set_enabled(reconnect_timer_.get(), SD_EVENT_ONESHOT);
}

int Renumberer::on_reconnect(sd_event_source*, uint64_t, void* userdata) noexcept {
    try {
        static_cast<Renumberer*>(userdata)->reconnect();
    } catch (...) {
        log::error("renumber: unexpected exception while reconnecting ports, ignoring");
    }
    return 0;
}

void Renumberer::reconnect() {
    auto pulled = std::move(pulled_);
    pulled_.clear();
    if (!manager_.ports_) return;
    for (const auto& ifname : pulled) {
        if (!manager_.ports_->find(ifname)) continue;  // detached meanwhile
        if (auto s = manager_.ports_->set_connected(ifname, true); !s)
            log::warning(
                s.error().context("reconnecting after the carrier pulse").message + ", ignoring",
                {{"VSWITCH_PORT", ifname}});
    }
}

}  // namespace vswitch
