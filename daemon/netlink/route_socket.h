// RAII owners for libnl objects, the daemon's one rtnetlink request socket
// and the one translation of libnl's NLE_* codes into our errno-style Error.
//
// RouteSocket is persistent: the Manager opens it once and lends it to
// everything that asks the kernel about links, addresses, routes and
// neighbours (bridge bring-up, ports, the subnet checks, DHCP's neighbour
// dump). Every request is synchronous (libnl's auto-ack waits for the
// kernel's answer, sequence numbers checked), the daemon is single-threaded,
// so requests never interleave. After a transport failure (lost replies,
// a sequence mismatch, an overrun) the socket is reopened before the next
// request, so one bad exchange cannot poison the ones after it.
// Notifications do not come here: see observer.h.
#pragma once

#include <netlink/cache.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "libvswitch/base/handle.h"
#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"

namespace vswitch::netlink {

using SocketHandle = UniqueHandle<nl_sock, nl_socket_free>;
using CacheHandle = UniqueHandle<nl_cache, nl_cache_free>;
using LinkHandle = UniqueHandle<rtnl_link, rtnl_link_put>;
using AddrHandle = UniqueHandle<rtnl_addr, rtnl_addr_put>;
using NlAddrHandle = UniqueHandle<nl_addr, nl_addr_put>;
using MsgHandle = UniqueHandle<nl_msg, nlmsg_free>;

// A dump is retried this often when the kernel reports it was interrupted
// by a concurrent change (NLE_DUMP_INTR) before we give up.
inline constexpr int kMaxDumpAttempts = 5;

// The errno nearest to a libnl code (NLE_EXIST -> EEXIST, NLE_OBJ_NOTFOUND
// -> ENOENT, NLE_NODEV -> ENODEV, ...; EIO where nothing maps). nlerr may be
// negative, as libnl returns it.
int errno_of_nl(int nlerr);

// "<what>: <reason>" with errno_of_nl's code. An empty `what` gives the
// reason alone, for callers that add their own context.
Error nl_error(int nlerr, std::string_view what);

class RouteSocket {
public:
    static Result<RouteSocket> open();

    // The socket for the next request (reopened if the last one failed in
    // transport); null only when even reopening failed.
    nl_sock* get();

    // nl_error() for a request on this socket, which also marks the socket
    // for reopening when the failure was one of transport rather than an
    // answer of the kernel.
    Error error(int nlerr, std::string_view what);

    // Fills a cache with alloc (e.g. rtnl_route_alloc_cache) on this socket,
    // again when a concurrent change interrupted the dump (NLE_DUMP_INTR,
    // likely during a route flood), at most kMaxDumpAttempts times.
    Result<CacheHandle> dump(const std::function<int(nl_sock*, nl_cache**)>& alloc, std::string_view what);

    // "'vswitch0'" for error messages, or "#7" when the index has no link.
    std::string interface_label(int ifindex);

    uint64_t reopens() const { return reopens_; }

private:
    explicit RouteSocket(SocketHandle sk) : sk_(std::move(sk)) {}
    SocketHandle sk_;
    bool broken_ = false;
    uint64_t reopens_ = 0;
};

// The IPv4 address a libnl address holds; nullopt for null, another
// family or a length that is not 4 bytes.
std::optional<Ipv4> ipv4_of(nl_addr* a);

}  // namespace vswitch::netlink
