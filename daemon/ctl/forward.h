// vswitchctl forward add|remove|list (issue 16).
#pragma once

#include "daemon/ctl/client.h"
#include "libvswitch/ctl/command_line.h"

namespace vswitch::ctl {

// forward add SWITCH PROTOCOL [ADDRESS:]PORTS TARGET [TARGETPORT] [allow-from=PREFIX[,PREFIX...]]
//   prints the forward's id;
// forward remove SWITCH ID;
// forward list [SWITCH] (--json).
// Returns the exit status; messages on stderr as the daemon gave them.
int cmd_forward(Client& c, const Command& cmd);

}  // namespace vswitch::ctl
