// A switch repairs what it owns when someone else undoes it (issue 13,
// "self-healing beyond the nft table"): `ip link del` of its bridge, `ip
// link set ... down`, `ip addr flush`, a port pulled out of the bridge or a
// TAP of the daemon's deleted. The observer's notifications only say where
// to look; a repair looks at the kernel's state, plans with the pure
// health::plan_bridge_repair() and applies the plan with the same netlink
// helpers bring-up uses. It runs through a throttle (one repair per burst
// of notifications), logs once per repair with the cause, counts it, and
// backs off and raises a problem while someone keeps undoing it
// ("bridge-fight") or while it fails ("bridge-repair-failed").
#include "daemon/switch/heal.h"

#include <time.h>

#include "daemon/log.h"
#include "daemon/netlink/address.h"
#include "daemon/netlink/bridge.h"
#include "daemon/netlink/link.h"
#include "daemon/switch/switch.h"

namespace vswitch {

namespace {

const health::RepairCounts kNoRepairs{};
// A qdisc deletion's burst (ours included: apply_bandwidth re-makes the
// ingress qdisc) is in within this; the repair then dumps the qdiscs once.
constexpr uint64_t kBandwidthRepairDelayUsec = 200'000;

uint64_t monotonic_usec() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000 + uint64_t(ts.tv_nsec) / 1000;
}

std::string seconds_text(uint64_t usec) {
    uint64_t tenths = (usec + 50'000) / 100'000;
    return std::to_string(tenths / 10) + (tenths % 10 ? "." + std::to_string(tenths % 10) : "") +
           " s";
}

}  // namespace

const health::RepairCounts& Switch::repairs() const {
    return heal_ ? heal_->counts : kNoRepairs;
}

Status Switch::start_healing() {
    // An external bridge re-made without its NIC and the host's addresses
    // would be no repair: its NIC is watched instead (external.cc).
    if (is_external()) return {};
    const std::string what = "watching the bridge of switch '" + config_.name + "'";
    auto h = std::make_unique<SwitchHealing>();
    auto repair = event::Throttle::create(services_.event,
                                          "repairing the bridge of switch '" + config_.name + "'",
                                          {health::kBridgeRepairDelayUsec, 0}, [this] { heal(); });
    if (!repair) return repair.error().context(what);
    h->repair = std::move(*repair);
    auto fight = event::Timer::create(services_.event,
                                      "ending a bridge fight of switch '" + config_.name + "'",
                                      [this] { end_bridge_fight(); });
    if (!fight) return fight.error().context(what);
    h->fight_over = std::move(*fight);
    // Lost notifications: look at everything again.
    h->links = services_.observer->watch_links(
        [this](const netlink::LinkEvent& ev) { on_heal_link(ev); }, [this] { request_heal(); });
    if (has_address())
        h->addresses = services_.observer->watch_addresses(
            [this](const netlink::AddressEvent& ev) { on_heal_address(ev); },
            [this] { request_heal(); });
    auto bw = event::Throttle::create(services_.event,
                                      "repairing the port bandwidth limits of switch '" + config_.name + "'",
                                      {kBandwidthRepairDelayUsec, 0}, [this] { ports_.repair_bandwidth(); });
    if (!bw) return bw.error().context(what);
    h->bandwidth = std::move(*bw);
    h->qdiscs = services_.observer->watch_qdisc_deletions(
        [this](int) {
            if (heal_) heal_->bandwidth.request();
        },
        [this] {
            if (heal_) heal_->bandwidth.request();
        });
    heal_ = std::move(h);
    // A TAP the daemon made is made again rather than forgotten: its record
    // (VM, MAC, owner) and the name QEMU is told stay valid. Someone else's
    // interface (libvirt's vnetN, a veth) cannot be, and is forgotten.
    ports_.set_keep_vanished([this](const ports::PortRecord& p) {
        if (!p.created || p.opened || !heal_) return false;  // an opened TAP went with its fd
        request_heal();
        return true;
    });
    // Whatever was undone between bring-up and now.
    request_heal();
    return {};
}

void Switch::on_heal_link(const netlink::LinkEvent& ev) {
    bool look = false;
    if (ev.ifindex == ifindex_)
        look = ev.deleted || !ev.up;  // the bridge deleted or set down
    else if (ev.name == config_.bridge)
        look = true;  // another interface under its name
    else if (!ev.deleted && ports_.find(ev.name))
        look = ev.master != ifindex_;  // a port unplugged
    // A deleted port comes through the PortStore and the keep handler.
    if (look) request_heal();
    // A port's MaximumBandwidth ifb deleted (ports::ifb_name_for).
    if (ev.deleted && ev.name.rfind("vsbw", 0) == 0 && heal_) heal_->bandwidth.request();
}

void Switch::on_heal_address(const netlink::AddressEvent& ev) {
    // After a renumber the old gateway's removal is our own: not gateway_.
    if (ev.deleted && ev.ifindex == ifindex_ && ev.address == gateway_) request_heal();
}

void Switch::request_heal() {
    if (!heal_ || heal_->repair.pending()) return;  // part of the burst already seen
    const uint64_t now = event::now(services_.event);
    heal_->first_seen = now;
    heal_->repair.request_in(heal_->backoff.delay(now));
}

void Switch::heal() {
    SwitchHealing& h = *heal_;
    const std::string& name = config_.name;
    netlink::RouteSocket& sock = *services_.sock;
    const uint64_t started = monotonic_usec();

    // The kernel's state now decides; a notification may be stale or our own.
    Status looked;
    health::ObservedBridge bridge;
    if (auto link = netlink::get_link(sock, config_.bridge)) {
        bridge.exists = true;
        bridge.ifindex = link->ifindex;
        bridge.up = link->up;
        if (has_address()) {
            auto has =
                netlink::has_address(sock, link->ifindex, Ipv4Prefix(gateway_, subnet_.length()));
            if (has)
                bridge.has_gateway = *has;
            else
                looked = has.error();
        }
    } else if (link.error().code != ENODEV) {
        looked = link.error();
    }
    std::vector<health::ObservedPort> observed;
    for (const ports::Port* p : ports_.list()) {
        health::ObservedPort o{p->record.ifname, false, p->record.created && !p->record.opened, 0};
        if (auto l = netlink::get_link(sock, o.ifname)) {
            o.exists = true;
            o.master = l->master;
        } else if (l.error().code != ENODEV) {
            if (looked) looked = l.error();
            continue;
        }
        observed.push_back(std::move(o));
    }
    const health::RepairPlan plan =
        looked ? health::plan_bridge_repair(bridge, ifindex_, has_address(), observed)
               : health::RepairPlan{};
    const std::string fault =
        looked ? health::describe_fault(plan, config_.bridge) : "the bridge's state cannot be read";
    Status s = looked;
    if (s && (!plan.empty() || h.rebind_pending)) s = apply_repair(plan);
    if (!s) {
        // Tried again later, further apart each time; the problem (logged
        // once by the registry) says what fails meanwhile.
        ++h.failures;
        problems_.raise(
            health::kBridgeRepairFailed,
            "vswitchd cannot repair switch " + name + " (" + fault + "): " + s.error().message +
                "; VMs on it may be offline, and vswitchd keeps trying",
            "ip -d link show " + config_.bridge +
                "  # remove what holds the name or refuses the change; vswitchd repairs it then");
        log::debug("switch '" + name + "': repair attempt " + std::to_string(h.failures) +
                       " failed: " + s.error().message + ", retrying in " +
                       seconds_text(health::bridge_retry_delay(h.failures)),
                   {{"VSWITCH_SWITCH", name}});
        h.repair.request_in(health::bridge_retry_delay(h.failures));
        return;
    }
    const bool had_failed = h.failures > 0;
    h.failures = 0;
    if (had_failed) problems_.clear(health::kBridgeRepairFailed);
    if (plan.empty()) return;  // someone else put it right, or it was our own change

    const uint64_t now = event::now(services_.event);
    h.counts.add(plan);
    h.backoff.record_repair(now);
    h.last_repair = now;
    log::notice("switch '" + name + "': " + fault + "; " + health::describe_repair(plan) + " in " +
                    std::to_string((monotonic_usec() - started) / 1000) + " ms, " +
                    std::to_string((now - h.first_seen) / 1000) + " ms after noticing (repair " +
                    std::to_string(h.counts.repairs) + ")",
                {{"VSWITCH_SWITCH", name},
                 {"VSWITCH_BRIDGE", config_.bridge},
                 {"VSWITCH_REPAIRS", std::to_string(h.counts.repairs)}});
    services_.host->on_repaired(*this, plan.recreate_bridge);
    if (h.backoff.fighting(now)) {
        h.fight_raised = true;
        h.fight_over.arm_at(now + health::kBridgeFightWindowUsec);
        // The text stays the same through a fight: logged once, not per repair.
        problems_.raise(health::kBridgeFight,
                        "the bridge or ports of switch " + name + " keep being undone (" +
                            std::to_string(health::kBridgeFightThreshold) + " repairs within " +
                            seconds_text(health::kBridgeFightWindowUsec) +
                            "); vswitchd waits up to " +
                            seconds_text(health::kBridgeMaxBackoffUsec) +
                            " between repairs, and VMs are offline meanwhile",
                        "stop the program or script that changes " + config_.bridge +
                            " (ip monitor link address shows the changes)");
    }
}

Status Switch::apply_repair(const health::RepairPlan& plan) {
    netlink::RouteSocket& sock = *services_.sock;
    // The bridge, its state and its address first: ports and sockets need them.
    if (plan.recreate_bridge) {
        auto ifindex = netlink::ensure_bridge(sock, config_.bridge, config_.mtu);
        if (!ifindex) return ifindex.error();
        ifindex_ = *ifindex;
        // The DHCP and DNS sockets are bound to the old index.
        if (has_address()) heal_->rebind_pending = true;
    }
    if (plan.bring_up)
        if (auto s = netlink::set_link_up(sock, ifindex_); !s) return s;
    if (plan.restore_address)
        if (auto s =
                netlink::set_bridge_address(sock, ifindex_, Ipv4Prefix(gateway_, subnet_.length()));
            !s)
            return s;
    Status first;
    auto note = [&](Status s) {
        if (!s && first) first = s;
    };
    if (heal_->rebind_pending) {
        // New services the way bring-up makes them; the old DHCP server
        // flushes its leases to the file the new one loads.
        dhcp_.reset();
        Status d = start_dhcp();
        Status n = d ? start_dns_on_gateway() : Status(d);
        if (d && n) heal_->rebind_pending = false;
        note(d ? n : d);
    }
    // Each port on its own: one that cannot be plugged keeps no other out.
    for (const auto& ifname : plan.forget) ports_.forget_vanished(ifname);
    for (const auto& ifname : plan.recreate) note(ports_.recreate_tap(ifname));
    for (const auto& ifname : plan.replug) note(ports_.replug(ifname));
    return first;
}

void Switch::end_bridge_fight() {
    SwitchHealing& h = *heal_;
    if (!h.fight_raised) return;
    const uint64_t now = event::now(services_.event);
    if (now < h.last_repair + health::kBridgeFightWindowUsec) {
        h.fight_over.arm_at(h.last_repair + health::kBridgeFightWindowUsec);
        return;
    }
    h.fight_raised = false;
    problems_.clear(health::kBridgeFight);
}

}  // namespace vswitch
