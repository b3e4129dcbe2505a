// The shape the daemon's small state files share (<switch>.forwards,
// <switch>.reservations): a "MAGIC VERSION" header line, then one record a
// line; blank lines allowed. Pure: the codecs give the record parser.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "libvswitch/base/result.h"

namespace vswitch {

struct RecordsFormat {
    std::string_view magic;    // "vswitch-forwards"
    std::string_view version;  // "1"
    std::string_view what;     // "forwards" (for "not a forwards file")
    size_t max_bytes;          // a larger text is refused (E2BIG) unread
};

// "MAGIC VERSION\n": the header format_* writes first.
std::string records_header(const RecordsFormat& format);

// Checks the header (EBADMSG: not this kind of file or empty; ENOTSUP: a
// version this build does not read), then calls on_record for each
// non-empty line after it, stopping at its first error. Every error but
// the size check is prefixed "line N: ".
Status walk_records(std::string_view text, const RecordsFormat& format,
                    const std::function<Status(std::string_view line)>& on_record);

}  // namespace vswitch
