#include "daemon/netlink/forwarding.h"

#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "libvswitch/base/fd.h"

namespace vswitch::netlink {

namespace {

constexpr const char* kIpForwardPath = "/proc/sys/net/ipv4/ip_forward";

}  // namespace

Status enable_ip_forwarding() {
    // Not write_file_atomic: a sysctl is written in place, never renamed.
    const std::string what = std::string("enabling IPv4 forwarding (") + kIpForwardPath + ")";
    Fd fd(::open(kIpForwardPath, O_WRONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd) return errno_error(errno, what);
    ssize_t n;
    do n = ::write(fd.get(), "1\n", 2);
    while (n < 0 && errno == EINTR);
    if (n < 0) return errno_error(errno, what);
    if (n != 2) return make_error(EIO, what + ": short write");
    return {};
}

}  // namespace vswitch::netlink
