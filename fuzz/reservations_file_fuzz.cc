// Fuzzes the reservations file reader: whatever it accepts must format and
// read back to the same reservations, pass check_reservations, and every
// refusal says why.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "libvswitch/dhcp/reservation.h"

using namespace vswitch::dhcp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto all = parse_reservation_file(text); all) {
        if (!check_reservations(*all)) std::abort();
        auto again = parse_reservation_file(format_reservation_file(*all));
        if (!again || *again != *all) std::abort();
    } else if (all.error().message.empty()) {
        std::abort();
    }
    // The key and address parsers see the same bytes.
    (void)parse_reservation_key(text);
    (void)parse_host_offset(text, 20, std::nullopt);
    return 0;
}
