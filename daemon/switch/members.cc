// Every member of a switch's bridge is a port (issue 14): an interface put
// into the bridge by someone else (`ip link set X master vswitch0`, libvirt
// without the hook, qemu-bridge-helper) is adopted as a port of origin
// "bridge", so it is listed, has a bus object and is pulsed on a renumber.
// The observer's link events say where to look; the kernel's present state
// and the pure ports::plan_member() decide (libvswitch/ports/members.h).
// The guest's MAC comes from the bridge's forwarding database: at adoption
// if the bridge already learned it, else when a lease is made for a MAC the
// bridge learned on the member.
#include "libvswitch/ports/members.h"

#include "daemon/log.h"
#include "daemon/netlink/link.h"
#include "daemon/switch/switch.h"

namespace vswitch {

void Switch::watch_members() {
    // Watching first, then listing: a member plugged in between is not missed.
    // Lost notifications: list the bridge's members again.
    members_ = services_.observer->watch_links(
        [this](const netlink::LinkEvent& ev) { on_member_link(ev); }, [this] { adopt_members(); });
    adopt_members();
}

void Switch::on_member_link(const netlink::LinkEvent& ev) {
    if (ev.name.empty() || ev.name == config_.bridge || ev.name == nic_ || ifindex_ == 0) return;
    const ports::Port* port = services_.ports->find(ev.name);
    if (port && port->set != &ports_) return;  // another switch's port: its healing decides
    bool look;
    if (!port)
        look = !ev.deleted && ev.master == ifindex_;  // a new member?
    else
        look = port->record.adopted && (ev.deleted || ev.master != ifindex_);  // a member leaving?
    if (look) check_member(ev.name);
}

void Switch::check_member(const std::string& ifname) {
    ports::MemberState st;
    if (const ports::Port* p = ports_.find(ifname)) st.port = ports::origin_of(p->record);
    netlink::RouteSocket& sock = *services_.sock;
    auto link = netlink::get_link(sock, ifname);
    if (link) {
        st.exists = true;
        st.master = link->master;
    } else if (link.error().code != ENODEV) {
        log::warning(
            link.error()
                    .context("switch '" + config_.name + "': looking at a member of its bridge")
                    .message +
                ", ignoring",
            {{"VSWITCH_SWITCH", config_.name}, {"VSWITCH_PORT", ifname}});
        return;
    }
    if (auto bridge = netlink::get_link(sock, config_.bridge);
        bridge && bridge->ifindex == ifindex_)
        st.bridge = ifindex_;
    switch (ports::plan_member(st)) {
        case ports::MemberAction::adopt:
            // No FDB dump for a member past the port limit: adopt_member() says no.
            (void)ports_.adopt_member(
                *link, ports_.has_room() ? guest_mac_of(read_fdb(), link->ifindex, link->mac)
                                         : std::nullopt);
            break;
        case ports::MemberAction::forget:
            ports_.forget_member(
                ifname, !st.exists  ? "was deleted"
                        : st.master ? "was moved to another bridge"
                                    : "was unplugged from bridge '" + config_.bridge + "'");
            break;
        case ports::MemberAction::keep:  // the bridge went with it; healing re-plugs it
        case ports::MemberAction::none:
            break;
    }
}

void Switch::adopt_members() {
    if (ifindex_ == 0) return;
    auto plugged = netlink::list_plugged(*services_.sock);
    if (!plugged) {
        log::warning(
            plugged.error()
                    .context("switch '" + config_.name + "': listing the members of its bridge")
                    .message +
                ", ignoring",
            {{"VSWITCH_SWITCH", config_.name}});
        return;
    }
    std::vector<netlink::FdbEntry> fdb;
    bool fdb_read = false;
    for (const auto& link : *plugged) {
        if (link.master != ifindex_ || link.name == nic_ || services_.ports->find(link.name)) continue;
        if (!fdb_read && ports_.has_room()) {
            fdb = read_fdb();  // once for all the members found
            fdb_read = true;
        }
        (void)ports_.adopt_member(link, guest_mac_of(fdb, link.ifindex, link.mac));
    }
    // Adopted members that left while notifications were lost.
    std::vector<std::string> adopted;
    for (const ports::Port* p : ports_.list())
        if (p->record.adopted) adopted.push_back(p->record.ifname);
    for (const auto& name : adopted) check_member(name);
}

std::vector<netlink::FdbEntry> Switch::read_fdb() {
    auto fdb = netlink::dump_fdb(*services_.sock, ifindex_);
    if (!fdb) {
        log::debug(fdb.error().context("switch '" + config_.name + "'").message + ", ignoring",
                   {{"VSWITCH_SWITCH", config_.name}});
        return {};
    }
    return std::move(*fdb);
}

std::optional<Mac> Switch::guest_mac_of(const std::vector<netlink::FdbEntry>& fdb, int port_ifindex,
                                        const Mac& own) const {
    std::vector<ports::LearnedMac> learned;
    for (const auto& e : fdb)
        if (e.ifindex == port_ifindex) learned.push_back({e.mac, e.local});
    return ports::choose_guest_mac(own, learned,
                                   [this](const Mac& m) { return lease_of(m).has_value(); });
}

void Switch::learn_member_mac(const Mac& mac) {
    // Nothing to learn for a MAC a port has, or with every member's known:
    // a lease renewal costs no netlink dump.
    if (ports_.find_by_mac(mac) || !ports_.has_unlearned_mac()) return;
    for (const auto& e : read_fdb()) {
        if (e.mac != mac || e.local) continue;
        for (const ports::Port* p : ports_.list()) {
            if (p->record.adopted && !p->mac_learned && p->ifindex == e.ifindex) {
                ports_.learn_mac(p->record.ifname, mac);
                return;
            }
        }
        return;
    }
}

}  // namespace vswitch
