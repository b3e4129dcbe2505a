// PortSet's side of the port guards (issue 17): a port's effective
// settings, a setting changed over the bus, and the one guard the kernel's
// bridge enforces itself (port isolation). The nft guards are compiled by
// the Manager from security_of() (daemon/manager_guards.cc).
#include "daemon/log.h"
#include "daemon/netlink/bandwidth.h"
#include "daemon/netlink/port_isolation.h"
#include "daemon/ports/port_set.h"
#include "daemon/ports/port_store.h"
#include "libvswitch/base/text.h"
#include "libvswitch/ports/bandwidth.h"

namespace vswitch::ports {

PortSecurity PortSet::security_of(const PortRecord& p) const {
    return effective_security(security_defaults_, origin_of(p), p.security);
}

// At a plug only an isolated port needs a request (a fresh or re-plugged
// port is not isolated); a change sets the flag either way.
Status PortSet::apply_isolation(const PortRecord& p, const netlink::LinkInfo& link, bool on_plug) {
    bool isolated = security_of(p).isolated;
    if (on_plug && !isolated) return ok_status();
    return netlink::set_port_isolated(sock_, link.ifindex, isolated);
}

Result<bool> PortSet::set_security(std::string_view ifname, SecurityKey key,
                                   std::optional<bool> value) {
    auto it = ports_.find(ifname);
    if (it == ports_.end()) return make_error(ENODEV, "no port " + quoted(ifname));
    PortRecord& p = it->second.record;
    if (p.adopted)
        return make_error(EINVAL, "port " + quoted(ifname) +
                                      " is a member found on the bridge, whose settings would not "
                                      "survive a restart; plug it in with AttachInterface first");
    const PortRecord before = p;
    p.security.at(key) = value;
    const bool changed = security_of(before) != security_of(p);
    if (p == before) return false;
    const std::string what = std::string(to_string(key)) + " of port " + quoted(ifname);

    bool isolation_set = false;
    auto undo = [&] {
        p = before;
        if (isolation_set) {
            if (auto link = netlink::get_link(sock_, p.ifname))
                (void)apply_isolation(p, *link, false);
        }
        if (changed && apply_guards_) (void)apply_guards_();
    };
    if (key == SecurityKey::isolated && changed) {
        auto link = netlink::get_link(sock_, p.ifname);
        Status s = link ? apply_isolation(p, *link, false) : Status(link.error());
        if (!s) {
            p = before;
            return s.error().context("setting " + what);
        }
        isolation_set = true;
    }
    if (changed && apply_guards_) {
        if (auto s = apply_guards_(); !s) {
            undo();
            return s.error().context("setting " + what);
        }
    }
    store_.changed();
    if (auto s = store_.flush(); !s) {
        // Not acknowledged, so not kept: the kernel goes back too.
        undo();
        store_.changed();
        return s.error().context("saving " + what);
    }
    log::info("port " + quoted(ifname) + ": " + std::string(to_string(key)) + "=" +
                  (value ? (*value ? "yes" : "no") : "(switch default)"),
              {{"VSWITCH_PORT", std::string(ifname)}, {"VSWITCH_SWITCH", switch_name_}});
    return changed;
}

// At a plug only a limited port needs requests; a change applies either way.
Status PortSet::apply_bandwidth(const PortRecord& p, const netlink::LinkInfo& link, bool on_plug) {
    const uint64_t bits = security_of(p).maximum_bandwidth;
    if (bits == 0) return on_plug ? ok_status() : netlink::remove_bandwidth(sock_, link.ifindex, p.ifname);
    return netlink::apply_bandwidth(sock_, link.ifindex, p.ifname, bits);
}

void PortSet::drop_bandwidth(const PortRecord& p, bool interface_gone) {
    if (p.adopted || security_of(p).maximum_bandwidth == 0) return;
    int ifindex = 0;
    if (!interface_gone) {
        if (auto link = netlink::get_link(sock_, p.ifname)) ifindex = link->ifindex;
    }
    if (auto s = netlink::remove_bandwidth(sock_, ifindex, p.ifname); !s)
        log::warning(s.error().context("removing the MaximumBandwidth of port " + quoted(p.ifname)).message +
                         ", ignoring",
                     {{"VSWITCH_PORT", p.ifname}, {"VSWITCH_SWITCH", switch_name_}});
}

Result<bool> PortSet::set_bandwidth(std::string_view ifname, std::optional<uint64_t> bits) {
    if (bits) {
        if (auto s = validate_bandwidth(*bits); !s) return s.error();
    }
    auto it = ports_.find(ifname);
    if (it == ports_.end()) return make_error(ENODEV, "no port " + quoted(ifname));
    PortRecord& p = it->second.record;
    if (p.adopted)
        return make_error(EINVAL, "port " + quoted(ifname) +
                                      " is a member found on the bridge, whose settings would not "
                                      "survive a restart; plug it in with AttachInterface first");
    const PortRecord before = p;
    p.security.maximum_bandwidth = bits;
    const bool changed = security_of(before).maximum_bandwidth != security_of(p).maximum_bandwidth;
    if (p == before) return false;
    const std::string what = "MaximumBandwidth of port " + quoted(ifname);
    auto link = netlink::get_link(sock_, p.ifname);
    bool applied = false;
    auto undo = [&] {
        p = before;
        if (applied && link) (void)apply_bandwidth(p, *link, false);
    };
    if (changed) {
        if (!link) {
            p = before;
            return link.error().context("setting " + what);
        }
        applied = true;  // even a failed request may have left a part in place
        if (auto s = apply_bandwidth(p, *link, false); !s) {
            undo();
            return s.error().context("setting " + what);
        }
    }
    store_.changed();
    if (auto s = store_.flush(); !s) {
        undo();
        store_.changed();
        return s.error().context("saving " + what);
    }
    log::info("port " + quoted(ifname) + ": MaximumBandwidth=" +
                  (bits ? format_bit_rate(*bits) : std::string("(switch default)")),
              {{"VSWITCH_PORT", std::string(ifname)}, {"VSWITCH_SWITCH", switch_name_}});
    return changed;
}

unsigned PortSet::repair_bandwidth() {
    unsigned repaired = 0;
    for (auto& [name, port] : ports_) {
        const PortRecord& p = port.record;
        if (p.adopted || security_of(p).maximum_bandwidth == 0) continue;
        auto link = netlink::get_link(sock_, p.ifname);
        if (!link) continue;  // a vanished port is the link watch's
        auto intact = netlink::bandwidth_intact(sock_, link->ifindex, p.ifname);
        if (intact && *intact) continue;
        Status s = intact ? apply_bandwidth(p, *link, false) : Status(intact.error());
        if (!s) {
            log::warning(s.error().context("repairing the MaximumBandwidth of port " + quoted(name)).message +
                             ", ignoring",
                         {{"VSWITCH_PORT", name}, {"VSWITCH_SWITCH", switch_name_}});
            continue;
        }
        ++repaired;
        log::notice("port " + quoted(name) + ": its MaximumBandwidth qdiscs were removed by someone else, put back (" +
                        format_bit_rate(security_of(p).maximum_bandwidth) + " bit/s)",
                    {{"VSWITCH_PORT", name}, {"VSWITCH_SWITCH", switch_name_}});
    }
    return repaired;
}

}  // namespace vswitch::ports
