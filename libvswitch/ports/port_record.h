// What the daemon knows about one port, and the pure rules around it: which
// interface names, VM names and MACs are acceptable, the stable MAC of a VM's
// Nth adapter, and the ports file in the state directory that lets ports
// survive a daemon restart. No system calls here, so all of it is unit-tested.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"
#include "libvswitch/ports/security.h"

namespace vswitch::ports {

struct PortRecord {
    std::string ifname;
    std::string switch_name;
    std::string vm;
    Mac mac;
    bool created = false;    // a TAP this daemon made: DetachAdapter deletes it
    bool connected = true;   // false: carrier off ("cable pulled")
    bool multi_queue = false;
    std::optional<uint32_t> owner;
    std::optional<uint32_t> group;
    uint32_t mtu = 0;        // 0: whatever the bridge has
    // A member of the bridge the daemon found there (`ip link set X master`,
    // libvirt without the hook, qemu-bridge-helper) rather than plugged in:
    // its VM is unknown until AttachInterface names it, its MAC is the
    // guest's once the bridge learned it (else the interface's own), and
    // the kernel is the truth for it, so it is in neither the ports file
    // nor an interface alias (members.h).
    bool adopted = false;
    // Guards set for this port (issue 17); unset ones follow the switch.
    // A ninth field of the ports file line, absent in older files.
    SecurityOverrides security;
    // OpenAdapter (issue 19): a TAP the daemon made without TUNSETPERSIST
    // and handed over as a file descriptor; it goes when the caller's last
    // descriptor closes, and is never made again. `owner` is the uid that
    // opened it, who may detach and reconnect it.
    bool opened = false;

    friend bool operator==(const PortRecord&, const PortRecord&) = default;
};

// Where a port came from, as the bus shows it (Port.Origin): a TAP the
// daemon made (AttachAdapter), an interface plugged in by AttachInterface,
// or a member found on the bridge.
enum class PortOrigin { daemon, attached, bridge };
PortOrigin origin_of(const PortRecord& p);
std::string_view to_string(PortOrigin origin);  // "daemon", "attached", "bridge"

// 1..15 bytes; no '/', ':', whitespace or control characters; not "." or
// "..": what the kernel's dev_valid_name() accepts, minus ':' (aliases).
Status validate_ifname(std::string_view ifname);

// Up to kMaxVmNameLength bytes without control characters (the ports file is
// line based). Empty only when allow_empty (AttachInterface without a VM).
Status validate_vm_name(std::string_view vm, bool allow_empty);

// A port's MAC: parsed, and neither zero nor multicast.
Result<Mac> parse_port_mac(std::string_view text);

// MTU within kMinMtu..kMaxMtu.
Status validate_mtu(uint32_t mtu);

// The MAC for adapter `index` of `vm`: QEMU's 52:54:00 OUI and three bytes of
// a hash of (vm, index), so a VM re-attached after a host reboot keeps its MAC
// and with it its DHCP lease.
Mac stable_mac(std::string_view vm, unsigned index);

// The MAC of the TAP itself, on the host side: the VM's with the first byte
// 0xfe (as libvirt does). Giving the TAP the VM's own MAC would make the
// bridge treat frames for the VM as addressed to the host.
Mac host_side_mac(const Mac& vm_mac);

// The ports file: a version line, then one tab-separated line per port.
std::string format_ports_file(const std::vector<PortRecord>& ports);
// Strict: any malformed line is an EBADMSG error naming the line.
Result<std::vector<PortRecord>> parse_ports_file(std::string_view text);

// The same record in the interface's alias (IFLA_IFALIAS), set in the same
// netlink request that plugs the port: the kernel keeps it as long as the
// port exists, so a port the ports file has not caught up with (the file is
// written lazily) is still found after a kill -9. A VM name that does not
// fit in the alias is left out of it.
inline constexpr std::string_view kPortAliasPrefix = "vswitch-port ";
inline constexpr size_t kMaxAliasLength = 255;  // IFALIASZ - 1
std::string format_port_alias(const PortRecord& p);
// nullopt for an alias that is not a port record (someone else's, or none).
std::optional<PortRecord> parse_port_alias(std::string_view alias);

}  // namespace vswitch::ports
