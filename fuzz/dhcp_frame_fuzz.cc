// Fuzzes parse_udp_frame (what the packet socket on the bridge reads) and
// its symmetry with build_udp_frame: a datagram that parses rebuilds into a
// packet that parses to the same addresses, ports and payload.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "libvswitch/dhcp/frame.h"

using namespace vswitch::dhcp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto d = parse_udp_frame(std::span<const uint8_t>(data, size));
    if (!d) {
        if (d.error().message.empty()) std::abort();
        return 0;
    }
    if (d->payload.data() < data || d->payload.data() + d->payload.size() > data + size) std::abort();
    auto again = build_udp_frame(d->source, d->source_port, d->destination, d->destination_port, d->payload);
    auto e = parse_udp_frame(again);
    if (!e || e->source != d->source || e->destination != d->destination || e->source_port != d->source_port ||
        e->destination_port != d->destination_port ||
        std::vector<uint8_t>(e->payload.begin(), e->payload.end()) !=
            std::vector<uint8_t>(d->payload.begin(), d->payload.end()))
        std::abort();
    return 0;
}
