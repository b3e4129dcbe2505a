// The external switch's OS side (issue 20) beyond the Switch object: where
// its record lives and how a record is played back (moved things returned
// to the NIC) without a running switch, for `vswitchd`'s offline teardown
// and for a switch that left the configuration.
#pragma once

#include <string>

#include "daemon/netlink/route_socket.h"
#include "libvswitch/base/result.h"
#include "libvswitch/config/config.h"

namespace vswitch {

// Problems an external switch raises while its NIC is unusable.
inline constexpr std::string_view kNicNoCarrier = "interface-no-carrier";
inline constexpr std::string_view kNicGone = "interface-gone";

// <state-dir>/<switch>.external
std::string external_record_path(const std::string& state_dir, const std::string& switch_name);

// Deletes the record's bridge and gives the NIC back what the record says
// was moved, then removes the record; none: ok. Keeps going after an error
// and returns the first.
Status restore_external(netlink::RouteSocket& sock, const std::string& record_path);

// Every record in state_dir whose switch is not (or no longer) an external
// switch of `config`, played back: a switch removed from the configuration
// moves everything back at the next start.
Status restore_unconfigured_externals(netlink::RouteSocket& sock, const std::string& state_dir,
                                      const Config& config);

// Every record in state_dir played back (the offline teardown).
Status restore_all_externals(netlink::RouteSocket& sock, const std::string& state_dir);

}  // namespace vswitch
