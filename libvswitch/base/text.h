// Small text helpers shared by the line-oriented parsers (config, stored
// subnet, leases, resolv.conf, ports file) and by error messages.
#pragma once

#include <string>
#include <string_view>

namespace vswitch {

// systemd's WHITESPACE plus the two old ones nobody types on purpose.
inline constexpr std::string_view kWhitespace = " \t\r\f\v";

// s without leading and trailing characters of `chars`.
constexpr std::string_view trim(std::string_view s, std::string_view chars = kWhitespace) {
    size_t b = s.find_first_not_of(chars);
    if (b == std::string_view::npos) return {};
    size_t e = s.find_last_not_of(chars);
    return s.substr(b, e - b + 1);
}

// A user-supplied value as error messages show it: 'vswitch0'.
inline std::string quoted(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    out += '\'';
    out += s;
    out += '\'';
    return out;
}

}  // namespace vswitch
