#include "libvswitch/dhcp6/address.h"

#include <arpa/inet.h>

namespace vswitch::dhcp6 {

Address Address::from_halves(uint64_t prefix, uint64_t host) {
    std::array<uint8_t, 16> b{};
    for (int i = 0; i < 8; ++i) {
        b[i] = uint8_t(prefix >> (56 - 8 * i));
        b[8 + i] = uint8_t(host >> (56 - 8 * i));
    }
    return Address(b);
}

Result<Address> Address::parse(std::string_view s) {
    if (s.empty() || s.size() >= INET6_ADDRSTRLEN)
        return make_error(EINVAL, "bad IPv6 address '" + std::string(s) + "'");
    std::string text(s);
    std::array<uint8_t, 16> b{};
    if (inet_pton(AF_INET6, text.c_str(), b.data()) != 1)
        return make_error(EINVAL, "bad IPv6 address '" + text + "'");
    return Address(b);
}

std::string Address::to_string() const {
    char buf[INET6_ADDRSTRLEN];
    if (!inet_ntop(AF_INET6, b_.data(), buf, sizeof buf)) return "?";
    return buf;
}

uint64_t Address::upper() const {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = v << 8 | b_[i];
    return v;
}

uint64_t Address::lower() const {
    uint64_t v = 0;
    for (int i = 8; i < 16; ++i) v = v << 8 | b_[i];
    return v;
}

}  // namespace vswitch::dhcp6
