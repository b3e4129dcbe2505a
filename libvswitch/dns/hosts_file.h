// /run/vswitch/hosts: every local name of every switch in hosts(5) format,
// so the host resolves VM names even without systemd-resolved. The text
// only; daemon/dns/hosts_writer.h decides when it is written.
#pragma once

#include <string>
#include <vector>

#include "libvswitch/dns/local_zone.h"

namespace vswitch::dns {

// "<addr> <name>.<domain> <name>" per entry, after a comment line.
std::string format_hosts(const std::vector<HostEntry>& entries);

}  // namespace vswitch::dns
