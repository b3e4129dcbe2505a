// Type=external (issue 20): the switch's bridge takes a host NIC as a port,
// and when shared the NIC's addresses and routes move onto the bridge, in
// the order the pure plan gives (libvswitch/external/plan.h). What moved is
// in <state-dir>/<switch>.external (atomic write + fsync) before the first
// step and marked done after the last, so a teardown after a kill -9 or a
// restart gives back exactly that, and a restart finding the bridge done
// adopts it without moving anything.
#include "daemon/switch/external.h"

#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "daemon/log.h"
#include "daemon/netlink/link.h"
#include "daemon/netlink/nic_state.h"
#include "daemon/switch/external_owners.h"
#include "daemon/switch/switch.h"
#include "libvswitch/base/file.h"
#include "libvswitch/base/handle.h"
#include "libvswitch/external/record.h"

namespace vswitch {

namespace {

constexpr std::string_view kRecordSuffix = ".external";

uint64_t boottime_now() {
    timespec ts{};
    clock_gettime(CLOCK_BOOTTIME, &ts);
    return uint64_t(ts.tv_sec);
}

Result<external::Record> read_record(const std::string& path) {
    auto text = read_file(path, external::kMaxRecordSize);
    if (!text) return text.error();
    auto r = external::parse_record(*text);
    if (!r) return r.error().context(path);
    return r;
}

Status save_record(const std::string& path, const external::Record& r) {
    auto s = write_file_atomic(path, external::format_record(r), 0600);
    return s ? s
             : Status(s.error().context("storing what switch '" + r.switch_name + "' moves in " +
                                        path));
}

// Runs every step, on after a failure; the first error is returned.
Status run_all(netlink::RouteSocket& sock, const std::vector<external::Step>& steps) {
    Status first;
    for (const auto& step : steps) {
        auto s = netlink::apply_step(sock, step);
        if (s) continue;
        log::warning(s.error().message);
        if (first) first = s;
    }
    return first;
}

Status play_back(netlink::RouteSocket& sock, const external::Record& r) {
    uint64_t now = boottime_now();
    uint64_t elapsed = now > r.nic.taken_at_sec ? now - r.nic.taken_at_sec : 0;
    return run_all(sock, external::plan_teardown(r.nic, r.bridge, elapsed));
}

std::vector<std::string> record_files(const std::string& dir) {
    std::vector<std::string> out;
    UniqueHandle<DIR, ::closedir> d(::opendir(dir.c_str()));
    if (!d) return out;
    while (const dirent* e = ::readdir(d.get())) {
        std::string_view n = e->d_name;
        if (n.size() > kRecordSuffix.size() && n.ends_with(kRecordSuffix) && n.front() != '.')
            out.push_back(dir + "/" + std::string(n));
    }
    return out;
}

}  // namespace

std::string external_record_path(const std::string& state_dir, const std::string& switch_name) {
    return state_dir + "/" + switch_name + std::string(kRecordSuffix);
}

Status restore_external(netlink::RouteSocket& sock, const std::string& path) {
    auto r = read_record(path);
    if (!r) {
        if (r.error().code == ENOENT) return {};
        return r.error().context("giving an external switch's NIC back");
    }
    log::info("switch '" + r->switch_name + "': giving '" + r->nic.name + "' back its " +
                  std::to_string(r->nic.addresses.size()) + " addresses and " +
                  std::to_string(r->nic.routes.size()) + " routes from bridge '" + r->bridge + "'",
              {{"VSWITCH_SWITCH", r->switch_name}, {"VSWITCH_BRIDGE", r->bridge}});
    Status s = play_back(sock, *r);
    // Once played back, whatever failed is reported: the record is done.
    if (::unlink(path.c_str()) < 0 && errno != ENOENT)
        log::warning("removing " + path + ": " + std::strerror(errno) + ", ignoring");
    return s;
}

Status restore_unconfigured_externals(netlink::RouteSocket& sock, const std::string& state_dir,
                                      const Config& config) {
    Status first;
    for (const auto& path : record_files(state_dir)) {
        auto r = read_record(path);
        if (!r) {
            log::warning(r.error().message + ", ignoring");
            continue;
        }
        bool configured = false;
        for (const auto& sw : config.extra_switches)
            configured |= sw.type == SwitchType::external && sw.name == r->switch_name &&
                          sw.bridge == r->bridge;
        if (configured) continue;  // the switch itself decides (build_external)
        if (auto s = restore_external(sock, path); !s && first) first = s;
    }
    return first;
}

Status restore_all_externals(netlink::RouteSocket& sock, const std::string& state_dir) {
    Status first;
    for (const auto& path : record_files(state_dir))
        if (auto s = restore_external(sock, path); !s && first) first = s;
    return first;
}

// The NIC as configured: by name, or the one interface with the MAC.
static Result<std::string> resolve_nic(netlink::RouteSocket& sock, const SwitchConfig& c) {
    if (!c.interface.empty()) return c.interface;
    auto name = netlink::ifname_by_mac(sock, *c.interface_mac);
    if (!name) return name.error().context("finding Interface=" + c.interface_mac->to_string());
    return name;
}

Status Switch::build_external() {
    netlink::RouteSocket& sock = *services_.sock;
    const std::string path = external_record_path(services_.state_dir, config_.name);
    auto nic = resolve_nic(sock, config_);
    // A NIC found by MAC may be gone while its bridge carries the MAC:
    // the record still names it.
    auto old = read_record(path);
    if (!nic && old && old->bridge == config_.bridge) nic = old->nic.name;
    if (!nic) return nic.error();
    nic_ = *nic;

    if (old) {
        auto bridge = netlink::get_link(sock, config_.bridge);
        auto link = netlink::get_link(sock, nic_);
        if (old->state == external::MoveState::done && old->nic.name == nic_ &&
            old->bridge == config_.bridge && old->share_with_host == config_.share_with_host &&
            bridge && bridge->kind == "bridge" && link && link->master == bridge->ifindex) {
            ifindex_ = bridge->ifindex;
            created_bridge_ = false;
            return {};  // a restart: the bridge is as the last run left it
        }
        // Half done (a crash mid-way) or something else now: back first.
        log::info("switch '" + config_.name + "': the last switch-over of '" + old->nic.name +
                      "' did not finish or no longer matches the configuration: undoing it first",
                  {{"VSWITCH_SWITCH", config_.name}});
        if (auto s = restore_external(sock, path); !s) return s;
    } else if (old.error().code != ENOENT) {
        return old.error().context("reading what switch '" + config_.name + "' moved");
    }

    if (auto existing = netlink::get_link(sock, config_.bridge); existing)
        return make_error(EEXIST, "bridge '" + config_.bridge +
                                      "' exists already and is not one this daemon "
                                      "made for '" +
                                      nic_ + "': delete it, or set Bridge= to another name");

    auto facts = netlink::nic_facts(sock, nic_);
    if (!facts) return facts.error().context("Interface=" + nic_);
    if (config_.share_with_host) ask_network_managers(*facts);
    if (auto s =
            external::check_nic(*facts, {config_.name, config_.bridge, 0, config_.share_with_host});
        !s)
        return s;

    auto snap = netlink::snapshot_nic(sock, nic_);
    if (!snap) return snap.error();
    external::Record rec{config_.name, config_.bridge, config_.share_with_host,
                         external::MoveState::moving, *snap};
    if (auto s = save_record(path, rec); !s) return s;  // nothing moved yet: nothing to undo

    auto steps = external::plan_switch_over(rec.nic, config_.bridge, config_.share_with_host);
    auto t0 = std::chrono::steady_clock::now();
    for (const auto& step : steps) {
        auto s = netlink::apply_step(sock, step);
        if (s) continue;
        // Back to how it was, then the reason.
        log::warning(
            "switch '" + config_.name + "': " + s.error().message + "; giving '" + nic_ + "' back",
            {{"VSWITCH_SWITCH", config_.name}});
        (void)restore_external(sock, path);
        return s.error().context("putting '" + nic_ + "' into bridge '" + config_.bridge + "'");
    }
    auto us =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    rec.state = external::MoveState::done;
    if (auto s = save_record(path, rec); !s)
        log::warning(s.error().message + "; a restart will move it again",
                     {{"VSWITCH_SWITCH", config_.name}});
    auto ifindex = netlink::link_index(sock, config_.bridge);
    if (!ifindex) return ifindex.error();
    ifindex_ = *ifindex;
    created_bridge_ = true;
    size_t moved_addrs = 0, moved_routes = 0;
    for (const auto& a : rec.nic.addresses) moved_addrs += external::moves_address(a);
    for (const auto& r : rec.nic.routes) moved_routes += external::moves_route(r);
    log::info("switch '" + config_.name + "': '" + nic_ + "' is in bridge '" + config_.bridge +
                  "'" +
                  (config_.share_with_host
                       ? ", its " + std::to_string(moved_addrs) + " addresses and " +
                             std::to_string(moved_routes) + " routes moved onto the bridge"
                       : " (dedicated: its " + std::to_string(moved_addrs) +
                             " addresses are off the host)") +
                  " in " + std::to_string(steps.size()) + " steps, " + std::to_string(us) + " µs",
              {{"VSWITCH_SWITCH", config_.name}, {"VSWITCH_BRIDGE", config_.bridge}});
    return {};
}

Status Switch::teardown_external() {
    nic_watch_.reset();
    netlink::RouteSocket& sock = *services_.sock;
    const std::string path = external_record_path(services_.state_dir, config_.name);
    if (::access(path.c_str(), F_OK) == 0) return restore_external(sock, path);
    auto s = netlink::delete_link_if_exists(sock, config_.bridge);
    return s ? s : Status(s.error().context("switch '" + config_.name + "'"));
}

void Switch::watch_nic() {
    if (config_.type != SwitchType::external) return;
    nic_watch_ = services_.observer->watch_links(
        [this](const netlink::LinkEvent& ev) {
            if (ev.name == nic_ || ev.ifindex == nic_ifindex_) check_nic_link();
        },
        [this] { check_nic_link(); });
    check_nic_link();
}

void Switch::check_nic_link() {
    auto link = netlink::get_link(*services_.sock, nic_);
    if (!link) {
        if (link.error().code != ENODEV) return;
        problems_.clear(kNicNoCarrier);
        problems_.raise(std::string(kNicGone),
                        "interface '" + nic_ + "' of external switch " + config_.name +
                            " is gone: its guests are off the LAN",
                        "plug the adapter back in (the switch takes it back when it returns)");
        return;
    }
    nic_ifindex_ = link->ifindex;
    problems_.clear(kNicGone);
    if (link->master != ifindex_ && ifindex_ > 0) {
        // Back after vanishing (a USB adapter re-plugged): into the bridge again.
        auto s = netlink::change_link(*services_.sock, *link,
                                      netlink::LinkChange{.master = ifindex_, .up = true});
        if (!s)
            log::warning(s.error().context("switch '" + config_.name + "'").message + ", ignoring");
        else
            log::info("switch '" + config_.name + "': '" + nic_ + "' is back in bridge '" +
                          config_.bridge + "'",
                      {{"VSWITCH_SWITCH", config_.name}});
        if (auto again = netlink::get_link(*services_.sock, nic_)) link = std::move(again);
    }
    if (!link->carrier)
        problems_.raise(std::string(kNicNoCarrier),
                        "interface '" + nic_ + "' of external switch " + config_.name +
                            " has no carrier: its guests are off the LAN",
                        "check the cable or the port it plugs into");
    else
        problems_.clear(kNicNoCarrier);
}

}  // namespace vswitch
