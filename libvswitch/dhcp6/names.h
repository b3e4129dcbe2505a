// DNS names in DHCPv6 options (RFC 8415 §10: RFC 1035 wire form, never
// compressed): the Domain List (RFC 3646) and the Client FQDN (RFC 4704),
// which may also be a partial name (no root label at its end).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "libvswitch/base/result.h"

namespace vswitch::dhcp6 {

struct WireName {
    std::string name;  // dotted, no trailing dot; "" for the root
    bool fully_qualified = true;
    size_t size = 0;  // bytes it took on the wire
};

// One name from the start of `bytes`. allow_partial: the name may end at
// the end of bytes without a root label (RFC 4704 §4.2). EBADMSG naming the
// rule broken: a label over 63 bytes, a name over 255, a compression
// pointer, a '.' or a control character inside a label, a name cut short.
Result<WireName> parse_wire_name(std::span<const uint8_t> bytes, bool allow_partial);

// Appends `name` ("a.example", "" for the root) in wire form, with the root
// label unless partial. EINVAL for an empty label, a label over 63 bytes or
// a name over 255 bytes.
Status append_wire_name(std::vector<uint8_t>& out, std::string_view name, bool partial = false);

// A valid domain for the Domain List: labels of 1..63 bytes, no control
// characters, no spaces, at most 255 bytes in wire form.
bool valid_domain(std::string_view name);

}  // namespace vswitch::dhcp6

namespace vswitch::dhcp6 {

// The host name a Client FQDN names: its first label, lower-cased, when
// that is a valid RFC 1123 host label (letters, digits, inner hyphens, at
// most 63 bytes); else "".
std::string host_label(std::string_view name);

}  // namespace vswitch::dhcp6
