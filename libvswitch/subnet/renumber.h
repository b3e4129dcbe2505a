// Pure pieces of a runtime renumber (DESIGN "Subnet per boot", issue 7):
// spotting the host prefix that now collides with a switch's subnet, and
// moving an address to the same host offset in the new block, so each
// guest keeps "its" place (…16.37 becomes …48.37) across the move.
#pragma once

#include <optional>
#include <span>

#include "libvswitch/base/net.h"

namespace vswitch::subnet {

// Index in `taken` of the first prefix overlapping `subnet`, if any. The
// caller has already left out its own bridge's address and routes.
std::optional<size_t> first_overlap(const Ipv4Prefix& subnet, std::span<const Ipv4Prefix> taken);

// `address` moved from block `from` to block `to` at the same host offset.
// Nullopt when the address is not inside `from`, or the offset lies outside
// `to` or is its network or broadcast address (a shorter new block).
std::optional<Ipv4> carry_host_offset(Ipv4 address, const Ipv4Prefix& from, const Ipv4Prefix& to);

}  // namespace vswitch::subnet
