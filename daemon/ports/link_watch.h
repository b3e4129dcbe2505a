// LinkWatch owns an rtnetlink socket subscribed to link notifications, on
// the daemon's sd-event loop, and reports the names of interfaces the kernel
// deleted (RTM_DELLINK). PortManager drives it, so a port removed behind the
// daemon's back (`ip link del`, libvirt destroying its vnetN) stops being a
// port at once instead of lingering until the next call trips over it.
#pragma once

#include <netlink/socket.h>
#include <systemd/sd-event.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/event/event.h"
#include "libvswitch/base/handle.h"
#include "libvswitch/base/result.h"

namespace vswitch::ports {

class LinkWatch {
public:
    // deleted: interface names seen in RTM_DELLINK. overrun: the socket lost
    // notifications (ENOBUFS), so the caller must check its links itself.
    using Fn = std::function<void(const std::vector<std::string>& deleted, bool overrun)>;

    // Only create() can make a Key, so construction always goes through it.
    class Key {
        friend class LinkWatch;
        Key() = default;
    };
    using SocketPtr = UniqueHandle<nl_sock, nl_socket_free>;
    LinkWatch(Key, SocketPtr sock, Fn fn) : sock_(std::move(sock)), fn_(std::move(fn)) {}
    static Result<std::unique_ptr<LinkWatch>> create(sd_event* event, Fn fn);

    // Reads what is queued now and reports it; the loop calls it on input.
    void receive();

private:
    static int on_io(sd_event_source* s, int fd, uint32_t revents, void* userdata) noexcept;

    SocketPtr sock_;
    event::EventSourcePtr io_;
    Fn fn_;
    std::vector<std::string> deleted_;  // filled by the libnl callback during receive()
};

}  // namespace vswitch::ports
