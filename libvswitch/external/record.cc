#include "libvswitch/external/record.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <charconv>
#include <cstring>

#include "libvswitch/base/ifname.h"

namespace vswitch::external {

Result<IpAddress> IpAddress::parse(std::string_view s) {
    IpAddress a;
    std::string text(s);
    if (s.size() < 64 && s.find(':') == std::string_view::npos &&
        inet_pton(AF_INET, text.c_str(), a.bytes.data()) == 1) {
        a.family = AF_INET;
        return a;
    }
    if (s.size() < 64 && inet_pton(AF_INET6, text.c_str(), a.bytes.data()) == 1) {
        a.family = AF_INET6;
        return a;
    }
    return make_error(EINVAL, "'" + text.substr(0, 64) + "' is not an IPv4 or IPv6 address");
}

std::string IpAddress::to_string() const {
    char buf[INET6_ADDRSTRLEN] = {};
    if ((family != AF_INET && family != AF_INET6) ||
        !inet_ntop(family, bytes.data(), buf, sizeof buf))
        return "?";
    return buf;
}

std::string AddressRecord::describe() const {
    return local.to_string() + "/" + std::to_string(prefix_length);
}

std::string RouteRecord::describe() const {
    std::string s = dst ? dst->to_string() + "/" + std::to_string(dst_len) : std::string("default");
    if (family == AF_INET6 && !dst) s += " (IPv6)";
    if (gateway) s += " via " + gateway->to_string();
    s += " table " + std::to_string(table) + " metric " + std::to_string(priority);
    return s;
}

namespace {

constexpr std::string_view kMagic = "vswitch-external 1";

std::string opt(const std::optional<IpAddress>& a) {
    return a ? a->to_string() : "-";
}

// Labels and names hold no spaces (ifname rules); "-" is none.
std::string word(const std::string& s) {
    return s.empty() ? "-" : s;
}

std::vector<std::string_view> split(std::string_view line) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && line[i] == ' ') ++i;
        size_t j = i;
        while (j < line.size() && line[j] != ' ') ++j;
        if (j > i) out.push_back(line.substr(i, j - i));
        i = j;
    }
    return out;
}

template <typename T>
bool number(std::string_view s, T& out) {
    if (s.empty() || s.size() > 20) return false;
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v > uint64_t(T(~T(0)))) return false;
    out = T(v);
    return true;
}

// key=value, exactly the key given.
bool field(std::string_view tok, std::string_view key, std::string_view& value) {
    if (tok.size() <= key.size() || tok.substr(0, key.size()) != key || tok[key.size()] != '=')
        return false;
    value = tok.substr(key.size() + 1);
    return true;
}

bool opt_address(std::string_view s, std::optional<IpAddress>& out) {
    if (s == "-") {
        out.reset();
        return true;
    }
    auto a = IpAddress::parse(s);
    if (!a) return false;
    out = *a;
    return true;
}

bool name_ok(std::string_view s) {
    return !ifname_fault(s).has_value();
}

// An IPv4 label: an interface name with an optional ":alias" (IFNAMSIZ).
bool label_ok(std::string_view s) {
    if (s.empty() || s.size() > 15) return false;
    for (char c : s)
        if (c <= ' ' || c == '/' || c == 0x7f) return false;
    return true;
}

bool switch_name_ok(std::string_view s) {
    if (s.empty() || s.size() > 32) return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    return true;
}

bool parse_address(const std::vector<std::string_view>& t, AddressRecord& a) {
    // addr LOCAL/LEN peer= brd= scope= flags= label= valid= preferred=
    if (t.size() != 9) return false;
    size_t slash = t[1].find('/');
    if (slash == std::string_view::npos) return false;
    auto local = IpAddress::parse(t[1].substr(0, slash));
    if (!local || !number(t[1].substr(slash + 1), a.prefix_length)) return false;
    a.local = *local;
    if (a.prefix_length > (a.local.family == AF_INET ? 32 : 128)) return false;
    std::string_view v;
    if (!field(t[2], "peer", v) || !opt_address(v, a.peer)) return false;
    if (!field(t[3], "brd", v) || !opt_address(v, a.broadcast)) return false;
    if (!field(t[4], "scope", v) || !number(v, a.scope)) return false;
    if (!field(t[5], "flags", v) || !number(v, a.flags)) return false;
    if (!field(t[6], "label", v)) return false;
    a.label = v == "-" ? "" : std::string(v);
    if (!a.label.empty() && !label_ok(a.label)) return false;
    if (!field(t[7], "valid", v) || !number(v, a.valid_lft)) return false;
    if (!field(t[8], "preferred", v) || !number(v, a.preferred_lft)) return false;
    for (const auto& o : {a.peer, a.broadcast})
        if (o && o->family != a.local.family) return false;
    return true;
}

bool parse_route(const std::vector<std::string_view>& t, RouteRecord& r) {
    // route FAMILY DST/LEN|default table= gw= src= metric= proto= scope= type= tos= nhflags=
    if (t.size() != 12) return false;
    if (t[1] == "inet")
        r.family = AF_INET;
    else if (t[1] == "inet6")
        r.family = AF_INET6;
    else
        return false;
    if (t[2] == "default") {
        r.dst.reset();
        r.dst_len = 0;
    } else {
        size_t slash = t[2].find('/');
        if (slash == std::string_view::npos) return false;
        auto d = IpAddress::parse(t[2].substr(0, slash));
        if (!d || d->family != r.family || !number(t[2].substr(slash + 1), r.dst_len)) return false;
        if (r.dst_len > (r.family == AF_INET ? 32 : 128)) return false;
        r.dst = *d;
    }
    std::string_view v;
    if (!field(t[3], "table", v) || !number(v, r.table)) return false;
    if (!field(t[4], "gw", v) || !opt_address(v, r.gateway)) return false;
    if (!field(t[5], "src", v) || !opt_address(v, r.pref_src)) return false;
    if (!field(t[6], "metric", v) || !number(v, r.priority)) return false;
    if (!field(t[7], "proto", v) || !number(v, r.protocol)) return false;
    if (!field(t[8], "scope", v) || !number(v, r.scope)) return false;
    if (!field(t[9], "type", v) || !number(v, r.type)) return false;
    if (!field(t[10], "tos", v) || !number(v, r.tos)) return false;
    if (!field(t[11], "nhflags", v) || !number(v, r.nh_flags)) return false;
    // An IPv6 gateway of an IPv4 route (RFC 5549) is not something we move.
    for (const auto& o : {r.gateway, r.pref_src})
        if (o && o->family != r.family) return false;
    return true;
}

}  // namespace

std::string format_record(const Record& r) {
    std::string s(kMagic);
    s += "\nswitch " + r.switch_name + "\nbridge " + r.bridge + "\nshare " +
         (r.share_with_host ? "yes" : "no") + "\nstate " +
         (r.state == MoveState::done ? "done" : "moving") + "\n";
    const NicSnapshot& n = r.nic;
    s += "nic " + n.name + " " + std::to_string(n.ifindex) + " " + n.mac.to_string() + " " +
         std::to_string(n.mtu) + " " + (n.up ? "up" : "down") + "\n";
    s += "taken " + std::to_string(n.taken_at_sec) + "\n";
    for (const auto& a : n.addresses)
        s += "addr " + a.describe() + " peer=" + opt(a.peer) + " brd=" + opt(a.broadcast) +
             " scope=" + std::to_string(a.scope) + " flags=" + std::to_string(a.flags) +
             " label=" + word(a.label) + " valid=" + std::to_string(a.valid_lft) +
             " preferred=" + std::to_string(a.preferred_lft) + "\n";
    for (const auto& rt : n.routes)
        s += std::string("route ") + (rt.family == AF_INET6 ? "inet6 " : "inet ") +
             (rt.dst ? rt.dst->to_string() + "/" + std::to_string(rt.dst_len)
                     : std::string("default")) +
             " table=" + std::to_string(rt.table) + " gw=" + opt(rt.gateway) +
             " src=" + opt(rt.pref_src) + " metric=" + std::to_string(rt.priority) +
             " proto=" + std::to_string(rt.protocol) + " scope=" + std::to_string(rt.scope) +
             " type=" + std::to_string(rt.type) + " tos=" + std::to_string(rt.tos) +
             " nhflags=" + std::to_string(rt.nh_flags) + "\n";
    s += "end\n";
    return s;
}

Result<Record> parse_record(std::string_view text) {
    if (text.size() > kMaxRecordSize)
        return make_error(E2BIG, "record larger than " + std::to_string(kMaxRecordSize) + " bytes");
    Record r;
    size_t line_no = 0;
    bool seen_nic = false, seen_end = false, seen_switch = false, seen_bridge = false;
    auto bad = [&](std::string_view why) {
        return make_error(EBADMSG, "line " + std::to_string(line_no) + ": " + std::string(why));
    };
    for (size_t pos = 0; pos < text.size();) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) return bad("no newline at the end (a cut-off file)");
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        ++line_no;
        if (seen_end) return bad("text after 'end'");
        if (line_no == 1) {
            if (line != kMagic) return bad("not a vswitch external record");
            continue;
        }
        auto t = split(line);
        if (t.empty()) return bad("empty line");
        if (t[0] == "switch" && t.size() == 2 && switch_name_ok(t[1])) {
            r.switch_name = std::string(t[1]);
            seen_switch = true;
        } else if (t[0] == "bridge" && t.size() == 2 && name_ok(t[1])) {
            r.bridge = std::string(t[1]);
            seen_bridge = true;
        } else if (t[0] == "share" && t.size() == 2 && (t[1] == "yes" || t[1] == "no")) {
            r.share_with_host = t[1] == "yes";
        } else if (t[0] == "state" && t.size() == 2 && (t[1] == "moving" || t[1] == "done")) {
            r.state = t[1] == "done" ? MoveState::done : MoveState::moving;
        } else if (t[0] == "nic" && t.size() == 6) {
            auto mac = Mac::parse(t[3]);
            if (!name_ok(t[1]) || !number(t[2], r.nic.ifindex) || r.nic.ifindex <= 0 || !mac ||
                !number(t[4], r.nic.mtu) || (t[5] != "up" && t[5] != "down"))
                return bad("bad nic line");
            r.nic.name = std::string(t[1]);
            r.nic.mac = *mac;
            r.nic.up = t[5] == "up";
            seen_nic = true;
        } else if (t[0] == "taken" && t.size() == 2) {
            if (!number(t[1], r.nic.taken_at_sec)) return bad("bad taken line");
        } else if (t[0] == "addr") {
            if (r.nic.addresses.size() >= kMaxMovedAddresses)
                return make_error(E2BIG,
                                  "line " + std::to_string(line_no) + ": too many addresses");
            AddressRecord a;
            if (!parse_address(t, a)) return bad("bad addr line");
            r.nic.addresses.push_back(std::move(a));
        } else if (t[0] == "route") {
            if (r.nic.routes.size() >= kMaxMovedRoutes)
                return make_error(E2BIG, "line " + std::to_string(line_no) + ": too many routes");
            RouteRecord rt;
            if (!parse_route(t, rt)) return bad("bad route line");
            r.nic.routes.push_back(std::move(rt));
        } else if (t[0] == "end" && t.size() == 1) {
            seen_end = true;
        } else {
            return bad("unknown line");
        }
    }
    if (line_no == 0) return make_error(EBADMSG, "empty record");
    if (!seen_switch || !seen_bridge || !seen_nic || !seen_end)
        return make_error(EBADMSG, "record lacks its switch, bridge, nic or end line");
    return r;
}

}  // namespace vswitch::external
