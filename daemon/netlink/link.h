// Links on the daemon's route socket: what it needs to know of an interface
// (LinkInfo, also what the observer reports) and the generic operations on
// one (look up, plug into a bridge, set MAC/MTU/up/carrier/alias, unplug,
// delete). Ports and the switches' bridges drive them; calls are
// synchronous and quick. Every error names the interface and the step
// ("changing interface 'vstap3': Operation not permitted"); a missing
// interface is ENODEV whatever libnl called it.
#pragma once

#include <netlink/route/link.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/netlink/route_socket.h"
#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"

namespace vswitch::netlink {

struct LinkInfo {
    int ifindex = 0;
    std::string name;
    int master = 0;      // ifindex of the bridge it is plugged into, 0 if none
    std::string kind;    // IFLA_INFO_KIND: "tun", "veth", "bridge", "" ...
    bool up = false;
    bool carrier = false;
    Mac mac;
    std::string alias;   // IFLA_IFALIAS: ports carry their record here (port_record.h)
};

// Unset fields are left as they are.
struct LinkChange {
    std::optional<int> master;  // 0 unplugs
    std::optional<Mac> mac;
    std::optional<uint32_t> mtu;
    std::optional<bool> up;
    std::optional<bool> carrier;
    std::optional<std::string> alias;
};

// What the daemon needs from one libnl link object (a reply or a notification).
LinkInfo to_link_info(rtnl_link* link);

// ENODEV when there is no such interface.
Result<LinkInfo> get_link(RouteSocket& sock, std::string_view ifname);
Result<LinkInfo> get_link(RouteSocket& sock, int ifindex);
Result<int> link_index(RouteSocket& sock, std::string_view ifname);
Status change_link(RouteSocket& sock, const LinkInfo& link, const LinkChange& change);
Status set_link_up(RouteSocket& sock, int ifindex);
Status remove_link(RouteSocket& sock, const LinkInfo& link);
// ENODEV if it does not exist.
Status delete_link(RouteSocket& sock, std::string_view ifname);
// Teardown variant: an interface that is already gone is success, so a
// teardown interrupted half-way can simply be run again.
Status delete_link_if_exists(RouteSocket& sock, std::string_view ifname);
// Every interface plugged into some bridge (with a master).
Result<std::vector<LinkInfo>> list_plugged(RouteSocket& sock);
// Every interface whose alias is `alias`.
Result<std::vector<LinkInfo>> list_with_alias(RouteSocket& sock, std::string_view alias);

// 1..15 bytes (IFNAMSIZ - 1), else EINVAL naming it.
Status check_ifname_length(std::string_view name);

}  // namespace vswitch::netlink
