// PortSet::open_adapter (issue 19): the TAP of an unprivileged QEMU, handed
// over as a descriptor. Unlike attach_adapter's persistent TAPs, the kernel
// ties it to the descriptors: the daemon closes its own after the D-Bus
// reply, so when the caller (QEMU, vswitchctl qemu) exits the TAP is deleted
// and the PortStore's link watch forgets the port (PortEvent::vanished,
// PortDetached on the bus); heal.cc does not make it again.
#include "daemon/log.h"
#include "daemon/ports/port_set.h"
#include "daemon/ports/port_store.h"
#include "daemon/ports/tap.h"
#include "libvswitch/base/text.h"

namespace vswitch::ports {

namespace {

constexpr const char* kOpenTapNamePattern = "vstap%d";

}  // namespace

Result<PortSet::Opened> PortSet::open_adapter(const AdapterRequest& req, uint32_t opener) {
    if (auto s = validate_vm_name(req.vm, false); !s) return s.error();
    if (req.mtu) {
        if (auto s = validate_mtu(*req.mtu); !s) return s.error();
    }
    auto bridge = bridge_link();
    if (!bridge) return bridge.error();
    if (req.mac) {
        // Never idempotent: each call is a new TAP and a new descriptor.
        if (const Port* p = store_.find_by_mac(*req.mac))
            return make_error(EEXIST, "MAC " + req.mac->to_string() + " is already used by port " +
                                          quoted(p->record.ifname) + " of VM " +
                                          quoted(p->record.vm));
    }
    if (auto s = check_room(); !s) return s.error();

    PortRecord p;
    p.switch_name = switch_name_;
    p.vm = req.vm;
    if (req.mac) {
        p.mac = *req.mac;
    } else {
        auto m = pick_mac(req.vm);
        if (!m) return m.error();
        p.mac = *m;
    }
    p.created = true;
    p.opened = true;
    p.multi_queue = req.multi_queue;
    p.owner = opener;
    p.mtu = req.mtu.value_or(0);

    auto tap = create_open_tap(TapSpec{kOpenTapNamePattern, opener, std::nullopt, req.multi_queue});
    if (!tap) return tap.error();
    p.ifname = tap->name;
    auto link = netlink::get_link(sock_, p.ifname);
    Status s = link ? plug(p, *link, *bridge) : Status(link.error());
    // On failure the descriptor closes on return and the kernel deletes the
    // TAP: nothing half made stays.
    if (!s) return s.error().context("opening an adapter for VM " + quoted(req.vm));
    const Port& port = insert(p);
    store_.changed();
    log::info("opened TAP '" + p.ifname + "' of VM '" + p.vm + "' on switch '" + p.switch_name +
                  "' for uid " + std::to_string(opener),
              {{"VSWITCH_SWITCH", p.switch_name}, {"VSWITCH_PORT", p.ifname}});
    notify(PortEvent::attached, port.record);
    return Opened{&port, std::move(tap->fd)};
}

}  // namespace vswitch::ports
