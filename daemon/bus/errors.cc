#include "daemon/bus/errors.h"

#include "libvswitch/base/handle.h"
#include "libvswitch/base/text.h"

namespace vswitch::bus {

const char* error_name(int code) {
    switch (code < 0 ? -code : code) {
        case ENODEV: return kErrorNoSuchPort;
        case EINVAL:
        case ERANGE:
        case EBADMSG:
        case ENXIO: return kErrorInvalidArgument;
        case EEXIST:
        case EBUSY: return kErrorExists;
        case EPERM:
        case EACCES: return kErrorAccessDenied;
        case E2BIG: return kErrorLimitExceeded;
        default: return kErrorFailed;
    }
}

int reply_error(sd_bus_error* ret, const Error& error) {
    int code = error.code > 0 ? error.code : EIO;
    sd_bus_error_set(ret, error_name(code), error.message.c_str());
    return -code;
}

int reply_no_such_switch(sd_bus_error* ret, std::string_view name) {
    sd_bus_error_set(ret, kErrorNoSuchSwitch, ("no switch " + quoted(name)).c_str());
    return -ENOENT;
}

Status require_root(sd_bus_message* m, const std::string& action) {
    using CredsPtr = UniqueHandle<sd_bus_creds, sd_bus_creds_unref>;
    sd_bus_creds* raw = nullptr;
    int r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &raw);
    CredsPtr creds(raw);
    uid_t uid = 0;
    if (r >= 0) r = sd_bus_creds_get_euid(creds.get(), &uid);
    // Unknown credentials are refused: a change must come from a known root.
    if (r < 0) return make_error(EACCES, errno_error(r, "cannot tell who asked to " + action).message);
    if (uid != 0)
        return make_error(EPERM, "only root may " + action + " (caller runs as uid " +
                                     std::to_string(uid) + ")");
    return ok_status();
}

}  // namespace vswitch::bus
