// The kernel's IPv4 neighbour table on the bridge: read when a DHCP server
// starts, then followed live (RTM_NEWNEIGH), so an address a host on the
// segment answers ARP for (a static guest, a port with a fixed address, a
// leftover from before the daemon) is not offered. The table is consulted
// as it changes, never at offer time, so DISCOVER→OFFER waits on nothing
// and the daemon never blocks on an ICMP probe.
#pragma once

#include <netlink/socket.h>
#include <systemd/sd-event.h>

#include <functional>
#include <memory>
#include <vector>

#include "daemon/event/event.h"
#include "libvswitch/base/handle.h"

#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"

namespace vswitch::dhcpd {

// Addresses inside `subnet` with a resolved link-layer address on ifindex
// (NUD_REACHABLE, STALE, DELAY, PROBE, PERMANENT, NOARP).
Result<std::vector<Ipv4>> dump_neighbours(int ifindex, const Ipv4Prefix& subnet);

// NeighbourWatch owns an rtnetlink socket subscribed to neighbour
// notifications on the DHCP server's loop; the DhcpServer creates it and
// is told of each IPv4 neighbour inside the subnet on the bridge that
// reached a resolved state (same states as dump_neighbours).
class NeighbourWatch {
public:
    using Fn = std::function<void(Ipv4 address, const Mac& mac)>;
    class Key {
        friend class NeighbourWatch;
        Key() = default;
    };
    using SocketPtr = UniqueHandle<nl_sock, nl_socket_free>;
    NeighbourWatch(Key, SocketPtr sock, int ifindex, Ipv4Prefix subnet, Fn fn)
        : sock_(std::move(sock)), ifindex_(ifindex), subnet_(subnet), fn_(std::move(fn)) {}
    static Result<std::unique_ptr<NeighbourWatch>> create(sd_event* event, int ifindex, const Ipv4Prefix& subnet,
                                                          Fn fn);
    // Reads what is queued and reports it; the loop calls it on input.
    void receive();

private:
    struct Seen {
        Ipv4 address;
        Mac mac;
    };
    static int on_io(sd_event_source* s, int fd, uint32_t revents, void* userdata) noexcept;
    static int on_message(nl_msg* msg, void* arg) noexcept;

    SocketPtr sock_;
    int ifindex_;
    Ipv4Prefix subnet_;
    Fn fn_;
    event::EventSourcePtr io_;
    std::vector<Seen> seen_;  // filled by on_message during receive()
};

}  // namespace vswitch::dhcpd
