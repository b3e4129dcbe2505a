// What nl80211 says of a wireless interface: its mode (NL80211_ATTR_IFTYPE)
// and whether it is a 4-address station (NL80211_ATTR_4ADDR), for the
// external switch's refusal of a managed-mode client
// (libvswitch/external/refusal.h). Over generic netlink with libmnl, one
// short-lived socket per question; nullopt when the kernel has no nl80211
// or does not know the interface.
#pragma once

#include <optional>

namespace vswitch::netlink {

struct WirelessMode {
    int iftype = 0;  // NL80211_IFTYPE_*
    bool four_address = false;
};

std::optional<WirelessMode> wireless_mode(int ifindex);

}  // namespace vswitch::netlink
