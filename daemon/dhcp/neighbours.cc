#include "daemon/dhcp/neighbours.h"

#include <linux/neighbour.h>
#include <netlink/route/neighbour.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <array>
#include <cstring>

#include "daemon/netlink/route_socket.h"

namespace vswitch::dhcpd {

namespace {

struct Walk {
    int ifindex;
    Ipv4Prefix subnet;
    std::vector<Ipv4>* out;
};

constexpr int kResolvedStates =
    NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | NUD_NOARP;

void visit(nl_object* obj, void* arg) noexcept {
    auto* w = static_cast<Walk*>(arg);
    auto* n = reinterpret_cast<rtnl_neigh*>(obj);
    if (rtnl_neigh_get_family(n) != AF_INET || rtnl_neigh_get_ifindex(n) != w->ifindex) return;
    if (!(rtnl_neigh_get_state(n) & kResolvedStates)) return;
    nl_addr* dst = rtnl_neigh_get_dst(n);
    if (!dst || nl_addr_get_len(dst) != 4) return;
    const auto* b = static_cast<const uint8_t*>(nl_addr_get_binary_addr(dst));
    Ipv4 a(b[0], b[1], b[2], b[3]);
    if (!w->subnet.contains(a)) return;
    try {
        w->out->push_back(a);
    } catch (...) {
    }
}

// Live, only a fresh confirmation counts: a STALE entry that merely ages
// may belong to a client that has just released its address.
constexpr int kLiveStates = NUD_REACHABLE | NUD_PERMANENT | NUD_NOARP;

}  // namespace

Result<std::vector<Ipv4>> dump_neighbours(int ifindex, const Ipv4Prefix& subnet) {
    auto sk = netlink::open_route_socket();
    if (!sk) return sk.error().context("reading the neighbour table");
    nl_cache* raw = nullptr;
    int r = rtnl_neigh_alloc_cache(sk->get(), &raw);
    if (r < 0) return netlink::nl_error(r, "reading the neighbour table");
    netlink::CacheHandle cache(raw);
    std::vector<Ipv4> out;
    Walk w{ifindex, subnet, &out};
    nl_cache_foreach(cache.get(), visit, &w);
    return out;
}

namespace {

// Neighbour notifications read per wake-up before other sources run.
constexpr int kMaxReadsPerWakeup = 64;

}  // namespace

Result<std::unique_ptr<NeighbourWatch>> NeighbourWatch::create(sd_event* event, int ifindex,
                                                               const Ipv4Prefix& subnet, Fn fn) {
    const std::string what = "watching the neighbour table";
    SocketPtr sock(nl_socket_alloc());
    if (!sock) return make_error(ENOMEM, what);
    nl_socket_disable_seq_check(sock.get());  // notifications only
    if (int r = nl_connect(sock.get(), NETLINK_ROUTE); r < 0) return netlink::nl_error(r, what);
    if (int r = nl_socket_add_membership(sock.get(), RTNLGRP_NEIGH); r < 0)
        return netlink::nl_error(r, what + ": joining RTNLGRP_NEIGH");
    if (int r = nl_socket_set_nonblocking(sock.get()); r < 0) return netlink::nl_error(r, what);
    auto w = std::make_unique<NeighbourWatch>(Key(), std::move(sock), ifindex, subnet, std::move(fn));
    nl_socket_modify_cb(w->sock_.get(), NL_CB_VALID, NL_CB_CUSTOM, on_message, w.get());
    sd_event_source* raw = nullptr;
    if (int r = sd_event_add_io(event, &raw, nl_socket_get_fd(w->sock_.get()), EPOLLIN, on_io, w.get()); r < 0)
        return errno_error(r, what + ": adding the socket to the loop");
    w->io_.reset(raw);
    return w;
}

int NeighbourWatch::on_io(sd_event_source*, int, uint32_t, void* userdata) noexcept {
    try {
        static_cast<NeighbourWatch*>(userdata)->receive();
    } catch (...) {
    }
    return 0;
}

// Runs inside nl_recvmsgs: reads the ndmsg and its attributes bounds-checked
// by nlmsg_parse, and only records what it saw.
int NeighbourWatch::on_message(nl_msg* msg, void* arg) noexcept {
    auto* self = static_cast<NeighbourWatch*>(arg);
    nlmsghdr* h = nlmsg_hdr(msg);
    if (h->nlmsg_type != RTM_NEWNEIGH || !nlmsg_valid_hdr(h, sizeof(ndmsg))) return NL_OK;
    ndmsg nd{};
    std::memcpy(&nd, nlmsg_data(h), sizeof nd);
    if (nd.ndm_family != AF_INET || nd.ndm_ifindex != self->ifindex_ || !(nd.ndm_state & kLiveStates))
        return NL_OK;
    nlattr* tb[NDA_MAX + 1] = {};
    if (nlmsg_parse(h, sizeof(ndmsg), tb, NDA_MAX, nullptr) < 0) return NL_OK;
    if (!tb[NDA_DST] || nla_len(tb[NDA_DST]) != 4 || !tb[NDA_LLADDR] || nla_len(tb[NDA_LLADDR]) != 6)
        return NL_OK;
    std::array<uint8_t, 4> ip{};
    std::array<uint8_t, 6> ll{};
    std::memcpy(ip.data(), nla_data(tb[NDA_DST]), ip.size());
    std::memcpy(ll.data(), nla_data(tb[NDA_LLADDR]), ll.size());
    Ipv4 a(ip[0], ip[1], ip[2], ip[3]);
    if (!self->subnet_.contains(a)) return NL_OK;
    try {
        self->seen_.push_back({a, Mac(ll)});
    } catch (...) {
    }
    return NL_OK;
}

void NeighbourWatch::receive() {
    seen_.clear();
    nl_cb* cb = nl_socket_get_cb(sock_.get());
    // A lost notification (ENOBUFS) is not worth a re-dump: the next ARP
    // exchange with that host notifies again.
    for (int i = 0; i < kMaxReadsPerWakeup; ++i) {
        int r = nl_recvmsgs_report(sock_.get(), cb);
        if (r > 0 || r == -NLE_NOMEM) continue;
        break;
    }
    nl_cb_put(cb);
    for (const auto& s : seen_) fn_(s.address, s.mac);
}

}  // namespace vswitch::dhcpd
