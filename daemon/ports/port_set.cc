#include "daemon/ports/port_set.h"

#include "daemon/log.h"
#include "daemon/ports/port_store.h"
#include "daemon/ports/tap.h"
#include "libvswitch/base/text.h"

namespace vswitch::ports {

namespace {

// The kernel numbers TAPs we name ourselves: vstap0, vstap1, ...
constexpr const char* kTapNamePattern = "vstap%d";

}  // namespace

PortSet::PortSet(Switch* owner, std::string switch_name, std::string bridge, netlink::RouteSocket& sock,
                 PortStore& store)
    : owner_(owner), switch_name_(std::move(switch_name)), bridge_(std::move(bridge)), sock_(sock), store_(store) {
    store_.add(this);
}

PortSet::~PortSet() { store_.remove(this); }

Result<netlink::LinkInfo> PortSet::bridge_link() {
    auto link = netlink::get_link(sock_, bridge_);
    if (!link) return link.error().context("switch " + quoted(switch_name_));
    return link;
}

void PortSet::notify(PortEvent event, const PortRecord& port) {
    // A copy: the listener may change the ports (and invalidate `port`).
    const PortRecord p = port;
    if (listener_) listener_(event, p);
}

const Port& PortSet::insert(PortRecord record) {
    std::string name = record.ifname;
    auto [it, _] = ports_.insert_or_assign(std::move(name), Port{std::move(record), this});
    return it->second;
}

Status PortSet::check_room() const {
    if (store_.size() >= store_.max_ports())
        return make_error(E2BIG, "the limit of " + std::to_string(store_.max_ports()) + " ports is reached");
    return ok_status();
}

Result<Mac> PortSet::pick_mac(std::string_view vm) const {
    for (unsigned i = 0; i < kMaxAdaptersPerVm; ++i) {
        Mac m = stable_mac(vm, i);
        if (!store_.find_by_mac(m)) return m;
    }
    return make_error(E2BIG, "VM " + quoted(vm) + " has " + std::to_string(kMaxAdaptersPerVm) + " adapters already");
}

Status PortSet::plug(const PortRecord& p, const netlink::LinkInfo& link, const netlink::LinkInfo& bridge) {
    netlink::LinkChange c;
    if (link.master != bridge.ifindex) c.master = bridge.ifindex;
    if (p.adopted) {
        // Someone else's member, put back after the bridge was re-created:
        // into the bridge, and nothing else of it touched.
        if (!c.master) return ok_status();
        if (auto s = netlink::change_link(sock_, link, c); !s)
            return s.error().context("plugging " + quoted(p.ifname) + " into " +
                                     quoted(bridge.name));
        return ok_status();
    }
    if (p.mtu) c.mtu = p.mtu;
    if (p.created) c.mac = host_side_mac(p.mac);
    if (std::string alias = format_port_alias(p); alias != link.alias) c.alias = std::move(alias);
    c.up = true;
    if (auto s = netlink::change_link(sock_, link, c); !s)
        return s.error().context("plugging " + quoted(p.ifname) + " into " + quoted(bridge.name));
    if (auto s = apply_isolation(p, link, true); !s) return s.error();  // port_security.cc
    if (auto s = apply_bandwidth(p, link, true); !s) return s.error();  // port_security.cc
    if (!p.connected) return apply_connected(p, link, false);
    return ok_status();
}

Status PortSet::apply_connected(const PortRecord& p, const netlink::LinkInfo& link, bool connected) {
    netlink::LinkChange c;
    // A TAP has a carrier the daemon can switch (IFLA_CARRIER reaches the
    // same tun_net_change_carrier() as TUNSETCARRIER, without having to
    // attach a queue that QEMU may hold). Other links go down instead, which
    // a veth's peer sees as carrier loss.
    if (link.kind == "tun") c.carrier = connected;
    else c.up = connected;
    PortRecord changed = p;
    changed.connected = connected;
    if (!p.adopted) c.alias = format_port_alias(changed);  // an adopted member's alias is not ours
    if (auto s = netlink::change_link(sock_, link, c); !s)
        return s.error().context(std::string(connected ? "connecting " : "disconnecting ") + quoted(p.ifname));
    return ok_status();
}

Result<AttachResult> PortSet::attach_adapter(const AdapterRequest& req) {
    if (auto s = validate_vm_name(req.vm, false); !s) return s.error();
    if (req.ifname) {
        if (auto s = validate_ifname(*req.ifname); !s) return s.error();
    }
    if (req.mtu) {
        if (auto s = validate_mtu(*req.mtu); !s) return s.error();
    }
    auto bridge = bridge_link();
    if (!bridge) return bridge.error();
    if (req.mac) {
        if (const Port* p = store_.find_by_mac(*req.mac)) {
            const PortRecord& r = p->record;
            if (p->set == this && r.vm == req.vm && r.created && (!req.ifname || *req.ifname == r.ifname))
                return AttachResult{p, false};
            return make_error(EEXIST, "MAC " + req.mac->to_string() + " is already used by port " + quoted(r.ifname) +
                                          " of VM " + quoted(r.vm));
        }
    }
    if (req.ifname && store_.find(*req.ifname)) return make_error(EEXIST, "port " + quoted(*req.ifname) + " exists");
    if (req.ifname && store_.being_deleted(*req.ifname))
        return make_error(EEXIST, "interface " + quoted(*req.ifname) +
                                      " was detached a moment ago and is still being deleted; try again");
    if (auto s = check_room(); !s) return s.error();

    PortRecord p;
    p.switch_name = switch_name_;
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

    auto name = create_persistent_tap(TapSpec{req.ifname.value_or(kTapNamePattern), req.owner, req.group,
                                              req.multi_queue});
    if (!name) return name.error();
    p.ifname = *name;
    auto link = netlink::get_link(sock_, p.ifname);
    Status s = link ? plug(p, *link, *bridge) : Status(link.error());
    if (!s) {
        // Leave nothing half made behind.
        if (link) (void)netlink::remove_link(sock_, *link);
        return s.error();
    }
    const Port& port = insert(p);
    store_.changed();
    log::info("attached TAP '" + p.ifname + "' of VM '" + p.vm + "' to switch '" + p.switch_name + "'",
              {{"VSWITCH_SWITCH", p.switch_name}, {"VSWITCH_PORT", p.ifname}});
    notify(PortEvent::attached, port.record);
    return AttachResult{&port, true};
}

Result<AttachResult> PortSet::attach_interface(std::string_view ifname, std::string_view vm, std::optional<Mac> mac) {
    if (auto s = validate_ifname(ifname); !s) return s.error();
    if (auto s = validate_vm_name(vm, true); !s) return s.error();
    auto bridge = bridge_link();
    if (!bridge) return bridge.error();
    if (const Port* existing = store_.find(ifname)) {
        const PortRecord& p = existing->record;
        if (existing->set == this && p.adopted)
            return name_member(existing->record.ifname, vm, mac, *bridge);
        if (existing->set == this && p.vm == vm && (!mac || *mac == p.mac)) return AttachResult{existing, false};
        return make_error(EEXIST, "interface " + quoted(ifname) + " is already a port of switch " +
                                      quoted(p.switch_name) + " (VM " + quoted(p.vm) + ")");
    }
    if (store_.being_deleted(ifname))
        return make_error(EEXIST, "interface " + quoted(ifname) +
                                      " was detached a moment ago and is still being deleted; try again");
    if (auto s = check_room(); !s) return s.error();
    auto link = netlink::get_link(sock_, ifname);
    if (!link) return link.error();
    if (link->kind == "bridge" || link->ifindex == bridge->ifindex)
        return make_error(EINVAL, "interface " + quoted(ifname) + " is a bridge");
    if (link->master != 0 && link->master != bridge->ifindex) {
        auto other = netlink::get_link(sock_, link->master);
        return make_error(EEXIST, "interface " + quoted(ifname) + " is already plugged into " +
                                      quoted(other ? other->name : std::to_string(link->master)));
    }
    PortRecord p;
    p.ifname = link->name;
    p.switch_name = switch_name_;
    p.vm = vm;
    p.mac = mac.value_or(link->mac);
    if (p.mac.is_zero() || p.mac.is_multicast())
        return make_error(EINVAL, "interface " + quoted(ifname) + " has no usable MAC; give the VM's");
    if (auto s = plug(p, *link, *bridge); !s) return s.error();
    const Port& port = insert(p);
    store_.changed();
    log::info("attached interface '" + p.ifname + "' to switch '" + p.switch_name + "'",
              {{"VSWITCH_SWITCH", p.switch_name}, {"VSWITCH_PORT", p.ifname}});
    notify(PortEvent::attached, port.record);
    return AttachResult{&port, true};
}

Status unplug_port(netlink::RouteSocket& sock, const PortRecord& p) {
    auto link = netlink::get_link(sock, p.ifname);
    if (!link) {
        // Gone already (libvirt removed its vnetN, someone ran `ip link del`):
        // the port is as detached as it gets.
        if (link.error().code == ENODEV) return ok_status();
        return link.error();
    }
    if (p.created) return netlink::remove_link(sock, *link);
    netlink::LinkChange c{.master = 0};
    if (p.adopted) {
        // Only out of the bridge: the alias and the link were never ours.
        if (!p.connected) c.up = true;
        return netlink::change_link(sock, *link, c);
    }
    c.alias = "";  // no longer ours: restore() must not adopt it
    if (!p.connected) c.up = true;  // give the owner back a working link
    return netlink::change_link(sock, *link, c);
}

// A TAP of ours leaves the bridge at once, marked for deletion in its
// alias, and the reaper deletes it off the call path (link_reaper.h); any
// other port is unplugged as before.
Status PortSet::detach_now(const PortRecord& p) {
    LinkReaper* reaper = store_.reaper();
    if (!p.created || !reaper) return unplug_port(sock_, p);
    auto link = netlink::get_link(sock_, p.ifname);
    if (!link) return link.error().code == ENODEV ? ok_status() : Status(link.error());
    netlink::LinkChange c{.master = 0};
    c.alias = std::string(kReapAlias);
    if (auto s = netlink::change_link(sock_, *link, c); !s) return s;
    if (auto s = reaper->remove(*link); !s) {
        log::warning(s.error().message + ", deleting '" + p.ifname + "' in the call", {{"VSWITCH_PORT", p.ifname}});
        return netlink::remove_link(sock_, *link);
    }
    return ok_status();
}

Status PortSet::detach(std::string_view ifname) {
    auto it = ports_.find(ifname);
    if (it == ports_.end()) return make_error(ENODEV, "no port " + quoted(ifname));
    drop_bandwidth(it->second.record, false);
    if (auto s = detach_now(it->second.record); !s) return s.error().context("detaching " + quoted(ifname));
    PortRecord gone = std::move(it->second.record);
    ports_.erase(it);
    log::info("detached port '" + gone.ifname + "' from switch '" + gone.switch_name + "'",
              {{"VSWITCH_SWITCH", gone.switch_name}, {"VSWITCH_PORT", gone.ifname}});
    store_.changed();
    notify(PortEvent::detached, gone);
    return ok_status();
}

Status PortSet::set_connected(std::string_view ifname, bool connected) {
    auto it = ports_.find(ifname);
    if (it == ports_.end()) return make_error(ENODEV, "no port " + quoted(ifname));
    PortRecord& p = it->second.record;
    if (p.connected == connected) return ok_status();
    auto link = netlink::get_link(sock_, p.ifname);
    if (!link) return link.error();
    if (auto s = apply_connected(p, *link, connected); !s) return s.error();
    p.connected = connected;
    if (!p.adopted) store_.changed();  // adopted members are not in the file
    return ok_status();
}

Status PortSet::remove_all() {
    Status first;
    for (const auto& [name, port] : ports_) {
        drop_bandwidth(port.record, false);
        if (auto s = unplug_port(sock_, port.record); !s) {
            log::warning(s.error().context("tearing down port '" + name + "'").message + ", ignoring",
                         {{"VSWITCH_PORT", name}});
            if (first) first = s.error();
        }
    }
    ports_.clear();
    store_.changed();
    return first;
}

const Port* PortSet::find(std::string_view ifname) const {
    auto it = ports_.find(ifname);
    return it == ports_.end() ? nullptr : &it->second;
}

const Port* PortSet::find_by_mac(const Mac& mac) const {
    for (const auto& [_, p] : ports_)
        if (p.record.mac == mac) return &p;
    return nullptr;
}

std::vector<const Port*> PortSet::list() const {
    std::vector<const Port*> out;
    out.reserve(ports_.size());
    for (const auto& [_, p] : ports_) out.push_back(&p);
    return out;
}

Status PortSet::restore(const PortRecord& record, const netlink::LinkInfo& link) {
    auto bridge = bridge_link();
    if (!bridge) return bridge.error();
    if (auto s = plug(record, link, *bridge); !s) return s.error();
    insert(record);
    return ok_status();
}

void PortSet::adopt(PortRecord record) { insert(std::move(record)); }

void PortSet::forget_vanished(std::string_view ifname) {
    auto it = ports_.find(ifname);
    if (it == ports_.end()) return;
    if (keep_vanished_ && keep_vanished_(it->second.record)) return;
    PortRecord gone = std::move(it->second.record);
    drop_bandwidth(gone, true);
    ports_.erase(it);
    log::notice("port '" + gone.ifname + "' of switch '" + gone.switch_name +
                    "' was deleted by someone else, forgetting it",
                {{"VSWITCH_SWITCH", gone.switch_name}, {"VSWITCH_PORT", gone.ifname}});
    store_.changed();
    notify(PortEvent::vanished, gone);
}

Status PortSet::replug(std::string_view ifname) {
    const Port* port = find(ifname);
    if (!port) return make_error(ENODEV, "no port " + quoted(ifname));
    auto bridge = bridge_link();
    if (!bridge) return bridge.error();
    auto link = netlink::get_link(sock_, port->record.ifname);
    if (!link) return link.error().context("re-plugging port " + quoted(ifname));
    return plug(port->record, *link, *bridge);
}

Status PortSet::recreate_tap(std::string_view ifname) {
    const Port* port = find(ifname);
    if (!port) return make_error(ENODEV, "no port " + quoted(ifname));
    const PortRecord& p = port->record;
    const std::string what = "re-creating TAP " + quoted(p.ifname);
    if (!p.created) return make_error(EINVAL, what + ": the daemon did not make it");
    auto bridge = bridge_link();
    if (!bridge) return bridge.error().context(what);
    // The exact name: the port's D-Bus object, its DNS name and the QEMU
    // command line that names it stay right.
    auto name = create_persistent_tap(TapSpec{p.ifname, p.owner, p.group, p.multi_queue});
    if (!name) return name.error().context(what);
    auto link = netlink::get_link(sock_, p.ifname);
    Status s = link ? plug(p, *link, *bridge) : Status(link.error());
    if (!s) {
        if (link) (void)netlink::remove_link(sock_, *link);  // nothing half made
        return s.error().context(what);
    }
    return ok_status();
}

Result<AttachResult> PortSet::name_member(std::string ifname, std::string_view vm,
                                          std::optional<Mac> mac, const netlink::LinkInfo& bridge) {
    auto it = ports_.find(ifname);
    PortRecord named = it->second.record;
    named.adopted = false;
    named.vm = vm;
    if (mac) named.mac = *mac;
    if (named.mac.is_zero() || named.mac.is_multicast())
        return make_error(EINVAL,
                          "interface " + quoted(ifname) + " has no usable MAC; give the VM's");
    if (mac) {
        if (const Port* other = store_.find_by_mac(*mac); other && other != &it->second)
            return make_error(EEXIST, "MAC " + mac->to_string() + " is already used by port " +
                                          quoted(other->record.ifname));
    }
    auto link = netlink::get_link(sock_, ifname);
    if (!link) return link.error();
    // Now the daemon's: its record goes into the alias and the ports file.
    if (auto s = plug(named, *link, bridge); !s) return s.error();
    it->second.record = std::move(named);
    it->second.mac_learned = true;
    store_.changed();
    log::info("interface '" + ifname + "' found on switch '" + switch_name_ + "' is now attached" +
                  (vm.empty() ? "" : " as VM '" + std::string(vm) + "'"),
              {{"VSWITCH_SWITCH", switch_name_}, {"VSWITCH_PORT", ifname}});
    notify(PortEvent::changed, it->second.record);
    return AttachResult{&it->second, false};
}

const Port* PortSet::adopt_member(const netlink::LinkInfo& link, std::optional<Mac> guest_mac) {
    if (const Port* p = find(link.name)) return p;
    if (store_.size() >= store_.max_ports()) {
        if (!limit_logged_)
            log::warning("switch '" + switch_name_ + "': interface '" + link.name +
                             "' is a member of its bridge, but the limit of " +
                             std::to_string(store_.max_ports()) +
                             " ports is reached; further members are not ports, ignoring",
                         {{"VSWITCH_SWITCH", switch_name_}, {"VSWITCH_PORT", link.name}});
        limit_logged_ = true;
        return nullptr;
    }
    limit_logged_ = false;
    PortRecord p;
    p.ifname = link.name;
    p.switch_name = switch_name_;
    p.mac = guest_mac.value_or(link.mac);
    p.adopted = true;
    // A cable the daemon pulled (a pulse cut short by a restart) comes back
    // with the next pulse; a link someone set down is theirs.
    p.connected = true;
    const Port& port = insert(std::move(p));
    Port& mut = ports_.find(link.name)->second;
    mut.ifindex = link.ifindex;
    mut.mac_learned = guest_mac.has_value();
    log::info("interface '" + link.name + "' is a member of bridge '" + bridge_ +
                  "': a port of switch '" + switch_name_ + "' (MAC " + port.record.mac.to_string() +
                  (guest_mac ? "" : ", the interface's own") + ")",
              {{"VSWITCH_SWITCH", switch_name_}, {"VSWITCH_PORT", link.name}});
    notify(PortEvent::adopted, port.record);
    return &port;
}

void PortSet::forget_member(std::string_view ifname, std::string_view why) {
    auto it = ports_.find(ifname);
    if (it == ports_.end() || !it->second.record.adopted) return;
    PortRecord gone = std::move(it->second.record);
    ports_.erase(it);
    log::info("interface '" + gone.ifname + "' " + std::string(why) +
                  ": no longer a port of switch '" + gone.switch_name + "'",
              {{"VSWITCH_SWITCH", gone.switch_name}, {"VSWITCH_PORT", gone.ifname}});
    notify(PortEvent::vanished, gone);
}

void PortSet::learn_mac(std::string_view ifname, const Mac& mac) {
    auto it = ports_.find(ifname);
    if (it == ports_.end() || !it->second.record.adopted || it->second.record.mac == mac) return;
    it->second.record.mac = mac;
    it->second.mac_learned = true;
    log::info("port '" + it->second.record.ifname + "' of switch '" + switch_name_ +
                  "': the guest's MAC is " + mac.to_string(),
              {{"VSWITCH_SWITCH", switch_name_}, {"VSWITCH_PORT", it->second.record.ifname}});
    notify(PortEvent::changed, it->second.record);
}

bool PortSet::has_unlearned_mac() const {
    for (const auto& [_, p] : ports_)
        if (p.record.adopted && !p.mac_learned) return true;
    return false;
}

}  // namespace vswitch::ports
