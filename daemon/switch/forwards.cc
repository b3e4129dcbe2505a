// A switch's port forwards (issue 16). Configured ones come from the
// switch's [PortForward] sections; runtime ones are added over D-Bus and
// kept in <state-dir>/<switch>.forwards, written atomically (fsync) before
// the reply, so an acknowledged forward survives a kill -9. Each target is
// resolved from the ports and leases whenever the nft table is built
// (forward_entries); the Manager asks forwards_moved() after every lease
// and port change and re-applies the table when a target moved.
#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "daemon/log.h"
#include "daemon/switch/runtime_records.h"
#include "daemon/switch/switch.h"
#include "libvswitch/base/fd.h"
#include "libvswitch/base/text.h"

namespace vswitch {

namespace {

constexpr std::string_view kForwardsCorrupt = "forwards-file-corrupt";

Status write_sysctl(const std::string& path, bool on) {
    const std::string what = "setting '" + path + "' to " + (on ? "1" : "0");
    Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd) return errno_error(errno, what);
    ssize_t n;
    do n = ::write(fd.get(), on ? "1\n" : "0\n", 2);
    while (n < 0 && errno == EINTR);
    if (n != 2) return errno_error(n < 0 ? errno : EIO, what);
    return {};
}

}  // namespace

std::string Switch::forwards_path() const {
    return services_.state_dir + "/" + config_.name + ".forwards";
}

void Switch::load_forwards() {
    const std::string path = forwards_path();
    runtime_forwards_ = load_runtime_records(config_.name, path, forward::load_forward_file(path), config_.forwards, &forward::check_forwards, problems_,
                              {"forwards file", kForwardsCorrupt, "fix the file and move it back, then restart vswitchd, or add the forwards again"});
}

forward::Tables Switch::forward_tables() const {
    forward::Tables t;
    t.subnet = subnet_;
    t.gateway = gateway_;
    for (const ports::Port* p : ports_.list())
        t.ports.push_back({p->record.ifname, p->record.vm, p->record.mac});
    for (const auto& l : leases()) t.leases.push_back({l.mac, l.address, l.hostname});
    return t;
}

std::vector<Switch::ForwardRow> Switch::forwards() const {
    std::vector<ForwardRow> out;
    if (config_.forwards.empty() && runtime_forwards_.empty()) return out;
    const forward::Resolver resolver(forward_tables());
    auto row = [&](const forward::Forward& f, bool configured) {
        // A private switch has no address for the host to forward to.
        std::optional<Ipv4> a;
        // A configured one that today's subnet makes bad (a gateway port
        // the daemon serves) stays inactive.
        if (type() == SwitchType::nat &&
            forward::check_forward_on_switch(f, subnet_, gateway_, config_.name))
            a = resolver.resolve(f);
        out.push_back({f, configured, a});
    };
    for (const auto& f : config_.forwards) row(f, true);
    for (const auto& f : runtime_forwards_) row(f, false);
    return out;
}

std::vector<nft::ForwardEntry> Switch::forward_entries() const {
    std::vector<nft::ForwardEntry> out;
    for (const auto& row : forwards()) {
        if (!row.address) continue;
        const forward::Forward& f = row.forward;
        for (uint8_t proto : {uint8_t(IPPROTO_TCP), uint8_t(IPPROTO_UDP)}) {
            if (f.protocol != forward::Protocol::both &&
                (f.protocol == forward::Protocol::tcp) != (proto == IPPROTO_TCP))
                continue;
            for (uint32_t i = 0; i < f.host_ports.size(); ++i)
                out.push_back({proto, f.host_address, uint16_t(f.host_ports.first + i),
                               *row.address, uint16_t(f.target_port + i), f.allow_from});
        }
    }
    return out;
}

bool Switch::forwards_moved() {
    std::vector<std::optional<Ipv4>> now;
    for (const auto& row : forwards()) now.push_back(row.address);
    if (now == forwards_seen_) return false;
    forwards_seen_ = std::move(now);
    return true;
}

void Switch::apply_route_localnet(bool force) {
    const bool want =
        type() == SwitchType::nat && !(config_.forwards.empty() && runtime_forwards_.empty());
    if (!force && route_localnet_ == want) return;
    if (!force && !route_localnet_ && !want) return;  // never touched: leave it
    const std::string path = "/proc/sys/net/ipv4/conf/" + config_.bridge + "/route_localnet";
    if (auto st = write_sysctl(path, want); !st) {
        log::warning("switch '" + config_.name + "': " + st.error().message +
                         ": forwards through 127.0.0.1 will not reach guests, ignoring",
                     {{"VSWITCH_SWITCH", config_.name}});
        return;
    }
    route_localnet_ = want;
}

Result<Switch::ForwardRow> Switch::add_forward(forward::Forward f) {
    const std::string what = "forwarding " + f.id() + " on switch '" + config_.name + "'";
    if (type() != SwitchType::nat)
        return make_error(EINVAL, what + ": only a nat switch forwards ports (this one is " +
                                      std::string(to_string(type())) + ")");
    if (auto st = forward::check_forward_on_switch(f, subnet_, gateway_, config_.name); !st)
        return st.error().context(what);
    std::vector<forward::Forward> all = config_.forwards;
    all.insert(all.end(), runtime_forwards_.begin(), runtime_forwards_.end());
    all.push_back(f);
    if (auto st = forward::check_forwards(all); !st) return st.error().context(what);
    auto before = runtime_forwards_;
    runtime_forwards_.push_back(f);
    // The table first: a kernel refusal leaves nothing on the disk; then the
    // file, before the reply; a failure there takes the table back.
    apply_route_localnet();
    if (auto st = services_.host->apply_firewall(); !st) {
        runtime_forwards_ = std::move(before);
        (void)services_.host->apply_firewall();
        apply_route_localnet();
        return st.error().context(what);
    }
    if (auto st = forward::save_forward_file(forwards_path(), runtime_forwards_); !st) {
        runtime_forwards_ = std::move(before);
        (void)services_.host->apply_firewall();
        apply_route_localnet();
        return st.error().context(what);
    }
    forwards_moved();  // what the table now holds
    ForwardRow row{
        f, false, type() == SwitchType::nat ? forward::resolve(f, forward_tables()) : std::nullopt};
    log::info("switch '" + config_.name + "': forwarding " + f.id() + " to " + quoted(f.target) +
                  " port " + std::to_string(f.target_port) +
                  (row.address ? " (now " + row.address->to_string() + ")"
                               : " (inactive: no address yet)"),
              {{"VSWITCH_SWITCH", config_.name}});
    return row;
}

Status Switch::remove_forward(std::string_view id) {
    const std::string what =
        "removing the forward " + quoted(id) + " on switch '" + config_.name + "'";
    auto key = forward::parse_forward_id(id);
    if (!key) return key.error().context(what);
    for (const auto& c : config_.forwards)
        if (forward::matches(c, *key))
            return make_error(
                EINVAL, what + ": it is configured in " + config_.source + "; remove it there");
    auto it = std::find_if(runtime_forwards_.begin(), runtime_forwards_.end(),
                           [&](const forward::Forward& f) { return forward::matches(f, *key); });
    if (it == runtime_forwards_.end()) return make_error(ENOENT, what + ": no such forward");
    auto before = runtime_forwards_;
    runtime_forwards_.erase(it);
    if (auto st = services_.host->apply_firewall(); !st) {
        runtime_forwards_ = std::move(before);
        (void)services_.host->apply_firewall();
        return st.error().context(what);
    }
    if (auto st = forward::save_forward_file(forwards_path(), runtime_forwards_); !st) {
        runtime_forwards_ = std::move(before);
        (void)services_.host->apply_firewall();
        return st.error().context(what);
    }
    apply_route_localnet();
    forwards_moved();
    log::info("switch '" + config_.name + "': forward " + quoted(id) + " removed",
              {{"VSWITCH_SWITCH", config_.name}});
    return {};
}

}  // namespace vswitch
