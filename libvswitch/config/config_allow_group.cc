// AllowGroup= (issue 19): who besides root may open adapters on a switch.
#include <string>

#include "libvswitch/base/text.h"
#include "libvswitch/config/config_internal.h"

namespace vswitch::config_detail {

namespace {

// shadow-utils' default: at most 32 bytes (LOGIN_NAME_MAX for groups).
constexpr size_t kMaxGroupNameLength = 32;

bool all_digits(std::string_view s) {
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return !s.empty();
}

}  // namespace

Status parse_allow_group(std::string_view value, std::string& out) {
    if (value.empty()) {
        out.clear();  // root only
        return {};
    }
    if (all_digits(value)) {
        // A gid: 0..2^32-2 ((gid_t)-1 means "no group" to the kernel).
        if (value.size() > 10 || std::stoull(std::string(value)) >= 0xffffffffULL)
            return make_error(ERANGE, "AllowGroup= gid " + quoted(value) + " is out of range");
        out = std::string(value);
        return {};
    }
    if (value.size() > kMaxGroupNameLength)
        return make_error(EINVAL, "AllowGroup= " + quoted(value) + " is longer than " +
                                      std::to_string(kMaxGroupNameLength) + " bytes");
    // POSIX portable names (3.437), as useradd/groupadd take them: letters,
    // digits, '.', '_', '-', not starting with '-'; plus a trailing '$'.
    for (size_t i = 0; i < value.size(); ++i) {
        char c = value[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '.' || (c == '-' && i > 0) ||
                  (c == '$' && i + 1 == value.size() && i > 0);
        if (!ok)
            return make_error(EINVAL,
                              "AllowGroup= " + quoted(value) +
                                  " is not a group name or gid (letters, digits, '.', '_', '-')");
    }
    out = std::string(value);
    return {};
}

}  // namespace vswitch::config_detail
