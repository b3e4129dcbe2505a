#include "daemon/options.h"

#include <getopt.h>

#include <cstring>

#include "vswitch-config.h"

namespace vswitch {

namespace {

enum OptionId : int {
    kConfig = 1000,
    kStateDir,
    kRuntimeDir,
    kBootId,
    kResolvConf,
    kLogLevel,
    kCheckConfig,
    kTeardown,
    kVersion,
    kHelp = 'h',
};

const option kLongOptions[] = {
    {"config", required_argument, nullptr, kConfig},
    {"state-dir", required_argument, nullptr, kStateDir},
    {"runtime-dir", required_argument, nullptr, kRuntimeDir},
    {"boot-id", required_argument, nullptr, kBootId},
    {"resolv-conf", required_argument, nullptr, kResolvConf},
    {"log-level", required_argument, nullptr, kLogLevel},
    {"check-config", no_argument, nullptr, kCheckConfig},
    {"teardown", no_argument, nullptr, kTeardown},
    {"version", no_argument, nullptr, kVersion},
    {"help", no_argument, nullptr, kHelp},
    {nullptr, 0, nullptr, 0},
};

// "--state-dir" for the option getopt_long just stopped at.
std::string option_name(const char* arg) {
    std::string a = arg ? arg : "";
    if (auto eq = a.find('='); eq != std::string::npos) a.resize(eq);
    return a;
}

bool takes_no_value(const std::string& name) {
    for (const option* o = kLongOptions; o->name; ++o)
        if (o->has_arg == no_argument && name == std::string("--") + o->name) return true;
    return false;
}

}  // namespace

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

    // getopt_long wants a mutable argv; it permutes the pointers, not the
    // strings.
    std::vector<std::string> copy = args.empty() ? std::vector<std::string>{"vswitchd"} : args;
    std::vector<char*> argv;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int argc = int(copy.size());

    optind = 0;  // glibc: 0 re-initialises the scanner, so it can run again
    opterr = 0;  // our messages, not getopt's
    for (;;) {
        const int at = optind == 0 ? 1 : optind;
        int c = getopt_long(argc, argv.data(), ":h", kLongOptions, nullptr);
        if (c == -1) break;
        const std::string name = option_name(at < argc ? argv[size_t(at)] : nullptr);
        auto value = [&](std::string& out) -> Status {
            out = optarg ? optarg : "";
            if (out.empty()) return make_error(EINVAL, "option '" + name + "' needs a non-empty value");
            return {};
        };
        Status s;
        switch (c) {
            case kConfig: s = value(o.config_path); break;
            case kStateDir: s = value(o.state_dir); break;
            case kRuntimeDir: s = value(o.runtime_dir); break;
            case kResolvConf: s = value(o.resolv_conf); break;
            case kBootId: {
                std::string b;
                if ((s = value(b))) o.boot_id = b;
                break;
            }
            case kLogLevel: {
                std::string l;
                if ((s = value(l)) && !log::parse_level(l, o.log_level))
                    s = make_error(EINVAL, "invalid --log-level '" + l +
                                               "' (expected err, warning, notice, info or debug)");
                break;
            }
            case kCheckConfig: o.action = Options::Action::check_config; break;
            case kTeardown: o.action = Options::Action::teardown; break;
            case kVersion: o.action = Options::Action::version; break;
            case kHelp: o.action = Options::Action::help; break;
            case ':': s = make_error(EINVAL, "option '" + name + "' needs a value"); break;
            default:
                if (takes_no_value(name))
                    s = make_error(EINVAL, "option '" + name + "' takes no value");
                else
                    s = make_error(EINVAL, "unknown option '" + std::string(argv[size_t(at)]) + "' (see --help)");
        }
        if (!s) return s.error();
    }
    if (optind < argc) return make_error(EINVAL, "unknown option '" + std::string(argv[size_t(optind)]) + "' (see --help)");

    auto slash = o.config_path.rfind('/');
    std::string dir = slash == std::string::npos ? "." : o.config_path.substr(0, slash);
    if (dir.empty()) dir = "/";
    o.switches_dir = dir + "/switches.d";
    return o;
}

}  // namespace vswitch
