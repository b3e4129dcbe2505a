// Type=external (issue 20): Interface= names the host NIC the switch puts
// into its bridge, by name or by MAC; ShareWithHost= (default yes, Hyper-V's
// AllowManagementOS) says whether the host keeps using it. The LAN behind
// the NIC serves the guests, so the keys of the daemon's own DHCP, DNS and
// subnet draw mean nothing there and are refused rather than ignored.
#include <string>

#include "libvswitch/base/ifname.h"
#include "libvswitch/base/text.h"
#include "libvswitch/config/config.h"
#include "libvswitch/config/config_internal.h"

namespace vswitch::config_detail {

namespace {

bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        auto low = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
        if (low(a[i]) != low(b[i])) return false;
    }
    return true;
}

Result<bool> parse_yes_no(std::string_view key, std::string_view value) {
    for (std::string_view t : {"1", "yes", "y", "true", "t", "on"})
        if (iequal(value, t)) return true;
    for (std::string_view f : {"0", "no", "n", "false", "f", "off"})
        if (iequal(value, f)) return false;
    return make_error(EINVAL, "invalid " + std::string(key) + " " + quoted(value) +
                                  ": not a boolean (expected yes or no)");
}

// A MAC is six ':'-separated pairs; anything else is taken as a name.
bool looks_like_mac(std::string_view v) {
    return v.size() == 17 && (v[2] == ':' || v[2] == '-') && (v[5] == ':' || v[5] == '-');
}

Status on_interface(SwitchConfig& c, std::string_view value) {
    c.interface.clear();
    c.interface_mac.reset();
    if (value.empty()) return {};
    if (looks_like_mac(value)) {
        auto mac = Mac::parse(value);
        if (!mac)
            return make_error(EINVAL,
                              "invalid Interface " + quoted(value) + ": " + mac.error().message);
        if (mac->is_zero() || (mac->bytes()[0] & 1))
            return make_error(EINVAL, "invalid Interface " + quoted(value) +
                                          ": not the unicast MAC address of a network adapter");
        c.interface_mac = *mac;
        return {};
    }
    if (auto fault = ifname_fault(value))
        return make_error(EINVAL, "invalid Interface " + quoted(value) + ": " + *fault +
                                      " (give the adapter's name or its MAC address)");
    c.interface = std::string(value);
    return {};
}

}  // namespace

Status parse_external_key(SwitchConfig& c, ExternalDraft& e, std::string_view key,
                          std::string_view value, size_t line, bool* handled) {
    *handled = false;
    if (key == "Interface") {
        *handled = true;
        if (auto st = on_interface(c, value); !st) return st;
        e.interface_line = value.empty() ? std::nullopt : std::optional<size_t>(line);
        return {};
    }
    if (key == "ShareWithHost") {
        *handled = true;
        if (value.empty()) {
            c.share_with_host = true;
            e.share_line.reset();
            return {};
        }
        auto v = parse_yes_no(key, value);
        if (!v) return v.error();
        c.share_with_host = *v;
        e.share_line = line;
        return {};
    }
    return {};
}

Status finish_external(const SwitchConfig& c, const ExternalDraft& e,
                       std::optional<size_t> subnet_line, std::string_view path) {
    if (c.type != SwitchType::external) {
        if (e.interface_line)
            return error_at(path, *e.interface_line, EINVAL,
                            "Interface= is only for Type=external (a " +
                                std::string(to_string(c.type)) +
                                " switch has no host adapter in its bridge)");
        if (e.share_line)
            return error_at(path, *e.share_line, EINVAL,
                            "ShareWithHost= is only for Type=external");
        return {};
    }
    if (!e.interface_line)
        return error_at(
            path, 1, EINVAL,
            "Type=external needs Interface=: the host adapter (name or MAC address) whose "
            "LAN the guests join");
    if (!c.interface.empty() && iequal(c.interface, c.bridge))
        return error_at(path, *e.interface_line, EINVAL,
                        "Interface " + quoted(c.interface) +
                            " is the switch's own bridge: name the "
                            "physical adapter to put into it");
    if (subnet_line)
        return error_at(
            path, *subnet_line, EINVAL,
            "Subnet= means nothing on an external switch: its guests take addresses from "
            "the LAN's own DHCP server (remove it)");
    if (!c.reservations.empty() || !c.boot_server.empty() || !c.boot_file.empty() ||
        !c.ipxe_boot_file.empty() || !c.trust_relay_from.empty())
        return error_at(path, 1, EINVAL,
                        "an external switch runs no DHCP server of the daemon ([Reservation], "
                        "BootServer=, BootFile=, IPXEBootFile=, TrustRelayFrom= belong on the "
                        "LAN's DHCP server)");
    return {};
}

Status check_external_pair(const SwitchConfig& a, const SwitchOrigin& ao, const SwitchConfig& b,
                           const SwitchOrigin& bo) {
    auto where = [](const SwitchConfig& s, size_t line) {
        return s.source + ":" + std::to_string(line);
    };
    if (a.type == SwitchType::external && b.type == SwitchType::external) {
        bool same = (!a.interface.empty() && a.interface == b.interface) ||
                    (a.interface_mac && b.interface_mac && *a.interface_mac == *b.interface_mac);
        if (same) {
            std::string nic = a.interface.empty() ? a.interface_mac->to_string() : a.interface;
            return error_at(b.source, bo.interface_line, EEXIST,
                            "Interface " + quoted(nic) + " already belongs to switch '" + a.name +
                                "' (" + where(a, ao.interface_line) +
                                "): an adapter serves one external switch");
        }
    }
    if (b.type == SwitchType::external && !b.interface.empty() && b.interface == a.bridge)
        return error_at(b.source, bo.interface_line, EINVAL,
                        "Interface " + quoted(b.interface) + " is the bridge of switch '" + a.name +
                            "' (" + where(a, ao.bridge_line) + "): name a physical adapter");
    if (a.type == SwitchType::external && !a.interface.empty() && a.interface == b.bridge)
        return error_at(b.source, bo.bridge_line, EINVAL,
                        "Bridge " + quoted(b.bridge) + " is the Interface= of external switch '" +
                            a.name + "' (" + where(a, ao.interface_line) + ")");
    return {};
}

}  // namespace vswitch::config_detail
