// [PortForward] sections: Protocol= (tcp, udp, both; default tcp),
// HostPort= (a port or a range, required), HostAddress= (default: every
// host address outside the switches), Target= (a VM name, a port's
// interface, a MAC or an address; required), TargetPort= (default: the host
// port), AllowFrom= (source prefixes, repeatable, space-separated; an empty
// assignment resets).
#include <charconv>

#include "libvswitch/base/text.h"
#include "libvswitch/config/config_internal.h"

namespace vswitch::config_detail {

Status parse_forward_key(ForwardDraft& d, std::string_view key, std::string_view value,
                         size_t line) {
    if (key == "AllowFrom") {
        if (value.empty()) {
            d.allow_from.clear();
            return {};
        }
        for (size_t pos = 0; pos < value.size();) {
            size_t end = value.find_first_of(kWhitespace, pos);
            if (end == std::string_view::npos) end = value.size();
            if (end > pos) d.allow_from.emplace_back(value.substr(pos, end - pos));
            pos = end + 1;
        }
        if (d.allow_from.size() > forward::kMaxAllowFrom)
            return make_error(E2BIG, "too many AllowFrom= prefixes (at most " +
                                         std::to_string(forward::kMaxAllowFrom) + ")");
        d.allow_from_line = line;
        return {};
    }
    struct Field {
        std::string_view key;
        std::optional<std::string> ForwardDraft::*value;
        size_t ForwardDraft::*line;
    };
    static constexpr Field kFields[] = {
        {"Protocol", &ForwardDraft::protocol, &ForwardDraft::protocol_line},
        {"HostPort", &ForwardDraft::host_port, &ForwardDraft::host_port_line},
        {"HostAddress", &ForwardDraft::host_address, &ForwardDraft::host_address_line},
        {"Target", &ForwardDraft::target, &ForwardDraft::target_line},
        {"TargetPort", &ForwardDraft::target_port, &ForwardDraft::target_port_line},
    };
    for (const auto& f : kFields) {
        if (f.key != key) continue;
        if (value.empty()) {
            (d.*(f.value)).reset();
            return {};
        }
        d.*(f.value) = std::string(value);
        d.*(f.line) = line;
        return {};
    }
    return make_error(EINVAL,
                      "unknown key " + quoted(key) +
                          " in section [PortForward] (keys: Protocol=, HostPort=, HostAddress=, "
                          "Target=, TargetPort=, AllowFrom=)");
}

Result<std::vector<forward::Forward>> finish_forwards(const std::vector<ForwardDraft>& drafts,
                                                      std::string_view path) {
    std::vector<forward::Forward> out;
    for (const auto& d : drafts) {
        if (!d.host_port) return error_at(path, d.line, EINVAL, "a [PortForward] needs HostPort=");
        if (!d.target) return error_at(path, d.line, EINVAL, "a [PortForward] needs Target=");
        uint32_t target_port = 0;
        if (d.target_port) {
            auto p = forward::parse_port(*d.target_port);
            if (!p)
                return error_at(path, d.target_port_line, EINVAL,
                                "TargetPort: " + p.error().message);
            target_port = *p;
        }
        // Each check of make_forward, at the line of the key it concerns.
        if (auto p = forward::parse_protocol(d.protocol.value_or("")); !p)
            return error_at(path, d.protocol_line, EINVAL, p.error().message);
        if (auto p = forward::parse_port_range(*d.host_port); !p)
            return error_at(path, d.host_port_line, EINVAL, "HostPort: " + p.error().message);
        auto f = forward::make_forward(d.protocol.value_or(""), d.host_address.value_or(""),
                                       *d.host_port, *d.target, target_port, d.allow_from);
        if (!f) {
            const std::string& m = f.error().message;
            size_t line = m.find("host address") != std::string::npos  ? d.host_address_line
                          : m.find("AllowFrom") != std::string::npos   ? d.allow_from_line
                          : m.find("target port") != std::string::npos ? d.target_port_line
                                                                       : d.target_line;
            return error_at(path, line, f.error().code, m);
        }
        out.push_back(std::move(*f));
        if (auto st = forward::check_forwards(out); !st)
            return error_at(path, d.line, st.error().code, st.error().message);
    }
    return out;
}

}  // namespace vswitch::config_detail
