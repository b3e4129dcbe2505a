// RAII owners for libnl objects, the rtnetlink socket they travel on, and
// the translation of libnl's NLE_* codes into our errno-style Error.
//
// Every call in this folder opens its own short-lived socket: the daemon
// reconfigures links a handful of times per boot, and a private socket
// means no shared sequence numbers and no stale replies between callers.
#pragma once

#include <netlink/cache.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

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

// An NETLINK_ROUTE socket, connected, with libnl's auto-ack left on so
// every request waits for the kernel's answer.
Result<SocketHandle> open_route_socket();

// "<what>: <reason>" with the NLE_* code mapped to the nearest errno
// (NLE_EXIST -> EEXIST, NLE_OBJ_NOTFOUND -> ENOENT, ...). nlerr may be
// negative, as libnl returns it. An empty `what` gives the reason alone,
// for callers that add their own context.
Error nl_error(int nlerr, std::string_view what);

// "'vswitch0'" for error messages, or "#7" when the index has no link.
std::string interface_label(nl_sock* sk, int ifindex);

// Fills a cache with alloc (e.g. rtnl_route_alloc_cache), again when a
// concurrent change interrupted the dump (NLE_DUMP_INTR, likely during a
// route flood), at most kMaxDumpAttempts times; "<what>: <reason>" else.
Result<CacheHandle> dump_cache(const std::function<int(nl_cache**)>& alloc, std::string_view what);

// The IPv4 address a libnl address holds; nullopt for null, another
// family or a length that is not 4 bytes.
std::optional<Ipv4> ipv4_of(nl_addr* a);

}  // namespace vswitch::netlink
