#include "daemon/ctl/qemu.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "libvswitch/base/fd.h"
#include "libvswitch/ctl/qemu_args.h"

namespace vswitch::ctl {

namespace {

int fail(const std::string& message) {
    std::fprintf(stderr, "vswitchctl: %s\n", message.c_str());
    return 1;
}

}  // namespace

int cmd_qemu(BusPtr& bus, const Command& cmd) {
    Client c(bus.get());
    sd_bus_message* raw = nullptr;
    int r = sd_bus_message_new_method_call(bus.get(), &raw, kService, kRootPath, kManagerInterface,
                                           "OpenAdapter");
    MessagePtr req(raw);
    if (r >= 0)
        r = sd_bus_message_append(raw, "sss", cmd.switch_name.c_str(), cmd.args[0].c_str(),
                                  cmd.mac.c_str());
    if (r >= 0) r = sd_bus_message_open_container(raw, 'a', "{sv}");
    if (r >= 0 && cmd.multi_queue) r = sd_bus_message_append(raw, "{sv}", "multi_queue", "b", 1);
    if (r >= 0) r = sd_bus_message_close_container(raw);
    if (r < 0) return fail(std::string("building the OpenAdapter call: ") + std::strerror(-r));
    auto reply = c.call(kRootPath, kManagerInterface, "OpenAdapter", raw);
    if (!reply) return fail(reply.error().message);
    int msg_fd = -1;
    const char *ifname = nullptr, *mac = nullptr, *obj = nullptr;
    if ((r = sd_bus_message_read(reply->get(), "hsso", &msg_fd, &ifname, &mac, &obj)) < 0)
        return fail(std::string("reading the OpenAdapter reply: ") + std::strerror(-r));
    // The message owns msg_fd; keep a copy of our own (close-on-exec until
    // the bus is gone), then free the message and the bus connection, so
    // that QEMU inherits the TAP and nothing else of ours.
    Fd tap(fcntl(msg_fd, F_DUPFD_CLOEXEC, 3));
    if (!tap) return fail(std::string("duplicating the TAP descriptor: ") + std::strerror(errno));
    const std::string mac_text = mac, name = ifname;
    reply->reset();
    req.reset();
    bus.reset();
    // The lowest free descriptor from 3 up, without FD_CLOEXEC: QEMU gets it
    // as fd=N.
    int n = fcntl(tap.get(), F_DUPFD, 3);
    if (n < 0) return fail(std::string("duplicating the TAP descriptor: ") + std::strerror(errno));
    tap.reset();
    std::vector<std::string> args = qemu_argv(cmd.exec_args, n, mac_text);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::fprintf(stderr, "vswitchctl: VM '%s' on TAP '%s' (MAC %s), running %s\n",
                 cmd.args[0].c_str(), name.c_str(), mac_text.c_str(), args[0].c_str());
    std::fflush(stderr);
    execvp(argv[0], argv.data());
    int err = errno;
    close(n);  // the TAP goes with it
    return fail("running '" + args[0] + "': " + std::strerror(err));
}

}  // namespace vswitch::ctl
