// Named D-Bus errors of org.vswitch1, and the mapping from our Error (an
// errno-style code plus a message that names the value) onto them.
#pragma once

#include <systemd/sd-bus.h>

#include <string>
#include <string_view>

#include "libvswitch/base/result.h"

namespace vswitch::bus {

inline constexpr const char* kErrorNoSuchSwitch = "org.vswitch1.Error.NoSuchSwitch";
inline constexpr const char* kErrorNoSuchPort = "org.vswitch1.Error.NoSuchPort";
inline constexpr const char* kErrorInvalidArgument = "org.vswitch1.Error.InvalidArgument";
inline constexpr const char* kErrorExists = "org.vswitch1.Error.Exists";
inline constexpr const char* kErrorAccessDenied = "org.vswitch1.Error.AccessDenied";
inline constexpr const char* kErrorLimitExceeded = "org.vswitch1.Error.LimitExceeded";
inline constexpr const char* kErrorNotFound = "org.vswitch1.Error.NotFound";
inline constexpr const char* kErrorFailed = "org.vswitch1.Error.Failed";

// ENODEV NoSuchPort, EINVAL/ERANGE/EBADMSG/ENXIO InvalidArgument,
// EEXIST/EBUSY Exists, EPERM/EACCES AccessDenied, E2BIG LimitExceeded,
// anything else Failed. No errno means NoSuchSwitch: a kernel "not found"
// (libnl's NLE_OBJ_NOTFOUND is ENOENT) says nothing about switches, and
// only the handlers, which look switches up themselves, know that one is
// missing (reply_no_such_switch).
const char* error_name(int code);

// Fills ret with the named error and returns the negative errno sd-bus
// expects from a handler.
int reply_error(sd_bus_error* ret, const Error& error);

// NoSuchSwitch, "no switch 'Nope'".
int reply_no_such_switch(sd_bus_error* ret, std::string_view name);

// EPERM unless the sender of m runs as uid 0 (its effective uid, from the
// bus's view of its credentials, not from anything the caller says).
Status require_root(sd_bus_message* m, const std::string& action);

}  // namespace vswitch::bus
