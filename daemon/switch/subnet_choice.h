// Which block a switch serves this boot (DESIGN "Subnet per boot"): the boot
// id, the choice at start (a pinned Subnet=, else the stored choice while it
// is still valid, else the per-boot draw) and the stored choice itself,
// <state-dir>/<switch>.subnet.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "daemon/netlink/host_prefixes.h"
#include "daemon/netlink/route_socket.h"
#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"
#include "libvswitch/config/config.h"

namespace vswitch {

// --boot-id when given (any form sd_id128_from_string() takes), else the
// kernel's (sd_id128_get_boot()); lower-case and dashed either way.
Result<std::string> read_boot_id(const std::optional<std::string>& given);

std::string subnet_state_path(const std::string& state_dir, const std::string& switch_name);

// The stored choice wins while it is still valid for this boot and this
// configuration and collides with nothing but the switch's own bridge; a
// pinned Subnet= always wins; otherwise the per-boot draw, avoiding what the
// host uses and `also_taken` (the switches chosen before this one).
Result<Ipv4Prefix> choose_start_subnet(netlink::RouteSocket& sock, const SwitchConfig& sw,
                                       const std::string& state_dir, const std::string& boot_id,
                                       const std::vector<Ipv4Prefix>& also_taken);

// The same per-boot draw at runtime: the first free block in this boot's
// order for the switch, avoiding `taken`.
Result<Ipv4Prefix> choose_block(const SwitchConfig& sw, const std::string& boot_id,
                                const std::vector<Ipv4Prefix>& taken);

// What the host uses, without the switch's own bridge (ifindex 0: none):
// its address and the connected route (and the local-table routes) that
// address brings. origin, when given, gets the HostPrefix of each entry.
std::vector<Ipv4Prefix> taken_besides(const std::vector<netlink::HostPrefix>& host, int own_ifindex,
                                      std::vector<const netlink::HostPrefix*>* origin = nullptr);

Status store_subnet(const std::string& state_dir, const std::string& switch_name, const std::string& boot_id,
                    Ipv4Prefix subnet);

}  // namespace vswitch
