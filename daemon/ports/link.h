// LinkControl owns one rtnetlink socket (libnl-route) and does the few link
// operations ports need: look up, plug into a bridge, set MAC/MTU/up/carrier,
// unplug, delete. PortManager drives it; calls are synchronous and quick.
#pragma once

#include <netlink/route/link.h>
#include <netlink/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libvswitch/base/handle.h"
#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"

namespace vswitch::ports {

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

struct LinkChange {
    std::optional<int> master;  // 0 unplugs
    std::optional<Mac> mac;
    std::optional<uint32_t> mtu;
    std::optional<bool> up;
    std::optional<bool> carrier;
    std::optional<std::string> alias;
};

class LinkControl {
public:
    static Result<LinkControl> create();

    // ENODEV when there is no such interface.
    Result<LinkInfo> get(std::string_view ifname);
    Result<LinkInfo> get(int ifindex);
    Status change(const LinkInfo& link, const LinkChange& change);
    Status remove(const LinkInfo& link);
    // Every interface plugged into some bridge (with a master).
    Result<std::vector<LinkInfo>> list_plugged();

private:
    using SocketPtr = UniqueHandle<nl_sock, nl_socket_free>;
    explicit LinkControl(SocketPtr sock) : sock_(std::move(sock)) {}
    Result<LinkInfo> get_impl(int ifindex, const char* name, const std::string& what);
    SocketPtr sock_;
};

// What ports need from one libnl link object (a reply or a notification).
LinkInfo to_link_info(rtnl_link* link);

// libnl's NLE_* codes turned back into errno values.
int nl_error_to_errno(int nle);

}  // namespace vswitch::ports
