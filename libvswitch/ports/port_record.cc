#include "libvswitch/ports/port_record.h"

#include <charconv>

#include "libvswitch/base/hash.h"
#include "libvswitch/base/ifname.h"
#include "libvswitch/base/text.h"
#include "libvswitch/ports/limits.h"

namespace vswitch::ports {

namespace {

constexpr std::string_view kPortsFileHeader = "# vswitch ports v1";

bool is_control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    for (;;) {
        size_t at = s.find(sep);
        out.push_back(s.substr(0, at));
        if (at == std::string_view::npos) return out;
        s.remove_prefix(at + 1);
    }
}

std::optional<uint32_t> parse_u32(std::string_view s) {
    uint32_t v = 0;
    if (s.empty() || (s.size() > 1 && s[0] == '0')) return std::nullopt;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

std::string id_field(const std::optional<uint32_t>& id) {
    return id ? std::to_string(*id) : std::string("-");
}

Result<PortRecord> parse_line(std::string_view line) {
    auto f = split(line, '\t');
    // A ninth field (port settings, issue 17) is optional: older files lack it.
    if (f.size() != 8 && f.size() != 9)
        return make_error(EBADMSG, "expected 8 or 9 fields, got " + std::to_string(f.size()));
    PortRecord p;
    if (auto s = validate_ifname(f[0]); !s) return s.error();
    p.ifname = f[0];
    if (f[1].empty()) return make_error(EBADMSG, "empty switch name");
    p.switch_name = f[1];
    if (auto s = validate_vm_name(f[2], true); !s) return s.error();
    p.vm = f[2];
    auto mac = parse_port_mac(f[3]);
    if (!mac) return mac.error();
    p.mac = *mac;
    if (f[4] != "-") {
        for (auto flag : split(f[4], ',')) {
            if (flag == "created") p.created = true;
            else if (flag == "disconnected") p.connected = false;
            else if (flag == "multi_queue") p.multi_queue = true;
            else if (flag == "opened") p.opened = true;
            else return make_error(EBADMSG, "unknown flag " + quoted(flag));
        }
    }
    for (int i : {5, 6}) {
        if (f[i] == "-") continue;
        auto id = parse_u32(f[i]);
        if (!id) return make_error(EBADMSG, "bad id " + quoted(f[i]));
        (i == 5 ? p.owner : p.group) = *id;
    }
    auto mtu = parse_u32(f[7]);
    if (!mtu || (*mtu != 0 && !validate_mtu(*mtu))) return make_error(EBADMSG, "bad MTU " + quoted(f[7]));
    p.mtu = *mtu;
    if (f.size() == 9) {
        auto o = parse_overrides(f[8]);
        if (!o) return o.error();
        p.security = *o;
    }
    return p;
}

}  // namespace

Status validate_ifname(std::string_view ifname) {
    if (auto fault = ifname_fault(ifname))
        return make_error(EINVAL, "interface name " + (ifname.empty() ? std::string() : quoted(ifname) + " ") + *fault);
    return ok_status();
}

Status validate_vm_name(std::string_view vm, bool allow_empty) {
    if (vm.empty() && !allow_empty) return make_error(EINVAL, "VM name is empty");
    if (vm.size() > kMaxVmNameLength)
        return make_error(EINVAL, "VM name " + quoted(vm.substr(0, 32)) + "... is longer than " +
                                      std::to_string(kMaxVmNameLength) + " bytes");
    for (char c : vm) {
        if (is_control(c))
            return make_error(EINVAL, "VM name " + quoted(vm) + " contains a control character");
    }
    return ok_status();
}

Result<Mac> parse_port_mac(std::string_view text) {
    auto mac = Mac::parse(text);
    if (!mac) return make_error(EINVAL, quoted(text) + " is not a MAC address");
    if (mac->is_zero()) return make_error(EINVAL, "MAC " + quoted(text) + " is all zeros");
    if (mac->is_multicast())
        return make_error(EINVAL, "MAC " + quoted(text) + " is a multicast address");
    return *mac;
}

PortOrigin origin_of(const PortRecord& p) {
    if (p.created) return PortOrigin::daemon;
    return p.adopted ? PortOrigin::bridge : PortOrigin::attached;
}

std::string_view to_string(PortOrigin origin) {
    switch (origin) {
        case PortOrigin::daemon:
            return "daemon";
        case PortOrigin::attached:
            return "attached";
        case PortOrigin::bridge:
            return "bridge";
    }
    return "attached";
}

Status validate_mtu(uint32_t mtu) {
    if (mtu < kMinMtu || mtu > kMaxMtu)
        return make_error(EINVAL, "MTU " + std::to_string(mtu) + " is outside " +
                                      std::to_string(kMinMtu) + ".." + std::to_string(kMaxMtu));
    return ok_status();
}

Mac stable_mac(std::string_view vm, unsigned index) {
    // A fixed hash (base/hash.h) of the name, a separator and the index
    // (little-endian): stable across builds and architectures.
    char tail[5] = {0};
    for (int i = 0; i < 4; ++i) tail[i + 1] = static_cast<char>(index >> (8 * i));
    uint64_t h = fnv1a(std::string_view(tail, sizeof tail), fnv1a(vm));
    // Fold the high bits in: FNV's low bytes alone mix poorly for short input.
    uint64_t f = h ^ (h >> 24) ^ (h >> 48);
    return Mac({0x52, 0x54, 0x00, uint8_t(f >> 16), uint8_t(f >> 8), uint8_t(f)});
}

Mac host_side_mac(const Mac& vm_mac) {
    auto b = vm_mac.bytes();
    b[0] = 0xfe;
    return Mac(b);
}

namespace {

std::string format_line(const PortRecord& p) {
    std::string flags;
    auto add = [&flags](const char* f) {
        if (!flags.empty()) flags += ',';
        flags += f;
    };
    if (p.created) add("created");
    if (!p.connected) add("disconnected");
    if (p.multi_queue) add("multi_queue");
    if (p.opened) add("opened");
    if (flags.empty()) flags = "-";
    return p.ifname + '\t' + p.switch_name + '\t' + p.vm + '\t' + p.mac.to_string() + '\t' + flags + '\t' +
           id_field(p.owner) + '\t' + id_field(p.group) + '\t' + std::to_string(p.mtu) +
           (p.security.empty() ? std::string() : '\t' + format_overrides(p.security));
}

}  // namespace

std::string format_ports_file(const std::vector<PortRecord>& ports) {
    std::string out(kPortsFileHeader);
    out += '\n';
    for (const auto& p : ports) out += format_line(p) + '\n';
    return out;
}

std::string format_port_alias(const PortRecord& p) {
    std::string alias = std::string(kPortAliasPrefix) + format_line(p);
    if (alias.size() <= kMaxAliasLength) return alias;
    // A VM name too long to fit: the alias keeps everything else.
    PortRecord nameless = p;
    nameless.vm.clear();
    return std::string(kPortAliasPrefix) + format_line(nameless);
}

std::optional<PortRecord> parse_port_alias(std::string_view alias) {
    if (!alias.starts_with(kPortAliasPrefix)) return std::nullopt;
    auto p = parse_line(alias.substr(kPortAliasPrefix.size()));
    if (!p) return std::nullopt;
    return std::move(*p);
}

Result<std::vector<PortRecord>> parse_ports_file(std::string_view text) {
    auto lines = split(text, '\n');
    if (lines.empty() || lines[0] != kPortsFileHeader)
        return make_error(EBADMSG, "line 1: expected " + quoted(kPortsFileHeader));
    std::vector<PortRecord> out;
    for (size_t i = 1; i < lines.size(); ++i) {
        if (lines[i].empty()) continue;
        if (out.size() >= kMaxPorts)
            return make_error(E2BIG, "more than " + std::to_string(kMaxPorts) + " ports");
        auto p = parse_line(lines[i]);
        if (!p) return p.error().context("line " + std::to_string(i + 1));
        for (const auto& q : out) {
            if (q.ifname == p->ifname)
                return make_error(EBADMSG, "line " + std::to_string(i + 1) + ": port " +
                                               quoted(q.ifname) + " listed twice");
        }
        out.push_back(std::move(*p));
    }
    return out;
}

}  // namespace vswitch::ports
