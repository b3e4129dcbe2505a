// Fuzzes the lease journal reader: whatever it accepts must format and read
// back to the same records with nothing bad or torn, and the replay of its
// records leaves at most one lease per client and per address.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "libvswitch/dhcp/lease_journal.h"

using namespace vswitch::dhcp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto content = parse_journal(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!content) return 0;
    if (content->bad_records > 0 && content->first_error.empty()) std::abort();
    if (content->torn_bytes > size) std::abort();
    std::string text = format_journal_header();
    for (const auto& r : content->records) append_journal_record(text, r);
    auto again = parse_journal(text);
    if (!again || again->bad_records != 0 || again->torn_bytes != 0 ||
        again->records != content->records)
        std::abort();
    auto leases = apply_journal({}, content->records);
    std::set<std::string> keys;
    std::set<uint32_t> addresses;
    for (const auto& l : leases)
        if (!keys.insert(l.client_key).second || !addresses.insert(l.address.value()).second)
            std::abort();
    return 0;
}
