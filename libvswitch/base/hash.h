// FNV-1a, 64 bit: a fixed, documented hash for values derived from names
// that must come out the same on every build, platform and run (std::hash
// promises neither): the per-boot subnet draw, a DHCP client's preferred
// address, a VM's stable MAC, a bridge's MAC. Chain calls to hash several
// parts: fnv1a(b, fnv1a(a)) == fnv1a(a + b).
#pragma once

#include <cstdint>
#include <string_view>

namespace vswitch {

inline constexpr uint64_t kFnv1aOffset = 0xcbf29ce484222325ull;
inline constexpr uint64_t kFnv1aPrime = 0x100000001b3ull;

constexpr uint64_t fnv1a(std::string_view bytes, uint64_t h = kFnv1aOffset) {
    for (char c : bytes) {
        h ^= static_cast<unsigned char>(c);
        h *= kFnv1aPrime;
    }
    return h;
}

}  // namespace vswitch
