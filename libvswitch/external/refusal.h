// Whether a NIC can be an external switch's (issue 20), decided over facts
// the daemon recorded (netlink link data, /sys/class/net/<nic>/, nl80211,
// NetworkManager's and systemd-networkd's answers), so every refusal is
// unit-tested without the hardware. A refusal is one line that says what
// to do instead; it is given before anything moves, so the NIC is untouched.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "libvswitch/base/result.h"

namespace vswitch::external {

// nl80211's NL80211_IFTYPE_* values that matter here.
inline constexpr int kIftypeStation = 2;  // managed mode: a client of an AP

struct NicFacts {
    std::string name;
    int ifindex = 0;
    std::string kind;       // IFLA_INFO_KIND: "", "veth", "bridge", "bond"...
    bool loopback = false;  // IFF_LOOPBACK / ARPHRD_LOOPBACK
    int master = 0;         // ifindex of its bridge or bond, 0 none
    std::string master_name;
    std::string master_kind;  // "bridge", "bond", "team", "openvswitch"...
    // /sys/class/net/<nic>/wireless or /phy80211 exists.
    bool wireless = false;
    std::optional<int> iftype;  // nl80211, when known
    bool four_address = false;  // nl80211 4addr (WDS): can bridge
    // NetworkManager's Device.Managed for it; nullopt: NM not running or
    // does not know it.
    std::optional<bool> nm_managed;
    // systemd-networkd's AdministrativeState of it ("configured",
    // "unmanaged", ...); nullopt: networkd not running or not its link.
    std::optional<std::string> networkd_state;
};

// The switch asking: its name and bridge, and ShareWithHost=.
struct Claim {
    std::string switch_name;
    std::string bridge;
    int bridge_ifindex = 0;  // 0 before the bridge exists
    bool share_with_host = true;
};

// Whether networkd's AdministrativeState means it configures the link.
bool networkd_manages(std::string_view admin_state);
// The value of ADMIN_STATE= in a /run/systemd/netif/links/<ifindex> file.
std::optional<std::string> networkd_state_from_file(std::string_view text);

// ok, or EINVAL / EBUSY / EPERM with the one-line reason and what to do.
// A NIC already in the switch's own bridge is ok (a restart adopting it).
Status check_nic(const NicFacts& nic, const Claim& claim);

}  // namespace vswitch::external
