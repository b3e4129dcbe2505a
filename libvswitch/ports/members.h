// Members of a switch's bridge that the daemon did not plug in (issue 14:
// "every member of a switch's bridge is a port"). An interface put there
// with `ip link set X master vswitch0`, by libvirt without the hook or by
// qemu-bridge-helper becomes a port with PortOrigin::bridge: it has a bus
// object, is pulsed on a renumber and shows in vswitchctl. The rules here
// are pure; daemon/switch/members.cc feeds them what the observer reported
// and what the kernel says now.
//
// What persists: nothing. The bridge is the truth for an adopted member, so
// it is found again at every start (and after lost notifications) by
// listing the bridge's members; it is never written to the ports file or
// an interface alias, and AttachInterface (which names its VM) makes it an
// attached port, which is persisted.
#pragma once

#include <functional>
#include <optional>
#include <span>

#include "libvswitch/base/net.h"
#include "libvswitch/ports/port_record.h"

namespace vswitch::ports {

// What to do about one interface after a link notification.
enum class MemberAction {
    none,    // nothing changed for the switch's ports
    adopt,   // a new member of the bridge: it becomes a port
    forget,  // an adopted member left the bridge: the port goes (PortDetached)
    keep,    // an adopted member lost its bridge with the bridge itself: healing re-plugs it
};

struct MemberState {
    std::optional<PortOrigin> port;  // the port the interface is, if any
    bool exists = false;             // the interface exists now
    int master = 0;                  // its master now (0: none)
    // The switch's bridge now: its ifindex when an interface of the
    // bridge's name with the switch's ifindex exists, else 0 (deleted, or
    // replaced by another interface: a repair is due).
    int bridge = 0;
};

// The kernel's present state decides, never the notification alone (it may
// be stale, or the echo of the daemon's own change):
//   - not a port: adopt when it exists and its master is the bridge;
//   - an adopted member: forget when it is gone, or when the bridge still
//     exists and the member is not in it (someone unplugged it or moved it
//     to another bridge); keep it while the bridge is gone (deleting a
//     bridge unplugs its members; the repair puts them back);
//   - ports the daemon made or plugged in: none (healing re-plugs them).
MemberAction plan_member(const MemberState& s);

// An entry of the bridge's forwarding database on one port.
struct LearnedMac {
    Mac mac;
    bool local = false;  // the port's own address (permanent), not a guest's
};

// The guest's MAC on a member, from what the bridge learned on its port:
// the interface's own and local entries never, nor multicast or zero ones;
// of several, one holding a lease (has_lease), else the lowest, so the
// choice is stable. nullopt while nothing was learned.
std::optional<Mac> choose_guest_mac(const Mac& own, std::span<const LearnedMac> learned,
                                    const std::function<bool(const Mac&)>& has_lease);

}  // namespace vswitch::ports
