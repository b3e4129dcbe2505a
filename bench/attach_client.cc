// attach-bench N: one persistent sd-bus client making N AttachAdapter calls,
// then N DetachAdapter calls (and N Peer.Ping as the baseline), timing each
// round trip. Prints total and p50/p99 per method. The bus is the one sd-bus
// picks for the system bus (DBUS_SYSTEM_BUS_ADDRESS in bench/attach.sh).
#include <systemd/sd-bus.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "libvswitch/base/handle.h"

namespace {

using Clock = std::chrono::steady_clock;
using BusPtr = vswitch::UniqueHandle<sd_bus, sd_bus_flush_close_unref>;
using MessagePtr = vswitch::UniqueHandle<sd_bus_message, sd_bus_message_unref>;

void report(const char* name, std::vector<double> ms) {
    if (ms.empty()) return;
    std::sort(ms.begin(), ms.end());
    double total = 0;
    for (double m : ms) total += m;
    auto q = [&](double f) { return ms[std::min(ms.size() - 1, size_t(f * double(ms.size())))]; };
    std::printf("%-14s %6zu calls  total %8.3f s  p50 %7.3f ms  p99 %7.3f ms\n", name, ms.size(),
                total / 1000, q(0.50), q(0.99));
}

double since_ms(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
    int n = argc > 1 ? std::atoi(argv[1]) : 1000;
    if (n <= 0) {
        std::fprintf(stderr, "usage: attach-bench N\n");
        return 2;
    }
    sd_bus* raw = nullptr;
    if (int r = sd_bus_open_system(&raw); r < 0) {
        std::fprintf(stderr, "attach-bench: connecting to the system bus: %d\n", r);
        return 1;
    }
    BusPtr bus(raw);
    const char* svc = "org.vswitch1";
    const char* root = "/org/vswitch1";
    const char* mgr = "org.vswitch1.Manager";

    std::vector<double> ping, attach, detach;
    std::vector<std::string> names;
    for (int i = 0; i < n; ++i) {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        auto t0 = Clock::now();
        int r = sd_bus_call_method(bus.get(), svc, root, "org.freedesktop.DBus.Peer", "Ping", &e,
                                   nullptr, "");
        ping.push_back(since_ms(t0));
        sd_bus_error_free(&e);
        if (r < 0) return std::fprintf(stderr, "Ping failed: %d\n", r), 1;
    }
    for (int i = 0; i < n; ++i) {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        sd_bus_message* reply_raw = nullptr;
        std::string vm = "bench" + std::to_string(i);
        auto t0 = Clock::now();
        int r = sd_bus_call_method(bus.get(), svc, root, mgr, "AttachAdapter", &e, &reply_raw,
                                   "sssa{sv}", "Default", vm.c_str(), "", 0);
        attach.push_back(since_ms(t0));
        MessagePtr reply(reply_raw);
        if (r < 0) {
            std::fprintf(stderr, "AttachAdapter %s failed: %s\n", vm.c_str(), e.message ? e.message : "?");
            sd_bus_error_free(&e);
            return 1;
        }
        const char *ifname = nullptr, *path = nullptr;
        if (sd_bus_message_read(reply.get(), "so", &ifname, &path) < 0) return 1;
        names.emplace_back(ifname);
    }
    for (const auto& name : names) {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        auto t0 = Clock::now();
        int r = sd_bus_call_method(bus.get(), svc, root, mgr, "DetachAdapter", &e, nullptr, "s",
                                   name.c_str());
        detach.push_back(since_ms(t0));
        sd_bus_error_free(&e);
        if (r < 0) return std::fprintf(stderr, "DetachAdapter %s failed: %d\n", name.c_str(), r), 1;
    }
    report("Ping (base)", ping);
    report("AttachAdapter", attach);
    report("DetachAdapter", detach);
    return 0;
}
