// vswitchctl's command line, parsed into a value with no bus and no system
// calls, so every usage error is unit-tested.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "libvswitch/base/result.h"

namespace vswitch::ctl {

struct Command {
    std::string verb;  // status list leases stats attach detach connect disconnect reserve unreserve
                       // reservations teardown help version set show
    std::vector<std::string> args;
    bool json = false;
    // attach
    std::string switch_name = "Default";
    std::string mac;                    // "" lets the daemon pick a stable one
    std::optional<std::string> owner;   // user name or uid, resolved by the caller
    std::optional<std::string> group;   // group name or gid
    std::optional<std::string> ifname;
    std::optional<uint32_t> mtu;
    bool multi_queue = false;
    // qemu VM [--switch S] [--mac M] [--multi-queue] -- QEMU ARGS... (issue 19):
    // everything after "--", the program first.
    std::vector<std::string> exec_args;
};

// args without argv[0]. EINVAL with a message fit for "vswitchctl: <message>".
Result<Command> parse_command_line(const std::vector<std::string>& args);

const char* usage_text();

}  // namespace vswitch::ctl
