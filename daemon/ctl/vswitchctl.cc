// vswitchctl: the command-line client of org.vswitch1. Talks to the daemon
// over the system bus (DBUS_SYSTEM_BUS_ADDRESS moves it); every error it
// prints is the daemon's own message. Exit: 0 ok, 1 refused/failed, 2 usage.
// The bus calls are in client.cc, the output in libvswitch/ctl; this file
// holds the verbs.
#include <grp.h>
#include <pwd.h>
#include <systemd/sd-bus.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <tuple>
#include <vector>

#include "daemon/ctl/client.h"
#include "daemon/ctl/forward.h"
#include "daemon/ctl/port_settings.h"
#include "daemon/ctl/qemu.h"
#include "libvswitch/ctl/command_line.h"
#include "libvswitch/ctl/json.h"
#include "libvswitch/ctl/text.h"
#include "vswitch-config.h"

using namespace vswitch;
using namespace vswitch::ctl;

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int fail(const Error& e) {
    std::fprintf(stderr, "vswitchctl: %s\n", e.message.c_str());
    return kExitFailure;
}

int fail_errno(int r, const std::string& what) {
    return fail(make_error(-r, what + ": " + std::strerror(-r)));
}

int print(const std::string& text) {
    std::fputs(text.c_str(), stdout);
    return 0;
}

// Local time, as the leases table has always shown it.
std::string format_local_time(uint64_t usec) {
    time_t t = time_t(usec / 1000000);
    struct tm tm {};
    localtime_r(&t, &tm);
    char buf[64];
    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

int cmd_list(Client& c, const Command& cmd) {
    auto objects = c.objects();
    if (!objects) return fail(objects.error());
    return print(cmd.json ? list_json(objects->ports) + "\n" : list_text(objects->ports));
}

// The switches, in the daemon's order, as `status [SWITCH]` shows them.
Result<StatusView> read_status(Client& c, const Command& cmd) {
    auto objects = c.objects();
    if (!objects) return objects.error();
    auto refs = c.list_switches();
    if (!refs) return refs.error();
    std::vector<std::string> paths;
    for (const auto& s : *refs) paths.push_back(s.object);
    order_switches(objects->switches, paths);
    StatusView view{std::move(objects->switches), std::move(objects->ports), std::nullopt};
    if (!cmd.args.empty()) {
        std::erase_if(view.switches, [&](const SwitchRow& s) { return s.name != cmd.args[0]; });
        if (view.switches.empty()) return make_error(ENOENT, "no switch '" + cmd.args[0] + "'");
    }
    auto repairs = c.firewall_repairs();
    if (!repairs) return repairs.error();
    view.firewall_repairs = *repairs;
    for (auto& s : view.switches) {
        auto leases = c.leases(s.name, s.object);
        if (!leases) return leases.error();
        s.leases = leases->size();
    }
    return view;
}

int cmd_status(Client& c, const Command& cmd) {
    auto view = read_status(c, cmd);
    if (!view) return fail(view.error());
    return print(cmd.json ? status_json(*view) + "\n" : status_text(*view));
}

int cmd_stats(Client& c, const Command& cmd) {
    auto view = read_status(c, cmd);
    if (!view) return fail(view.error());
    return print(cmd.json ? stats_json(view->switches) + "\n" : stats_text(view->switches));
}

int cmd_leases(Client& c, const Command& cmd) {
    auto switches = c.list_switches();
    if (!switches) return fail(switches.error());
    std::erase_if(*switches,
                  [&](const SwitchRef& s) { return !cmd.args.empty() && s.name != cmd.args[0]; });
    if (!cmd.args.empty() && switches->empty())
        return fail(make_error(ENOENT, "no switch '" + cmd.args[0] + "'"));
    std::vector<LeaseRow> leases;
    for (const auto& s : *switches) {
        auto more = c.leases(s.name, s.object);
        if (!more) return fail(more.error());
        leases.insert(leases.end(), more->begin(), more->end());
    }
    return print(cmd.json ? leases_json(leases) + "\n" : leases_text(leases, format_local_time));
}

// The switches ListSwitches names, or the one asked for (ENOENT otherwise).
Result<std::vector<SwitchRef>> pick_switches(Client& c, const std::string* only) {
    auto switches = c.list_switches();
    if (!switches) return switches.error();
    std::erase_if(*switches, [&](const SwitchRef& s) { return only && s.name != *only; });
    if (only && switches->empty()) return make_error(ENOENT, "no switch '" + *only + "'");
    return switches;
}

int cmd_reservations(Client& c, const Command& cmd) {
    auto switches = pick_switches(c, cmd.args.empty() ? nullptr : &cmd.args[0]);
    if (!switches) return fail(switches.error());
    std::vector<ReservationRow> rows;
    for (const auto& s : *switches) {
        auto more = c.reservations(s.name, s.object);
        if (!more) return fail(more.error());
        rows.insert(rows.end(), more->begin(), more->end());
    }
    return print(cmd.json ? reservations_json(rows) + "\n" : reservations_text(rows));
}

// reserve SWITCH KEY ADDRESS prints the address reserved (today's);
// unreserve SWITCH KEY prints nothing.
int cmd_reserve(Client& c, const Command& cmd) {
    auto switches = pick_switches(c, &cmd.args[0]);
    if (!switches) return fail(switches.error());
    const std::string& object = switches->front().object;
    sd_bus_error e = SD_BUS_ERROR_NULL;
    sd_bus_message* raw = nullptr;
    int r = cmd.verb == "reserve"
                ? sd_bus_call_method(c.get(), kService, object.c_str(), kSwitchInterface.data(), "AddReservation", &e,
                                     &raw, "ss", cmd.args[1].c_str(), cmd.args[2].c_str())
                : sd_bus_call_method(c.get(), kService, object.c_str(), kSwitchInterface.data(), "RemoveReservation",
                                     &e, &raw, "s", cmd.args[1].c_str());
    MessagePtr reply(raw);
    if (r < 0) {
        int rc = fail(bus_error(e, r, cmd.verb));
        sd_bus_error_free(&e);
        return rc;
    }
    if (cmd.verb != "reserve") return 0;
    const char* address = nullptr;
    if ((r = sd_bus_message_read(raw, "s", &address)) < 0) return fail_errno(r, "reading the reply");
    return print(std::string(address) + "\n");
}

// A user/group name or a number.
bool resolve_id(const std::string& s, bool group, uint32_t& out) {
    uint32_t n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) {
        out = n;
        return true;
    }
    if (group) {
        const struct group* g = getgrnam(s.c_str());
        if (!g) return false;
        out = g->gr_gid;
    } else {
        const struct passwd* pw = getpwnam(s.c_str());
        if (!pw) return false;
        out = pw->pw_uid;
    }
    return true;
}

int cmd_attach(Client& c, const Command& cmd) {
    sd_bus_message* raw = nullptr;
    int r = sd_bus_message_new_method_call(c.get(), &raw, kService, kRootPath, kManagerInterface,
                                           "AttachAdapter");
    MessagePtr req(raw);
    if (r >= 0)
        r = sd_bus_message_append(raw, "sss", cmd.switch_name.c_str(), cmd.args[0].c_str(),
                                  cmd.mac.c_str());
    if (r >= 0) r = sd_bus_message_open_container(raw, 'a', "{sv}");
    if (r >= 0 && cmd.ifname)
        r = sd_bus_message_append(raw, "{sv}", "ifname", "s", cmd.ifname->c_str());
    for (auto [opt, key, group] :
         {std::tuple{&cmd.owner, "owner", false}, {&cmd.group, "group", true}}) {
        if (r < 0 || !*opt) continue;
        uint32_t id = 0;
        if (!resolve_id(**opt, group, id)) {
            std::fprintf(stderr, "vswitchctl: no %s '%s'\n", group ? "group" : "user",
                         (*opt)->c_str());
            return kExitUsage;
        }
        r = sd_bus_message_append(raw, "{sv}", key, "u", id);
    }
    if (r >= 0 && cmd.mtu) r = sd_bus_message_append(raw, "{sv}", "mtu", "u", *cmd.mtu);
    if (r >= 0 && cmd.multi_queue) r = sd_bus_message_append(raw, "{sv}", "multi_queue", "b", 1);
    if (r >= 0) r = sd_bus_message_close_container(raw);
    if (r < 0) return fail_errno(r, "building the AttachAdapter call");
    auto reply = c.call(kRootPath, kManagerInterface, "AttachAdapter", raw);
    if (!reply) return fail(reply.error());
    const char *ifname = nullptr, *obj = nullptr;
    if ((r = sd_bus_message_read(reply->get(), "so", &ifname, &obj)) < 0)
        return fail_errno(r, "reading the reply");
    if (!cmd.json) return print(std::string(ifname) + "\n");
    auto mac = c.get_string(obj, kPortInterface.data(), "MAC");
    if (!mac) return fail(mac.error());
    return print(attach_json(ifname, *mac, obj) + "\n");
}

int cmd_port_change(Client& c, const Command& cmd) {
    sd_bus_error e = SD_BUS_ERROR_NULL;
    int r;
    if (cmd.verb == "detach") {
        r = sd_bus_call_method(c.get(), kService, kRootPath, kManagerInterface, "DetachAdapter", &e,
                               nullptr, "s", cmd.args[0].c_str());
    } else {
        char* path = nullptr;
        if ((r = sd_bus_path_encode(kPortPrefix, cmd.args[0].c_str(), &path)) < 0)
            return fail_errno(r, "encoding the port path");
        r = sd_bus_set_property(c.get(), kService, path, kPortInterface.data(), "Connected", &e,
                                "b", int(cmd.verb == "connect"));
        free(path);
        // A port that does not exist has no object: say so in our words.
        if (r < 0 && sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_OBJECT)) {
            sd_bus_error_free(&e);
            return fail(make_error(ENODEV, "no port '" + cmd.args[0] + "'"));
        }
    }
    int rc = r < 0 ? fail(bus_error(e, r, cmd.verb)) : 0;
    sd_bus_error_free(&e);
    return rc;
}

int cmd_teardown(Client& c) {
    auto reply = c.call(kRootPath, kManagerInterface, "Teardown");
    return reply ? 0 : fail(reply.error());
}

}  // namespace

int main(int argc, char** argv) {
    auto cmd = parse_command_line(std::vector<std::string>(argv + 1, argv + argc));
    if (!cmd) {
        std::fprintf(stderr, "vswitchctl: %s\n", cmd.error().message.c_str());
        return kExitUsage;
    }
    if (cmd->verb == "help") return print(usage_text());
    if (cmd->verb == "version") return print(std::string("vswitchctl ") + VSWITCH_VERSION + "\n");
    sd_bus* raw = nullptr;
    if (int r = sd_bus_open_system(&raw); r < 0)
        return fail_errno(r, "connecting to the system bus");
    BusPtr bus(raw);
    Client c(raw);
    const std::string& v = cmd->verb;
    if (v == "status") return cmd_status(c, *cmd);
    if (v == "list") return cmd_list(c, *cmd);
    if (v == "leases") return cmd_leases(c, *cmd);
    if (v == "stats") return cmd_stats(c, *cmd);
    if (v == "attach") return cmd_attach(c, *cmd);
    if (v == "reservations") return cmd_reservations(c, *cmd);
    if (v == "reserve" || v == "unreserve") return cmd_reserve(c, *cmd);
    if (v == "forward") return cmd_forward(c, *cmd);
    if (v == "teardown") return cmd_teardown(c);
    if (v == "set" || v == "show") return cmd_port_settings(c, *cmd);  // port_settings.cc
    if (v == "qemu") return cmd_qemu(bus, *cmd);  // issue 19
    return cmd_port_change(c, *cmd);
}
