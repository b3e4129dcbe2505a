#include "libvswitch/subnet/state.h"

#include <optional>

#include "libvswitch/base/text.h"
#include "libvswitch/subnet/chooser.h"

namespace vswitch::subnet {

namespace {

constexpr std::string_view kSpace = " \t\r";

std::string_view trim(std::string_view s) { return vswitch::trim(s, kSpace); }

Error bad_line(size_t line, const std::string& what) {
    return make_error(EBADMSG, "line " + std::to_string(line) + ": " + what);
}

Status check_switch_name(std::string_view name) {
    if (name.empty()) return make_error(EBADMSG, "empty switch name");
    if (name.size() > kMaxStateSwitchNameLength)
        return make_error(EBADMSG, "switch name longer than " +
                                       std::to_string(kMaxStateSwitchNameLength) + " bytes");
    for (unsigned char c : name)
        if (c < 0x20 || c == 0x7f) return make_error(EBADMSG, "switch name has a control character");
    return {};
}

}  // namespace

std::string format_subnet_state(const SubnetState& state) {
    std::string out = "# vswitchd subnet choice for this boot; rewritten when the boot id changes\n";
    out += "boot-id=" + state.boot_id + "\n";
    out += "switch=" + state.switch_name + "\n";
    out += "subnet=" + state.subnet.to_string() + "\n";
    return out;
}

Result<SubnetState> parse_subnet_state(std::string_view text) {
    if (text.size() > kMaxStateFileSize)
        return make_error(E2BIG, "subnet state larger than " + std::to_string(kMaxStateFileSize) +
                                     " bytes");
    std::optional<std::string> boot_id, switch_name;
    std::optional<Ipv4Prefix> subnet;

    size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        size_t nl = text.find('\n');
        std::string_view line = trim(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (line.empty() || line[0] == '#') continue;

        size_t eq = line.find('=');
        if (eq == std::string_view::npos) return bad_line(line_no, "expected key=value");
        std::string_view key = trim(line.substr(0, eq));
        std::string_view value = trim(line.substr(eq + 1));

        if (key == "boot-id") {
            if (boot_id) return bad_line(line_no, "boot-id given twice");
            auto id = normalize_boot_id(value);
            if (!id) return Error{EBADMSG, id.error().message}.context("line " + std::to_string(line_no));
            boot_id = std::move(*id);
        } else if (key == "switch") {
            if (switch_name) return bad_line(line_no, "switch given twice");
            if (auto ok = check_switch_name(value); !ok)
                return ok.error().context("line " + std::to_string(line_no));
            switch_name = std::string(value);
        } else if (key == "subnet") {
            if (subnet) return bad_line(line_no, "subnet given twice");
            auto p = Ipv4Prefix::parse(value);
            if (!p) return Error{EBADMSG, p.error().message}.context("line " + std::to_string(line_no));
            if (p->length() > kMaxPrefixLength)
                return bad_line(line_no, "subnet '" + p->to_string() + "' is longer than /" +
                                             std::to_string(kMaxPrefixLength));
            subnet = *p;
        } else if (key.empty()) {
            return bad_line(line_no, "empty key");
        }
        // Other keys: written by a newer daemon; ignored.
    }
    if (!boot_id) return make_error(EBADMSG, "subnet state has no boot-id");
    if (!switch_name) return make_error(EBADMSG, "subnet state has no switch");
    if (!subnet) return make_error(EBADMSG, "subnet state has no subnet");
    return SubnetState{std::move(*boot_id), std::move(*switch_name), *subnet};
}

}  // namespace vswitch::subnet
