// vswitchd: parse options, load the configuration, build the switches,
// tell systemd we are ready, serve until SIGTERM/SIGINT. Exit codes:
// 0 ok, 1 runtime failure, 2 usage or configuration error.
#include <malloc.h>
#include <signal.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "daemon/event/event.h"
#include "daemon/event/watchdog.h"
#include "daemon/log.h"
#include "daemon/manager.h"
#include "daemon/options.h"
#include "libvswitch/config/config.h"
#include "vswitch-config.h"

using namespace vswitch;

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int fail(int code, const Error& e) {
    log::error(e.message);
    sd_notifyf(0, "STATUS=Failed: %s\nERRNO=%d", e.message.c_str(), e.code);
    return code;
}

int serve(Manager& manager) {
    if (auto s = event::block_signals({SIGTERM, SIGINT, SIGHUP}); !s) return fail(kExitFailure, s.error());
    auto loop = event::EventLoop::create();
    if (!loop) return fail(kExitFailure, loop.error());

    if (auto s = manager.start(loop->get()); !s) return fail(kExitFailure, s.error());
    // Start-up peaks (reading lease and port files, netlink dumps) leave free
    // heap that glibc keeps; a long-running daemon gives it back once.
    malloc_trim(0);

    auto stop = [&](const signalfd_siginfo& si) {
        log::info(std::string("received ") + (si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT") +
                  ", exiting; bridges and firewall stay in place");
        sd_notify(0, "STOPPING=1");
        loop->exit(0);
    };
    auto term = event::add_signal(loop->get(), SIGTERM, "SIGTERM", stop);
    auto intr = event::add_signal(loop->get(), SIGINT, "SIGINT", stop);
    auto hup = event::add_signal(loop->get(), SIGHUP, "SIGHUP", [](const signalfd_siginfo&) {
        log::info("SIGHUP: reloading is not supported yet, ignoring");
    });
    if (!term || !intr || !hup) return fail(kExitFailure, (!term ? term : !intr ? intr : hup).error());

    auto watchdog = event::Watchdog::start(loop->get());
    if (!watchdog) return fail(kExitFailure, watchdog.error());

    std::string status = manager.status_text();
    sd_notifyf(0, "READY=1\nSTATUS=%s", status.c_str());
    log::debug("ready: " + status);

    auto r = loop->run();
    if (!r) return fail(kExitFailure, r.error());
    return *r;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv, argv + argc);
    auto opts = parse_options(args);
    if (!opts) {
        std::fprintf(stderr, "vswitchd: %s\n", opts.error().message.c_str());
        return kExitUsage;
    }
    log::set_max_level(opts->log_level);

    switch (opts->action) {
        case Options::Action::help:
            std::fputs(usage_text(), stdout);
            return 0;
        case Options::Action::version:
            std::printf("vswitchd %s\n", VSWITCH_VERSION);
            return 0;
        default:
            break;
    }

    auto config = load_config(opts->config_path, opts->switches_dir);
    if (!config) return fail(kExitUsage, config.error());

    if (opts->action == Options::Action::check_config) {
        size_t n = 1 + config->extra_switches.size();
        std::printf("%s: ok (%zu switch%s)\n", opts->config_path.c_str(), n, n == 1 ? "" : "es");
        return 0;
    }

    const auto action = opts->action;
    Manager manager(std::move(*opts), std::move(*config));
    if (action == Options::Action::teardown) {
        auto s = manager.teardown();
        return s ? 0 : kExitFailure;
    }
    return serve(manager);
}
