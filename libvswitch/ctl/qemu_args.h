// vswitchctl qemu (issue 19): the QEMU command line with the adapter the
// daemon opened added, pure so the exact arguments are unit-tested.
#pragma once

#include <string>
#include <vector>

namespace vswitch::ctl {

// The netdev id vswitchctl adds (QEMU ids: a letter, then letters, digits,
// '-', '.', '_').
inline constexpr const char* kQemuNetdevId = "vswitch0";

// exec_args (QEMU and its own arguments) + "-netdev tap,fd=FD,id=ID,vhost=off"
// + "-device virtio-net-pci,netdev=ID,mac=MAC". vhost=off: /dev/vhost-net
// is root's on most systems, and the fd is all an unprivileged QEMU has.
std::vector<std::string> qemu_argv(const std::vector<std::string>& exec_args, int fd,
                                   const std::string& mac);

}  // namespace vswitch::ctl
