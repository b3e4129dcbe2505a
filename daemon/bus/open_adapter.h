// Unprivileged attach (issue 19): Manager.OpenAdapter, and who besides root
// may change a port. A caller in the switch's AllowGroup= (default
// "vswitch") may open adapters on it, and detach and reconnect the ports it
// opened (PortRecord::opened, owner = its uid); everything else stays
// root's. Checked from the caller's credentials as the bus daemon reports
// them (effective uid, groups), augmented from /proc where it reports none.
// No polkit: the group is the whole policy, as for /dev/kvm.
#pragma once

#include <systemd/sd-bus.h>

#include <string>

#include "libvswitch/base/result.h"

namespace vswitch {
class Switch;
namespace ports {
struct PortRecord;
}
}  // namespace vswitch

namespace vswitch::bus {

// The Manager vtable's handler for OpenAdapter(sssa{sv}) -> (hsso).
int method_open_adapter(sd_bus_message* m, void* userdata, sd_bus_error* error);

// OK for root, and for the opener of `port` while it is in its switch's
// AllowGroup=; EPERM (AccessDenied) naming who may otherwise.
Status require_root_or_opener(sd_bus_message* m, const ports::PortRecord& port, const Switch* sw,
                              const std::string& action);

}  // namespace vswitch::bus
