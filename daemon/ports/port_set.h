// PortSet: the ports of one switch. A Switch owns one and drives it from
// the D-Bus calls (AttachAdapter, AttachInterface, DetachAdapter,
// Connected); it owns each port's record (which VM, which MAC, whether the
// daemon made the TAP) and does the kernel side on the shared route socket:
// TAPs made, plugged into the switch's bridge, carrier switched, unplugged,
// deleted. What spans switches (the daemon-wide port limit, MACs and names
// unique across switches, the one ports file) is the PortStore's: every set
// registers with it, asks it before it adds a port and tells it after each
// change.
//
// Error codes, which the bus turns into named errors: ENODEV no such port
// or interface, EEXIST name/MAC taken, EINVAL bad argument, E2BIG a limit
// reached; anything else is a failure of the system underneath.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/netlink/link.h"
#include "daemon/netlink/route_socket.h"
#include "libvswitch/base/fd.h"
#include "libvswitch/base/result.h"
#include "libvswitch/ports/limits.h"
#include "libvswitch/ports/port_record.h"
#include "libvswitch/ports/security.h"

namespace vswitch {
class Switch;
}

namespace vswitch::ports {

class PortSet;
class PortStore;

// One port as the daemon holds it: the record, and the set (and through it
// the switch) it belongs to, so that a D-Bus Port object found by its path
// reaches everything it shows. Stable in memory while the port exists.
struct Port {
    PortRecord record;
    PortSet* set = nullptr;
    // Adopted members (record.adopted) only: the interface's index, to map
    // the bridge's forwarding database onto it, and whether record.mac is
    // the guest's yet (false: still the interface's own).
    int ifindex = 0;
    bool mac_learned = true;
};

struct AdapterRequest {
    std::string vm;
    std::optional<Mac> mac;             // none: stable_mac(vm, first free index)
    std::optional<std::string> ifname;  // none: the kernel picks "vstapN"
    std::optional<uint32_t> owner;
    std::optional<uint32_t> group;
    std::optional<uint32_t> mtu;
    bool multi_queue = false;
};

// attached: plugged in by a call; adopted: found on the bridge; changed: its
// VM, MAC or origin changed (an adopted member named by AttachInterface, or
// its guest's MAC learned); detached: unplugged by a call; vanished: its
// interface was deleted, or an adopted member left the bridge.
enum class PortEvent { attached, adopted, changed, detached, vanished };

struct AttachResult {
    const Port* port = nullptr;
    bool added = false;  // false: the same port was already there (idempotent call)
};

// Unplugs the port's interface from its bridge, or deletes it when the
// daemon created it; an interface already gone is success.
Status unplug_port(netlink::RouteSocket& sock, const PortRecord& port);

class PortSet {
public:
    // Told of every port that comes and goes after the change is made
    // (DNS names follow ports; a port whose interface the kernel deleted
    // behind the daemon's back, or a member found on or leaving the bridge,
    // is announced on the bus). Not called for restore(), adopt() or
    // remove_all().
    using Listener = std::function<void(PortEvent event, const PortRecord& port)>;

    // bridge: the switch's bridge interface, looked up at each attach.
    // owner may be null (tests drive a set without a switch).
    PortSet(Switch* owner, std::string switch_name, std::string bridge, netlink::RouteSocket& sock,
            PortStore& store);
    ~PortSet();  // leaves the store; the ports stay in the kernel
    PortSet(const PortSet&) = delete;
    PortSet& operator=(const PortSet&) = delete;

    Switch* owner() const { return owner_; }
    const std::string& switch_name() const { return switch_name_; }
    void set_listener(Listener fn) { listener_ = std::move(fn); }

    Result<AttachResult> attach_adapter(const AdapterRequest& req);
    // OpenAdapter (issue 19, open_adapter.cc): a new non-persistent TAP
    // (record.opened, record.owner = opener), plugged, and the descriptor
    // that keeps it; the port goes (PortEvent::vanished) when the caller's
    // last copy closes. req.ifname, owner and group are ignored.
    struct Opened {
        const Port* port = nullptr;
        Fd fd;
    };
    Result<Opened> open_adapter(const AdapterRequest& req, uint32_t opener);
    // Plugs an interface someone else made (libvirt's vnetN, a veth). mac is
    // the VM's address when known, else the interface's own. An adopted
    // member of this switch is named instead (VM, MAC) and becomes an
    // attached port (PortEvent::changed; added stays false).
    Result<AttachResult> attach_interface(std::string_view ifname, std::string_view vm,
                                          std::optional<Mac> mac);
    // Unplugs the port; deletes it when the daemon created it (an adopted
    // member is only unplugged, its alias and link state left as they were).
    // A TAP of ours is out of the bridge when this returns and deleted a
    // moment later off the call path (PortStore::reaper()); its name stays
    // taken until then.
    Status detach(std::string_view ifname);
    // false pulls the virtual cable: carrier off for a TAP, link down otherwise.
    Status set_connected(std::string_view ifname, bool connected);
    // Teardown: detaches every port, going on after an error (the first is returned).
    Status remove_all();

    const Port* find(std::string_view ifname) const;
    const Port* find_by_mac(const Mac& mac) const;
    // Sorted by interface name.
    std::vector<const Port*> list() const;
    size_t size() const { return ports_.size(); }

    // From the PortStore at start: a port of the ports file whose interface
    // still exists is plugged back into the bridge; an error means it is
    // forgotten. adopt() takes one found by its interface alias, as it is.
    Status restore(const PortRecord& record, const netlink::LinkInfo& link);
    void adopt(PortRecord record);
    // From the PortStore: the interface is gone from the kernel. The keep
    // handler, when set, is asked first; true keeps the port (its switch
    // makes a TAP of the daemon's again, heal.cc).
    void forget_vanished(std::string_view ifname);
    using KeepFn = std::function<bool(const PortRecord& port)>;
    void set_keep_vanished(KeepFn fn) { keep_vanished_ = std::move(fn); }

    // The switch's repairs (daemon/switch/heal.cc). replug() plugs the
    // port's interface back into the bridge as an attach did (master, MTU,
    // MAC, alias, up, the cable as the record says); recreate_tap() makes a
    // deleted TAP of the daemon's again under its name, owner, group and
    // queues, and plugs it. ENODEV: no such port, or its interface is gone.
    Status replug(std::string_view ifname);
    Status recreate_tap(std::string_view ifname);

    // Members found on the bridge (daemon/switch/members.cc, members.h).
    // adopt_member() makes `link` a port of origin bridge, its MAC the
    // guest's when known, else the interface's own; nullptr when the port
    // limit is reached (logged once until there is room again).
    // forget_member() drops an adopted member that left the bridge
    // (PortEvent::vanished); learn_mac() sets the guest's MAC of one.
    const Port* adopt_member(const netlink::LinkInfo& link, std::optional<Mac> guest_mac);
    void forget_member(std::string_view ifname, std::string_view why);
    void learn_mac(std::string_view ifname, const Mac& mac);
    // Whether the daemon-wide port limit leaves room for one more.
    bool has_room() const { return check_room().ok(); }
    // Whether an adopted member still shows its interface's own MAC.
    bool has_unlearned_mac() const;

    Result<netlink::LinkInfo> bridge_link();

    // Port guards (issue 17, port_security.cc). The switch's defaults come
    // from its config; security_of() is a port's effective settings.
    void set_security_defaults(const SecurityDefaults& d) { security_defaults_ = d; }
    using GuardsApplier = std::function<Status()>;
    void set_guards_applier(GuardsApplier fn) { apply_guards_ = std::move(fn); }
    PortSecurity security_of(const PortRecord& p) const;
    // Sets (nullopt: unsets) one guard of a port: the bridge port flag for
    // Isolated, the nft guards through the applier, then the ports file
    // (fsync) before it returns, so what the bus acknowledges persists.
    // EINVAL for a member found on the bridge (it is never written, so its
    // settings would not survive a restart). Nothing is kept when a step
    // fails. true: the effective value changed.
    Result<bool> set_security(std::string_view ifname, SecurityKey key, std::optional<bool> value);
    // MaximumBandwidth (bit/s, 0 none; nullopt: the switch's default),
    // validated (ERANGE), applied with tc (daemon/netlink/bandwidth.h) and
    // saved like set_security; the old shaping is put back on any failure.
    Result<bool> set_bandwidth(std::string_view ifname, std::optional<uint64_t> bits);
    // The repair (heal.cc): every port with a limit whose qdiscs or ifb are
    // gone gets them back, logged once per repair. Returns how many.
    unsigned repair_bandwidth();

private:
    Status detach_now(const PortRecord& p);
    Status apply_isolation(const PortRecord& p, const netlink::LinkInfo& link, bool on_plug);
    Status apply_bandwidth(const PortRecord& p, const netlink::LinkInfo& link, bool on_plug);
    // Removes a port's shaping and its ifb (detach, vanish, teardown);
    // failures are logged and ignored.
    void drop_bandwidth(const PortRecord& p, bool interface_gone);
    SecurityDefaults security_defaults_;
    GuardsApplier apply_guards_;

    Status check_room() const;
    Result<Mac> pick_mac(std::string_view vm) const;
    Status plug(const PortRecord& p, const netlink::LinkInfo& link, const netlink::LinkInfo& bridge);
    Status apply_connected(const PortRecord& p, const netlink::LinkInfo& link, bool connected);
    const Port& insert(PortRecord record);
    Result<AttachResult> name_member(std::string ifname, std::string_view vm,
                                     std::optional<Mac> mac, const netlink::LinkInfo& bridge);
    void notify(PortEvent event, const PortRecord& port);

    Switch* owner_;
    std::string switch_name_;
    std::string bridge_;
    netlink::RouteSocket& sock_;
    PortStore& store_;
    std::map<std::string, Port, std::less<>> ports_;  // nodes do not move: Port* stays valid
    Listener listener_;
    KeepFn keep_vanished_;
    bool limit_logged_ = false;  // adopt_member() past the limit said so
};

}  // namespace vswitch::ports
