// <state-dir>/<switch>.external: the codec of the Record (snapshot.h), one
// line per fact, strict (a damaged file is refused with its line, never half
// applied), written atomically by the daemon before the first step of a
// switch-over and after the last.
#pragma once

#include <string>
#include <string_view>

#include "libvswitch/base/result.h"
#include "libvswitch/external/snapshot.h"

namespace vswitch::external {

std::string format_record(const Record& r);
// EBADMSG with "line N: why"; E2BIG past kMaxRecordSize or the limits.
Result<Record> parse_record(std::string_view text);

}  // namespace vswitch::external
