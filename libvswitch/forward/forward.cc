#include "libvswitch/forward/forward.h"

#include <algorithm>
#include <charconv>

#include "libvswitch/base/file.h"
#include "libvswitch/base/records_file.h"
#include "libvswitch/base/text.h"
#include "libvswitch/ports/port_record.h"

namespace vswitch::forward {

namespace {

constexpr RecordsFormat kFormat{"vswitch-forwards", "1", "forwards", kMaxForwardFileSize};

Result<uint32_t> parse_number(std::string_view s) {
    uint32_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size())
        return make_error(EINVAL, "port " + quoted(s) + " is not a number");
    return v;
}

std::string describe(const Forward& f) {
    return std::string(to_string(f.protocol)) + " port " + f.host_ports.to_string() + " on " +
           (f.host_address ? f.host_address->to_string() : std::string("every host address"));
}

bool protocols_overlap(Protocol a, Protocol b) {
    return a == Protocol::both || b == Protocol::both || a == b;
}

Result<std::vector<Ipv4Prefix>> parse_allow_list(std::span<const std::string> in) {
    if (in.size() > kMaxAllowFrom)
        return make_error(EINVAL, std::to_string(in.size()) + " AllowFrom prefixes (at most " +
                                      std::to_string(kMaxAllowFrom) + ")");
    std::vector<Ipv4Prefix> out;
    for (const auto& s : in) {
        // A bare address is its /32, as in Hyper-V's RemoteExternalIPAddressPrefix.
        auto p = s.find('/') == std::string::npos ? Ipv4Prefix::parse(s + "/32")
                                                  : Ipv4Prefix::parse(s, true);
        if (!p)
            return make_error(EINVAL, "AllowFrom prefix " + quoted(s) + ": " + p.error().message);
        Ipv4Prefix n = p->normalized();
        if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
    }
    return out;
}

}  // namespace

std::string_view to_string(Protocol p) {
    switch (p) {
        case Protocol::tcp:
            return "tcp";
        case Protocol::udp:
            return "udp";
        case Protocol::both:
            return "both";
    }
    return "tcp";
}

Result<Protocol> parse_protocol(std::string_view s) {
    if (s == "tcp" || s.empty()) return Protocol::tcp;
    if (s == "udp") return Protocol::udp;
    if (s == "both") return Protocol::both;
    return make_error(EINVAL, "unknown protocol " + quoted(s) + " (tcp, udp or both)");
}

std::string_view to_string(TargetKind k) {
    switch (k) {
        case TargetKind::address:
            return "address";
        case TargetKind::mac:
            return "mac";
        case TargetKind::name:
            return "name";
    }
    return "name";
}

std::string PortRange::to_string() const {
    return first == last ? std::to_string(first)
                         : std::to_string(first) + "-" + std::to_string(last);
}

Result<uint16_t> parse_port(std::string_view s) {
    auto v = parse_number(s);
    if (!v) return v.error();
    if (*v == 0 || *v > 65535)
        return make_error(EINVAL, "port " + quoted(s) + " is outside 1-65535");
    return uint16_t(*v);
}

Result<PortRange> parse_port_range(std::string_view s) {
    size_t dash = s.find('-');
    auto first = parse_port(s.substr(0, dash));
    if (!first) return first.error();
    PortRange r{*first, *first};
    if (dash != std::string_view::npos) {
        auto last = parse_port(s.substr(dash + 1));
        if (!last) return last.error();
        r.last = *last;
    }
    if (r.last < r.first) return make_error(EINVAL, "port range " + quoted(s) + " is reversed");
    if (r.size() > kMaxRangePorts)
        return make_error(EINVAL, "port range " + quoted(s) + " spans " + std::to_string(r.size()) +
                                      " ports (at most " + std::to_string(kMaxRangePorts) + ")");
    return r;
}

std::string Forward::id() const {
    std::string out(to_string(protocol));
    out += '/';
    if (host_address) out += host_address->to_string() + ":";
    out += host_ports.to_string();
    return out;
}

Result<Forward> make_forward(std::string_view protocol, std::string_view host_address,
                             std::string_view host_ports, std::string_view target,
                             uint32_t target_port, std::span<const std::string> allow_from) {
    Forward f;
    auto proto = parse_protocol(protocol);
    if (!proto) return proto.error();
    f.protocol = *proto;
    if (!host_address.empty()) {
        auto a = Ipv4::parse(host_address);
        if (!a)
            return make_error(EINVAL,
                              "host address " + quoted(host_address) + " is not an IPv4 address");
        if (a->is_zero())
            return make_error(EINVAL, "host address 0.0.0.0: leave it empty for every address");
        f.host_address = *a;
    }
    auto ports = parse_port_range(host_ports);
    if (!ports) return ports.error().context("host ports");
    f.host_ports = *ports;
    if (target.empty())
        return make_error(
            EINVAL, "a forward needs a target (a VM name, an interface, a MAC or an address)");
    if (auto a = Ipv4::parse(target)) {
        f.target_kind = TargetKind::address;
        f.target = a->to_string();
    } else if (auto m = Mac::parse(target)) {
        if (m->is_zero() || m->is_multicast())
            return make_error(EINVAL, "target MAC " + quoted(target) + " is not a unicast address");
        f.target_kind = TargetKind::mac;
        f.target = m->to_string();
    } else {
        if (auto st = ports::validate_vm_name(target, false); !st)
            return make_error(EINVAL, "target " + quoted(target) + ": " + st.error().message);
        f.target_kind = TargetKind::name;
        f.target = std::string(target);
    }
    if (target_port > 65535)
        return make_error(EINVAL,
                          "target port " + std::to_string(target_port) + " is outside 1-65535");
    f.target_port = target_port == 0 ? f.host_ports.first : uint16_t(target_port);
    if (uint32_t(f.target_port) + f.host_ports.size() - 1 > 65535)
        return make_error(EINVAL,
                          "target ports " + std::to_string(f.target_port) + "-" +
                              std::to_string(uint32_t(f.target_port) + f.host_ports.size() - 1) +
                              " run past 65535");
    auto allow = parse_allow_list(allow_from);
    if (!allow) return allow.error();
    f.allow_from = std::move(*allow);
    return f;
}

Result<ForwardKey> parse_forward_id(std::string_view id) {
    size_t slash = id.find('/');
    if (slash == std::string_view::npos)
        return make_error(
            EINVAL, "forward " + quoted(id) + " is not PROTOCOL/[ADDRESS:]PORTS (e.g. tcp/8080)");
    ForwardKey k;
    auto proto = parse_protocol(id.substr(0, slash));
    if (!proto || slash == 0)
        return make_error(EINVAL, "forward " + quoted(id) + ": unknown protocol");
    k.protocol = *proto;
    std::string_view rest = id.substr(slash + 1);
    if (size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
        auto a = Ipv4::parse(rest.substr(0, colon));
        if (!a) return make_error(EINVAL, "forward " + quoted(id) + ": bad host address");
        k.host_address = *a;
        rest = rest.substr(colon + 1);
    }
    auto ports = parse_port_range(rest);
    if (!ports) return ports.error().context("forward " + quoted(id));
    k.host_ports = *ports;
    return k;
}

bool matches(const Forward& f, const ForwardKey& key) {
    return f.protocol == key.protocol && f.host_address == key.host_address &&
           f.host_ports == key.host_ports;
}

Status check_forwards(std::span<const Forward> all) {
    if (all.size() > kMaxForwards)
        return make_error(E2BIG, std::to_string(all.size()) + " forwards (at most " +
                                     std::to_string(kMaxForwards) + " per switch)");
    size_t ports = 0;
    for (size_t i = 0; i < all.size(); ++i) {
        const Forward& f = all[i];
        ports += f.host_ports.size() * (f.protocol == Protocol::both ? 2 : 1);
        for (size_t j = 0; j < i; ++j) {
            const Forward& g = all[j];
            if (!protocols_overlap(f.protocol, g.protocol) || !f.host_ports.overlaps(g.host_ports))
                continue;
            // Every address overlaps each; two addresses only themselves.
            if (f.host_address && g.host_address && *f.host_address != *g.host_address) continue;
            return make_error(EEXIST, describe(f) + " is forwarded already (" + describe(g) + ", " +
                                          g.id() + ")");
        }
    }
    if (ports > kMaxForwardPorts)
        return make_error(E2BIG, std::to_string(ports) + " forwarded ports (at most " +
                                     std::to_string(kMaxForwardPorts) + " per switch)");
    return {};
}

Status check_forward_on_switch(const Forward& f, const Ipv4Prefix& subnet, Ipv4 gateway,
                               std::string_view switch_name) {
    const Ipv4Prefix net = subnet.normalized();
    const std::string where = "switch " + quoted(switch_name) + " (" + net.to_string() + ")";
    if (f.host_address && net.contains(*f.host_address)) {
        if (*f.host_address != gateway)
            return make_error(EINVAL, "host address " + f.host_address->to_string() +
                                          " is a guest address of " + where);
        // RFC 2131 (67/udp) and RFC 1035 (53): what the daemon serves there.
        auto uses = [&](Protocol p, uint16_t port) {
            return (f.protocol == Protocol::both || f.protocol == p) &&
                   f.host_ports.first <= port && port <= f.host_ports.last;
        };
        const char* what = uses(Protocol::udp, 67)   ? "67/udp (DHCP)"
                           : uses(Protocol::udp, 53) ? "53/udp (DNS)"
                           : uses(Protocol::tcp, 53) ? "53/tcp (DNS)"
                                                     : nullptr;
        if (what)
            return make_error(EADDRINUSE, std::string("host port ") + what + " on " +
                                              gateway.to_string() +
                                              " is served by vswitchd itself");
    }
    if (f.target_kind == TargetKind::address) {
        auto a = Ipv4::parse(f.target);
        if (!a || !net.contains(*a) || *a == net.network() || *a == net.broadcast() ||
            *a == gateway)
            return make_error(EINVAL,
                              "target " + quoted(f.target) + " is not a guest address of " + where);
    }
    return {};
}

Resolver::Resolver(const Tables& t) : net_(t.subnet.normalized()), gateway_(t.gateway) {
    for (const auto& l : t.leases) {
        lease_by_mac_.emplace(l.mac, l.address);
        if (!l.hostname.empty()) lease_by_name_.emplace(l.hostname, l.address);
    }
    for (const auto& p : t.ports) {
        port_by_ifname_.emplace(p.ifname, p.mac);
        if (!p.vm.empty()) ports_by_vm_.emplace(p.vm, p.mac);
    }
}

std::optional<Ipv4> Resolver::usable(Ipv4 a) const {
    if (!net_.contains(a) || a == net_.network() || a == net_.broadcast() || a == gateway_)
        return std::nullopt;
    return a;
}

std::optional<Ipv4> Resolver::by_mac(const Mac& m) const {
    auto it = lease_by_mac_.find(m);
    if (it == lease_by_mac_.end()) return std::nullopt;
    return usable(it->second);
}

std::optional<Ipv4> Resolver::resolve(const Forward& f) const {
    switch (f.target_kind) {
        case TargetKind::address:
            if (auto a = Ipv4::parse(f.target)) return usable(*a);
            return std::nullopt;
        case TargetKind::mac:
            if (auto m = Mac::parse(f.target)) return by_mac(*m);
            return std::nullopt;
        case TargetKind::name: {
            if (auto it = port_by_ifname_.find(f.target); it != port_by_ifname_.end())
                return by_mac(it->second);
            auto [first, last] = ports_by_vm_.equal_range(f.target);
            for (auto it = first; it != last; ++it)
                if (auto a = by_mac(it->second)) return a;
            if (auto it = lease_by_name_.find(f.target); it != lease_by_name_.end())
                return usable(it->second);
            return std::nullopt;
        }
    }
    return std::nullopt;
}

std::optional<Ipv4> resolve(const Forward& f, const Tables& t) {
    return Resolver(t).resolve(f);
}

std::string format_forward_file(std::span<const Forward> forwards) {
    std::string out = records_header(kFormat);
    for (const auto& f : forwards) {
        out += to_string(f.protocol);
        out += ' ';
        out += f.host_address ? f.host_address->to_string() : "-";
        out += ' ' + std::to_string(f.host_ports.first) + '-' + std::to_string(f.host_ports.last);
        out += ' ' + std::to_string(f.target_port) + ' ';
        if (f.allow_from.empty()) out += '-';
        for (size_t i = 0; i < f.allow_from.size(); ++i)
            out += (i ? "," : "") + f.allow_from[i].to_string();
        out += ' ';
        out += to_string(f.target_kind);
        out += ' ' + f.target + '\n';
    }
    return out;
}

namespace {

Result<Forward> parse_line(std::string_view line) {
    std::vector<std::string_view> fields;
    std::string_view rest = line;
    for (int i = 0; i < 6; ++i) {
        size_t sp = rest.find(' ');
        if (sp == std::string_view::npos || sp == 0)
            return make_error(EBADMSG,
                              "expected 'PROTOCOL ADDRESS PORTS TARGETPORT ALLOW KIND TARGET'");
        fields.push_back(rest.substr(0, sp));
        rest = rest.substr(sp + 1);
    }
    std::vector<std::string> allow;
    if (fields[4] != "-") {
        for (size_t pos = 0; pos <= fields[4].size();) {
            size_t comma = fields[4].find(',', pos);
            if (comma == std::string_view::npos) comma = fields[4].size();
            allow.emplace_back(fields[4].substr(pos, comma - pos));
            pos = comma + 1;
        }
    }
    if (fields[1] == "") return make_error(EBADMSG, "empty host address");
    auto port = parse_number(fields[3]);
    if (!port || *port == 0) return make_error(EBADMSG, "bad target port " + quoted(fields[3]));
    std::string_view range = fields[2];
    auto f = make_forward(fields[0], fields[1] == "-" ? "" : fields[1], range, rest, *port, allow);
    if (!f) return make_error(EBADMSG, f.error().message);
    if (to_string(f->target_kind) != fields[5])
        return make_error(EBADMSG,
                          "target " + quoted(rest) + " is not of kind " + quoted(fields[5]));
    // Canonical only: what format_forward_file writes reads back the same.
    if (f->target != rest ||
        fields[2] !=
            std::to_string(f->host_ports.first) + "-" + std::to_string(f->host_ports.last) ||
        (fields[1] != "-" && fields[1] != f->host_address->to_string()))
        return make_error(EBADMSG, "not in canonical form");
    if (f->allow_from.size() != allow.size())
        return make_error(EBADMSG, "AllowFrom prefix listed twice");
    for (size_t i = 0; i < allow.size(); ++i)
        if (allow[i] != f->allow_from[i].to_string())
            return make_error(EBADMSG, "AllowFrom prefix not normalized");
    return f;
}

}  // namespace

Result<std::vector<Forward>> parse_forward_file(std::string_view text) {
    std::vector<Forward> out;
    auto st = walk_records(text, kFormat, [&](std::string_view line) -> Status {
        auto r = parse_line(line);
        if (!r) return r.error();
        if (out.size() >= kMaxForwards)
            return make_error(E2BIG, "more than " + std::to_string(kMaxForwards) + " forwards");
        out.push_back(std::move(*r));
        if (auto c = check_forwards(out); !c) return make_error(c.error().code == E2BIG ? E2BIG : EBADMSG, c.error().message);
        return {};
    });
    if (!st) return st.error();
    return out;
}

Result<std::vector<Forward>> load_forward_file(const std::string& path) {
    auto text = read_file(path, kMaxForwardFileSize);
    if (!text)
        return text.error().code == ENOENT ? text.error()
                                           : text.error().context("reading '" + path + "'");
    auto r = parse_forward_file(*text);
    if (!r) return r.error().context("forwards file '" + path + "'");
    return r;
}

Status save_forward_file(const std::string& path, std::span<const Forward> forwards) {
    if (auto st = write_file_atomic(path, format_forward_file(forwards)); !st)
        return st.error().context("saving port forwards to '" + path + "'");
    return {};
}

}  // namespace vswitch::forward
