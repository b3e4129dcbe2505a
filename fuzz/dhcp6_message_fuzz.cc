// Fuzzes the DHCPv6 message parser: anything it accepts must build and
// parse back to the same message (pack/unpack symmetry), and anything it
// refuses must say why.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "libvswitch/dhcp6/message.h"

using namespace vswitch::dhcp6;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    DropReason reason = DropReason::count;
    auto m = Message::parse(std::span<const uint8_t>(data, size), &reason);
    if (!m) {
        if (reason == DropReason::count || m.error().message.empty()) std::abort();
        return 0;
    }
    auto bytes = m->build();
    auto back = Message::parse(bytes);
    if (!back || *back != *m) std::abort();
    if (back->build() != bytes) std::abort();
    return 0;
}
