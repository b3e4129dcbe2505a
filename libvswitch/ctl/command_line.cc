#include "libvswitch/ctl/command_line.h"

#include <charconv>
#include <string_view>

namespace vswitch::ctl {

namespace {

struct Verb {
    std::string_view name;
    size_t min_args;
    size_t max_args;
};

constexpr Verb kVerbs[] = {
    {"status", 0, 1}, {"list", 0, 0},       {"leases", 0, 1},     {"attach", 1, 1},
    {"detach", 1, 1}, {"connect", 1, 1},    {"disconnect", 1, 1}, {"teardown", 0, 0},
    {"stats", 0, 1},  {"help", 0, 0},       {"version", 0, 0},
    {"reserve", 3, 3}, {"unreserve", 2, 2}, {"reservations", 0, 1},
    {"forward", 1, 7},  // add|remove|list: daemon/ctl/forward.cc checks the rest
    {"set", 2, 5},     {"show", 1, 1},  // port settings (issue 17)
    {"qemu", 1, 1},
};

Error usage(const std::string& message) { return make_error(EINVAL, message); }

}  // namespace

const char* usage_text() {
    return "Usage: vswitchctl [--json] COMMAND [ARGS]\n"
           "\n"
           "Commands:\n"
           "  status [SWITCH]          switches with their subnet, gateway, ports and leases\n"
           "  list                     ports: interface, switch, VM, MAC, address, state\n"
           "  leases [SWITCH]          DHCP leases\n"
           "  stats [SWITCH]           every counter: DHCP, DNS, drops by reason, repairs\n"
           "  attach VM [OPTIONS]      create a TAP for VM on a switch; prints its name\n"
           "      --switch NAME        switch to attach to (default: Default)\n"
           "      --mac MAC            the VM's MAC (default: stable for the VM and adapter)\n"
           "      --owner USER         user allowed to open the TAP (name or uid)\n"
           "      --group GROUP        group allowed to open the TAP (name or gid)\n"
           "      --name IFNAME        interface name (default: vstapN)\n"
           "      --mtu N              MTU of the TAP\n"
           "      --multi-queue        create a multi-queue TAP\n"
           "  detach IFNAME            unplug a port; deletes TAPs the daemon made\n"
           "  connect IFNAME           plug the virtual cable back in\n"
           "  disconnect IFNAME        pull the virtual cable (carrier off)\n"
           "  reserve SWITCH KEY ADDRESS  keep ADDRESS for KEY (a MAC or a VM name); ADDRESS\n"
           "                           in the switch's subnet or a host offset (0.0.0.42)\n"
           "  unreserve SWITCH KEY     drop the reservation of KEY\n"
           "  reservations [SWITCH]    reserved addresses: key, address, origin\n"
           "  forward add SWITCH PROTOCOL [ADDRESS:]PORTS TARGET [TARGETPORT] [allow-from=PREFIX,...]\n"
           "                           forward host PORTS (tcp, udp, both) to TARGET: a VM name,\n"
           "                           an interface, a MAC or an address; prints the forward's id\n"
           "  forward remove SWITCH ID remove a port forward\n"
           "  forward list [SWITCH]    port forwards: id, target, its address now, origin\n"
           "  set IFNAME KEY=VALUE...  change a port's settings: DhcpGuard, RouterGuard,\n"
           "                           MacSpoofing, IpSpoofing, Isolated (yes or no),\n"
           "                           MaximumBandwidth (bit/s: 100M, 1G; 0 none)\n"
           "  show IFNAME              one port: its VM, MAC, address and every setting\n"
           "  teardown                 remove every switch, port and the firewall table\n"
           "  qemu VM [OPTIONS] -- QEMU [ARGS]  open an adapter for VM (root or AllowGroup=)\n"
           "                           and run QEMU on it (-netdev tap,fd=N); takes\n"
           "                           --switch, --mac and --multi-queue\n"
           "\n"
           "Options:\n"
           "  --json                   machine-readable output for status, list, leases, stats,\n"
           "                           reservations, attach, forward list, show\n"
           "  -h, --help               this text\n"
           "  --version                the version\n"
           "\n"
           "Exit status: 0 success, 1 the daemon refused or failed, 2 usage error.\n";
}

Result<Command> parse_command_line(const std::vector<std::string>& args) {
    Command cmd;
    std::vector<std::string> positional;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&](const char* opt) -> Result<std::string> {
            if (i + 1 >= args.size()) return usage(std::string("option ") + opt + " needs a value");
            return args[++i];
        };
        if (a == "--json") {
            cmd.json = true;
        } else if (a == "-h" || a == "--help") {
            cmd.verb = "help";
        } else if (a == "--version") {
            cmd.verb = "version";
        } else if (a == "--multi-queue") {
            cmd.multi_queue = true;
        } else if (a == "--switch" || a == "--mac" || a == "--owner" || a == "--group" ||
                   a == "--name" || a == "--mtu") {
            auto v = value(a.c_str());
            if (!v) return v.error();
            if (a == "--switch") cmd.switch_name = *v;
            else if (a == "--mac") cmd.mac = *v;
            else if (a == "--owner") cmd.owner = *v;
            else if (a == "--group") cmd.group = *v;
            else if (a == "--name") cmd.ifname = *v;
            else {
                uint32_t n = 0;
                auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
                if (ec != std::errc() || p != v->data() + v->size() || v->empty())
                    return usage("--mtu '" + *v + "' is not a number");
                cmd.mtu = n;
            }
        } else if (a.size() > 1 && a[0] == '-' && a != "--") {
            return usage("unknown option '" + a + "'");
        } else if (a == "--" && !positional.empty() && positional[0] == "qemu") {
            cmd.exec_args.assign(args.begin() + long(i) + 1, args.end());
            break;
        } else if (a == "--") {
            positional.insert(positional.end(), args.begin() + long(i) + 1, args.end());
            break;
        } else {
            positional.push_back(a);
        }
    }
    if (!cmd.verb.empty()) return cmd;  // --help / --version win
    if (positional.empty()) return usage("no command given (try --help)");
    cmd.verb = positional[0];
    cmd.args.assign(positional.begin() + 1, positional.end());
    const Verb* verb = nullptr;
    for (const auto& v : kVerbs) {
        if (v.name == cmd.verb) verb = &v;
    }
    if (!verb) return usage("unknown command '" + cmd.verb + "'");
    if (cmd.args.size() < verb->min_args || cmd.args.size() > verb->max_args)
        return usage("'" + cmd.verb + "' takes " +
                     (verb->min_args == verb->max_args ? std::to_string(verb->min_args)
                                                       : "at most " + std::to_string(verb->max_args)) +
                     " argument(s), got " + std::to_string(cmd.args.size()));
    bool attach_opts = cmd.mac.size() || cmd.owner || cmd.group || cmd.ifname || cmd.mtu ||
                       cmd.multi_queue || cmd.switch_name != "Default";
    if (cmd.verb == "qemu") {
        if (cmd.exec_args.empty()) return usage("'qemu' needs '-- QEMU [ARGS]' after the VM name");
        if (cmd.owner || cmd.group || cmd.ifname || cmd.mtu)
            return usage("'qemu' takes --switch, --mac and --multi-queue only");
        return cmd;
    }
    if (attach_opts && cmd.verb != "attach")
        return usage("--switch, --mac, --owner, --group, --name, --mtu and --multi-queue belong to 'attach'");
    return cmd;
}

}  // namespace vswitch::ctl
