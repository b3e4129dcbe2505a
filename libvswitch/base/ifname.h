// The one rule for interface names the daemon creates, adopts or reads back
// from its files (config's Bridge=, AttachAdapter's ifname, AttachInterface,
// the ports file): what the kernel takes as is (net/core/dev.c
// dev_valid_name), narrowed to printable ASCII. The kernel would take any
// other byte, but nft, ip -json, udev rules and journal fields then each
// show the name differently, and '%' would make the kernel number the name
// itself ("vs%d" -> "vs0"), so the name asked for would not be the one made.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vswitch {

inline constexpr size_t kMaxIfnameBytes = 15;  // IFNAMSIZ - 1

// What is wrong with `name` ("is longer than 15 bytes", "contains '/',
// which is not allowed in an interface name", ...), fit to follow the quoted
// name in a message; nullopt when it is fine.
std::optional<std::string> ifname_fault(std::string_view name);

}  // namespace vswitch
