// The IPv4 + UDP headers around a DHCP reply sent on the packet socket, to a
// client that has no address yet (RFC 2131 §4.1): the kernel's UDP stack
// cannot reach it without ARP, so the daemon writes the headers itself.
// And their counterpart: the requests read from a packet socket, which
// (unlike the UDP socket) says which bridge port a frame came in on.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"

namespace vswitch::dhcp {

inline constexpr uint8_t kUdpTtl = 64;

// An IPv4 datagram (20-byte header, no options, DF set) carrying one UDP
// datagram with its checksum over the pseudo header.
std::vector<uint8_t> build_udp_frame(Ipv4 source, uint16_t source_port, Ipv4 destination,
                                     uint16_t destination_port, std::span<const uint8_t> payload);

// One UDP datagram of an IPv4 packet, viewing the packet's bytes.
struct UdpDatagram {
    Ipv4 source;
    Ipv4 destination;
    uint16_t source_port = 0;
    uint16_t destination_port = 0;
    std::span<const uint8_t> payload;
};

// The UDP datagram in an IPv4 packet (from its first header byte, as an
// AF_PACKET SOCK_DGRAM socket reads it; trailing link padding is cut by
// the IP total length). EBADMSG for anything else: not IPv4, a bad header
// length or checksum, a fragment, not UDP, a UDP length past the packet.
// The UDP checksum is not checked: a guest's kernel with checksum offload
// (virtio-net) leaves it to the host, which never computes it for a frame
// that is delivered to a packet socket on the bridge.
Result<UdpDatagram> parse_udp_frame(std::span<const uint8_t> packet);

// RFC 1071 one's complement sum, folded, not yet inverted.
uint32_t checksum_add(uint32_t sum, std::span<const uint8_t> bytes);
uint16_t checksum_finish(uint32_t sum);

}  // namespace vswitch::dhcp
