#include "daemon/bus/open_adapter.h"

#include <grp.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <vector>

#include "daemon/bus/bus.h"
#include "daemon/bus/errors.h"
#include "daemon/bus/guard.h"
#include "daemon/manager.h"
#include "libvswitch/base/handle.h"
#include "libvswitch/base/text.h"
#include "libvswitch/ports/limits.h"

namespace vswitch::bus {

namespace {

struct Caller {
    uid_t uid = 0;
    std::vector<gid_t> gids;  // effective gid first, then the supplementary ones
    bool groups_known = false;
};

Result<Caller> query_caller(sd_bus_message* m, const std::string& action) {
    using CredsPtr = UniqueHandle<sd_bus_creds, sd_bus_creds_unref>;
    sd_bus_creds* raw = nullptr;
    // dbus-daemon reports the uid (SO_PEERCRED) and, from 1.11, the groups;
    // AUGMENT fills what it lacks from /proc/<pid>/status.
    int r = sd_bus_query_sender_creds(m,
                                      SD_BUS_CREDS_EUID | SD_BUS_CREDS_EGID |
                                          SD_BUS_CREDS_SUPPLEMENTARY_GIDS | SD_BUS_CREDS_PID |
                                          SD_BUS_CREDS_AUGMENT,
                                      &raw);
    CredsPtr creds(raw);
    Caller c;
    if (r >= 0) r = sd_bus_creds_get_euid(creds.get(), &c.uid);
    if (r < 0)
        return make_error(EACCES, errno_error(r, "cannot tell who asked to " + action).message);
    gid_t egid = 0;
    if (sd_bus_creds_get_egid(creds.get(), &egid) >= 0) c.gids.push_back(egid);
    const gid_t* gids = nullptr;
    int n = sd_bus_creds_get_supplementary_gids(creds.get(), &gids);
    if (n >= 0) {
        c.gids.insert(c.gids.end(), gids, gids + n);
        c.groups_known = true;
    }
    return c;
}

// AllowGroup= as a gid: digits as they are, a name through the group
// database at each call (a group made after the daemon started counts).
std::optional<gid_t> allowed_gid(const std::string& group) {
    if (group.empty()) return std::nullopt;
    if (group.find_first_not_of("0123456789") == std::string::npos) return gid_t(std::stoul(group));
    struct group gr {};
    struct group* found = nullptr;
    std::vector<char> buf(4096);
    while (getgrnam_r(group.c_str(), &gr, buf.data(), buf.size(), &found) == ERANGE &&
           buf.size() < (1u << 20))
        buf.resize(buf.size() * 2);
    if (!found) return std::nullopt;
    return found->gr_gid;
}

std::string group_text(const Switch& sw) {
    const std::string& g = sw.config().allow_group;
    return g.empty() ? "none (AllowGroup= is empty)" : quoted(g);
}

// OK when the caller is root or in the switch's AllowGroup=.
Result<Caller> require_root_or_group(sd_bus_message* m, const Switch& sw,
                                     const std::string& action) {
    auto c = query_caller(m, action);
    if (!c) return c.error();
    if (c->uid == 0) return c;
    std::optional<gid_t> gid = allowed_gid(sw.config().allow_group);
    const std::string who = "uid " + std::to_string(c->uid);
    if (!c->groups_known)
        return make_error(EACCES, "cannot tell the groups of " + who + " to let it " + action);
    bool member = gid && std::find(c->gids.begin(), c->gids.end(), *gid) != c->gids.end();
    if (!member)
        return make_error(EPERM, "only root and members of the group " + group_text(sw) + " may " +
                                     action + " on switch " + quoted(sw.name()) +
                                     " (caller runs as " + who + ")");
    return c;
}

// OpenAdapter's a{sv}: multi_queue b and mtu u; at most kMaxAttachOptions.
Status read_open_options(sd_bus_message* m, ports::AdapterRequest& req) {
    auto failed = [](int r) { return errno_error(r, "reading options"); };
    int r = sd_bus_message_enter_container(m, 'a', "{sv}");
    if (r < 0) return failed(r);
    size_t count = 0;
    while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
        if (++count > ports::kMaxAttachOptions)
            return make_error(EINVAL,
                              "more than " + std::to_string(ports::kMaxAttachOptions) + " options");
        const char* key = nullptr;
        if ((r = sd_bus_message_read(m, "s", &key)) < 0) return failed(r);
        const char* sig = nullptr;
        if ((r = sd_bus_message_peek_type(m, nullptr, &sig)) < 0) return failed(r);
        const bool is_b = sig && std::strcmp(sig, "b") == 0,
                   is_u = sig && std::strcmp(sig, "u") == 0;
        if (std::strcmp(key, "multi_queue") == 0) {
            if (!is_b) return make_error(EINVAL, "option 'multi_queue' must be of type 'b'");
            int v = 0;
            if ((r = sd_bus_message_read(m, "v", "b", &v)) < 0) return failed(r);
            req.multi_queue = v;
        } else if (std::strcmp(key, "mtu") == 0) {
            if (!is_u) return make_error(EINVAL, "option 'mtu' must be of type 'u'");
            uint32_t v = 0;
            if ((r = sd_bus_message_read(m, "v", "u", &v)) < 0) return failed(r);
            req.mtu = v;
        } else {
            return make_error(EINVAL,
                              "unknown option " + quoted(key) + " (known: multi_queue, mtu)");
        }
        if ((r = sd_bus_message_exit_container(m)) < 0) return failed(r);
    }
    if (r < 0) return failed(r);
    if ((r = sd_bus_message_exit_container(m)) < 0) return failed(r);
    return ok_status();
}

}  // namespace

Status require_root_or_opener(sd_bus_message* m, const ports::PortRecord& port, const Switch* sw,
                              const std::string& action) {
    auto c = query_caller(m, action);
    if (!c) return c.error();
    if (c->uid == 0) return ok_status();
    const std::string who = "uid " + std::to_string(c->uid);
    if (!port.opened || !port.owner || *port.owner != c->uid || !sw)
        return make_error(
            EPERM, "only root" +
                       (port.opened && port.owner
                            ? " and the uid that opened it (" + std::to_string(*port.owner) + ")"
                            : std::string()) +
                       " may " + action + " port " + quoted(port.ifname) + " (caller runs as " +
                       who + ")");
    if (auto g = require_root_or_group(m, *sw, action); !g) return g.error();
    return ok_status();
}

int method_open_adapter(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    return guarded([&] {
        Bus& bus = *static_cast<Bus*>(userdata);
        const char *sw = nullptr, *vm = nullptr, *mac_text = nullptr;
        int r = sd_bus_message_read(m, "sss", &sw, &vm, &mac_text);
        if (r < 0) return r;
        Switch* target = bus.manager().find_switch(sw);
        // Who may is known only once the switch is (its AllowGroup=); an
        // unknown switch says so to anyone, as ListSwitches would.
        if (!target) return reply_no_such_switch(error, sw);
        auto caller = require_root_or_group(m, *target, "open adapters");
        if (!caller) return reply_error(error, caller.error());
        ports::AdapterRequest req;
        req.vm = vm;
        if (*mac_text) {
            auto mac = ports::parse_port_mac(mac_text);
            if (!mac) return reply_error(error, mac.error());
            req.mac = *mac;
        }
        if (auto s = read_open_options(m, req); !s) return reply_error(error, s.error());
        auto opened = target->ports().open_adapter(req, caller->uid);
        if (!opened) return reply_error(error, opened.error());
        const ports::PortRecord& p = opened->port->record;
        bus.announce_port_added(p);
        // sd-bus dups the descriptor into the message; ours closes when
        // `opened` goes, so the caller's is then the TAP's last.
        return sd_bus_reply_method_return(m, "hsso", opened->fd.get(), p.ifname.c_str(),
                                          p.mac.to_string().c_str(), port_path(p.ifname).c_str());
    });
}

}  // namespace vswitch::bus
