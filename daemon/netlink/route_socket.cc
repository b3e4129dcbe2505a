#include "daemon/netlink/route_socket.h"

#include <netlink/errno.h>
#include <sys/socket.h>

#include <cstdlib>
#include <cstring>

namespace vswitch::netlink {

namespace {

// libnl folds kernel errnos into its own codes; this undoes the folding
// where it is unambiguous, so callers can test error().code == EEXIST.
int errno_of(int nlerr) {
    switch (nlerr) {
    case NLE_INTR: return EINTR;
    case NLE_BAD_SOCK: return EBADF;
    case NLE_AGAIN: return EAGAIN;
    case NLE_NOMEM: return ENOMEM;
    case NLE_EXIST: return EEXIST;
    case NLE_INVAL: return EINVAL;
    case NLE_RANGE: return ERANGE;
    case NLE_MSGSIZE: return EMSGSIZE;
    case NLE_OPNOTSUPP: return EOPNOTSUPP;
    case NLE_AF_NOSUPPORT: return EAFNOSUPPORT;
    case NLE_OBJ_NOTFOUND: return ENOENT;
    case NLE_NOADDR: return EADDRNOTAVAIL;
    case NLE_BUSY: return EBUSY;
    case NLE_NOACCESS: return EACCES;
    case NLE_PERM: return EPERM;
    case NLE_NODEV: return ENODEV;
    case NLE_DUMP_INTR: return EINTR;
    default: return EIO;
    }
}

}  // namespace

Error nl_error(int nlerr, std::string_view what) {
    nlerr = std::abs(nlerr);
    int code = errno_of(nlerr);
    std::string m(what);
    if (!m.empty()) m += ": ";
    // The errno text reads better ("File exists" rather than "Object
    // exists"); libnl's own text where nothing maps.
    m += code == EIO ? nl_geterror(nlerr) : std::strerror(code);
    return Error{code, std::move(m)};
}

Result<SocketHandle> open_route_socket() {
    SocketHandle sk(nl_socket_alloc());
    if (!sk) return make_error(ENOMEM, "allocating a netlink socket: out of memory");
    if (int err = nl_connect(sk.get(), NETLINK_ROUTE); err < 0)
        return nl_error(err, "connecting a rtnetlink socket");
    return sk;
}

std::string interface_label(nl_sock* sk, int ifindex) {
    rtnl_link* raw = nullptr;
    if (rtnl_link_get_kernel(sk, ifindex, nullptr, &raw) >= 0 && raw) {
        LinkHandle link(raw);
        if (const char* name = rtnl_link_get_name(link.get())) return "'" + std::string(name) + "'";
    }
    return "#" + std::to_string(ifindex);
}

Result<CacheHandle> dump_cache(const std::function<int(nl_cache**)>& alloc, std::string_view what) {
    int err = 0;
    for (int attempt = 0; attempt < kMaxDumpAttempts; ++attempt) {
        nl_cache* raw = nullptr;
        err = alloc(&raw);
        CacheHandle cache(raw);
        if (err >= 0) return cache;
        if (err != -NLE_DUMP_INTR) break;
    }
    return nl_error(err, what);
}

std::optional<Ipv4> ipv4_of(nl_addr* a) {
    if (!a || nl_addr_get_family(a) != AF_INET || nl_addr_get_len(a) != sizeof(uint32_t))
        return std::nullopt;
    uint32_t be = 0;
    std::memcpy(&be, nl_addr_get_binary_addr(a), sizeof be);
    return Ipv4::from_network(be);
}

}  // namespace vswitch::netlink
