// Fuzzes the ports file reader (and the same record in an interface alias):
// whatever it accepts must format and read back to the same records, and
// an alias it accepts must round-trip too.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "libvswitch/ports/port_record.h"

using namespace vswitch::ports;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto records = parse_ports_file(text); records) {
        auto again = parse_ports_file(format_ports_file(*records));
        if (!again || *again != *records) std::abort();
    } else if (records.error().message.empty()) {
        std::abort();  // a refusal always says why
    }
    if (auto p = parse_port_alias(text)) {
        auto back = parse_port_alias(format_port_alias(*p));
        // A VM name too long for the alias is left out of it; all else stays.
        if (!back) std::abort();
        back->vm = p->vm;
        if (format_port_alias(*p).size() <= kMaxAliasLength && *back != *p) std::abort();
    }
    return 0;
}
