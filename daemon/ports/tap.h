// Persistent TAP devices made through /dev/net/tun. The fd used to create one
// is closed at once: the TAP lives on (TUNSETPERSIST) for QEMU to open by
// name, as the owner/group set here, with the same flags.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "libvswitch/base/fd.h"
#include "libvswitch/base/result.h"

namespace vswitch::ports {

struct TapSpec {
    // An exact name, or a kernel pattern with "%d" ("vstap%d").
    std::string name;
    std::optional<uint32_t> owner;
    std::optional<uint32_t> group;
    bool multi_queue = false;
};

// Creates the TAP (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, IFF_MULTI_QUEUE on
// request) and makes it persistent. Refuses (EEXIST) to take over an
// interface that already exists. Returns the name the kernel gave it.
Result<std::string> create_persistent_tap(const TapSpec& spec);

// OpenAdapter (issue 19): the same TAP without TUNSETPERSIST, and the
// descriptor that keeps it alive: the kernel deletes the TAP when the last
// copy of `fd` closes (the caller's, once the daemon closed its own).
struct OpenTap {
    Fd fd;
    std::string name;
};
Result<OpenTap> create_open_tap(const TapSpec& spec);

}  // namespace vswitch::ports
