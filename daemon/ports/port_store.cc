#include "daemon/ports/port_store.h"

#include <algorithm>
#include <set>

#include "daemon/log.h"
#include "daemon/netlink/bandwidth.h"
#include "libvswitch/base/file.h"
#include "libvswitch/base/text.h"
#include "libvswitch/ports/bandwidth.h"

namespace vswitch::ports {

namespace {

uint64_t usec(std::chrono::milliseconds ms) { return uint64_t(std::chrono::microseconds(ms).count()); }

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

Status write_ports_file(const std::string& state_dir, const std::string& path, std::vector<PortRecord> all) {
    std::sort(all.begin(), all.end(), [](const PortRecord& a, const PortRecord& b) { return a.ifname < b.ifname; });
    if (auto s = make_directories(state_dir, 0755); !s) return s.error().context("saving ports");
    if (auto s = write_file_atomic(path, format_ports_file(all), 0644); !s) return s.error().context("saving ports");
    return ok_status();
}

}  // namespace

PortStore::PortStore(Key, std::string state_dir, netlink::RouteSocket& sock, size_t max_ports, EventPtr event)
    : event_(std::move(event)), state_dir_(std::move(state_dir)), sock_(sock), max_ports_(max_ports) {}

Result<std::unique_ptr<PortStore>> PortStore::create(std::string state_dir, netlink::RouteSocket& sock,
                                                     size_t max_ports, sd_event* event) {
    EventPtr loop;
    if (event) {
        loop.reset(sd_event_ref(event));
    } else {
        sd_event* raw = nullptr;
        if (int r = sd_event_default(&raw); r < 0) return errno_error(r, "starting the port store: getting the event loop");
        loop.reset(raw);
    }
    auto store = std::make_unique<PortStore>(Key(), std::move(state_dir), sock, max_ports, std::move(loop));
    PortStore* self = store.get();
    auto save = event::Throttle::create(store->event_.get(), "writing the ports file",
                                        {usec(kPortsSaveDelay), usec(kPortsSaveInterval)}, [self] {
                                            if (auto s = self->flush(); !s)
                                                log::warning(s.error().message + ", retrying at the next change");
                                        });
    if (!save) return save.error().context("starting the port store");
    store->save_ = std::move(*save);
    auto reaper = LinkReaper::create(store->event_.get(), [](const std::string& ifname, const Status& s) {
        if (!s)
            log::warning(s.error().message + "; the detached TAP keeps its mark and is deleted at the next start",
                         {{"VSWITCH_PORT", ifname}});
    });
    if (reaper)
        store->reaper_ = std::move(*reaper);
    else
        log::warning(reaper.error().message + ": detached TAPs are deleted in the call");
    return store;
}

PortStore::~PortStore() {
    // Clean stop: every attached port is in the file.
    if (auto s = flush(); !s) log::warning(s.error().message + ", ports rest on their interface aliases");
}

void PortStore::add(PortSet* set) { sets_.push_back(set); }

void PortStore::remove(PortSet* set) {
    // A switch going away (a clean stop) takes its ports out of the store,
    // not out of the file: what is pending is written while they are here.
    if (auto s = flush(); !s) log::warning(s.error().message + ", ports rest on their interface aliases");
    std::erase(sets_, set);
}

size_t PortStore::size() const {
    size_t n = 0;
    for (const PortSet* s : sets_) n += s->size();
    return n;
}

const Port* PortStore::find(std::string_view ifname) const {
    for (const PortSet* s : sets_)
        if (const Port* p = s->find(ifname)) return p;
    return nullptr;
}

const Port* PortStore::find_by_mac(const Mac& mac) const {
    for (const PortSet* s : sets_)
        if (const Port* p = s->find_by_mac(mac)) return p;
    return nullptr;
}

std::vector<const Port*> PortStore::list() const {
    std::vector<const Port*> out;
    for (const PortSet* s : sets_) {
        auto l = s->list();
        out.insert(out.end(), l.begin(), l.end());
    }
    std::sort(out.begin(), out.end(),
              [](const Port* a, const Port* b) { return a->record.ifname < b->record.ifname; });
    return out;
}

PortSet* PortStore::set_of(std::string_view switch_name) const {
    for (PortSet* s : sets_)
        if (s->switch_name() == switch_name) return s;
    return nullptr;
}

void PortStore::changed() {
    dirty_ = true;
    if (save_) save_.request();
    else (void)flush();
}

Status PortStore::flush() {
    if (!dirty_) return ok_status();
    save_.cancel();
    std::vector<PortRecord> all;
    // Adopted members are not written: the bridge is their truth (members.h).
    for (const Port* p : list())
        if (!p->record.adopted) all.push_back(p->record);
    if (auto s = write_ports_file(state_dir_, ports_file(), std::move(all)); !s) return s;
    dirty_ = false;
    save_.ran();
    return ok_status();
}

Status PortStore::restore() {
    auto records = read_ports_file(ports_file());
    if (!records) return records.error();
    bool changed_any = false;
    size_t restored = 0;
    for (auto& p : *records) {
        auto link = netlink::get_link(sock_, p.ifname);
        // The file is written lazily, the alias with the plug: a kernel-picked
        // name (vstapN) detached and given to another VM just before a
        // kill -9 is in the file as the old port. The alias wins when it
        // names another port (MAC or switch); else the file (whose VM name
        // the alias may have left out).
        if (link) {
            if (auto a = parse_port_alias(link->alias); a && (a->mac != p.mac || a->switch_name != p.switch_name)) {
                a->ifname = p.ifname;
                p = std::move(*a);
                changed_any = true;
            }
        }
        PortSet* set = set_of(p.switch_name);
        Status s;
        if (!set) {
            s = make_error(ENOENT, "no switch " + quoted(p.switch_name));
        } else if (!link) {
            s = link.error();
        } else if (s = set->restore(p, *link); s) {
            ++restored;
            continue;
        }
        log::notice("forgetting port '" + p.ifname + "': " + s.error().message,
                    {{"VSWITCH_SWITCH", p.switch_name}, {"VSWITCH_PORT", p.ifname}});
        changed_any = true;
    }
    // Ports the file lost (an unclean stop before the lazy write) but whose
    // interface alias still carries their record, in their switch's bridge.
    auto plugged = netlink::list_plugged(sock_);
    if (!plugged) log::warning(plugged.error().message + ", ignoring");
    for (const auto& link : plugged ? *plugged : std::vector<netlink::LinkInfo>()) {
        auto p = parse_port_alias(link.alias);
        if (!p || find(link.name) || size() >= max_ports_) continue;
        PortSet* set = set_of(p->switch_name);
        if (!set) continue;
        auto bridge = set->bridge_link();
        if (!bridge || bridge->ifindex != link.master) continue;
        p->ifname = link.name;
        log::notice("found port '" + p->ifname + "' of switch '" + p->switch_name +
                        "' on its bridge but not in the ports file (an unclean stop), keeping it",
                    {{"VSWITCH_SWITCH", p->switch_name}, {"VSWITCH_PORT", p->ifname}});
        set->adopt(std::move(*p));
        ++restored;
        changed_any = true;
    }
    if (restored > 0)
        log::info("restored " + std::to_string(restored) + " port(s) from " + ports_file() + " and the bridges");
    // TAPs detached just before an unclean stop: unplugged and marked, not
    // yet deleted.
    auto marked = netlink::list_with_alias(sock_, kReapAlias);
    if (!marked) log::warning(marked.error().message + ", ignoring");
    for (const auto& link : marked ? *marked : std::vector<netlink::LinkInfo>()) {
        log::notice("deleting TAP '" + link.name + "', detached before an unclean stop", {{"VSWITCH_PORT", link.name}});
        Status s = reaper_ ? reaper_->remove(link) : Status(make_error(ENOSYS, "no reaper"));
        if (!s) s = netlink::remove_link(sock_, link);
        if (!s) log::warning(s.error().message + ", ignoring", {{"VSWITCH_PORT", link.name}});
    }
    // MaximumBandwidth ifbs of ports that went while the daemon was down.
    std::set<std::string> needed;
    for (const PortSet* set : sets_)
        for (const Port* port : set->list())
            if (set->security_of(port->record).maximum_bandwidth != 0)
                needed.insert(ifb_name_for(port->record.ifname));
    auto ifbs = netlink::list_with_alias(sock_, netlink::kBandwidthIfbAlias);
    if (!ifbs) log::warning(ifbs.error().message + ", ignoring");
    for (const auto& link : ifbs ? *ifbs : std::vector<netlink::LinkInfo>()) {
        if (link.kind != "ifb" || needed.contains(link.name)) continue;
        log::notice("deleting ifb '" + link.name + "', whose port's MaximumBandwidth went before a restart");
        if (auto s = netlink::remove_link(sock_, link); !s) log::warning(s.error().message + ", ignoring");
    }
    if (changed_any) changed();
    return ok_status();
}

void PortStore::check_gone(const std::string& ifname) {
    const Port* port = find(ifname);
    if (!port) return;
    // The notification may be stale (deleted, then made again under the
    // same name): only the kernel's present state decides.
    auto link = netlink::get_link(sock_, ifname);
    if (link || link.error().code != ENODEV) return;
    port->set->forget_vanished(ifname);
}

void PortStore::on_link(const netlink::LinkEvent& ev) {
    if (ev.deleted && !ev.name.empty()) check_gone(ev.name);
}

void PortStore::on_links_overrun() {
    std::vector<std::string> names;
    for (const Port* p : list()) names.push_back(p->record.ifname);
    for (const auto& n : names) check_gone(n);
}

Status PortStore::remove_recorded(const std::string& state_dir, netlink::RouteSocket& sock) {
    const std::string path = state_dir + "/ports";
    auto records = read_ports_file(path);
    if (!records) return records.error();
    // The aliases know the ports a kill -9 kept out of the file.
    if (auto plugged = netlink::list_plugged(sock)) {
        for (const auto& link : *plugged) {
            auto p = parse_port_alias(link.alias);
            if (!p) continue;
            bool known = std::any_of(records->begin(), records->end(),
                                     [&](const PortRecord& r) { return r.ifname == link.name; });
            p->ifname = link.name;
            if (!known) records->push_back(std::move(*p));
        }
    }
    Status first;
    for (const auto& p : *records) {
        if (auto s = unplug_port(sock, p); !s) {
            log::warning(s.error().context("tearing down port '" + p.ifname + "'").message + ", ignoring",
                         {{"VSWITCH_PORT", p.ifname}});
            if (first) first = s.error();
        }
    }
    if (auto marked = netlink::list_with_alias(sock, kReapAlias)) {
        for (const auto& link : *marked) {
            if (auto s = netlink::remove_link(sock, link); !s && s.error().code != ENODEV) {
                log::warning(s.error().message + ", ignoring", {{"VSWITCH_PORT", link.name}});
                if (first) first = s.error();
            }
        }
    }
    if (auto s = write_ports_file(state_dir, path, {}); !s && first) first = s.error();
    return first;
}

}  // namespace vswitch::ports
