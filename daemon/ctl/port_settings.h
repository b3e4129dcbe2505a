// vswitchctl's `set PORT KEY=VALUE...` and `show PORT` (issue 17).
#pragma once

#include "daemon/ctl/client.h"
#include "libvswitch/ctl/command_line.h"

namespace vswitch::ctl {

// Exit status as vswitchctl's other verbs: 0, 1 refused/failed, 2 usage.
int cmd_port_settings(Client& c, const Command& cmd);

}  // namespace vswitch::ctl
