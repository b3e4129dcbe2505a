#include "libvswitch/base/records_file.h"

#include <cerrno>

#include "libvswitch/base/text.h"

namespace vswitch {

std::string records_header(const RecordsFormat& format) {
    std::string out(format.magic);
    out += ' ';
    out += format.version;
    out += '\n';
    return out;
}

Status walk_records(std::string_view text, const RecordsFormat& format,
                    const std::function<Status(std::string_view line)>& on_record) {
    if (text.size() > format.max_bytes)
        return make_error(E2BIG, "larger than " + std::to_string(format.max_bytes) + " bytes");
    const std::string no_header =
        "not a " + std::string(format.what) + " file (no '" + std::string(format.magic) + "' header)";
    size_t line_no = 0;
    for (size_t pos = 0; pos < text.size();) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        ++line_no;
        auto at = [&](int code, std::string_view why) {
            return make_error(code, "line " + std::to_string(line_no) + ": " + std::string(why));
        };
        if (line_no == 1) {
            std::string_view header = line.substr(0, line.find(' '));
            if (header != format.magic) return at(EBADMSG, no_header);
            if (line.substr(header.size()) != " " + std::string(format.version))
                return at(ENOTSUP, "unsupported version " + quoted(line.substr(header.size())));
            continue;
        }
        if (line.empty()) continue;
        if (auto st = on_record(line); !st) return at(st.error().code, st.error().message);
    }
    if (line_no == 0)
        return make_error(EBADMSG, "line 1: empty file (no '" + std::string(format.magic) + "' header)");
    return {};
}

}  // namespace vswitch
