#include "libvswitch/dhcp/frame.h"

namespace vswitch::dhcp {

namespace {

constexpr size_t kIpHeaderSize = 20;
constexpr size_t kUdpHeaderSize = 8;
constexpr uint8_t kProtoUdp = 17;

void put16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
    b[at] = uint8_t(v >> 8);
    b[at + 1] = uint8_t(v);
}

void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
    put16(b, at, uint16_t(v >> 16));
    put16(b, at + 2, uint16_t(v));
}

}  // namespace

uint32_t checksum_add(uint32_t sum, std::span<const uint8_t> bytes) {
    size_t i = 0;
    for (; i + 1 < bytes.size(); i += 2) sum += uint32_t(bytes[i]) << 8 | bytes[i + 1];
    if (i < bytes.size()) sum += uint32_t(bytes[i]) << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return sum;
}

uint16_t checksum_finish(uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return uint16_t(~sum);
}

std::vector<uint8_t> build_udp_frame(Ipv4 source, uint16_t source_port, Ipv4 destination,
                                     uint16_t destination_port, std::span<const uint8_t> payload) {
    const size_t udp_len = kUdpHeaderSize + payload.size();
    const size_t total = kIpHeaderSize + udp_len;
    std::vector<uint8_t> b(total);
    b[0] = 0x45;  // version 4, IHL 5
    put16(b, 2, uint16_t(total));
    put16(b, 6, 0x4000);  // DF: a DHCP reply is never fragmented on a bridge
    b[8] = kUdpTtl;
    b[9] = kProtoUdp;
    put32(b, 12, source.value());
    put32(b, 16, destination.value());
    put16(b, 10, checksum_finish(checksum_add(0, std::span(b).first(kIpHeaderSize))));

    const size_t u = kIpHeaderSize;
    put16(b, u, source_port);
    put16(b, u + 2, destination_port);
    put16(b, u + 4, uint16_t(udp_len));
    std::copy(payload.begin(), payload.end(), b.begin() + long(u + kUdpHeaderSize));

    // Pseudo header: source, destination, zero + protocol, UDP length.
    uint32_t sum = checksum_add(0, std::span(b).subspan(12, 8));
    sum += kProtoUdp;
    sum += uint32_t(udp_len);
    sum = checksum_add(sum, std::span(b).subspan(u));
    uint16_t c = checksum_finish(sum);
    put16(b, u + 6, c == 0 ? 0xffff : c);  // RFC 768: zero means "no checksum"
    return b;
}

}  // namespace vswitch::dhcp
