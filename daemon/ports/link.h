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
};

struct LinkChange {
    std::optional<int> master;  // 0 unplugs
    std::optional<Mac> mac;
    std::optional<uint32_t> mtu;
    std::optional<bool> up;
    std::optional<bool> carrier;
};

class LinkControl {
public:
    static Result<LinkControl> create();

    // ENODEV when there is no such interface.
    Result<LinkInfo> get(std::string_view ifname);
    Result<LinkInfo> get(int ifindex);
    Status change(const LinkInfo& link, const LinkChange& change);
    Status remove(const LinkInfo& link);

private:
    using SocketPtr = UniqueHandle<nl_sock, nl_socket_free>;
    explicit LinkControl(SocketPtr sock) : sock_(std::move(sock)) {}
    Result<LinkInfo> get_impl(int ifindex, const char* name, const std::string& what);
    SocketPtr sock_;
};

// libnl's NLE_* codes turned back into errno values.
int nl_error_to_errno(int nle);

}  // namespace vswitch::ports
