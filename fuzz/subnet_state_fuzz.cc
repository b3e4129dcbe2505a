// Fuzzes the stored subnet choice: any bytes must parse or be refused
// without a crash, and whatever parses must survive format -> parse
// unchanged (the daemon rewrites the file it read).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "libvswitch/subnet/state.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto state = vswitch::subnet::parse_subnet_state(text);
    if (!state) {
        if (state.error().message.empty()) std::abort();
        return 0;
    }
    auto again = vswitch::subnet::parse_subnet_state(vswitch::subnet::format_subnet_state(*state));
    if (!again || !(*again == *state)) std::abort();
    return 0;
}
