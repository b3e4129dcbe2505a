#include "libvswitch/dhcp/frame.h"

#include <errno.h>

#include "libvswitch/base/bytes.h"

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

Result<UdpDatagram> parse_udp_frame(std::span<const uint8_t> packet) {
    auto bad = [](const char* why) { return make_error(EBADMSG, std::string("IPv4/UDP frame: ") + why); };
    ByteReader r(packet);
    auto vihl = r.read_u8();
    if (!vihl || packet.size() < kIpHeaderSize) return bad("shorter than an IPv4 header");
    if (*vihl >> 4 != 4) return bad("not IPv4");
    const size_t ihl = size_t(*vihl & 0x0f) * 4;
    if (ihl < kIpHeaderSize || ihl > packet.size()) return bad("bad header length");
    r.skip(1);  // DSCP/ECN
    const uint16_t total = *r.read_u16();
    if (total < ihl + kUdpHeaderSize || total > packet.size()) return bad("bad total length");
    r.skip(2);  // identification
    // RFC 791: MF set or a fragment offset: a piece of a datagram. DHCP
    // messages fit a 576-byte datagram; no reassembly here.
    if (*r.read_u16() & 0x3fff) return bad("a fragment");
    r.skip(1);  // TTL
    if (*r.read_u8() != kProtoUdp) return bad("not UDP");
    if (checksum_finish(checksum_add(0, packet.first(ihl))) != 0) return bad("bad header checksum");
    r.skip(2);
    UdpDatagram d;
    d.source = Ipv4(*r.read_u32());
    d.destination = Ipv4(*r.read_u32());
    ByteReader u(packet.subspan(ihl, total - ihl));
    d.source_port = *u.read_u16();
    d.destination_port = *u.read_u16();
    const uint16_t udp_len = *u.read_u16();
    if (udp_len < kUdpHeaderSize || udp_len > total - ihl) return bad("bad UDP length");
    u.skip(2);  // checksum: see the header
    d.payload = packet.subspan(ihl + kUdpHeaderSize, udp_len - kUdpHeaderSize);
    return d;
}

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
