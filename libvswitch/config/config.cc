#include "libvswitch/config/config.h"

#include "libvswitch/base/ifname.h"
#include "libvswitch/base/text.h"
#include "libvswitch/dhcp/boot.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "libvswitch/config/config_internal.h"

namespace vswitch {

namespace config_detail {

Error error_at(std::string_view path, size_t line, int code, std::string_view reason) {
    std::string m(path);
    m += ':';
    m += std::to_string(line);
    m += ": ";
    m += reason;
    return Error{code, std::move(m)};
}

}  // namespace config_detail

std::string_view to_string(SwitchType type) {
    switch (type) {
        case SwitchType::nat:
            return "nat";
        case SwitchType::internal:
            return "internal";
        case SwitchType::private_:
            return "private";
        case SwitchType::external:
            return "external";
    }
    return "unknown";
}

Result<SwitchType> parse_switch_type(std::string_view s) {
    for (SwitchType t : {SwitchType::nat, SwitchType::internal, SwitchType::private_, SwitchType::external})
        if (s == to_string(t)) return t;
    return make_error(EINVAL,
                      "invalid Type '" + std::string(s) + "': expected nat, internal, private or external");
}

namespace {

using config_detail::error_at;
using config_detail::SwitchOrigin;

bool is_space(char c) {
    return kWhitespace.find(c) != std::string_view::npos;
}

char to_lower(char c) {
    return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), to_lower);
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && lower(a) == lower(b);
}

// "invalid <key> '<value>': <why>", the reason for every bad value.
Error invalid(int code, std::string_view key, std::string_view value, std::string_view why) {
    return make_error(code,
                      "invalid " + std::string(key) + " " + quoted(value) + ": " + std::string(why));
}

// A plain decimal in [min, max]: no sign, no unit, no base prefix.
Result<uint64_t> parse_ranged(std::string_view key, std::string_view value, uint64_t min,
                              uint64_t max) {
    std::string range = "must be between " + std::to_string(min) + " and " + std::to_string(max);
    if (value.empty() ||
        !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return invalid(EINVAL, key, value, "not a decimal number (" + range + ")");
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || p != value.data() + value.size() || v < min || v > max)
        return invalid(ERANGE, key, value, range);
    return v;
}

// systemd's parse_boolean(): yes/no, true/false, on/off, 1/0, any case.
Result<bool> parse_boolean(std::string_view key, std::string_view value) {
    for (std::string_view t : {"1", "yes", "y", "true", "t", "on"})
        if (iequals(value, t)) return true;
    for (std::string_view f : {"0", "no", "n", "false", "f", "off"})
        if (iequals(value, f)) return false;
    return invalid(EINVAL, key, value, "not a boolean (expected yes or no)");
}

struct ReservedRange {
    Ipv4Prefix prefix;
    std::string_view what;
};

// Ranges a switch can never use: they are not unicast space a host routes.
constexpr ReservedRange kReservedRanges[] = {
    {Ipv4Prefix(Ipv4(0, 0, 0, 0), 8), "0.0.0.0/8 (\"this network\")"},
    {Ipv4Prefix(Ipv4(127, 0, 0, 0), 8), "127.0.0.0/8 (loopback)"},
    {Ipv4Prefix(Ipv4(224, 0, 0, 0), 4), "224.0.0.0/4 (multicast)"},
    {Ipv4Prefix(Ipv4(240, 0, 0, 0), 4), "240.0.0.0/4 (reserved, class E)"},
};

Status check_not_reserved(std::string_view key, std::string_view value, const Ipv4Prefix& p) {
    for (const auto& r : kReservedRanges)
        if (p.overlaps(r.prefix))
            return invalid(EINVAL, key, value, "overlaps " + std::string(r.what));
    return {};
}

Result<Ipv4Prefix> parse_prefix(std::string_view key, std::string_view value) {
    auto p = Ipv4Prefix::parse(value);
    if (!p) return p.error().context("invalid " + std::string(key));
    return p;
}

Status check_switch_name(std::string_view name) {
    if (name.empty()) return make_error(EINVAL, "Name= must not be empty");
    if (name.size() > kMaxSwitchNameLength)
        return invalid(EINVAL, "Name", name,
                       "longer than " + std::to_string(kMaxSwitchNameLength) + " characters");
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        if (!ok)
            return invalid(EINVAL, "Name", name, "only letters, digits, '_' and '-' are allowed");
    }
    // Also in other cases: "default" beside "Default" would only confuse.
    if (iequals(name, kDefaultSwitchName))
        return invalid(EINVAL, "Name", name,
                       "reserved for the built-in switch, which vswitchd.conf configures");
    return {};
}

Status check_ifname(std::string_view key, std::string_view name) {
    if (auto fault = ifname_fault(name)) return invalid(EINVAL, key, name, *fault);
    return {};
}

// Lower-cases and checks a DNS name; one trailing dot is dropped.
Result<std::string> normalize_domain(std::string_view key, std::string_view value) {
    std::string d = lower(value);
    if (!d.empty() && d.back() == '.') d.pop_back();
    if (d.empty()) return invalid(EINVAL, key, value, "no label");
    if (d.size() > kMaxDomainLength)
        return invalid(EINVAL, key, value,
                       "longer than " + std::to_string(kMaxDomainLength) + " characters");
    std::string_view rest = d;
    while (true) {
        size_t dot = rest.find('.');
        std::string_view label = rest.substr(0, dot);
        if (label.empty()) return invalid(EINVAL, key, value, "empty label");
        if (label.size() > kMaxDomainLabelLength)
            return invalid(EINVAL, key, value,
                           "label " + quoted(label) + " is longer than " +
                               std::to_string(kMaxDomainLabelLength) + " characters");
        for (char c : label) {
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
                std::string why = "'";
                why += c;
                why += "' is not allowed in a DNS name (letters, digits and '-' only)";
                return invalid(EINVAL, key, value, why);
            }
        }
        if (label.front() == '-' || label.back() == '-')
            return invalid(EINVAL, key, value,
                           "label " + quoted(label) + " starts or ends with '-'");
        if (dot == std::string_view::npos) break;
        rest = rest.substr(dot + 1);
    }
    return d;
}

// One file being parsed: the switch so far and where each value was set.
// parse_switch drives it line by line, then finish() applies the defaults
// that depend on other keys and the checks that span keys.
struct Draft {
    explicit Draft(bool main) : main_file(main) { cfg.name = main ? kDefaultSwitchName : ""; }

    SwitchConfig cfg;
    bool main_file;
    bool in_section = false;      // [Switch] seen
    bool in_reservation = false;  // the current section is a [Reservation]
    std::vector<config_detail::ReservationDraft> reservations;
    bool in_forward = false;  // the current section is a [PortForward]
    std::vector<config_detail::ForwardDraft> forwards;
    std::optional<size_t> name_line, bridge_line, pool_line, prefix_line, subnet_line, domain_line;
    config_detail::ExternalDraft external;  // Interface=, ShareWithHost=
};

using KeyHandler = Status (*)(Draft& d, std::string_view value, size_t line);

Status on_name(Draft& d, std::string_view value, size_t line) {
    if (d.main_file)
        return make_error(EINVAL,
                          "Name= is not allowed in vswitchd.conf: the switch it configures is "
                          "always 'Default' (declare other switches in switches.d/*.switch)");
    if (auto st = check_switch_name(value); !st) return st;
    d.cfg.name = std::string(value);
    d.name_line = line;
    return {};
}

Status on_type(Draft& d, std::string_view value, size_t) {
    if (d.main_file)
        return make_error(EINVAL,
                          "Type= is not allowed in vswitchd.conf: the Default switch is always "
                          "of type nat (declare other switches in switches.d/*.switch)");
    if (value.empty()) {
        d.cfg.type = SwitchType::nat;
        return {};
    }
    auto t = parse_switch_type(value);
    if (!t) return t.error();
    d.cfg.type = *t;
    return {};
}

Status on_bridge(Draft& d, std::string_view value, size_t line) {
    if (value.empty()) {  // systemd: an empty assignment restores the default
        d.bridge_line.reset();
        return {};
    }
    if (auto st = check_ifname("Bridge", value); !st) return st;
    d.cfg.bridge = std::string(value);
    d.bridge_line = line;
    return {};
}

Status on_subnet_pool(Draft& d, std::string_view value, size_t line) {
    if (value.empty()) {
        d.cfg.subnet_pool = SwitchConfig{}.subnet_pool;
        d.pool_line.reset();
        return {};
    }
    auto p = parse_prefix("SubnetPool", value);
    if (!p) return p.error();
    if (auto st = check_not_reserved("SubnetPool", value, *p); !st) return st;
    d.cfg.subnet_pool = *p;
    d.pool_line = line;
    return {};
}

Status on_prefix_length(Draft& d, std::string_view value, size_t line) {
    if (value.empty()) {
        d.cfg.prefix_length = kDefaultPrefixLength;
        d.prefix_line.reset();
        return {};
    }
    auto v = parse_ranged("PrefixLength", value, kMinPrefixLength, kMaxPrefixLength);
    if (!v) return v.error();
    d.cfg.prefix_length = uint8_t(*v);
    d.prefix_line = line;
    return {};
}

Status on_subnet(Draft& d, std::string_view value, size_t line) {
    if (value.empty()) {  // not pinned
        d.cfg.subnet.reset();
        d.subnet_line.reset();
        return {};
    }
    auto p = parse_prefix("Subnet", value);
    if (!p) return p.error();
    if (p->length() < kMinPrefixLength || p->length() > kMaxPrefixLength)
        return invalid(EINVAL, "Subnet", value,
                       "the prefix length must be between " + std::to_string(kMinPrefixLength) +
                           " and " + std::to_string(kMaxPrefixLength));
    if (auto st = check_not_reserved("Subnet", value, *p); !st) return st;
    d.cfg.subnet = *p;
    d.subnet_line = line;
    return {};
}

Status on_exclude_subnet(Draft& d, std::string_view value, size_t) {
    if (value.empty()) {  // systemd: an empty assignment resets the list
        d.cfg.exclude_subnets.clear();
        return {};
    }
    std::string_view rest = value;
    while (!(rest = trim(rest)).empty()) {
        size_t end = 0;
        while (end < rest.size() && !is_space(rest[end])) ++end;
        auto p = parse_prefix("ExcludeSubnet", rest.substr(0, end));
        if (!p) return p.error();
        if (d.cfg.exclude_subnets.size() >= kMaxExcludeSubnets)
            return make_error(E2BIG, "too many ExcludeSubnet= prefixes (at most " +
                                         std::to_string(kMaxExcludeSubnets) + " per switch)");
        d.cfg.exclude_subnets.push_back(*p);
        rest = rest.substr(end);
    }
    return {};
}

Status on_trust_relay_from(Draft& d, std::string_view value, size_t) {
    if (value.empty()) {  // an empty assignment resets the list
        d.cfg.trust_relay_from.clear();
        return {};
    }
    std::string_view rest = value;
    while (!(rest = trim(rest)).empty()) {
        size_t end = 0;
        while (end < rest.size() && !is_space(rest[end])) ++end;
        std::string_view name = rest.substr(0, end);
        if (auto st = check_ifname("TrustRelayFrom", name); !st) return st;
        if (d.cfg.trust_relay_from.size() >= kMaxTrustRelayFrom)
            return make_error(E2BIG, "too many TrustRelayFrom= interfaces (at most " +
                                         std::to_string(kMaxTrustRelayFrom) + " per switch)");
        d.cfg.trust_relay_from.emplace_back(name);
        rest = rest.substr(end);
    }
    return {};
}

Status on_domain(Draft& d, std::string_view value, size_t line) {
    if (value.empty()) {
        d.cfg.domain = std::string(kDefaultDomain);
        d.domain_line.reset();
        return {};
    }
    auto n = normalize_domain("Domain", value);
    if (!n) return n.error();
    d.cfg.domain = std::move(*n);
    d.domain_line = line;
    return {};
}

Status on_lease_time(Draft& d, std::string_view value, size_t) {
    if (value.empty()) {
        d.cfg.lease_time_sec = kDefaultLeaseTimeSec;
        return {};
    }
    auto v = parse_ranged("LeaseTimeSec", value, kMinLeaseTimeSec, kMaxLeaseTimeSec);
    if (!v) return v.error();
    d.cfg.lease_time_sec = uint32_t(*v);
    return {};
}

Status on_max_leases_per_port(Draft& d, std::string_view value, size_t) {
    if (value.empty()) {
        d.cfg.max_leases_per_port = kDefaultMaxLeasesPerPort;
        return {};
    }
    auto v = parse_ranged("MaxLeasesPerPort", value, 1, kMaxMaxLeasesPerPort);
    if (!v) return v.error();
    d.cfg.max_leases_per_port = uint32_t(*v);
    return {};
}

Status on_mtu(Draft& d, std::string_view value, size_t) {
    if (value.empty()) {  // the bridge's own
        d.cfg.mtu.reset();
        return {};
    }
    auto v = parse_ranged("MTU", value, kMinMtu, kMaxMtu);
    if (!v) return v.error();
    d.cfg.mtu = uint32_t(*v);
    return {};
}

Status on_renumber_on_conflict(Draft& d, std::string_view value, size_t) {
    if (value.empty()) {
        d.cfg.renumber_on_conflict = SwitchConfig{}.renumber_on_conflict;
        return {};
    }
    auto v = parse_boolean("RenumberOnConflict", value);
    if (!v) return v.error();
    d.cfg.renumber_on_conflict = *v;
    return {};
}

Status on_forward_dns(Draft& d, std::string_view value, size_t) {
    if (value.empty()) {
        d.cfg.forward_dns.reset();
        return {};
    }
    auto v = parse_boolean("ForwardDNS", value);
    if (!v) return v.error();
    d.cfg.forward_dns = *v;
    return {};
}

Status on_fix_foreign_firewall(Draft& d, std::string_view value, size_t) {
    if (value.empty()) {
        d.cfg.fix_foreign_firewall = SwitchConfig{}.fix_foreign_firewall;
        return {};
    }
    auto v = parse_boolean("FixForeignFirewall", value);
    if (!v) return v.error();
    d.cfg.fix_foreign_firewall = *v;
    return {};
}

Status on_boot_server(Draft& d, std::string_view value, size_t) {
    if (auto st = dhcp::check_boot_server(value); !st)
        return invalid(st.error().code, "BootServer", value, st.error().message);
    d.cfg.boot_server = std::string(value);  // empty: none
    return {};
}

// BootFile= and IPXEBootFile=: a value over the file field's 127 bytes is
// accepted and travels in option 67 only.
Status set_boot_file(std::string& to, std::string_view key, std::string_view value) {
    if (auto st = dhcp::check_boot_file(value); !st)
        return invalid(st.error().code, key, value, st.error().message);
    to = std::string(value);
    return {};
}

Status on_boot_file(Draft& d, std::string_view value, size_t) {
    return set_boot_file(d.cfg.boot_file, "BootFile", value);
}

Status on_ipxe_boot_file(Draft& d, std::string_view value, size_t) {
    return set_boot_file(d.cfg.ipxe_boot_file, "IPXEBootFile", value);
}

Status on_allow_group(Draft& d, std::string_view value, size_t) {
    return config_detail::parse_allow_group(value, d.cfg.allow_group);
}

struct KeySpec {
    std::string_view key;
    KeyHandler handler;
};

constexpr KeySpec kKeys[] = {
    {"Name", on_name},
    {"Type", on_type},
    {"Bridge", on_bridge},
    {"SubnetPool", on_subnet_pool},
    {"PrefixLength", on_prefix_length},
    {"Subnet", on_subnet},
    {"ExcludeSubnet", on_exclude_subnet},
    {"Domain", on_domain},
    {"LeaseTimeSec", on_lease_time},
    {"MaxLeasesPerPort", on_max_leases_per_port},
    {"TrustRelayFrom", on_trust_relay_from},
    {"MTU", on_mtu},
    {"RenumberOnConflict", on_renumber_on_conflict},
    {"FixForeignFirewall", on_fix_foreign_firewall},
    {"ForwardDNS", on_forward_dns},
    {"BootServer", on_boot_server},
    {"BootFile", on_boot_file},
    {"IPXEBootFile", on_ipxe_boot_file},
    {"AllowGroup", on_allow_group},
};

Status handle_key(Draft& d, std::string_view key, std::string_view value, size_t line) {
    bool external_key = false;  // Interface=, ShareWithHost= (config_external.cc)
    if (auto st = config_detail::parse_external_key(d.cfg, d.external, key, value, line, &external_key);
        !st || external_key)
        return st;
    for (const auto& k : kKeys)
        if (k.key == key) return k.handler(d, value, line);
    if (auto st = config_detail::parse_security_default(d.cfg.port_security, key, value)) return *st;
    std::string m = "unknown key " + quoted(key) + " in section [Switch]";
    for (const auto& k : kKeys)
        if (iequals(k.key, key))
            m += " (keys are case-sensitive: did you mean '" + std::string(k.key) + "'?)";
    return make_error(EINVAL, std::move(m));
}

// Bytes that have no business in a text file, and that would garble a
// terminal or the journal if echoed back in a message.
Status check_line_bytes(std::string_view raw) {
    if (raw.size() > kMaxConfigLineLength)
        return make_error(E2BIG,
                          "line is longer than " + std::to_string(kMaxConfigLineLength) + " bytes");
    for (size_t i = 0; i < raw.size(); ++i) {
        auto c = static_cast<unsigned char>(raw[i]);
        if (c == 0) return make_error(EBADMSG, "line contains a NUL byte");
        bool crlf = c == '\r' && i + 1 == raw.size();
        if ((c < 0x20 && c != '\t' && !crlf) || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "0x%02x", c);
            return make_error(EBADMSG, std::string("line contains control character ") + buf);
        }
    }
    return {};
}

// systemd only knows whole-line comments; we also end a line at a '#' that
// follows whitespace, so annotated examples (as in DESIGN.md) can be copied.
// No value of ours can hold whitespace followed by '#', so nothing is lost.
std::string_view strip_trailing_comment(std::string_view line) {
    for (size_t i = 1; i < line.size(); ++i)
        if (line[i] == '#' && is_space(line[i - 1])) return trim(line.substr(0, i));
    return line;
}

Status parse_line(Draft& d, std::string_view raw, size_t line_no) {
    if (auto st = check_line_bytes(raw); !st) return st;
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') return {};
    line = strip_trailing_comment(line);

    if (line.front() == '[') {
        if (line.back() != ']')
            return make_error(EBADMSG, "invalid section header " + quoted(line) + ": no ']'");
        std::string_view section = line.substr(1, line.size() - 2);
        d.in_forward = false;
        if (section == "PortForward") {
            d.in_reservation = false;
            if (d.forwards.size() >= forward::kMaxForwards)
                return make_error(E2BIG, "too many [PortForward] sections (at most " +
                                             std::to_string(forward::kMaxForwards) + " per switch)");
            d.in_forward = true;
            d.forwards.push_back({});
            d.forwards.back().line = line_no;
            return {};
        }
        if (section == "Reservation") {
            if (d.reservations.size() >= dhcp::kMaxReservations)
                return make_error(E2BIG, "too many [Reservation] sections (at most " +
                                             std::to_string(dhcp::kMaxReservations) + " per switch)");
            d.in_reservation = true;
            d.reservations.push_back({});
            d.reservations.back().line = line_no;
            return {};
        }
        if (section != "Switch")
            return make_error(EINVAL, "unknown section [" + std::string(section) +
                                          "] (sections are [Switch], [Reservation] and [PortForward])");
        d.in_reservation = false;
        if (d.in_section)
            return make_error(EINVAL, d.main_file
                                          ? "a second [Switch] section: vswitchd.conf configures "
                                            "only the Default switch (declare other switches in "
                                            "switches.d/*.switch)"
                                          : "a second [Switch] section: a .switch file declares "
                                            "one switch (put each in its own file)");
        d.in_section = true;
        return {};
    }

    size_t eq = line.find('=');
    if (eq == std::string_view::npos)
        return make_error(EBADMSG, "expected Key=Value or [Section], got " + quoted(line));
    std::string_view key = trim(line.substr(0, eq));
    std::string_view value = trim(line.substr(eq + 1));
    if (key.empty()) return make_error(EBADMSG, "missing key before '=' in " + quoted(line));
    if (d.in_reservation) return config_detail::parse_reservation_key(d.reservations.back(), key, value, line_no);
    if (d.in_forward) return config_detail::parse_forward_key(d.forwards.back(), key, value, line_no);
    if (!d.in_section)
        return make_error(
            EBADMSG, "key " + quoted(key) + " appears before any section (put [Switch] above it)");
    return handle_key(d, key, value, line_no);
}

// Defaults and checks that depend on more than one key, once all are read.
Status finish(Draft& d, std::string_view path) {
    SwitchConfig& c = d.cfg;
    if (!d.main_file && !d.name_line)
        return error_at(path, 1, EINVAL,
                        "Name= is missing: a switch declared in switches.d needs a name");

    if (c.prefix_length < c.subnet_pool.length()) {
        size_t line = d.prefix_line ? *d.prefix_line : d.pool_line ? *d.pool_line : 1;
        return error_at(path, line, EINVAL,
                        "PrefixLength " + std::to_string(c.prefix_length) +
                            " does not fit in SubnetPool " + c.subnet_pool.to_string() +
                            ": the per-boot block must be /" +
                            std::to_string(c.subnet_pool.length()) + " or longer");
    }

    if (!d.main_file && !d.bridge_line)
        c.bridge = (std::string(kSwitchBridgePrefix) + c.name).substr(0, kMaxIfnameLength);
    else if (!d.bridge_line)
        c.bridge = std::string(kDefaultBridge);

    if (!d.main_file && !d.domain_line) {
        std::string derived = lower(c.name) + "." + std::string(kDefaultDomain);
        auto n = normalize_domain("Domain", derived);
        if (!n)
            return error_at(path, *d.name_line, EINVAL,
                            "Name " + quoted(c.name) + " gives no valid default Domain (" +
                                n.error().message + "); set Domain= explicitly");
        c.domain = std::move(*n);
    }
    if (auto st = config_detail::finish_external(c, d.external, d.subnet_line, path); !st) return st;
    auto reservations = config_detail::finish_reservations(d.reservations, c, path);
    if (!reservations) return reservations.error();
    c.reservations = std::move(*reservations);
    auto forwards = config_detail::finish_forwards(d.forwards, path);
    if (!forwards) return forwards.error();
    c.forwards = std::move(*forwards);
    return {};
}

}  // namespace

namespace config_detail {

Result<SwitchConfig> parse_switch(std::string_view text, std::string_view path, bool main_file,
                                  SwitchOrigin* origin) {
    if (text.size() > kMaxConfigFileSize)
        return error_at(path, 1, E2BIG,
                        "file is larger than " + std::to_string(kMaxConfigFileSize) + " bytes");
    Draft d(main_file);
    size_t line_no = 0;
    for (size_t pos = 0; pos < text.size();) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        ++line_no;
        if (auto st = parse_line(d, text.substr(pos, end - pos), line_no); !st)
            return error_at(path, line_no, st.error().code, st.error().message);
        pos = end + 1;
    }
    if (auto st = finish(d, path); !st) return st.error();

    d.cfg.source = std::string(path);
    if (origin) {
        origin->name_line = d.name_line.value_or(1);
        // A bridge derived from the name was in effect set by Name=.
        origin->bridge_line = d.bridge_line.value_or(d.name_line.value_or(1));
        origin->subnet_line = d.subnet_line.value_or(1);
        origin->bridge_from_name = !main_file && !d.bridge_line;
        origin->interface_line = d.external.interface_line.value_or(1);
    }
    return std::move(d.cfg);
}

}  // namespace config_detail

Result<SwitchConfig> parse_main_config(std::string_view text, std::string_view path) {
    return config_detail::parse_switch(text, path, true, nullptr);
}

Result<SwitchConfig> parse_switch_file(std::string_view text, std::string_view path) {
    return config_detail::parse_switch(text, path, false, nullptr);
}

}  // namespace vswitch
