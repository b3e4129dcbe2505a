// Reads the reply of org.freedesktop.DBus.ObjectManager.GetManagedObjects
// (a{oa{sa{sv}}}) into the properties libvswitch/ctl/objects.h names: every
// other interface (Peer, Introspectable, ...) and property is skipped with
// sd_bus_message_skip, so a newer daemon's additions cost nothing; a known
// property of another type is an error that names it.
#pragma once

#include <systemd/sd-bus.h>

#include <vector>

#include "libvswitch/base/result.h"
#include "libvswitch/ctl/objects.h"

namespace vswitch::ctl {

// Reads from the message's current position to the end of the dictionary.
Result<std::vector<ObjectProperties>> read_managed_objects(sd_bus_message* reply);

}  // namespace vswitch::ctl
