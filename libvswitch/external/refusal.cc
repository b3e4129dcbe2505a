#include "libvswitch/external/refusal.h"

namespace vswitch::external {

bool networkd_manages(std::string_view s) {
    // "unmanaged": networkd leaves it alone; "pending"/"initialized" before
    // it decided, "linger" after the link went: not (or no longer) its own.
    return !s.empty() && s != "unmanaged" && s != "pending" && s != "initialized" && s != "linger";
}

std::optional<std::string> networkd_state_from_file(std::string_view text) {
    constexpr std::string_view key = "ADMIN_STATE=";
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        if (line.substr(0, key.size()) == key) return std::string(line.substr(key.size()));
        pos = end + 1;
    }
    return std::nullopt;
}

Status check_nic(const NicFacts& nic, const Claim& c) {
    const std::string who = "interface '" + nic.name + "' ";
    if (nic.loopback)
        return make_error(EINVAL,
                          who +
                              "is the loopback: name the physical adapter that reaches the LAN "
                              "in Interface=");
    if (nic.name == c.bridge || (c.bridge_ifindex > 0 && nic.ifindex == c.bridge_ifindex))
        return make_error(EINVAL,
                          who +
                              "is the switch's own bridge: name the physical adapter to put "
                              "into it in Interface=");
    if (nic.kind == "bridge")
        return make_error(EINVAL, who +
                                      "is itself a bridge: a bridge cannot be a port of another; "
                                      "name the adapter in it, or attach VMs to it directly");
    if (nic.wireless && !nic.four_address && (!nic.iftype || *nic.iftype == kIftypeStation))
        return make_error(EOPNOTSUPP,
                          who +
                              "is a wireless adapter in managed mode, and an 802.11 client cannot "
                              "bridge the guests' MACs: use the nat switch (Type=nat) and port "
                              "forwards ([PortForward]) instead");
    if (nic.master != 0 && !(c.bridge_ifindex > 0 && nic.master == c.bridge_ifindex)) {
        std::string m = nic.master_name.empty() ? "#" + std::to_string(nic.master)
                                                : "'" + nic.master_name + "'";
        if (nic.master_kind == "bond" || nic.master_kind == "team")
            return make_error(EBUSY, who + "is a slave of " + nic.master_kind + " " + m +
                                         ": name the " + nic.master_kind + " itself in Interface=");
        if (nic.master_kind == "bridge")
            return make_error(EBUSY, who + "is already a port of bridge " + m +
                                         ": take it out first (ip link set " + nic.name +
                                         " nomaster), or attach VMs to that bridge directly");
        return make_error(EBUSY, who + "already has a master (" + m +
                                     (nic.master_kind.empty() ? "" : ", " + nic.master_kind) +
                                     "): release it first");
    }
    if (c.share_with_host) {
        if (nic.nm_managed.value_or(false))
            return make_error(EBUSY, who +
                                         "is managed by NetworkManager, which would fight over its "
                                         "addresses: run 'nmcli device set " +
                                         nic.name + " managed no' first, or set ShareWithHost=no");
        if (nic.networkd_state && networkd_manages(*nic.networkd_state))
            return make_error(EBUSY,
                              who +
                                  "is managed by systemd-networkd, which would fight over its "
                                  "addresses: give it Unmanaged=yes in its .network file (or "
                                  "let networkd configure the bridge instead), or set "
                                  "ShareWithHost=no");
    }
    return {};
}

}  // namespace vswitch::external
