// Every limit a D-Bus caller can push on for ports, in one place.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vswitch::ports {

// Ports over all switches. A bridge takes up to 1024 ports per STP port
// numbering (BR_MAX_PORTS), but we run without STP; 4096 keeps the ports file,
// ListPorts replies and the kernel's per-bridge FDB work bounded.
inline constexpr size_t kMaxPorts = 4096;
// Entries in AttachAdapter's option dictionary; there are five known keys,
// so anything larger is a mistake or an attack, refused before it is read.
inline constexpr size_t kMaxAttachOptions = 16;
// A VM name is stored in the ports file and shown in DNS; 255 bytes is a DNS
// name's limit and plenty for libvirt's domain names.
inline constexpr size_t kMaxVmNameLength = 255;
// IFNAMSIZ - 1.
inline constexpr size_t kMaxIfnameLength = 15;
// Adapters per VM for which a stable MAC is derived (index 0..n-1).
inline constexpr unsigned kMaxAdaptersPerVm = 64;
// MTU bounds accepted for a TAP (ETH_MIN_MTU .. the bridge's IP_MAX_MTU).
inline constexpr uint32_t kMinMtu = 68;
inline constexpr uint32_t kMaxMtu = 65535;
// The ports file is read whole; 4096 lines of well under 512 bytes.
inline constexpr size_t kMaxPortsFileSize = 2u << 20;

}  // namespace vswitch::ports
