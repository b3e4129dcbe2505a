#include "libvswitch/base/result.h"

#include <cstring>

namespace vswitch {

Error errno_error(int err, std::string_view what) {
    if (err < 0) err = -err;
    if (err == 0) err = EIO;
    std::string m(what);
    m += ": ";
    m += std::strerror(err);
    return Error{err, std::move(m)};
}

}  // namespace vswitch
