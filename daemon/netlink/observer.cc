#include "daemon/netlink/observer.h"

#include <linux/if.h>
#include <linux/neighbour.h>
#include <linux/netconf.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "daemon/log.h"

namespace vswitch::netlink {

namespace {

// The groups' numbers are the bits of the old nl_groups mask plus one;
// nl_socket_add_memberships takes them 0-terminated.
Status join(nl_sock* sk) {
    if (int err = nl_socket_add_memberships(sk, RTNLGRP_LINK, RTNLGRP_NEIGH, RTNLGRP_IPV4_IFADDR,
                                            RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV4_RULE, RTNLGRP_IPV4_NETCONF, RTNLGRP_TC, 0);
        err < 0)
        return nl_error(err, "joining the link, neighbour, address, route, rule, netconf and tc groups");
    return {};
}

std::string attr_string(nlattr* a) {
    if (!a || nla_len(a) <= 0) return {};
    const char* s = static_cast<const char*>(nla_data(a));
    return std::string(s, strnlen(s, size_t(nla_len(a))));
}

// RTM_NEWLINK / RTM_DELLINK, attributes bounds-checked by nlmsg_parse.
bool parse_link(nlmsghdr* h, LinkEvent& ev) {
    if (!nlmsg_valid_hdr(h, sizeof(ifinfomsg))) return false;
    ifinfomsg ifi{};
    std::memcpy(&ifi, nlmsg_data(h), sizeof ifi);
    nlattr* tb[IFLA_MAX + 1] = {};
    if (nlmsg_parse(h, sizeof(ifinfomsg), tb, IFLA_MAX, nullptr) < 0) return false;
    ev.deleted = h->nlmsg_type == RTM_DELLINK;
    ev.ifindex = ifi.ifi_index;
    ev.up = ifi.ifi_flags & IFF_UP;
    ev.name = attr_string(tb[IFLA_IFNAME]);
    if (tb[IFLA_MASTER] && nla_len(tb[IFLA_MASTER]) >= 4) ev.master = int(nla_get_u32(tb[IFLA_MASTER]));
    return true;
}

// IPv4 RTM_NEWNEIGH / RTM_DELNEIGH.
bool parse_neighbour(nlmsghdr* h, NeighbourEvent& ev) {
    if (!nlmsg_valid_hdr(h, sizeof(ndmsg))) return false;
    ndmsg nd{};
    std::memcpy(&nd, nlmsg_data(h), sizeof nd);
    if (nd.ndm_family != AF_INET) return false;
    nlattr* tb[NDA_MAX + 1] = {};
    if (nlmsg_parse(h, sizeof(ndmsg), tb, NDA_MAX, nullptr) < 0) return false;
    if (!tb[NDA_DST] || nla_len(tb[NDA_DST]) != 4) return false;
    std::array<uint8_t, 4> ip{};
    std::memcpy(ip.data(), nla_data(tb[NDA_DST]), ip.size());
    ev.deleted = h->nlmsg_type == RTM_DELNEIGH;
    ev.ifindex = nd.ndm_ifindex;
    ev.state = nd.ndm_state;
    ev.address = Ipv4(ip[0], ip[1], ip[2], ip[3]);
    if (tb[NDA_LLADDR] && nla_len(tb[NDA_LLADDR]) == 6) {
        std::array<uint8_t, 6> ll{};
        std::memcpy(ll.data(), nla_data(tb[NDA_LLADDR]), ll.size());
        ev.mac = Mac(ll);
    }
    return true;
}

// AF_BRIDGE RTM_NEWNEIGH / RTM_DELNEIGH: a forwarding database entry.
bool parse_fdb(nlmsghdr* h, FdbEvent& ev) {
    if (!nlmsg_valid_hdr(h, sizeof(ndmsg))) return false;
    ndmsg nd{};
    std::memcpy(&nd, nlmsg_data(h), sizeof nd);
    if (nd.ndm_family != AF_BRIDGE) return false;
    nlattr* tb[NDA_MAX + 1] = {};
    if (nlmsg_parse(h, sizeof(ndmsg), tb, NDA_MAX, nullptr) < 0) return false;
    if (!tb[NDA_MASTER] || nla_len(tb[NDA_MASTER]) != 4 || !tb[NDA_LLADDR] || nla_len(tb[NDA_LLADDR]) != 6)
        return false;
    std::array<uint8_t, 6> ll{};
    std::memcpy(ll.data(), nla_data(tb[NDA_LLADDR]), ll.size());
    ev.deleted = h->nlmsg_type == RTM_DELNEIGH;
    ev.port = nd.ndm_ifindex;
    ev.bridge = int(nla_get_u32(tb[NDA_MASTER]));
    ev.mac = Mac(ll);
    ev.local = (nd.ndm_state & NUD_PERMANENT) != 0;
    return true;
}

// IPv4 RTM_NEWADDR / RTM_DELADDR.
bool parse_address(nlmsghdr* h, AddressEvent& ev) {
    if (!nlmsg_valid_hdr(h, sizeof(ifaddrmsg))) return false;
    ifaddrmsg ifa{};
    std::memcpy(&ifa, nlmsg_data(h), sizeof ifa);
    if (ifa.ifa_family != AF_INET) return false;
    nlattr* tb[IFA_MAX + 1] = {};
    if (nlmsg_parse(h, sizeof(ifaddrmsg), tb, IFA_MAX, nullptr) < 0) return false;
    nlattr* a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
    if (!a || nla_len(a) != 4) return false;
    std::array<uint8_t, 4> ip{};
    std::memcpy(ip.data(), nla_data(a), ip.size());
    ev.deleted = h->nlmsg_type == RTM_DELADDR;
    ev.ifindex = int(ifa.ifa_index);
    ev.address = Ipv4(ip[0], ip[1], ip[2], ip[3]);
    ev.prefix_length = ifa.ifa_prefixlen;
    return true;
}

}  // namespace

template <class Fn>
template <class... A>
void Observer::List<Fn>::call(const A&... args) {
    ++calling;
    // Entries added meanwhile go to the end and are skipped this round.
    auto end = entries.end();
    for (auto it = entries.begin(); it != end; ++it) {
        if (!it->alive) continue;
        try {
            it->fn(args...);
        } catch (const std::exception& e) {
            // Once at error level, then at debug level: a subscriber that
            // fails on every notification must not flood the journal.
            if (failures++ == 0)
                log::error(std::string("netlink observer: a subscriber failed: ") + e.what() +
                           ", ignoring (further failures are logged at debug level)");
            else
                log::debug(std::string("netlink observer: a subscriber failed: ") + e.what() + ", ignoring");
        }
    }
    if (--calling == 0) entries.remove_if([](const Entry& e) { return !e.alive; });
}

template <class Fn>
void Observer::List<Fn>::drop(uint64_t id) {
    for (auto it = entries.begin(); it != entries.end(); ++it) {
        if (it->id != id) continue;
        if (calling > 0) it->alive = false;
        else entries.erase(it);
        return;
    }
}

template <class Fn>
Subscription Observer::add(List<Fn> Subscribers::*list, Fn fn) {
    uint64_t id = subs_->next_id++;
    ((*subs_).*list).entries.push_back({id, std::move(fn)});
    std::weak_ptr<Subscribers> weak = subs_;
    return Subscription([weak, list, id] {
        if (auto s = weak.lock()) ((*s).*list).drop(id);
    });
}

Observer::Observer(Key) {}

Result<std::unique_ptr<Observer>> Observer::create(sd_event* event) {
    const std::string what = "watching links, neighbours, addresses and routes";
    auto o = std::make_unique<Observer>(Key());
    SocketHandle sk(nl_socket_alloc());
    if (!sk) return make_error(ENOMEM, what + ": out of memory");
    // Notifications carry no sequence number of ours.
    nl_socket_disable_seq_check(sk.get());
    if (int err = nl_connect(sk.get(), NETLINK_ROUTE); err < 0) return nl_error(err, what);
    if (auto s = join(sk.get()); !s) return s.error().context(what);
    if (int err = nl_socket_set_nonblocking(sk.get()); err < 0) return nl_error(err, what);
    int fd = nl_socket_get_fd(sk.get());
    int size = kObserverReceiveBufferBytes;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    o->sock_ = std::move(sk);

    Observer* self = o.get();
    auto io = event::add_io(event, fd, EPOLLIN, "rtnetlink notifications", [self](uint32_t) { self->drain(); });
    if (!io) return io.error().context(what);
    o->io_ = std::move(*io);
    auto t = event::Throttle::create(event, "coalescing host address and route changes",
                                     {kHostPrefixCoalesceUsec, 0}, [self] {
                                         ++self->prefix_bursts_;
                                         self->subs_->host_prefixes.call();
                                     });
    if (!t) return t.error().context(what);
    o->prefix_throttle_ = std::move(*t);
    return o;
}

namespace {

// One subscription for the two an event kind and its overrun take.
Subscription both(Subscription a, Subscription b) {
    auto pair = std::make_shared<std::pair<Subscription, Subscription>>(std::move(a), std::move(b));
    return Subscription([pair] {
        pair->first.reset();
        pair->second.reset();
    });
}

}  // namespace

Subscription Observer::watch_links(LinkFn fn, CallFn overrun) {
    return both(add(&Subscribers::links, std::move(fn)), add(&Subscribers::link_overruns, std::move(overrun)));
}

Subscription Observer::watch_neighbours(NeighbourFn fn, CallFn overrun) {
    return both(add(&Subscribers::neighbours, std::move(fn)),
                add(&Subscribers::neighbour_overruns, std::move(overrun)));
}

Subscription Observer::watch_fdb(FdbFn fn, CallFn overrun) {
    return both(add(&Subscribers::fdb, std::move(fn)), add(&Subscribers::neighbour_overruns, std::move(overrun)));
}

Subscription Observer::watch_addresses(AddressFn fn, CallFn overrun) {
    return both(add(&Subscribers::addresses, std::move(fn)),
                add(&Subscribers::address_overruns, std::move(overrun)));
}

Subscription Observer::watch_host_prefixes(CallFn fn) { return add(&Subscribers::host_prefixes, std::move(fn)); }

Subscription Observer::watch_qdisc_deletions(QdiscFn fn, CallFn overrun) {
    return both(add(&Subscribers::qdisc_deletions, std::move(fn)),
                add(&Subscribers::link_overruns, std::move(overrun)));
}

Subscription Observer::watch_netconf(CallFn fn) { return add(&Subscribers::netconf, std::move(fn)); }

void Observer::drain() {
    // Subscribers may subscribe and unsubscribe from their callbacks; they
    // must not destroy the observer itself (the Manager does, never from
    // inside a notification).
    auto& keep = subs_;
    bool overrun = false, netconf = false;
    int fd = nl_socket_get_fd(sock_.get());
    for (int i = 0; i < kObserverMaxReadsPerWakeup; ++i) {
        ssize_t n = recv(fd, buf_.data(), buf_.size(), MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == ENOBUFS) {  // the kernel dropped notifications
                ++overruns_;
                overrun = true;
                continue;
            }
            if (errno != EAGAIN)
                log::warning(std::string("netlink observer: reading notifications: ") + std::strerror(errno) +
                             ", ignoring");
            break;
        }
        ++datagrams_;
        dispatch(buf_.data(), size_t(n), netconf);
    }
    if (overrun) {
        prefix_throttle_.request();
        netconf = true;
        keep->link_overruns.call();
        keep->neighbour_overruns.call();
        keep->address_overruns.call();
    }
    if (netconf) keep->netconf.call();
}

void Observer::dispatch(const uint8_t* buf, size_t len, bool& netconf) {
    int remaining = int(len);
    // libnl's iterators over a buffer of messages; read-only use.
    auto* h = reinterpret_cast<nlmsghdr*>(const_cast<uint8_t*>(buf));
    for (; nlmsg_ok(h, remaining); h = nlmsg_next(h, &remaining)) {
        switch (h->nlmsg_type) {
            case RTM_NEWLINK:
            case RTM_DELLINK: {
                LinkEvent ev;
                if (parse_link(h, ev)) subs_->links.call(ev);
                break;
            }
            case RTM_NEWNEIGH:
            case RTM_DELNEIGH: {
                NeighbourEvent ev;
                FdbEvent fdb;
                if (parse_neighbour(h, ev))
                    subs_->neighbours.call(ev);
                else if (!subs_->fdb.entries.empty() && parse_fdb(h, fdb))
                    subs_->fdb.call(fdb);
                break;
            }
            case RTM_NEWADDR:
            case RTM_DELADDR: {
                AddressEvent ev;
                if (parse_address(h, ev)) subs_->addresses.call(ev);
                prefix_throttle_.request();
                break;
            }
            case RTM_NEWROUTE:
            case RTM_DELROUTE:
            case RTM_NEWRULE:
            case RTM_DELRULE:
                prefix_throttle_.request();
                break;
            case RTM_DELQDISC:
                // Only the interface: the subscriber looks at the qdiscs itself.
                if (!subs_->qdisc_deletions.entries.empty() && nlmsg_valid_hdr(h, sizeof(tcmsg))) {
                    tcmsg t{};
                    std::memcpy(&t, nlmsg_data(h), sizeof t);
                    subs_->qdisc_deletions.call(int(t.tcm_ifindex));
                }
                break;
            case RTM_NEWNETCONF:
            case RTM_DELNETCONF:
                netconf = true;
                break;
            default:
                break;
        }
    }
}

}  // namespace vswitch::netlink
