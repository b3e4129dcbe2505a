// Fuzzes the port forwards file reader: whatever it accepts must format and
// read back to the same forwards and pass check_forwards, every refusal says
// why; the D-Bus-side parsers (make_forward, parse_forward_id) see the same
// bytes split at their first spaces.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "libvswitch/forward/forward.h"

using namespace vswitch;
using namespace vswitch::forward;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto all = parse_forward_file(text); all) {
        if (!check_forwards(*all)) std::abort();
        auto again = parse_forward_file(format_forward_file(*all));
        if (!again || *again != *all) std::abort();
        Tables t;
        t.subnet = Ipv4Prefix(Ipv4(172, 16, 0, 0), 20);
        t.gateway = Ipv4(172, 16, 0, 1);
        for (const auto& f : *all) {
            if (auto a = resolve(f, t); a && !t.subnet.contains(*a)) std::abort();
            auto key = parse_forward_id(f.id());
            if (!key || !matches(f, *key)) std::abort();
        }
    } else if (all.error().message.empty()) {
        std::abort();
    }
    std::vector<std::string_view> parts;
    for (size_t pos = 0; parts.size() < 4;) {
        size_t sp = text.find(' ', pos);
        parts.push_back(
            text.substr(pos, sp == std::string_view::npos ? std::string_view::npos : sp - pos));
        if (sp == std::string_view::npos) break;
        pos = sp + 1;
    }
    while (parts.size() < 4) parts.push_back({});
    std::vector<std::string> allow{std::string(parts[3])};
    if (auto f = make_forward(parts[0], parts[1], parts[2], parts[3], uint32_t(size), allow); f) {
        if (f->host_ports.first == 0 || f->host_ports.last < f->host_ports.first) std::abort();
        if (f->host_ports.size() > kMaxRangePorts) std::abort();
    }
    (void)parse_forward_id(text);
    return 0;
}
