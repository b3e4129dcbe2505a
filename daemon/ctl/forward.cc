#include "daemon/ctl/forward.h"

#include <systemd/sd-bus.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace vswitch::ctl {

namespace {

struct ForwardRow {
    std::string switch_name, id, protocol, host_address, host_ports, target;
    uint16_t target_port = 0;
    std::vector<std::string> allow_from;
    std::string address, origin;
};

int fail(const Error& e) {
    std::fprintf(stderr, "vswitchctl: %s\n", e.message.c_str());
    return 1;
}
int usage(const std::string& m) {
    std::fprintf(stderr, "vswitchctl: %s\n", m.c_str());
    return 2;
}

Result<std::string> object_of(Client& c, const std::string& name) {
    auto switches = c.list_switches();
    if (!switches) return switches.error();
    for (const auto& s : *switches)
        if (s.name == name) return s.object;
    return make_error(ENOENT, "no switch '" + name + "'");
}

Result<std::vector<ForwardRow>> list(Client& c, const SwitchRef& s) {
    auto reply = c.call(s.object, kSwitchInterface.data(), "ListPortForwards");
    if (!reply) return reply.error();
    sd_bus_message* m = reply->get();
    std::vector<ForwardRow> out;
    auto bad = [](int r) {
        return make_error(-r, std::string("reading ListPortForwards: ") + std::strerror(-r));
    };
    int r = sd_bus_message_enter_container(m, 'a', "(sssssqasss)");
    if (r < 0) return bad(r);
    while ((r = sd_bus_message_enter_container(m, 'r', "sssssqasss")) > 0) {
        ForwardRow row;
        row.switch_name = s.name;
        const char *id, *proto, *addr, *ports, *target, *address, *origin;
        if ((r = sd_bus_message_read(m, "sssssq", &id, &proto, &addr, &ports, &target,
                                     &row.target_port)) < 0)
            return bad(r);
        if ((r = sd_bus_message_enter_container(m, 'a', "s")) < 0) return bad(r);
        const char* p = nullptr;
        while ((r = sd_bus_message_read(m, "s", &p)) > 0) row.allow_from.emplace_back(p);
        if (r < 0 || (r = sd_bus_message_exit_container(m)) < 0) return bad(r);
        if ((r = sd_bus_message_read(m, "ss", &address, &origin)) < 0) return bad(r);
        if ((r = sd_bus_message_exit_container(m)) < 0) return bad(r);
        row.id = id, row.protocol = proto, row.host_address = addr, row.host_ports = ports;
        row.target = target, row.address = address, row.origin = origin;
        out.push_back(std::move(row));
    }
    if (r < 0) return bad(r);
    return out;
}

std::string text(const std::vector<ForwardRow>& rows) {
    std::vector<std::vector<std::string>> cells{
        {"SWITCH", "ID", "TARGET", "PORT", "ADDRESS", "ALLOW-FROM", "ORIGIN"}};
    for (const auto& r : rows) {
        std::string allow;
        for (const auto& p : r.allow_from) allow += (allow.empty() ? "" : ",") + p;
        cells.push_back({r.switch_name, r.id, r.target, std::to_string(r.target_port),
                         r.address.empty() ? "(inactive)" : r.address,
                         allow.empty() ? "any" : allow, r.origin});
    }
    std::vector<size_t> width(cells[0].size(), 0);
    for (const auto& row : cells)
        for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
    std::string out;
    for (const auto& row : cells) {
        std::string line;
        for (size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
        }
        out += line + "\n";
    }
    return out;
}

std::string json(const std::vector<ForwardRow>& rows) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& r : rows)
        a.push_back({{"switch", r.switch_name},
                     {"id", r.id},
                     {"protocol", r.protocol},
                     {"host_address", r.host_address},
                     {"host_ports", r.host_ports},
                     {"target", r.target},
                     {"target_port", r.target_port},
                     {"allow_from", r.allow_from},
                     {"address", r.address.empty() ? nlohmann::json() : nlohmann::json(r.address)},
                     {"active", !r.address.empty()},
                     {"origin", r.origin}});
    return a.dump(2) + "\n";
}

int call(Client& c, const std::string& object, const char* member, const char* types,
         auto... args) {
    sd_bus_error e = SD_BUS_ERROR_NULL;
    sd_bus_message* raw = nullptr;
    int r = sd_bus_call_method(c.get(), kService, object.c_str(), kSwitchInterface.data(), member,
                               &e, &raw, types, args...);
    MessagePtr reply(raw);
    if (r < 0) {
        int rc = fail(bus_error(e, r, member));
        sd_bus_error_free(&e);
        return rc;
    }
    const char* id = nullptr;
    if (std::strcmp(member, "AddPortForward") == 0 && sd_bus_message_read(raw, "s", &id) > 0)
        std::printf("%s\n", id);
    return 0;
}

}  // namespace

int cmd_forward(Client& c, const Command& cmd) {
    const auto& a = cmd.args;
    const std::string sub = a.empty() ? "" : a[0];
    if (sub == "list") {
        if (a.size() > 2) return usage("'forward list' takes at most a switch");
        auto switches = c.list_switches();
        if (!switches) return fail(switches.error());
        std::vector<ForwardRow> rows;
        bool found = false;
        for (const auto& s : *switches) {
            if (a.size() == 2 && s.name != a[1]) continue;
            found = true;
            auto more = list(c, s);
            if (!more) return fail(more.error());
            rows.insert(rows.end(), more->begin(), more->end());
        }
        if (a.size() == 2 && !found) return fail(make_error(ENOENT, "no switch '" + a[1] + "'"));
        std::fputs((cmd.json ? json(rows) : text(rows)).c_str(), stdout);
        return 0;
    }
    if (sub == "remove") {
        if (a.size() != 3)
            return usage("usage: forward remove SWITCH ID (ID as 'forward list' shows it)");
        auto object = object_of(c, a[1]);
        if (!object) return fail(object.error());
        return call(c, *object, "RemovePortForward", "s", a[2].c_str());
    }
    if (sub != "add") return usage("usage: forward add|remove|list (see vswitchctl --help)");
    if (a.size() < 5 || a.size() > 7)
        return usage(
            "usage: forward add SWITCH PROTOCOL [ADDRESS:]PORTS TARGET [TARGETPORT] "
            "[allow-from=PREFIX,...]");
    std::string address, ports = a[3], allow;
    if (size_t colon = ports.rfind(':'); colon != std::string::npos) {
        address = ports.substr(0, colon);
        ports = ports.substr(colon + 1);
    }
    uint32_t target_port = 0;
    for (size_t i = 5; i < a.size(); ++i) {
        if (a[i].rfind("allow-from=", 0) == 0) {
            allow = a[i].substr(11);
            continue;
        }
        auto [p, ec] = std::from_chars(a[i].data(), a[i].data() + a[i].size(), target_port);
        if (ec != std::errc() || p != a[i].data() + a[i].size() || target_port == 0 ||
            target_port > 65535)
            return usage("target port '" + a[i] + "' is outside 1-65535");
    }
    std::vector<std::string> prefixes;
    for (size_t pos = 0; !allow.empty() && pos <= allow.size();) {
        size_t comma = allow.find(',', pos);
        if (comma == std::string::npos) comma = allow.size();
        prefixes.push_back(allow.substr(pos, comma - pos));
        pos = comma + 1;
    }
    auto object = object_of(c, a[1]);
    if (!object) return fail(object.error());
    sd_bus_message* raw = nullptr;
    int r = sd_bus_message_new_method_call(c.get(), &raw, kService, object->c_str(),
                                           kSwitchInterface.data(), "AddPortForward");
    MessagePtr request(raw);
    if (r >= 0)
        r = sd_bus_message_append(raw, "ssssq", a[2].c_str(), address.c_str(), ports.c_str(),
                                  a[4].c_str(), uint16_t(target_port));
    if (r >= 0) r = sd_bus_message_open_container(raw, 'a', "{sv}");
    if (r >= 0 && !prefixes.empty()) {
        r = sd_bus_message_open_container(raw, 'e', "sv");
        if (r >= 0) r = sd_bus_message_append(raw, "s", "AllowFrom");
        if (r >= 0) r = sd_bus_message_open_container(raw, 'v', "as");
        if (r >= 0) r = sd_bus_message_open_container(raw, 'a', "s");
        for (const auto& p : prefixes)
            if (r >= 0) r = sd_bus_message_append(raw, "s", p.c_str());
        for (int i = 0; i < 3 && r >= 0; ++i) r = sd_bus_message_close_container(raw);
    }
    if (r >= 0) r = sd_bus_message_close_container(raw);
    if (r < 0)
        return fail(make_error(-r, std::string("building AddPortForward: ") + std::strerror(-r)));
    sd_bus_error e = SD_BUS_ERROR_NULL;
    sd_bus_message* reply_raw = nullptr;
    r = sd_bus_call(c.get(), raw, 0, &e, &reply_raw);
    MessagePtr reply(reply_raw);
    if (r < 0) {
        int rc = fail(bus_error(e, r, "AddPortForward"));
        sd_bus_error_free(&e);
        return rc;
    }
    const char* id = nullptr;
    if ((r = sd_bus_message_read(reply_raw, "s", &id)) < 0)
        return fail(make_error(-r, std::string("reading the reply: ") + std::strerror(-r)));
    std::printf("%s\n", id);
    return 0;
}

}  // namespace vswitch::ctl
