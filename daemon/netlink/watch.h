// Runtime view of what the host's IPv4 network uses, for issue 7's "a VPN
// connects over the switch's subnet": a subscriber to rtnetlink's address,
// route and rule notifications (every routing table) that coalesces bursts,
// and a described dump of every address and route, so a conflict can be
// named exactly ("route 172.20.0.0/16 table 100 dev wg0").
#pragma once

#include <systemd/sd-event.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/event/event.h"
#include "daemon/netlink/route_socket.h"
#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"

namespace vswitch::netlink {

// The first notification of a burst arms a timer this long; everything that
// arrives until it fires is folded into one re-evaluation. A VPN coming up
// is seen within this delay; a flood of thousands of route changes a second
// costs at most 1 s / kWatchCoalesceUsec re-evaluations a second.
inline constexpr uint64_t kWatchCoalesceUsec = 100'000;
// Notifications are never parsed, only counted: the dump after the burst
// reads the truth. So a lost notification (ENOBUFS) costs nothing, and the
// buffer only needs to make losses rare, not impossible.
inline constexpr int kWatchReceiveBufferBytes = 1 << 20;
// Datagrams drained per wake-up before the loop serves others (DHCP, DNS).
inline constexpr int kWatchMaxReadsPerWakeup = 256;
inline constexpr size_t kWatchDatagramBytes = 64 * 1024;

// One IPv4 prefix the host uses, with what it came from.
struct HostPrefix {
    enum class Kind : uint8_t { address, route };
    Kind kind = Kind::route;
    Ipv4Prefix prefix;   // normalized
    int ifindex = 0;     // the address's interface; the route's only device (0: several/none)
    uint32_t table = 0;  // routes only
};

// Every IPv4 address (as its network; a point-to-point peer's prefix and
// the local /32) and every IPv4 route of every table but default routes.
Result<std::vector<HostPrefix>> dump_host_prefixes();

// "route 172.20.0.0/16 table 100 dev wg0", "address 172.20.5.1/24 dev eth1".
std::string describe(const HostPrefix& p);

// RouteWatch owns a NETLINK_ROUTE socket joined to RTNLGRP_IPV4_IFADDR,
// RTNLGRP_IPV4_ROUTE and RTNLGRP_IPV4_RULE, its sd-event IO source and the
// coalescing timer. The Manager creates it once the switches serve and
// re-checks their subnets in on_change; the loop drives it.
class RouteWatch {
public:
    using ChangeFn = std::function<void()>;
    class Key {
        friend class RouteWatch;
        Key() = default;
    };
    RouteWatch(Key, sd_event* event, ChangeFn fn) : event_(event), on_change_(std::move(fn)) {}
    static Result<std::unique_ptr<RouteWatch>> create(sd_event* event, ChangeFn on_change);
    RouteWatch(const RouteWatch&) = delete;
    RouteWatch& operator=(const RouteWatch&) = delete;

    uint64_t datagrams() const { return datagrams_; }  // notifications read
    uint64_t bursts() const { return bursts_; }        // on_change calls
    uint64_t overruns() const { return overruns_; }    // ENOBUFS: some were lost

private:
    static int on_io(sd_event_source* s, int fd, uint32_t revents, void* userdata) noexcept;
    static int on_timer(sd_event_source* s, uint64_t usec, void* userdata) noexcept;
    void drain();
    void arm();

    sd_event* event_;
    ChangeFn on_change_;
    SocketHandle sock_;
    event::EventSourcePtr io_;
    event::EventSourcePtr timer_;
    std::vector<uint8_t> buf_ = std::vector<uint8_t>(kWatchDatagramBytes);  // read and dropped
    bool armed_ = false;
    uint64_t datagrams_ = 0;
    uint64_t bursts_ = 0;
    uint64_t overruns_ = 0;
};

}  // namespace vswitch::netlink
