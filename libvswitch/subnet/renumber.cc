#include "libvswitch/subnet/renumber.h"

namespace vswitch::subnet {

std::optional<size_t> first_overlap(const Ipv4Prefix& subnet, std::span<const Ipv4Prefix> taken) {
    for (size_t i = 0; i < taken.size(); ++i)
        if (taken[i].overlaps(subnet)) return i;
    return std::nullopt;
}

std::optional<Ipv4> carry_host_offset(Ipv4 address, const Ipv4Prefix& from, const Ipv4Prefix& to) {
    if (!from.contains(address)) return std::nullopt;
    uint64_t offset = uint64_t(address.value()) - from.network().value();
    // Network (offset 0) and broadcast are never a host's address.
    if (offset == 0 || offset + 1 >= to.size()) return std::nullopt;
    return Ipv4(uint32_t(to.network().value() + offset));
}

}  // namespace vswitch::subnet
