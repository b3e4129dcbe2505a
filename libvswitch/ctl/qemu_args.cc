#include "libvswitch/ctl/qemu_args.h"

namespace vswitch::ctl {

std::vector<std::string> qemu_argv(const std::vector<std::string>& exec_args, int fd,
                                   const std::string& mac) {
    std::vector<std::string> argv = exec_args;
    const std::string id = kQemuNetdevId;
    argv.push_back("-netdev");
    argv.push_back("tap,fd=" + std::to_string(fd) + ",id=" + id + ",vhost=off");
    argv.push_back("-device");
    argv.push_back("virtio-net-pci,netdev=" + id + ",mac=" + mac);
    return argv;
}

}  // namespace vswitch::ctl
