// Fuzzes the external switch's record reader (<state-dir>/<switch>.external):
// whatever it accepts must format and read back to the same record, and
// every refusal says why.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "libvswitch/external/plan.h"
#include "libvswitch/external/record.h"

using namespace vswitch::external;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto r = parse_record(text); r) {
        auto again = parse_record(format_record(*r));
        if (!again || *again != *r) std::abort();
        // The plans over any accepted record are built and described.
        for (const auto& s : plan_switch_over(r->nic, r->bridge, r->share_with_host))
            (void)s.describe();
        for (const auto& s : plan_teardown(r->nic, r->bridge, 1)) (void)s.describe();
    } else if (r.error().message.empty()) {
        std::abort();
    }
    (void)IpAddress::parse(text);
    return 0;
}
