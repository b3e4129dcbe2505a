// Observer: the daemon's one subscription point for rtnetlink notifications.
// It owns one NETLINK_ROUTE socket joined to the link, neighbour, IPv4
// address, route, rule and netconf groups, its IO source on the loop and
// the throttle that coalesces host-prefix changes; parts of the daemon
// subscribe to what they need and hold the Subscription (dropping it
// unsubscribes, also from inside a callback; a callback must not destroy
// the Observer itself):
//   - links: every RTM_NEWLINK / RTM_DELLINK, parsed (ports notice a TAP
//     deleted behind the daemon's back);
//   - addresses: every IPv4 RTM_NEWADDR / RTM_DELADDR, parsed (a switch
//     notices its gateway address removed);
//   - neighbours: every IPv4 RTM_NEWNEIGH / RTM_DELNEIGH, parsed (DHCP keeps
//     addresses live hosts answer ARP for out of its offers);
//   - fdb: every bridge's RTM_NEWNEIGH / RTM_DELNEIGH of family AF_BRIDGE,
//     parsed (DHCP keeps a MAC -> port table to tell each request's port);
//   - host prefixes: "addresses, routes or rules changed", coalesced: the
//     first notification of a burst arms a kHostPrefixCoalesceUsec timer
//     and everything until it fires is one call (the subnet checks dump the
//     truth themselves, so they need no detail);
//   - netconf: IPv4 netconf changed (ip_forward), once per drain;
//   - qdisc deletions: every RTM_DELQDISC, as the interface's index (a
//     port's MaximumBandwidth qdiscs removed by hand are put back).
// Defences: at most kObserverMaxReadsPerWakeup datagrams per wake-up, so a
// flood cannot keep the loop from DHCP and DNS; a large receive buffer; and
// when the kernel dropped notifications anyway (ENOBUFS), every subscriber
// is told so (its overrun callback, a host-prefix change, a netconf call)
// and looks at the kernel's state again instead of trusting what it saw.
#pragma once

#include <systemd/sd-event.h>

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "daemon/event/event.h"
#include "daemon/event/throttle.h"
#include "daemon/netlink/route_socket.h"
#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"

namespace vswitch::netlink {

// The first notification of a burst arms a timer this long; everything that
// arrives until it fires is folded into one call. A VPN coming up is seen
// within this delay; a flood of thousands of route changes a second costs
// at most 1 s / kHostPrefixCoalesceUsec re-evaluations a second.
inline constexpr uint64_t kHostPrefixCoalesceUsec = 100'000;
// Every change in the namespace arrives here: links, neighbours, routes.
// FORCE passes rmem_max with CAP_NET_ADMIN; without it the default stays.
inline constexpr int kObserverReceiveBufferBytes = 4 << 20;
inline constexpr int kObserverMaxReadsPerWakeup = 256;
inline constexpr size_t kObserverDatagramBytes = 64 * 1024;

struct LinkEvent {
    bool deleted = false;  // RTM_DELLINK
    int ifindex = 0;
    std::string name;
    int master = 0;
    bool up = false;
};

struct AddressEvent {
    bool deleted = false;  // RTM_DELADDR
    int ifindex = 0;
    Ipv4 address;          // IFA_LOCAL (IFA_ADDRESS when absent)
    uint8_t prefix_length = 0;
};

struct NeighbourEvent {
    bool deleted = false;  // RTM_DELNEIGH
    int ifindex = 0;
    Ipv4 address;
    Mac mac;        // zero when the message carries none
    int state = 0;  // NUD_*
};

// A bridge's forwarding database entry learned, moved or aged out
// (RTM_NEWNEIGH / RTM_DELNEIGH of family AF_BRIDGE with a master).
struct FdbEvent {
    bool deleted = false;
    int port = 0;    // the bridge port the MAC is behind
    int bridge = 0;  // NDA_MASTER
    Mac mac;
    bool local = false;  // NUD_PERMANENT: the port's or bridge's own address
};

// Dropping it unsubscribes; it may outlive the Observer harmlessly.
class Subscription {
public:
    Subscription() = default;
    explicit Subscription(std::function<void()> cancel) : cancel_(std::move(cancel)) {}
    Subscription(Subscription&& o) noexcept : cancel_(std::exchange(o.cancel_, {})) {}
    Subscription& operator=(Subscription&& o) noexcept {
        if (this != &o) {
            reset();
            cancel_ = std::exchange(o.cancel_, {});
        }
        return *this;
    }
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    ~Subscription() { reset(); }
    void reset() {
        if (auto c = std::exchange(cancel_, {})) c();
    }

private:
    std::function<void()> cancel_;
};

class Observer {
public:
    using LinkFn = std::function<void(const LinkEvent&)>;
    using NeighbourFn = std::function<void(const NeighbourEvent&)>;
    using FdbFn = std::function<void(const FdbEvent&)>;
    using AddressFn = std::function<void(const AddressEvent&)>;
    using CallFn = std::function<void()>;

    class Key {
        friend class Observer;
        Key() = default;
    };
    explicit Observer(Key);
    static Result<std::unique_ptr<Observer>> create(sd_event* event);
    Observer(const Observer&) = delete;
    Observer& operator=(const Observer&) = delete;

    // overrun: notifications were lost; look at every link again.
    [[nodiscard]] Subscription watch_links(LinkFn fn, CallFn overrun);
    [[nodiscard]] Subscription watch_neighbours(NeighbourFn fn, CallFn overrun);
    // Every bridge's FDB changes; overrun: entries may have been missed.
    [[nodiscard]] Subscription watch_fdb(FdbFn fn, CallFn overrun);
    // IPv4 only; overrun: look at the addresses again.
    [[nodiscard]] Subscription watch_addresses(AddressFn fn, CallFn overrun);
    [[nodiscard]] Subscription watch_host_prefixes(CallFn fn);
    [[nodiscard]] Subscription watch_netconf(CallFn fn);
    using QdiscFn = std::function<void(int ifindex)>;
    [[nodiscard]] Subscription watch_qdisc_deletions(QdiscFn fn, CallFn overrun);

    uint64_t datagrams() const { return datagrams_; }       // read from the socket
    uint64_t overruns() const { return overruns_; }         // ENOBUFS: some were lost
    uint64_t prefix_bursts() const { return prefix_bursts_; }  // host-prefix calls

private:
    // Callbacks of one kind, in subscription order. A callback may add or
    // drop subscriptions: entries are only marked while a call runs and
    // erased after it, and new ones wait for the next event.
    template <class Fn>
    struct List {
        struct Entry {
            uint64_t id;
            Fn fn;
            bool alive = true;
        };
        std::list<Entry> entries;
        int calling = 0;
        uint64_t failures = 0;
        template <class... A>
        void call(const A&... args);
        void drop(uint64_t id);
    };
    struct Subscribers {
        uint64_t next_id = 1;
        List<LinkFn> links;
        List<NeighbourFn> neighbours;
        List<FdbFn> fdb;
        List<AddressFn> addresses;
        List<QdiscFn> qdisc_deletions;
        List<CallFn> link_overruns, neighbour_overruns, address_overruns, host_prefixes, netconf;
    };
    template <class Fn>
    Subscription add(List<Fn> Subscribers::*list, Fn fn);

    void drain();
    void dispatch(const uint8_t* buf, size_t len, bool& netconf);

    SocketHandle sock_;
    event::Source io_;
    event::Throttle prefix_throttle_;
    std::vector<uint8_t> buf_ = std::vector<uint8_t>(kObserverDatagramBytes);
    // Shared with the Subscriptions' cancel functions, which hold it weakly.
    std::shared_ptr<Subscribers> subs_ = std::make_shared<Subscribers>();
    uint64_t datagrams_ = 0;
    uint64_t overruns_ = 0;
    uint64_t prefix_bursts_ = 0;
};

}  // namespace vswitch::netlink
