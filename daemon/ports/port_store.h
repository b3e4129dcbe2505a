// PortStore: what the ports of all switches share. It knows every switch's
// PortSet (they register themselves), answers the questions that span
// switches (the daemon-wide limit, a MAC or an interface name in use on any
// switch), owns the ports file in the state directory that carries ports
// across a restart, and follows the kernel: a port whose interface was
// deleted behind the daemon's back (`ip link del`, libvirt destroying its
// vnetN) is forgotten by its set at once. The Manager creates it before the
// switches, calls restore() once they exist, and feeds it the observer's
// link events.
//
// The ports file is written lazily through a Throttle (kPortsSaveDelay, at
// most once per kPortsSaveInterval), because an fsync per AttachAdapter
// made the disk the bottleneck of every call; the destructor (clean stop)
// writes what is pending. A kill -9 can lose the changes of the last
// interval from the file, but not the ports: each port's record also lives
// in its interface's alias (port_record.h), which restore() reads back from
// the bridges, and a port detached but still in the file is gone from the
// kernel and forgotten at restore. Members a switch adopted from its
// bridge (PortRecord::adopted) are never written: the bridge is their truth,
// and the switch finds them there again at start (libvswitch/ports/members.h).
#pragma once

#include <systemd/sd-event.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/event/throttle.h"
#include "daemon/netlink/observer.h"
#include "daemon/netlink/route_socket.h"
#include "daemon/ports/link_reaper.h"
#include "daemon/ports/port_set.h"
#include "libvswitch/base/handle.h"
#include "libvswitch/base/result.h"
#include "libvswitch/ports/limits.h"

namespace vswitch::ports {

// The first change arms a timer this long; what changes until it fires
// goes into the same write...
inline constexpr std::chrono::milliseconds kPortsSaveDelay{50};
// ...and at most one write (two fsyncs) per interval, however fast callers go.
inline constexpr std::chrono::milliseconds kPortsSaveInterval{1000};

class PortStore {
public:
    class Key {
        friend class PortStore;
        Key() = default;
    };
    using EventPtr = UniqueHandle<sd_event, sd_event_unref>;
    PortStore(Key, std::string state_dir, netlink::RouteSocket& sock, size_t max_ports, EventPtr event);
    // max_ports is kMaxPorts but for tests of the limit. event: the loop the
    // ports file timer runs on; null takes the thread's default loop, which
    // is the daemon's (event::EventLoop is sd_event_default()).
    static Result<std::unique_ptr<PortStore>> create(std::string state_dir, netlink::RouteSocket& sock,
                                                     size_t max_ports = kMaxPorts, sd_event* event = nullptr);
    ~PortStore();  // writes pending changes to the ports file
    PortStore(const PortStore&) = delete;
    PortStore& operator=(const PortStore&) = delete;

    // Every switch's ports, and the daemon-wide questions about them.
    size_t size() const;
    size_t max_ports() const { return max_ports_; }
    const Port* find(std::string_view ifname) const;
    const Port* find_by_mac(const Mac& mac) const;
    // Sorted by interface name.
    std::vector<const Port*> list() const;

    // Reads the ports file and hands each port whose switch runs and whose
    // interface still exists back to its set (plugged into the bridge);
    // forgets the others. Then adopts ports whose interface alias carries
    // their record but which the file lacks (lost by a kill -9 before the
    // lazy write), if still plugged into their switch's bridge. Problems
    // with single ports are logged and skipped; the error is for an
    // unreadable file.
    Status restore();

    // A set changed: the ports file is out of date (written by the throttle).
    void changed();
    // Writes the ports file now if anything changed since the last write.
    Status flush();

    // The observer's link events: a deleted port interface is forgotten;
    // after an overrun every port is checked.
    void on_link(const netlink::LinkEvent& ev);
    void on_links_overrun();

    // --teardown with no switch running: every port the ports file and the
    // interface aliases know is unplugged, TAPs the daemon made deleted,
    // and the file emptied. Keeps going after an error, returns the first.
    static Status remove_recorded(const std::string& state_dir, netlink::RouteSocket& sock);

    // The deletions of detached TAPs under way (link_reaper.h); null when
    // its eventfd could not be made (TAPs are then deleted in the call).
    LinkReaper* reaper() { return reaper_.get(); }
    // A detached TAP the kernel has not released yet: its name is taken.
    bool being_deleted(std::string_view ifname) const { return reaper_ && reaper_->pending(ifname); }

    // PortSet's constructor and destructor.
    void add(PortSet* set);
    void remove(PortSet* set);

private:
    PortSet* set_of(std::string_view switch_name) const;
    void check_gone(const std::string& ifname);
    std::string ports_file() const { return state_dir_ + "/ports"; }

    EventPtr event_;
    event::Throttle save_;
    bool dirty_ = false;
    std::string state_dir_;
    netlink::RouteSocket& sock_;
    size_t max_ports_;
    std::vector<PortSet*> sets_;
    std::unique_ptr<LinkReaper> reaper_;  // last: its thread stops first
};

}  // namespace vswitch::ports
