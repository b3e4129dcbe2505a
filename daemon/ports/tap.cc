#include "daemon/ports/tap.h"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>

#include <cstdint>
#include <cstring>

#include "libvswitch/base/fd.h"

namespace vswitch::ports {

Result<std::string> create_persistent_tap(const TapSpec& spec) {
    const std::string what = "creating TAP '" + spec.name + "'";
    if (spec.name.empty() || spec.name.size() >= IFNAMSIZ)
        return make_error(EINVAL, what + ": bad name");
    Fd fd(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
    if (!fd) return errno_error(errno, what + ": opening /dev/net/tun");

    struct ifreq ifr {};
    std::memcpy(ifr.ifr_name, spec.name.data(), spec.name.size());
    // IFF_TUN_EXCL: fail instead of attaching to someone else's TAP of the
    // same name, which TUNSETPERSIST(0) on detach would then destroy.
    // ifr_flags is a short; IFF_TUN_EXCL (0x8000) is its sign bit.
    unsigned flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_TUN_EXCL;
    if (spec.multi_queue) flags |= IFF_MULTI_QUEUE;
    ifr.ifr_flags = static_cast<short>(static_cast<uint16_t>(flags));
    if (::ioctl(fd.get(), TUNSETIFF, &ifr) < 0) {
        int err = errno;
        // The kernel says EBUSY when the name is taken; callers want EEXIST.
        if (err == EBUSY) return make_error(EEXIST, what + ": an interface of that name exists");
        return errno_error(err, what);
    }
    std::string name(ifr.ifr_name, strnlen(ifr.ifr_name, IFNAMSIZ));
    const std::string named = "creating TAP '" + name + "'";
    // Until TUNSETPERSIST succeeds, closing fd deletes the TAP again, so
    // every failure below leaves nothing behind.
    if (spec.owner && ::ioctl(fd.get(), TUNSETOWNER, static_cast<unsigned long>(*spec.owner)) < 0)
        return errno_error(errno, named + ": setting owner " + std::to_string(*spec.owner));
    if (spec.group && ::ioctl(fd.get(), TUNSETGROUP, static_cast<unsigned long>(*spec.group)) < 0)
        return errno_error(errno, named + ": setting group " + std::to_string(*spec.group));
    if (::ioctl(fd.get(), TUNSETPERSIST, 1UL) < 0) return errno_error(errno, named + ": making it persistent");
    return name;
}

Result<OpenTap> create_open_tap(const TapSpec& spec) {
    const std::string what = "creating TAP '" + spec.name + "'";
    if (spec.name.empty() || spec.name.size() >= IFNAMSIZ) return make_error(EINVAL, what + ": bad name");
    // O_CLOEXEC: the daemon's copy must not leak into anything it runs; the
    // caller's copy (dup'ed by sd-bus into its message) is its own business.
    Fd fd(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
    if (!fd) return errno_error(errno, what + ": opening /dev/net/tun");
    struct ifreq ifr {};
    std::memcpy(ifr.ifr_name, spec.name.data(), spec.name.size());
    unsigned flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_TUN_EXCL;  // IFF_TUN_EXCL: as above
    if (spec.multi_queue) flags |= IFF_MULTI_QUEUE;
    ifr.ifr_flags = static_cast<short>(static_cast<uint16_t>(flags));
    if (::ioctl(fd.get(), TUNSETIFF, &ifr) < 0) {
        int err = errno;
        if (err == EBUSY) return make_error(EEXIST, what + ": an interface of that name exists");
        return errno_error(err, what);
    }
    std::string name(ifr.ifr_name, strnlen(ifr.ifr_name, IFNAMSIZ));
    // The owner only says who may attach another queue by name; the TAP
    // lives exactly as long as the descriptors (never TUNSETPERSIST).
    if (spec.owner && ::ioctl(fd.get(), TUNSETOWNER, static_cast<unsigned long>(*spec.owner)) < 0)
        return errno_error(errno, "creating TAP '" + name + "': setting owner " + std::to_string(*spec.owner));
    return OpenTap{std::move(fd), std::move(name)};
}

}  // namespace vswitch::ports
