// Fuzzes the DHCPv6 lease file reader: anything it accepts must format and
// read back to the same bindings with no bad line.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "libvswitch/dhcp6/lease_file.h"

using namespace vswitch::dhcp6;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto content = parse_lease_file(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!content) return 0;
    if (content->bad_lines > 0 && content->first_error.empty()) std::abort();
    auto again = parse_lease_file(format_lease_file(content->leases));
    if (!again || again->bad_lines != 0 || again->leases != content->leases) std::abort();
    return 0;
}
