// /run/vswitch/hosts: every local name of every switch in hosts(5) format,
// so the host resolves VM names even without systemd-resolved.
#pragma once

#include <string>
#include <vector>

#include "libvswitch/base/result.h"
#include "libvswitch/dns/local_zone.h"

namespace vswitch::dns {

// "<addr> <name>.<domain> <name>" per entry, after a comment line.
std::string format_hosts(const std::vector<HostEntry>& entries);
// Replaces path atomically with format_hosts(entries).
Status write_hosts_file(const std::string& path, const std::vector<HostEntry>& entries);

}  // namespace vswitch::dns
