// The lease file: leases as text, one per line, so they survive restarts.
//
//   vswitch-leases 1
//   lease 172.27.160.10 52:54:00:12:34:56 01:52:54:00:12:34:56 1800003600 web1
//
// Fields: address, MAC, client key (hex), expiry (Unix seconds), host name
// ("-" when none). The file is written whole (write_file_atomic) and read
// back tolerantly: a bad line is skipped and reported, the rest is kept.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "libvswitch/base/result.h"
#include "libvswitch/dhcp/lease.h"

namespace vswitch::dhcp {

struct LeaseFileContent {
    std::vector<Lease> leases;
    size_t bad_lines = 0;
    std::string first_error;  // "line 3: ..." for the first bad line
};

std::string format_lease_file(std::span<const Lease> leases);

// One lease as the file writes it, without the newline
// ("lease 172.27.160.10 52:54:00:12:34:56 01:52:… 1800003600 web1"), and
// back (EBADMSG naming the bad field). The lease journal shares them.
std::string format_lease_line(const Lease& lease);
Result<Lease> parse_lease_line(std::string_view line);

// EBADMSG when the header is missing, ENOTSUP for another version: then
// nothing in the file can be trusted. Bad lines are counted, not fatal.
Result<LeaseFileContent> parse_lease_file(std::string_view text);

// read_file + parse; write_file_atomic of format (mode 0644).
Result<LeaseFileContent> load_lease_file(const std::string& path);
Status save_lease_file(const std::string& path, std::span<const Lease> leases);

}  // namespace vswitch::dhcp
