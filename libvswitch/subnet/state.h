// The stored subnet choice (DESIGN "The choice is stored with the boot id"):
// the daemon writes it to <state-dir>/<switch>.subnet with write_file_atomic
// and, on a restart in the same boot, reuses the subnet instead of choosing
// again, so running VMs keep their addresses. A tiny key=value text:
//
//   # vswitchd subnet choice
//   boot-id=0f4c6e1a-9d2b-4c3e-8a7f-5b6d7e8f9a0b
//   switch=Default
//   subnet=172.27.160.0/20
//
// Parsing is tolerant of comments, blank lines, surrounding whitespace and
// unknown keys (a newer daemon may add some), strict on the values.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"

namespace vswitch::subnet {

// Limits on a file anyone with write access to the state dir may have edited.
inline constexpr size_t kMaxStateFileSize = 4096;
inline constexpr size_t kMaxStateSwitchNameLength = 255;

struct SubnetState {
    std::string boot_id;      // normalised (lower-case, dashed)
    std::string switch_name;
    Ipv4Prefix subnet;        // the block, host bits clear

    friend bool operator==(const SubnetState&, const SubnetState&) = default;
};

std::string format_subnet_state(const SubnetState& state);

// EBADMSG for a malformed line, a bad or missing value or a repeated key
// ("line 3: subnet '172.16.0.1/20' has host bits set ..."); E2BIG past
// kMaxStateFileSize.
Result<SubnetState> parse_subnet_state(std::string_view text);

}  // namespace vswitch::subnet
