#include "libvswitch/base/ifname.h"

#include <cstdio>

namespace vswitch {

std::optional<std::string> ifname_fault(std::string_view name) {
    if (name.empty()) return "is empty";
    if (name.size() > kMaxIfnameBytes) return "is longer than " + std::to_string(kMaxIfnameBytes) + " bytes";
    if (name == "." || name == "..") return "is not an interface name";
    for (char ch : name) {
        auto c = static_cast<unsigned char>(ch);
        if (c == '/' || c == ':' || c == '%' || c == ' ')
            return std::string("contains '") + ch + "', which is not allowed in an interface name";
        if (c < 0x21 || c > 0x7e) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "0x%02x", c);
            return std::string("contains the byte ") + hex +
                   ", not printable ASCII; interface names here are printable ASCII";
        }
    }
    return std::nullopt;
}

}  // namespace vswitch
