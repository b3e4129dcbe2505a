// nft's datatype numbers (nftables src/datatype.h), stored in a set's key
// type so that `nft list` prints our sets with their real types. A
// concatenation packs one type per kTypeBits, the first field highest.
#pragma once

#include <cstdint>

namespace vswitch::nft {

inline constexpr uint32_t kTypeIpv4Addr = 7;
inline constexpr uint32_t kTypeIfname = 41;
inline constexpr unsigned kTypeBits = 6;

inline constexpr uint32_t concat_type(uint32_t first, uint32_t second) {
    return first << kTypeBits | second;
}

// nft's byte orders (enum byteorder), stored in a set's user data as
// NFTNL_UDATA_SET_KEYBYTEORDER. Without it nft prints the elements of an
// ifname set as "" (it reads the string the wrong way round); the kernel
// does not care.
inline constexpr uint32_t kByteorderHost = 1;
inline constexpr uint32_t kByteorderBig = 2;

// Key bytes of each type; in a concatenation every field starts on a 32-bit
// register boundary.
inline constexpr uint32_t kIpv4AddrLen = 4;
inline constexpr uint32_t kIfnameLen = 16;  // IFNAMSIZ

}  // namespace vswitch::nft
