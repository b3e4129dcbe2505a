// A switch keeps its subnet clear of the host's network at runtime (issue
// 7, "conflicts at runtime"): on every burst of address/route/rule changes
// the Manager dumps the host's prefixes once and lets each switch check
// itself; a switch whose subnet now overlaps one raises "subnet-conflict"
// and moves to the next free block of the same per-boot draw.
#include <time.h>

#include "daemon/log.h"
#include "daemon/netlink/address.h"
#include "daemon/switch/subnet_choice.h"
#include "daemon/switch/switch.h"
#include "libvswitch/subnet/chooser.h"
#include "libvswitch/subnet/renumber.h"

namespace vswitch {

namespace {

constexpr std::string_view kConflict = "subnet-conflict";
constexpr std::string_view kNoFreeSubnet = "no-free-subnet";

uint64_t monotonic_usec() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000 + uint64_t(ts.tv_nsec) / 1000;
}

}  // namespace

void Switch::check_subnet(const std::vector<netlink::HostPrefix>& host) {
    // A private switch has no address on the host: nothing to collide.
    if (!has_address()) return;
    std::vector<const netlink::HostPrefix*> origin;
    auto taken = taken_besides(host, ifindex_, &origin);
    auto hit = subnet::first_overlap(subnet_, taken);
    if (!hit) {
        problems_.clear(kConflict);
        problems_.clear(kNoFreeSubnet);
        return;
    }
    const std::string& name = config_.name;
    std::string conflict =
        netlink::describe(*origin[*hit]) + " overlaps switch " + name + "'s " + subnet_.to_string();
    std::string fix;
    if (config_.subnet)
        fix = "change Subnet= in " + config_.source + " to a free prefix, then restart vswitchd";
    else if (!config_.renumber_on_conflict)
        fix = "restart vswitchd to move the switch to a free block, or set RenumberOnConflict=yes in " +
              config_.source;
    else
        fix = "none needed: vswitchd moves the switch to a free block";
    // The registry logs a problem once, when it is raised or its text changes.
    problems_.raise(std::string(kConflict), conflict, fix);
    if (config_.subnet || !config_.renumber_on_conflict) return;

    // The same draw as at start: the first free block in this boot's order
    // for this switch, now also avoiding the block we leave and the others'.
    auto avoid = taken;
    for (const auto& other : services_.host->subnets_besides(*this)) avoid.push_back(other);
    avoid.push_back(subnet_);
    auto block = choose_block(config_, services_.boot_id, avoid);
    Status s = block ? renumber(*block, conflict) : Status(block.error());
    if (s) {
        problems_.clear(kConflict);
        problems_.clear(kNoFreeSubnet);
        return;
    }
    if (s.error().code == EADDRNOTAVAIL) {
        // Keep today's subnet: guests keep working towards everything but
        // the conflicting range.
        problems_.raise(std::string(kNoFreeSubnet),
                        "cannot move switch " + name + " away from " + subnet_.to_string() + ": " + s.error().message,
                        "widen SubnetPool= or drop ExcludeSubnet= entries in " + config_.source +
                            ", then restart vswitchd");
        return;
    }
    log::error(s.error().message + ", keeping " + subnet_.to_string(), {{"VSWITCH_SWITCH", name}});
}

Status Switch::renumber(Ipv4Prefix block, std::string_view reason) {
    const uint64_t started = monotonic_usec();
    const std::string& name = config_.name;
    const std::string what = "moving switch '" + name + "' to a free block";
    const Ipv4Prefix old = subnet_;
    const Ipv4Prefix fresh = block.normalized();
    const Ipv4 gateway = subnet::gateway_of(fresh);

    // The bridge first: DNS binds to the new gateway, and the nft rules and
    // DHCP replies must not name an address the host does not have.
    if (auto s = netlink::set_bridge_address(*services_.sock, ifindex_, Ipv4Prefix(gateway, fresh.length())); !s)
        return s.error().context(what);
    subnet_ = fresh;
    gateway_ = gateway;

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
    note(services_.host->apply_firewall(), "replacing nftables table inet vswitch");
    note(store_subnet(), "storing the new subnet");
    if (dhcp_) note(dhcp_->renumber(fresh, gateway), "renumbering DHCP");
    // DNS listens on the gateway only, so it moves with it: a new service
    // on the new address, fed with the names the old one had.
    if (dns_) note(start_dns_on_gateway(), "moving DNS to the new gateway");
    services_.host->on_names_changed(*this);
    services_.host->on_renumbered(*this);
    pulse_ports();
    ++renumbers_;
    log::notice("switch '" + name + "' moved from " + old.to_string() + " to " + fresh.to_string() +
                    " (gateway " + gateway.to_string() + ") in " +
                    std::to_string((monotonic_usec() - started) / 1000) + " ms" +
                    (reason.empty() ? "" : ": " + std::string(reason)),
                {{"VSWITCH_SWITCH", name}, {"VSWITCH_SUBNET", fresh.to_string()}});
    return first;
}

// Pulls the virtual cable of each connected port for kCarrierPulseUsec, so
// guests see a link change and rebind at once.
void Switch::pulse_ports() {
    for (const ports::Port* p : ports_.list()) {
        if (!p->record.connected) continue;  // a cable the user pulled stays pulled
        std::string ifname = p->record.ifname;
        if (auto s = ports_.set_connected(ifname, false); !s) {
            log::warning(s.error().context("pulsing the carrier").message + ", ignoring",
                         {{"VSWITCH_PORT", ifname}});
            continue;
        }
        pulled_.push_back(std::move(ifname));
    }
    if (!pulled_.empty()) reconnect_.arm_in(kCarrierPulseUsec);
}

void Switch::reconnect_ports() {
    auto pulled = std::move(pulled_);
    pulled_.clear();
    for (const auto& ifname : pulled) {
        if (!ports_.find(ifname)) continue;  // detached meanwhile
        if (auto s = ports_.set_connected(ifname, true); !s)
            log::warning(s.error().context("reconnecting after the carrier pulse").message + ", ignoring",
                         {{"VSWITCH_PORT", ifname}});
    }
}

}  // namespace vswitch
