// vswitchctl: the command-line client of org.vswitch1. Talks to the daemon
// over the system bus (DBUS_SYSTEM_BUS_ADDRESS moves it); every error it
// prints is the daemon's own message. Exit: 0 ok, 1 refused/failed, 2 usage.
#include <grp.h>
#include <pwd.h>
#include <systemd/sd-bus.h>

#include <charconv>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "libvswitch/ctl/command_line.h"
#include "libvswitch/ctl/output.h"
#include "libvswitch/base/handle.h"
#include "vswitch-config.h"

using namespace vswitch;
using namespace vswitch::ctl;

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr const char* kService = "org.vswitch1";
constexpr const char* kRoot = "/org/vswitch1";
constexpr const char* kManager = "org.vswitch1.Manager";
constexpr const char* kSwitch = "org.vswitch1.Switch";
constexpr const char* kPort = "org.vswitch1.Port";

using BusPtr = UniqueHandle<sd_bus, sd_bus_flush_close_unref>;
using MessagePtr = UniqueHandle<sd_bus_message, sd_bus_message_unref>;


int fail_errno(int r, const std::string& what) {
    std::fprintf(stderr, "vswitchctl: %s: %s\n", what.c_str(), strerror(-r));
    return kExitFailure;
}

int fail_bus(const sd_bus_error& e, int r, const std::string& what) {
    if (sd_bus_error_is_set(&e))
        std::fprintf(stderr, "vswitchctl: %s\n", e.message ? e.message : e.name);
    else
        return fail_errno(r, what);
    return kExitFailure;
}

struct PortRow {
    std::string ifname, sw, vm, mac, object, address, hostname;
    bool connected = true;
};

struct ProblemRow {
    std::string kind, message, fix;
};

struct SwitchRow {
    std::string name, object, type, bridge, subnet, gateway, domain;
    size_t leases = 0;
    std::vector<ProblemRow> problems;
};

struct LeaseRow {
    std::string sw, mac, address, hostname;
    uint64_t expiry_usec = 0;
};

class Client {
public:
    explicit Client(sd_bus* bus) : bus_(bus) {}

    // A property as a string ("" and an error printed when it fails).
    int get_string(const std::string& path, const char* iface, const char* name, std::string& out) {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        char* v = nullptr;
        int r = sd_bus_get_property_string(bus_, kService, path.c_str(), iface, name, &e, &v);
        if (r < 0) {
            int rc = fail_bus(e, r, std::string("reading ") + name);
            sd_bus_error_free(&e);
            return rc;
        }
        out = v;
        free(v);
        return 0;
    }

    int get_bool(const std::string& path, const char* iface, const char* name, bool& out) {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        MessagePtr reply;
        sd_bus_message* raw = nullptr;
        int r = sd_bus_get_property(bus_, kService, path.c_str(), iface, name, &e, &raw, "b");
        reply.reset(raw);
        int v = 0;
        if (r >= 0) r = sd_bus_message_read(raw, "b", &v);  // positioned inside the variant
        if (r < 0) {
            int rc = fail_bus(e, r, std::string("reading ") + name);
            sd_bus_error_free(&e);
            return rc;
        }
        out = v;
        return 0;
    }

    // Calls a method; on error prints the daemon's message.
    int call(const std::string& path, const char* iface, const char* member, MessagePtr& reply,
             sd_bus_message* request = nullptr) {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        sd_bus_message* raw = nullptr;
        int r;
        if (request) r = sd_bus_call(bus_, request, 0, &e, &raw);
        else r = sd_bus_call_method(bus_, kService, path.c_str(), iface, member, &e, &raw, "");
        reply.reset(raw);
        if (r < 0) {
            int rc = fail_bus(e, r, std::string("calling ") + member);
            sd_bus_error_free(&e);
            return rc;
        }
        return 0;
    }

    int switches(std::vector<SwitchRow>& out) {
        MessagePtr reply;
        if (int rc = call(kRoot, kManager, "ListSwitches", reply)) return rc;
        int r = sd_bus_message_enter_container(reply.get(), 'a', "(so)");
        const char *name = nullptr, *obj = nullptr;
        while (r >= 0 && (r = sd_bus_message_read(reply.get(), "(so)", &name, &obj)) > 0)
            out.push_back(SwitchRow{name, obj, "", "", "", "", "", 0, {}});
        if (r < 0) return fail_errno(r, "reading ListSwitches");
        for (auto& s : out) {
            if (int rc = problems(s)) return rc;
            for (auto [prop, field] : {std::pair{"Type", &s.type}, {"Bridge", &s.bridge},
                                       {"Subnet", &s.subnet}, {"Gateway", &s.gateway},
                                       {"Domain", &s.domain}}) {
                if (int rc = get_string(s.object, kSwitch, prop, *field)) return rc;
            }
            std::vector<LeaseRow> leases;
            if (int rc = this->leases(s, leases)) return rc;
            s.leases = leases.size();
        }
        return 0;
    }

    // The Switch's Problems property; a daemon too old to have it has none.
    int problems(SwitchRow& sw) {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        sd_bus_message* raw = nullptr;
        int r = sd_bus_get_property(bus_, kService, sw.object.c_str(), kSwitch, "Problems", &e, &raw,
                                    "a(sss)");
        MessagePtr reply(raw);
        if (r < 0) {
            bool missing = sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_PROPERTY);
            int rc = missing ? 0 : fail_bus(e, r, "reading Problems");
            sd_bus_error_free(&e);
            return rc;
        }
        r = sd_bus_message_enter_container(raw, 'a', "(sss)");
        const char *k = nullptr, *m = nullptr, *f = nullptr;
        while (r >= 0 && (r = sd_bus_message_read(raw, "(sss)", &k, &m, &f)) > 0)
            sw.problems.push_back(ProblemRow{k, m, f});
        if (r < 0) return fail_errno(r, "reading Problems");
        return 0;
    }

    // The Manager's FirewallRepairs, or -1 when the daemon lacks it.
    int64_t firewall_repairs() {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        uint64_t v = 0;
        sd_bus_message* raw = nullptr;
        int r = sd_bus_get_property(bus_, kService, kRoot, kManager, "FirewallRepairs", &e, &raw, "t");
        MessagePtr reply(raw);
        if (r >= 0) r = sd_bus_message_read(raw, "t", &v);
        sd_bus_error_free(&e);
        return r < 0 ? -1 : int64_t(v);
    }

    int ports(std::vector<PortRow>& out) {
        MessagePtr reply;
        if (int rc = call(kRoot, kManager, "ListPorts", reply)) return rc;
        int r = sd_bus_message_enter_container(reply.get(), 'a', "(sssso)");
        const char *i = nullptr, *s = nullptr, *v = nullptr, *m = nullptr, *o = nullptr;
        while (r >= 0 && (r = sd_bus_message_read(reply.get(), "(sssso)", &i, &s, &v, &m, &o)) > 0)
            out.push_back(PortRow{i, s, v, m, o, "", "", true});
        if (r < 0) return fail_errno(r, "reading ListPorts");
        for (auto& p : out) {
            if (int rc = get_string(p.object, kPort, "Address", p.address)) return rc;
            if (int rc = get_string(p.object, kPort, "Hostname", p.hostname)) return rc;
            if (int rc = get_bool(p.object, kPort, "Connected", p.connected)) return rc;
        }
        return 0;
    }

    int leases(const SwitchRow& sw, std::vector<LeaseRow>& out) {
        MessagePtr reply;
        if (int rc = call(sw.object, kSwitch, "ListLeases", reply)) return rc;
        int r = sd_bus_message_enter_container(reply.get(), 'a', "(ssst)");
        const char *m = nullptr, *a = nullptr, *h = nullptr;
        uint64_t t = 0;
        while (r >= 0 && (r = sd_bus_message_read(reply.get(), "(ssst)", &m, &a, &h, &t)) > 0)
            out.push_back(LeaseRow{sw.name, m, a, h, t});
        if (r < 0) return fail_errno(r, "reading ListLeases");
        return 0;
    }

    sd_bus* get() const { return bus_; }

private:
    sd_bus* bus_;
};

std::string format_time(uint64_t usec) {
    if (usec == 0) return "-";
    time_t t = time_t(usec / 1000000);
    struct tm tm {};
    localtime_r(&t, &tm);
    char buf[64];
    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

std::string port_json(const PortRow& p) {
    return "{\"interface\":" + json_string(p.ifname) + ",\"switch\":" + json_string(p.sw) +
           ",\"vm\":" + json_string(p.vm) + ",\"mac\":" + json_string(p.mac) +
           ",\"address\":" + json_string(p.address) + ",\"hostname\":" + json_string(p.hostname) +
           ",\"connected\":" + (p.connected ? "true" : "false") + ",\"object\":" + json_string(p.object) +
           "}";
}

int cmd_list(Client& c, const Command& cmd) {
    std::vector<PortRow> ports;
    if (int rc = c.ports(ports)) return rc;
    if (cmd.json) {
        std::string out = "[";
        for (size_t i = 0; i < ports.size(); ++i) out += (i ? "," : "") + port_json(ports[i]);
        std::printf("%s]\n", out.c_str());
        return 0;
    }
    Table t({"INTERFACE", "SWITCH", "VM", "MAC", "ADDRESS", "HOSTNAME", "STATE"});
    for (const auto& p : ports)
        t.add({p.ifname, p.sw, p.vm.empty() ? "-" : p.vm, p.mac, p.address.empty() ? "-" : p.address,
               p.hostname.empty() ? "-" : p.hostname, p.connected ? "connected" : "disconnected"});
    t.print(stdout);
    std::printf("\n%zu port(s) listed.\n", t.size());
    return 0;
}

int cmd_status(Client& c, const Command& cmd) {
    std::vector<SwitchRow> switches;
    std::vector<PortRow> ports;
    if (int rc = c.switches(switches)) return rc;
    if (int rc = c.ports(ports)) return rc;
    if (!cmd.args.empty()) {
        std::erase_if(switches, [&](const SwitchRow& s) { return s.name != cmd.args[0]; });
        if (switches.empty()) {
            std::fprintf(stderr, "vswitchctl: no switch '%s'\n", cmd.args[0].c_str());
            return kExitFailure;
        }
    }
    // One table for all switches; shown with each (-1: not known).
    const int64_t repairs = c.firewall_repairs();
    if (cmd.json) {
        std::string out = "[";
        for (size_t i = 0; i < switches.size(); ++i) {
            const auto& s = switches[i];
            out += std::string(i ? "," : "") + "{\"name\":" + json_string(s.name) +
                   ",\"type\":" + json_string(s.type) + ",\"bridge\":" + json_string(s.bridge) +
                   ",\"subnet\":" + json_string(s.subnet) + ",\"gateway\":" + json_string(s.gateway) +
                   ",\"domain\":" + json_string(s.domain) + ",\"leases\":" + std::to_string(s.leases) +
                   ",\"object\":" + json_string(s.object) + ",\"problems\":[";
            for (size_t j = 0; j < s.problems.size(); ++j) {
                const auto& p = s.problems[j];
                out += std::string(j ? "," : "") + "{\"kind\":" + json_string(p.kind) +
                       ",\"message\":" + json_string(p.message) + ",\"fix\":" + json_string(p.fix) +
                       "}";
            }
            out += "],\"firewall_repairs\":" + std::to_string(repairs) + ",\"ports\":[";
            bool first = true;
            for (const auto& p : ports) {
                if (p.sw != s.name) continue;
                out += (first ? "" : ",") + port_json(p);
                first = false;
            }
            out += "]}";
        }
        std::printf("%s]\n", out.c_str());
        return 0;
    }
    for (size_t i = 0; i < switches.size(); ++i) {
        const auto& s = switches[i];
        if (i) std::printf("\n");
        std::printf("● %s\n", s.name.c_str());
        std::printf("     Type: %s\n   Bridge: %s\n   Subnet: %s\n  Gateway: %s\n   Domain: %s\n"
                    "   Leases: %zu\n",
                    s.type.c_str(), s.bridge.c_str(), s.subnet.c_str(), s.gateway.c_str(),
                    s.domain.c_str(), s.leases);
        const char* label = "    Ports:";
        size_t n = 0;
        for (const auto& p : ports) {
            if (p.sw != s.name) continue;
            std::printf("%s %s  %s  %s  %s  %s%s\n", label, p.ifname.c_str(),
                        p.vm.empty() ? "-" : p.vm.c_str(), p.mac.c_str(),
                        p.address.empty() ? "-" : p.address.c_str(),
                        p.hostname.empty() ? "-" : p.hostname.c_str(),
                        p.connected ? "" : "  (disconnected)");
            label = "          ";
            ++n;
        }
        if (n == 0) std::printf("    Ports: none\n");
        if (repairs > 0)
            std::printf(" Firewall: re-applied %lld time(s) after others removed it\n",
                        (long long)repairs);
        if (s.problems.empty()) std::printf(" Problems: none\n");
        label = " Problems:";
        for (const auto& p : s.problems) {
            std::printf("%s [%s] %s\n", label, p.kind.c_str(), p.message.c_str());
            if (!p.fix.empty()) std::printf("           fix: %s\n", p.fix.c_str());
            label = "          ";
        }
    }
    return 0;
}

int cmd_leases(Client& c, const Command& cmd) {
    std::vector<SwitchRow> switches;
    MessagePtr reply;
    if (int rc = c.call(kRoot, kManager, "ListSwitches", reply)) return rc;
    int r = sd_bus_message_enter_container(reply.get(), 'a', "(so)");
    const char *name = nullptr, *obj = nullptr;
    while (r >= 0 && (r = sd_bus_message_read(reply.get(), "(so)", &name, &obj)) > 0)
        if (cmd.args.empty() || cmd.args[0] == name)
            switches.push_back(SwitchRow{name, obj, "", "", "", "", "", 0, {}});
    if (r < 0) return fail_errno(r, "reading ListSwitches");
    if (!cmd.args.empty() && switches.empty()) {
        std::fprintf(stderr, "vswitchctl: no switch '%s'\n", cmd.args[0].c_str());
        return kExitFailure;
    }
    std::vector<LeaseRow> leases;
    for (const auto& s : switches) {
        if (int rc = c.leases(s, leases)) return rc;
    }
    if (cmd.json) {
        std::string out = "[";
        for (size_t i = 0; i < leases.size(); ++i) {
            const auto& l = leases[i];
            out += std::string(i ? "," : "") + "{\"switch\":" + json_string(l.sw) +
                   ",\"mac\":" + json_string(l.mac) + ",\"address\":" + json_string(l.address) +
                   ",\"hostname\":" + json_string(l.hostname) +
                   ",\"expiry_usec\":" + std::to_string(l.expiry_usec) + "}";
        }
        std::printf("%s]\n", out.c_str());
        return 0;
    }
    Table t({"SWITCH", "MAC", "ADDRESS", "HOSTNAME", "EXPIRES"});
    for (const auto& l : leases)
        t.add({l.sw, l.mac, l.address, l.hostname.empty() ? "-" : l.hostname, format_time(l.expiry_usec)});
    t.print(stdout);
    std::printf("\n%zu lease(s) listed.\n", t.size());
    return 0;
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
    int r = sd_bus_message_new_method_call(c.get(), &raw, kService, kRoot, kManager, "AttachAdapter");
    MessagePtr req(raw);
    if (r >= 0) r = sd_bus_message_append(raw, "sss", cmd.switch_name.c_str(), cmd.args[0].c_str(), cmd.mac.c_str());
    if (r >= 0) r = sd_bus_message_open_container(raw, 'a', "{sv}");
    if (r >= 0 && cmd.ifname) r = sd_bus_message_append(raw, "{sv}", "ifname", "s", cmd.ifname->c_str());
    for (auto [opt, key, group] : {std::tuple{&cmd.owner, "owner", false}, {&cmd.group, "group", true}}) {
        if (r < 0 || !*opt) continue;
        uint32_t id = 0;
        if (!resolve_id(**opt, group, id)) {
            std::fprintf(stderr, "vswitchctl: no %s '%s'\n", group ? "group" : "user", (*opt)->c_str());
            return kExitUsage;
        }
        r = sd_bus_message_append(raw, "{sv}", key, "u", id);
    }
    if (r >= 0 && cmd.mtu) r = sd_bus_message_append(raw, "{sv}", "mtu", "u", *cmd.mtu);
    if (r >= 0 && cmd.multi_queue) r = sd_bus_message_append(raw, "{sv}", "multi_queue", "b", 1);
    if (r >= 0) r = sd_bus_message_close_container(raw);
    if (r < 0) return fail_errno(r, "building the AttachAdapter call");
    MessagePtr reply;
    if (int rc = c.call(kRoot, kManager, "AttachAdapter", reply, raw)) return rc;
    const char *ifname = nullptr, *obj = nullptr;
    if ((r = sd_bus_message_read(reply.get(), "so", &ifname, &obj)) < 0) return fail_errno(r, "reading the reply");
    if (!cmd.json) {
        std::printf("%s\n", ifname);
        return 0;
    }
    std::string mac;
    if (int rc = c.get_string(obj, kPort, "MAC", mac)) return rc;
    std::printf("{\"interface\":%s,\"mac\":%s,\"object\":%s}\n", json_string(ifname).c_str(),
                json_string(mac).c_str(), json_string(obj).c_str());
    return 0;
}

int cmd_port_change(Client& c, const Command& cmd) {
    sd_bus_error e = SD_BUS_ERROR_NULL;
    int r;
    if (cmd.verb == "detach") {
        r = sd_bus_call_method(c.get(), kService, kRoot, kManager, "DetachAdapter", &e, nullptr, "s",
                               cmd.args[0].c_str());
    } else {
        char* path = nullptr;
        if ((r = sd_bus_path_encode("/org/vswitch1/port", cmd.args[0].c_str(), &path)) < 0)
            return fail_errno(r, "encoding the port path");
        r = sd_bus_set_property(c.get(), kService, path, kPort, "Connected", &e, "b",
                                int(cmd.verb == "connect"));
        free(path);
        // A port that does not exist has no object: say so in our words.
        if (r < 0 && sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_OBJECT)) {
            std::fprintf(stderr, "vswitchctl: no port '%s'\n", cmd.args[0].c_str());
            sd_bus_error_free(&e);
            return kExitFailure;
        }
    }
    int rc = r < 0 ? fail_bus(e, r, cmd.verb) : 0;
    sd_bus_error_free(&e);
    return rc;
}

int cmd_teardown(Client& c) {
    MessagePtr reply;
    return c.call(kRoot, kManager, "Teardown", reply);
}

}  // namespace

int main(int argc, char** argv) {
    auto cmd = parse_command_line(std::vector<std::string>(argv + 1, argv + argc));
    if (!cmd) {
        std::fprintf(stderr, "vswitchctl: %s\n", cmd.error().message.c_str());
        return kExitUsage;
    }
    if (cmd->verb == "help") {
        std::fputs(usage_text(), stdout);
        return 0;
    }
    if (cmd->verb == "version") {
        std::printf("vswitchctl %s\n", VSWITCH_VERSION);
        return 0;
    }
    sd_bus* raw = nullptr;
    if (int r = sd_bus_open_system(&raw); r < 0) return fail_errno(r, "connecting to the system bus");
    BusPtr bus(raw);
    Client c(raw);
    const std::string& v = cmd->verb;
    if (v == "status") return cmd_status(c, *cmd);
    if (v == "list") return cmd_list(c, *cmd);
    if (v == "leases") return cmd_leases(c, *cmd);
    if (v == "attach") return cmd_attach(c, *cmd);
    if (v == "teardown") return cmd_teardown(c);
    return cmd_port_change(c, *cmd);
}
