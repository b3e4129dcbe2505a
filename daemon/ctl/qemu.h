// vswitchctl qemu VM [--switch S] [--mac M] [--multi-queue] -- QEMU ARGS...
// (issue 19): asks the daemon for an adapter (OpenAdapter, as the calling
// user), and execs QEMU on its descriptor. QEMU then holds the TAP's only
// descriptor: when QEMU exits, the TAP and the port go.
#pragma once

#include "daemon/ctl/client.h"
#include "libvswitch/ctl/command_line.h"

namespace vswitch::ctl {

// Returns only on failure (an exit status); `bus` is closed before exec.
int cmd_qemu(BusPtr& bus, const Command& cmd);

}  // namespace vswitch::ctl
