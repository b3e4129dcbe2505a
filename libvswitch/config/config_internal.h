// Shared between the text parser (config.cc) and the loader (config_load.cc);
// not part of the public API.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>
#include <string_view>

#include "libvswitch/base/result.h"
#include "libvswitch/config/config.h"

namespace vswitch::config_detail {

// Lines where the values that must be unique across switches were set, so a
// conflict between two files can point at both. A value left at its default
// points at the line that implied it (Name= for a derived bridge) or line 1.
struct SwitchOrigin {
    size_t name_line = 1;
    size_t bridge_line = 1;
    size_t subnet_line = 1;
    bool bridge_from_name = false;  // Bridge= unset in a .switch file
    size_t interface_line = 1;      // Interface= (Type=external)
};

// One [Reservation] section as written; resolved by finish_reservations
// once the [Switch] keys it depends on (PrefixLength=, Subnet=) are known.
struct ReservationDraft {
    size_t line = 0;  // of the section header
    std::optional<std::string> mac, vm, address;
    size_t mac_line = 0, vm_line = 0, address_line = 0;
};

// A key of a [Reservation] section (config_reservation.cc).
Status parse_reservation_key(ReservationDraft& d, std::string_view key, std::string_view value, size_t line);
// The sections as reservations of `sw`, errors at "<path>:<line>".
Result<std::vector<dhcp::Reservation>> finish_reservations(const std::vector<ReservationDraft>& drafts,
                                                           const SwitchConfig& sw, std::string_view path);

// Type=external keys as written (config_external.cc).
struct ExternalDraft {
    std::optional<size_t> interface_line, share_line;
};
Status parse_external_key(SwitchConfig& c, ExternalDraft& e, std::string_view key, std::string_view value,
                          size_t line, bool* handled);
// Checks once the whole file is read: Interface= required by and only on
// Type=external, and the keys of the daemon's DHCP/DNS/subnet refused there
// (the LAN serves the guests). subnet_line: Subnet= if set.
Status finish_external(const SwitchConfig& c, const ExternalDraft& e, std::optional<size_t> subnet_line,
                       std::string_view path);
// b (loaded after a) refused when both claim one NIC, or one's NIC is the
// other's bridge; the error names the other switch and its file.
Status check_external_pair(const SwitchConfig& a, const SwitchOrigin& ao, const SwitchConfig& b,
                           const SwitchOrigin& bo);
// One [PortForward] section as written (config_forward.cc).
struct ForwardDraft {
    size_t line = 0;  // of the section header
    std::optional<std::string> protocol, host_address, host_port, target, target_port;
    std::vector<std::string> allow_from;
    size_t protocol_line = 0, host_address_line = 0, host_port_line = 0, target_line = 0,
           target_port_line = 0, allow_from_line = 0;
};
Status parse_forward_key(ForwardDraft& d, std::string_view key, std::string_view value, size_t line);
Result<std::vector<forward::Forward>> finish_forwards(const std::vector<ForwardDraft>& drafts,
                                                      std::string_view path);
// A [Switch] key of the ports' guard defaults (config_security.cc):
// nullopt when `key` is none of them.
std::optional<Status> parse_security_default(ports::SecurityDefaults& d, std::string_view key,
                                             std::string_view value);
// AllowGroup=: a POSIX group name or a gid, or empty (config_allow_group.cc).
Status parse_allow_group(std::string_view value, std::string& out);

// The one parser behind parse_main_config (main_file) and parse_switch_file.
Result<SwitchConfig> parse_switch(std::string_view text, std::string_view path, bool main_file,
                                  SwitchOrigin* origin);

// "<path>:<line>: <reason>", the shape of every configuration error.
Error error_at(std::string_view path, size_t line, int code, std::string_view reason);

}  // namespace vswitch::config_detail
