#include "daemon/ports/port_manager.h"

#include "daemon/log.h"
#include "libvswitch/ports/limits.h"
#include "daemon/ports/tap.h"
#include "libvswitch/base/file.h"
#include "libvswitch/base/text.h"

namespace vswitch::ports {

namespace {

// The kernel numbers TAPs we name ourselves: vstap0, vstap1, ...
constexpr const char* kTapNamePattern = "vstap%d";

}  // namespace

Result<std::unique_ptr<PortManager>> PortManager::create(std::string state_dir, BridgeLookup bridges,
                                                         size_t max_ports, sd_event* event) {
    auto links = LinkControl::create();
    if (!links) return links.error().context("starting the port manager");
    EventPtr loop;
    if (event) {
        loop.reset(sd_event_ref(event));
    } else {
        sd_event* raw = nullptr;
        if (int r = sd_event_default(&raw); r < 0)
            return errno_error(r, "starting the port manager: getting the event loop");
        loop.reset(raw);
    }
    auto pm = std::make_unique<PortManager>(PortManager::Key(), std::move(state_dir), std::move(bridges),
                                            std::move(*links), max_ports, std::move(loop));
    sd_event_source* timer = nullptr;
    if (int r = sd_event_add_time(pm->event_.get(), &timer, CLOCK_MONOTONIC, 0, 0, on_save_timer, pm.get());
        r < 0)
        return errno_error(r, "starting the port manager: adding the ports file timer");
    pm->save_timer_.reset(timer);
    sd_event_source_set_enabled(timer, SD_EVENT_OFF);
    auto watch = LinkWatch::create(pm->event_.get(),
                                   [p = pm.get()](const std::vector<std::string>& names, bool overrun) {
                                       p->on_links_deleted(names, overrun);
                                   });
    if (!watch) return watch.error().context("starting the port manager");
    pm->watch_ = std::move(*watch);
    return pm;
}

void PortManager::on_links_deleted(const std::vector<std::string>& names, bool overrun) {
    std::vector<std::string> suspects;
    if (overrun) {
        for (const auto& [name, _] : ports_) suspects.push_back(name);
    } else {
        for (const auto& n : names)
            if (ports_.count(n)) suspects.push_back(n);
    }
    for (const auto& name : suspects) {
        // The notification may be stale (deleted, then made again under the
        // same name): only the kernel's present state decides.
        auto link = links_.get(name);
        if (link || link.error().code != ENODEV) continue;
        auto it = ports_.find(name);
        if (it == ports_.end()) continue;
        PortRecord gone = std::move(it->second);
        ports_.erase(it);
        log::notice("port '" + gone.ifname + "' of switch '" + gone.switch_name +
                        "' was deleted by someone else, forgetting it",
                    {{"VSWITCH_SWITCH", gone.switch_name}, {"VSWITCH_PORT", gone.ifname}});
        (void)save();
        notify(PortEvent::vanished, gone);
    }
}

void PortManager::notify(PortEvent event, const PortRecord& port) {
    // A copy: a listener may change the ports (and invalidate `port`).
    const PortRecord p = port;
    for (const auto& fn : listeners_) fn(event, p);
}

PortManager::~PortManager() {
    // Clean stop: every attached port is in the file.
    if (auto s = flush(); !s) log::warning(s.error().message + ", ports rest on their interface aliases");
}

int PortManager::on_save_timer(sd_event_source*, uint64_t, void* userdata) noexcept {
    try {
        if (auto s = static_cast<PortManager*>(userdata)->flush(); !s)
            log::warning(s.error().message + ", retrying at the next change");
    } catch (...) {
    }
    return 0;
}

Result<LinkInfo> PortManager::bridge_of(std::string_view switch_name) {
    auto bridge = bridges_(switch_name);
    if (!bridge) return make_error(ENOENT, "no switch " + quoted(switch_name));
    auto link = links_.get(*bridge);
    if (!link) return link.error().context("switch " + quoted(switch_name));
    return link;
}

Status PortManager::check_room() const {
    if (ports_.size() >= max_ports_)
        return make_error(E2BIG, "the limit of " + std::to_string(max_ports_) + " ports is reached");
    return ok_status();
}

Result<Mac> PortManager::pick_mac(std::string_view vm) const {
    for (unsigned i = 0; i < kMaxAdaptersPerVm; ++i) {
        Mac m = stable_mac(vm, i);
        bool used = false;
        for (const auto& [_, p] : ports_) used = used || p.mac == m;
        if (!used) return m;
    }
    return make_error(E2BIG, "VM " + quoted(vm) + " has " + std::to_string(kMaxAdaptersPerVm) +
                                 " adapters already");
}

Status PortManager::plug(const PortRecord& p, const LinkInfo& link, const LinkInfo& bridge) {
    LinkChange c;
    if (link.master != bridge.ifindex) c.master = bridge.ifindex;
    if (p.mtu) c.mtu = p.mtu;
    if (p.created) c.mac = host_side_mac(p.mac);
    if (std::string alias = format_port_alias(p); alias != link.alias) c.alias = std::move(alias);
    c.up = true;
    if (auto s = links_.change(link, c); !s)
        return s.error().context("plugging " + quoted(p.ifname) + " into " + quoted(bridge.name));
    if (!p.connected) return apply_connected(p, link, false);
    return ok_status();
}

Status PortManager::apply_connected(const PortRecord& p, const LinkInfo& link, bool connected) {
    LinkChange c;
    // A TAP has a carrier the daemon can switch (IFLA_CARRIER reaches the
    // same tun_net_change_carrier() as TUNSETCARRIER, without having to
    // attach a queue that QEMU may hold). Other links go down instead, which
    // a veth's peer sees as carrier loss.
    if (link.kind == "tun") c.carrier = connected;
    else c.up = connected;
    PortRecord changed = p;
    changed.connected = connected;
    c.alias = format_port_alias(changed);
    if (auto s = links_.change(link, c); !s)
        return s.error().context(std::string(connected ? "connecting " : "disconnecting ") +
                                 quoted(p.ifname));
    return ok_status();
}

Result<AttachResult> PortManager::attach_adapter(const AdapterRequest& req) {
    if (auto s = validate_vm_name(req.vm, false); !s) return s.error();
    if (req.ifname) {
        if (auto s = validate_ifname(*req.ifname); !s) return s.error();
    }
    if (req.mtu) {
        if (auto s = validate_mtu(*req.mtu); !s) return s.error();
    }
    auto bridge = bridge_of(req.switch_name);
    if (!bridge) return bridge.error();
    if (req.mac) {
        for (const auto& [_, p] : ports_) {
            if (p.mac != *req.mac) continue;
            if (p.vm == req.vm && p.switch_name == req.switch_name && p.created &&
                (!req.ifname || *req.ifname == p.ifname))
                return AttachResult{&p, false};
            return make_error(EEXIST, "MAC " + req.mac->to_string() + " is already used by port " +
                                          quoted(p.ifname) + " of VM " + quoted(p.vm));
        }
    }
    if (req.ifname && ports_.count(*req.ifname))
        return make_error(EEXIST, "port " + quoted(*req.ifname) + " exists");
    if (auto s = check_room(); !s) return s.error();

    PortRecord p;
    p.switch_name = req.switch_name;
    p.vm = req.vm;
    if (req.mac) {
        p.mac = *req.mac;
    } else {
        auto m = pick_mac(req.vm);
        if (!m) return m.error();
        p.mac = *m;
    }
    p.created = true;
    p.multi_queue = req.multi_queue;
    p.owner = req.owner;
    p.group = req.group;
    p.mtu = req.mtu.value_or(0);

    auto name = create_persistent_tap(
        TapSpec{req.ifname.value_or(kTapNamePattern), req.owner, req.group, req.multi_queue});
    if (!name) return name.error();
    p.ifname = *name;
    auto link = links_.get(p.ifname);
    Status s = link ? plug(p, *link, *bridge) : Status(link.error());
    if (s) {
        auto [it, _] = ports_.emplace(p.ifname, p);
        s = save();
        if (s) {
            log::info("attached TAP '" + p.ifname + "' of VM '" + p.vm + "' to switch '" +
                          p.switch_name + "'",
                      {{"VSWITCH_SWITCH", p.switch_name}, {"VSWITCH_PORT", p.ifname}});
            notify(PortEvent::attached, it->second);
            return AttachResult{&it->second, true};
        }
        ports_.erase(it);
    }
    // Leave nothing half made behind.
    if (link) (void)links_.remove(*link);
    return s.error();
}

Result<AttachResult> PortManager::attach_interface(std::string_view switch_name, std::string_view ifname,
                                                   std::string_view vm, std::optional<Mac> mac) {
    if (auto s = validate_ifname(ifname); !s) return s.error();
    if (auto s = validate_vm_name(vm, true); !s) return s.error();
    auto bridge = bridge_of(switch_name);
    if (!bridge) return bridge.error();
    if (auto it = ports_.find(ifname); it != ports_.end()) {
        const PortRecord& p = it->second;
        if (p.switch_name == switch_name && p.vm == vm && (!mac || *mac == p.mac))
            return AttachResult{&p, false};
        return make_error(EEXIST, "interface " + quoted(ifname) + " is already a port of switch " +
                                      quoted(p.switch_name) + " (VM " + quoted(p.vm) + ")");
    }
    if (auto s = check_room(); !s) return s.error();
    auto link = links_.get(ifname);
    if (!link) return link.error();
    if (link->kind == "bridge" || link->ifindex == bridge->ifindex)
        return make_error(EINVAL, "interface " + quoted(ifname) + " is a bridge");
    if (link->master != 0 && link->master != bridge->ifindex) {
        auto other = links_.get(link->master);
        return make_error(EEXIST, "interface " + quoted(ifname) + " is already plugged into " +
                                      quoted(other ? other->name : std::to_string(link->master)));
    }
    PortRecord p;
    p.ifname = link->name;
    p.switch_name = switch_name;
    p.vm = vm;
    p.mac = mac.value_or(link->mac);
    if (p.mac.is_zero() || p.mac.is_multicast())
        return make_error(EINVAL, "interface " + quoted(ifname) + " has no usable MAC; give the VM's");
    if (auto s = plug(p, *link, *bridge); !s) return s.error();
    auto [it, _] = ports_.emplace(p.ifname, p);
    if (auto s = save(); !s) {
        ports_.erase(it);
        (void)links_.change(*link, LinkChange{.master = 0, .alias = ""});
        return s.error();
    }
    log::info("attached interface '" + p.ifname + "' to switch '" + p.switch_name + "'",
              {{"VSWITCH_SWITCH", p.switch_name}, {"VSWITCH_PORT", p.ifname}});
    notify(PortEvent::attached, it->second);
    return AttachResult{&it->second, true};
}

Status PortManager::unplug(const PortRecord& p) {
    auto link = links_.get(p.ifname);
    if (!link) {
        // Gone already (libvirt removed its vnetN, someone ran `ip link del`):
        // the port is as detached as it gets.
        if (link.error().code == ENODEV) return ok_status();
        return link.error();
    }
    if (p.created) return links_.remove(*link);
    LinkChange c{.master = 0};
    c.alias = "";  // no longer ours: restore() must not adopt it
    if (!p.connected) c.up = true;  // give the owner back a working link
    return links_.change(*link, c);
}

Status PortManager::detach(std::string_view ifname) {
    auto it = ports_.find(ifname);
    if (it == ports_.end()) return make_error(ENODEV, "no port " + quoted(ifname));
    if (auto s = unplug(it->second); !s) return s.error().context("detaching " + quoted(ifname));
    PortRecord gone = std::move(it->second);
    ports_.erase(it);
    log::info("detached port '" + gone.ifname + "' from switch '" + gone.switch_name + "'",
              {{"VSWITCH_SWITCH", gone.switch_name}, {"VSWITCH_PORT", gone.ifname}});
    Status saved = save();
    notify(PortEvent::detached, gone);
    return saved;
}

Status PortManager::set_connected(std::string_view ifname, bool connected) {
    auto it = ports_.find(ifname);
    if (it == ports_.end()) return make_error(ENODEV, "no port " + quoted(ifname));
    PortRecord& p = it->second;
    if (p.connected == connected) return ok_status();
    auto link = links_.get(p.ifname);
    if (!link) return link.error();
    if (auto s = apply_connected(p, *link, connected); !s) return s.error();
    p.connected = connected;
    return save();
}

Status PortManager::remove_all() {
    Status first;
    for (const auto& [name, p] : ports_) {
        if (auto s = unplug(p); !s) {
            log::warning(s.error().context("tearing down port '" + name + "'").message + ", ignoring",
                         {{"VSWITCH_PORT", name}});
            if (first) first = s.error();
        }
    }
    ports_.clear();
    if (auto s = save(); !s && first) first = s.error();
    return first;
}

namespace {

Result<std::vector<PortRecord>> read_ports_file(const std::string& path) {
    auto text = read_file(path, kMaxPortsFileSize);
    if (!text) {
        if (text.error().code == ENOENT) return std::vector<PortRecord>();
        return text.error().context("reading the ports file");
    }
    auto records = parse_ports_file(*text);
    if (!records) return records.error().context("reading " + path);
    return records;
}

}  // namespace

Status PortManager::load() {
    auto records = read_ports_file(ports_file());
    if (!records) return records.error();
    for (auto& p : *records) {
        std::string name = p.ifname;
        ports_.emplace(name, std::move(p));
    }
    (void)adopt_from_aliases(false);
    return ok_status();
}

bool PortManager::adopt_from_aliases(bool check_bridge) {
    auto plugged = links_.list_plugged();
    if (!plugged) {
        log::warning(plugged.error().message + ", ignoring");
        return false;
    }
    bool adopted = false;
    for (const LinkInfo& link : *plugged) {
        auto p = parse_port_alias(link.alias);
        if (!p || ports_.count(link.name) || ports_.size() >= max_ports_) continue;
        if (check_bridge) {
            auto bridge = bridge_of(p->switch_name);
            if (!bridge || bridge->ifindex != link.master) continue;
        }
        p->ifname = link.name;
        log::notice("found port '" + p->ifname + "' of switch '" + p->switch_name +
                        "' on its bridge but not in the ports file (an unclean stop), keeping it",
                    {{"VSWITCH_SWITCH", p->switch_name}, {"VSWITCH_PORT", p->ifname}});
        ports_.emplace(p->ifname, std::move(*p));
        adopted = true;
    }
    return adopted;
}

Status PortManager::restore() {
    auto records = read_ports_file(ports_file());
    if (!records) return records.error();
    bool changed = false;
    for (auto& p : *records) {
        auto bridge = bridge_of(p.switch_name);
        auto link = links_.get(p.ifname);
        Status s = !bridge ? Status(bridge.error()) : !link ? Status(link.error()) : plug(p, *link, *bridge);
        if (!s) {
            log::notice("forgetting port '" + p.ifname + "': " + s.error().message,
                        {{"VSWITCH_SWITCH", p.switch_name}, {"VSWITCH_PORT", p.ifname}});
            changed = true;
            continue;
        }
        std::string name = p.ifname;
        ports_.emplace(name, std::move(p));
    }
    if (adopt_from_aliases(true)) changed = true;
    if (!ports_.empty())
        log::info("restored " + std::to_string(ports_.size()) + " port(s) from " + ports_file() +
                  " and the bridges");
    return changed ? save() : ok_status();
}

Status PortManager::save() {
    dirty_ = true;
    if (!save_timer_) return flush();
    int enabled = SD_EVENT_OFF;
    sd_event_source_get_enabled(save_timer_.get(), &enabled);
    if (enabled != SD_EVENT_OFF) return ok_status();  // a write is already coming
    uint64_t now = 0;
    sd_event_now(event_.get(), CLOCK_MONOTONIC, &now);
    uint64_t when = now + uint64_t(std::chrono::microseconds(kPortsSaveDelay).count());
    uint64_t earliest = last_save_usec_ + uint64_t(std::chrono::microseconds(kPortsSaveInterval).count());
    if (last_save_usec_ != 0 && when < earliest) when = earliest;
    sd_event_source_set_time(save_timer_.get(), when);
    sd_event_source_set_enabled(save_timer_.get(), SD_EVENT_ONESHOT);
    return ok_status();
}

Status PortManager::flush() {
    if (!dirty_) return ok_status();
    if (save_timer_) sd_event_source_set_enabled(save_timer_.get(), SD_EVENT_OFF);
    std::vector<PortRecord> all;
    all.reserve(ports_.size());
    for (const auto& [_, p] : ports_) all.push_back(p);
    if (auto s = make_directories(state_dir_, 0755); !s) return s.error().context("saving ports");
    if (auto s = write_file_atomic(ports_file(), format_ports_file(all), 0644); !s)
        return s.error().context("saving ports");
    dirty_ = false;
    if (event_) sd_event_now(event_.get(), CLOCK_MONOTONIC, &last_save_usec_);
    return ok_status();
}

const PortRecord* PortManager::find(std::string_view ifname) const {
    auto it = ports_.find(ifname);
    return it == ports_.end() ? nullptr : &it->second;
}

const PortRecord* PortManager::find_by_mac(std::string_view switch_name, const Mac& mac) const {
    for (const auto& [_, p] : ports_) {
        if (p.mac == mac && p.switch_name == switch_name) return &p;
    }
    return nullptr;
}

std::vector<const PortRecord*> PortManager::list(std::string_view switch_name) const {
    std::vector<const PortRecord*> out;
    for (const auto& [_, p] : ports_) {
        if (switch_name.empty() || p.switch_name == switch_name) out.push_back(&p);
    }
    return out;
}

}  // namespace vswitch::ports
