// The IPv4 + UDP headers around a DHCP reply sent on the packet socket, to a
// client that has no address yet (RFC 2131 §4.1): the kernel's UDP stack
// cannot reach it without ARP, so the daemon writes the headers itself.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "libvswitch/base/net.h"

namespace vswitch::dhcp {

inline constexpr uint8_t kUdpTtl = 64;

// An IPv4 datagram (20-byte header, no options, DF set) carrying one UDP
// datagram with its checksum over the pseudo header.
std::vector<uint8_t> build_udp_frame(Ipv4 source, uint16_t source_port, Ipv4 destination,
                                     uint16_t destination_port, std::span<const uint8_t> payload);

// RFC 1071 one's complement sum, folded, not yet inverted.
uint32_t checksum_add(uint32_t sum, std::span<const uint8_t> bytes);
uint16_t checksum_finish(uint32_t sum);

}  // namespace vswitch::dhcp
