#include "daemon/netlink/route_socket.h"

#include <fcntl.h>
#include <netlink/errno.h>
#include <sys/socket.h>

#include <cstdlib>
#include <cstring>

namespace vswitch::netlink {

namespace {

Result<SocketHandle> connect_route_socket() {
    SocketHandle sk(nl_socket_alloc());
    if (!sk) return make_error(ENOMEM, "allocating a netlink socket: out of memory");
    if (int err = nl_connect(sk.get(), NETLINK_ROUTE); err < 0)
        return nl_error(err, "connecting a rtnetlink socket");
    // Closed in children (a DHCP client a test spawns must not inherit it).
    (void)fcntl(nl_socket_get_fd(sk.get()), F_SETFD, FD_CLOEXEC);
    return sk;
}

// Failures of the exchange itself, after which replies may be left queued
// or lost: the next request would read them as its own.
bool is_transport_failure(int nlerr) {
    switch (std::abs(nlerr)) {
        case NLE_SEQ_MISMATCH:
        case NLE_MSG_TRUNC:
        case NLE_MSG_OVERFLOW:
        case NLE_MSG_TOOSHORT:
        case NLE_NOMEM:  // also libnl's word for the kernel's ENOBUFS
        case NLE_BAD_SOCK:
        case NLE_AGAIN:
        case NLE_INTR:
            return true;
        default:
            return false;
    }
}

}  // namespace

// libnl folds kernel errnos into its own codes; this undoes the folding
// where it is unambiguous, so callers can test error().code == EEXIST.
int errno_of_nl(int nlerr) {
    switch (std::abs(nlerr)) {
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

Error nl_error(int nlerr, std::string_view what) {
    int code = errno_of_nl(nlerr);
    std::string m(what);
    if (!m.empty()) m += ": ";
    // The errno text reads better ("File exists" rather than "Object
    // exists"); libnl's own text where nothing maps.
    m += code == EIO ? nl_geterror(std::abs(nlerr)) : std::strerror(code);
    return Error{code, std::move(m)};
}

Result<RouteSocket> RouteSocket::open() {
    auto sk = connect_route_socket();
    if (!sk) return sk.error();
    return RouteSocket(std::move(*sk));
}

nl_sock* RouteSocket::get() {
    if (broken_ || !sk_) {
        auto sk = connect_route_socket();
        if (sk) {
            sk_ = std::move(*sk);
            broken_ = false;
            ++reopens_;
        }
    }
    return sk_.get();
}

Error RouteSocket::error(int nlerr, std::string_view what) {
    if (is_transport_failure(nlerr)) broken_ = true;
    return nl_error(nlerr, what);
}

Result<CacheHandle> RouteSocket::dump(const std::function<int(nl_sock*, nl_cache**)>& alloc,
                                      std::string_view what) {
    int err = -NLE_BAD_SOCK;
    for (int attempt = 0; attempt < kMaxDumpAttempts; ++attempt) {
        nl_sock* sk = get();
        if (!sk) break;
        nl_cache* raw = nullptr;
        err = alloc(sk, &raw);
        CacheHandle cache(raw);
        if (err >= 0) return cache;
        if (err != -NLE_DUMP_INTR) break;
    }
    return error(err, what);
}

std::string RouteSocket::interface_label(int ifindex) {
    rtnl_link* raw = nullptr;
    if (nl_sock* sk = get(); sk && rtnl_link_get_kernel(sk, ifindex, nullptr, &raw) >= 0 && raw) {
        LinkHandle link(raw);
        if (const char* name = rtnl_link_get_name(link.get())) return "'" + std::string(name) + "'";
    }
    return "#" + std::to_string(ifindex);
}

std::optional<Ipv4> ipv4_of(nl_addr* a) {
    if (!a || nl_addr_get_family(a) != AF_INET || nl_addr_get_len(a) != sizeof(uint32_t))
        return std::nullopt;
    uint32_t be = 0;
    std::memcpy(&be, nl_addr_get_binary_addr(a), sizeof be);
    return Ipv4::from_network(be);
}

}  // namespace vswitch::netlink
