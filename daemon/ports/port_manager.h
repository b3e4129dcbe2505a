// PortManager owns the ports of every switch: the record of each (which VM,
// which MAC, whether the daemon made the TAP), the kernel side through
// LinkControl, and the ports file in the state directory that carries them
// across a daemon restart. The D-Bus objects drive it; the Manager creates
// it once the switches exist and asks it to restore() what was there before.
//
// The ports file is written lazily (kPortsSaveDelay, at most once per
// kPortsSaveInterval) from a timer on the daemon's sd-event loop, because an
// fsync per AttachAdapter made the disk the bottleneck of every call; the
// destructor (clean stop) writes what is pending. A kill -9 can lose the
// changes of the last interval from the file, but not the ports: each
// port's record also lives in its interface's alias (port_record.h), which
// restore() reads back from the bridge, and a port detached but still in the
// file is gone from the kernel and forgotten at restore.
//
// Error codes it returns, which the bus turns into named errors: ENOENT no
// such switch, ENODEV no such port or interface, EEXIST name/MAC taken,
// EINVAL bad argument, E2BIG a limit reached; anything else is a failure of
// the system underneath.
#pragma once

#include <systemd/sd-event.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/event/event.h"
#include "libvswitch/ports/limits.h"
#include "daemon/ports/link.h"
#include "daemon/ports/link_watch.h"
#include "libvswitch/ports/port_record.h"
#include "libvswitch/base/result.h"

namespace vswitch::ports {

// The first change arms a timer this long; what changes until it fires goes
// into the same write.
inline constexpr std::chrono::milliseconds kPortsSaveDelay{50};
// ...and at most one write (two fsyncs) per interval, however fast callers go.
inline constexpr std::chrono::milliseconds kPortsSaveInterval{1000};

struct AdapterRequest {
    std::string switch_name;
    std::string vm;
    std::optional<Mac> mac;            // none: stable_mac(vm, first free index)
    std::optional<std::string> ifname; // none: the kernel picks "vstapN"
    std::optional<uint32_t> owner;
    std::optional<uint32_t> group;
    std::optional<uint32_t> mtu;
    bool multi_queue = false;
};

enum class PortEvent { attached, detached, vanished };

struct AttachResult {
    const PortRecord* port = nullptr;
    bool added = false;  // false: the same port was already there (idempotent call)
};

class PortManager {
public:
    // The bridge interface of a switch, or nullopt if there is no such switch.
    using BridgeLookup = std::function<std::optional<std::string>(std::string_view switch_name)>;

    // Only create() can make a Key, so construction always goes through it
    // (and std::make_unique can still reach the constructor).
    class Key {
        friend class PortManager;
        Key() = default;
    };
    using EventPtr = UniqueHandle<sd_event, sd_event_unref>;
    PortManager(Key, std::string state_dir, BridgeLookup bridges, LinkControl links, size_t max_ports,
                EventPtr event)
        : event_(std::move(event)),
          state_dir_(std::move(state_dir)),
          bridges_(std::move(bridges)),
          links_(std::move(links)),
          max_ports_(max_ports) {}
    ~PortManager();  // writes pending changes to the ports file
    PortManager(const PortManager&) = delete;
    PortManager& operator=(const PortManager&) = delete;

    // max_ports is kMaxPorts but for tests of the limit. event: the loop the
    // ports file timer runs on; null takes the thread's default loop, which
    // is the daemon's (daemon/event's EventLoop is sd_event_default()).
    static Result<std::unique_ptr<PortManager>> create(std::string state_dir, BridgeLookup bridges,
                                                       size_t max_ports = kMaxPorts,
                                                       sd_event* event = nullptr);

    // Reads the ports file and plugs each port whose interface still exists
    // back into its switch; forgets the others. Problems with single ports
    // are logged and skipped; the error is for an unreadable file.
    Status restore();
    // Reads the ports file without touching the kernel: for --teardown,
    // which then calls remove_all() with no switches running.
    Status load();

    Result<AttachResult> attach_adapter(const AdapterRequest& req);
    // Plugs an interface someone else made (libvirt's vnetN, a veth). mac is
    // the VM's address when known, else the interface's own.
    Result<AttachResult> attach_interface(std::string_view switch_name, std::string_view ifname,
                                          std::string_view vm, std::optional<Mac> mac);
    // Unplugs the port; deletes it when the daemon created it.
    Status detach(std::string_view ifname);
    // false pulls the virtual cable: carrier off for a TAP, link down otherwise.
    Status set_connected(std::string_view ifname, bool connected);
    // Teardown: detaches every port, going on after an error (the first is returned).
    Status remove_all();

    const PortRecord* find(std::string_view ifname) const;
    const PortRecord* find_by_mac(std::string_view switch_name, const Mac& mac) const;
    // Sorted by interface name; all switches when switch_name is empty.
    std::vector<const PortRecord*> list(std::string_view switch_name = {}) const;
    size_t size() const { return ports_.size(); }

    // Writes the ports file now if anything changed since the last write.
    Status flush();

    // Told of every port that comes and goes after the change is made:
    // DNS names follow ports, and the bus emits PortDetached for a port whose
    // interface the kernel deleted behind the daemon's back (RTM_DELLINK on
    // the loop). Not called for restore()/load() or remove_all().
    using Listener = std::function<void(PortEvent event, const PortRecord& port)>;
    void add_listener(Listener fn) { listeners_.push_back(std::move(fn)); }

private:
    static int on_save_timer(sd_event_source* s, uint64_t usec, void* userdata) noexcept;
    // From the LinkWatch: forgets ports whose interface no longer exists.
    void on_links_deleted(const std::vector<std::string>& names, bool overrun);
    // Ports whose interface alias carries their record but that the ports
    // file lacks (lost by a kill -9 before the lazy write): adopted again.
    // check_bridge: only those still plugged into their switch's bridge.
    bool adopt_from_aliases(bool check_bridge);

    Result<LinkInfo> bridge_of(std::string_view switch_name);
    Result<Mac> pick_mac(std::string_view vm) const;
    Status check_room() const;
    Status plug(const PortRecord& p, const LinkInfo& link, const LinkInfo& bridge);
    Status apply_connected(const PortRecord& p, const LinkInfo& link, bool connected);
    Status unplug(const PortRecord& p);
    // Marks the file out of date and arms the save timer.
    Status save();
    std::string ports_file() const { return state_dir_ + "/ports"; }

    EventPtr event_;  // null: no loop, every save() writes at once
    event::EventSourcePtr save_timer_;
    bool dirty_ = false;
    uint64_t last_save_usec_ = 0;  // CLOCK_MONOTONIC
    std::string state_dir_;
    BridgeLookup bridges_;
    LinkControl links_;
    size_t max_ports_;
    std::map<std::string, PortRecord, std::less<>> ports_;
    void notify(PortEvent event, const PortRecord& port);

    std::unique_ptr<LinkWatch> watch_;
    std::vector<Listener> listeners_;
};

}  // namespace vswitch::ports
