// The per-boot subnet choice (DESIGN "Subnet per boot"): every
// /prefix_length block of a pool is visited in an order drawn from a PRNG
// seeded by (boot id, switch name); the first block that overlaps nothing
// taken (host addresses, routes in any table) and nothing excluded wins.
//
// The order is a keyed bijection over the block indices, so a 10.0.0.0/8
// pool cut into /30s (4M blocks) is never materialised, and the choice only
// moves when the chosen block itself becomes taken: a VPN route appearing
// elsewhere in the pool does not renumber the switch.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"

namespace vswitch::subnet {

// Longest block we hand out: a /30 still has a gateway and one guest.
inline constexpr uint8_t kMaxPrefixLength = 30;

struct SubnetRequest {
    Ipv4Prefix pool;                       // e.g. 172.16.0.0/12
    uint8_t prefix_length = 20;            // size of each candidate block
    std::string_view boot_id;              // normalised (see normalize_boot_id)
    std::string_view switch_name;          // "Default", ...
    std::span<const Ipv4Prefix> taken;     // addresses and routes of the host
    std::span<const Ipv4Prefix> excluded;  // ExcludeSubnet=
};

// Picks the block. Errors: EINVAL for a prefix length outside
// [pool length, kMaxPrefixLength]; EADDRNOTAVAIL when every block overlaps
// something ("no free /20 left in pool 172.16.0.0/12 (256 blocks, ...)").
Result<Ipv4Prefix> choose_subnet(const SubnetRequest& request);

// The block's first host address: the switch's gateway.
Ipv4 gateway_of(const Ipv4Prefix& block);

struct AddressRange {
    Ipv4 first;
    Ipv4 last;  // inclusive
    friend bool operator==(const AddressRange&, const AddressRange&) = default;
};

// What DHCP hands out: the second host address up to broadcast - 1.
// For a /30 that is a single address. Blocks longer than /30 have none:
// first > last then.
AddressRange dhcp_range_of(const Ipv4Prefix& block);

// Accepts a UUID with or without dashes, any case, surrounding whitespace
// (as /proc/sys/kernel/random/boot_id prints it, with a newline) and
// returns the lower-case dashed form "8-4-4-4-12". Anything else is EINVAL.
Result<std::string> normalize_boot_id(std::string_view text);

}  // namespace vswitch::subnet
