// The DHCPv6 lease file, beside the DHCPv4 one: bindings as text, one per
// line, so they survive restarts.
//
//   vswitch-leases6 1
//   lease6 fd12:3456:789a:1:8d3e:1f2a:9b4c:17 00:01:00:01:32:a9:d2:b2:52:54:00:12:34:56 00123456
//   1800003600 web1
//
// Fields: address, DUID (hex, ':'-separated), IAID (8 hex digits), expiry
// (Unix seconds), host name ("-" when none). Written whole
// (write_file_atomic: temporary file, fsync, rename) and read back
// tolerantly: a bad line is skipped and reported, the rest is kept.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "libvswitch/base/result.h"
#include "libvswitch/dhcp6/lease.h"

namespace vswitch::dhcp6 {

struct LeaseFileContent {
    std::vector<Lease> leases;
    size_t bad_lines = 0;
    std::string first_error;  // "line 3: ..." for the first bad line
};

// One binding as the file writes it, without the newline, and back
// (EBADMSG naming the bad field).
std::string format_lease_line(const Lease& lease);
Result<Lease> parse_lease_line(std::string_view line);

std::string format_lease_file(std::span<const Lease> leases);
// EBADMSG when the header is missing, ENOTSUP for another version: then
// nothing in the file can be trusted. Bad lines (and a second binding of a
// key or an address) are counted, not fatal.
Result<LeaseFileContent> parse_lease_file(std::string_view text);

// read_file + parse (ENOENT when there is none); write_file_atomic (0644).
Result<LeaseFileContent> load_lease_file(const std::string& path);
Status save_lease_file(const std::string& path, std::span<const Lease> leases);

}  // namespace vswitch::dhcp6
