#include "daemon/options.h"

#include "vswitch-config.h"

namespace vswitch {

const char* usage_text() {
    return "Usage: vswitchd [OPTIONS]\n"
           "\n"
           "Runs the vswitch daemon: the Default switch (bridge, NAT, per-boot subnet)\n"
           "and the switches of switches.d.\n"
           "\n"
           "  --config PATH        configuration file (default " VSWITCH_CONFIG_FILE ");\n"
           "                       extra switches are read from switches.d/ beside it\n"
           "  --state-dir DIR      leases and chosen subnets (default " VSWITCH_STATE_DIR ")\n"
           "  --runtime-dir DIR    hosts file and sockets (default " VSWITCH_RUNTIME_DIR ")\n"
           "  --boot-id UUID       use this boot id instead of the kernel's\n"
           "  --resolv-conf PATH   upstream DNS servers (default /etc/resolv.conf)\n"
           "  --log-level LEVEL    err, warning, notice, info (default) or debug\n"
           "  --check-config       check the configuration and exit\n"
           "  --teardown           remove every switch's bridge and the nftables table, then exit\n"
           "  --version            print the version and exit\n"
           "  -h, --help           print this help and exit\n";
}

Result<Options> parse_options(const std::vector<std::string>& args) {
    Options o;
    o.config_path = VSWITCH_CONFIG_FILE;
    o.state_dir = VSWITCH_STATE_DIR;
    o.runtime_dir = VSWITCH_RUNTIME_DIR;
    o.resolv_conf = "/etc/resolv.conf";

    for (size_t i = 1; i < args.size(); ++i) {
        std::string arg = args[i];
        std::string value;
        bool has_inline = false;
        if (auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
            value = arg.substr(eq + 1);
            arg = arg.substr(0, eq);
            has_inline = true;
        }
        auto take_value = [&](std::string& out) -> Status {
            if (has_inline) {
                out = value;
            } else if (i + 1 < args.size()) {
                out = args[++i];
            } else {
                return make_error(EINVAL, "option '" + arg + "' needs a value");
            }
            if (out.empty()) return make_error(EINVAL, "option '" + arg + "' needs a non-empty value");
            return {};
        };
        auto flag = [&](Options::Action a) -> Status {
            if (has_inline) return make_error(EINVAL, "option '" + arg + "' takes no value");
            o.action = a;
            return {};
        };

        Status s;
        if (arg == "--config") {
            s = take_value(o.config_path);
        } else if (arg == "--state-dir") {
            s = take_value(o.state_dir);
        } else if (arg == "--runtime-dir") {
            s = take_value(o.runtime_dir);
        } else if (arg == "--boot-id") {
            std::string b;
            s = take_value(b);
            if (s) o.boot_id = b;
        } else if (arg == "--resolv-conf") {
            s = take_value(o.resolv_conf);
        } else if (arg == "--log-level") {
            std::string l;
            s = take_value(l);
            if (s && !log::parse_level(l, o.log_level))
                s = make_error(EINVAL, "invalid --log-level '" + l +
                                           "' (expected err, warning, notice, info or debug)");
        } else if (arg == "--check-config") {
            s = flag(Options::Action::check_config);
        } else if (arg == "--teardown") {
            s = flag(Options::Action::teardown);
        } else if (arg == "--version") {
            s = flag(Options::Action::version);
        } else if (arg == "-h" || arg == "--help") {
            s = flag(Options::Action::help);
        } else {
            s = make_error(EINVAL, "unknown option '" + args[i] + "' (see --help)");
        }
        if (!s) return s.error();
    }

    auto slash = o.config_path.rfind('/');
    std::string dir = slash == std::string::npos ? "." : o.config_path.substr(0, slash);
    if (dir.empty()) dir = "/";
    o.switches_dir = dir + "/switches.d";
    return o;
}

}  // namespace vswitch
