// Fuzzes the NSS module's reader of /run/vswitch/hosts: any text, looked
// up by a name and an address taken from the input itself. Whatever it
// finds must be in the text and within the limits.
#include <sys/socket.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "libvswitch/nss/hosts_lookup.h"

using namespace vswitch::nss;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    // The first line's second field (if any) is the query, so matches happen.
    std::string_view query = "web";
    if (size_t sp = text.find(' '); sp != std::string_view::npos) {
        std::string_view rest = text.substr(sp + 1);
        query = rest.substr(0, rest.find_first_of(" \t\n"));
    }
    std::string_view name;
    if (normalize_query(query, name)) {
        for (int family : {0, AF_INET, AF_INET6}) {
            NameMatch m = find_by_name(text, name, family);
            if (m.address_count > kMaxAddressesPerName) std::abort();
            if (m.address_count > 0 && !m.found) std::abort();
            if (m.found && !line_has_name(m.first, name)) std::abort();
            for (size_t i = 0; i < m.address_count; ++i) {
                if (family != 0 && m.addresses[i].family != family) std::abort();
                HostLine line;
                if (!find_by_address(text, m.addresses[i], line)) std::abort();
            }
        }
    }
    for_each_host_line(text, [&](const HostLine& line) {
        if (line.name_count == 0 || line.name_count > kMaxNamesPerLine) std::abort();
        for (size_t i = 0; i < line.name_count; ++i) {
            std::string_view n = line.names[i];
            // Every name is a view into the text itself.
            if (n.data() < text.data() || n.data() + n.size() > text.data() + text.size())
                std::abort();
            if (n.size() > kMaxNameLength) std::abort();
        }
        return true;
    });
    return 0;
}
