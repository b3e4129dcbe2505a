#include "daemon/netlink/bridge.h"

#include <linux/if_link.h>

#include <array>
#include <string>

#include "daemon/netlink/link.h"
#include "libvswitch/base/hash.h"
#include "libvswitch/base/text.h"

namespace vswitch::netlink {

namespace {

constexpr const char* kBridgeKind = "bridge";

std::string describe_kind(const std::string& k) {
    if (k.empty()) return "a device without a link kind (a physical or loopback interface)";
    bool vowel = std::string_view("aeiou").find(k[0]) != std::string_view::npos;
    return (vowel ? "an " : "a ") + k;
}

// What one RTM_NEWLINK for the bridge carries; unset fields are left out.
struct BridgeSettings {
    std::optional<Mac> address;
    std::optional<uint32_t> mtu;
    std::optional<uint32_t> stp_state;
    std::optional<uint32_t> forward_delay;
};

// RTM_NEWLINK carrying the bridge attributes libnl-route has no setters for
// (IFLA_BR_STP_STATE, IFLA_BR_FORWARD_DELAY), built with libnl's message
// API on the same socket. ifindex 0 creates (NLM_F_EXCL: never silently
// take over a link that appeared meanwhile); otherwise the existing bridge
// is changed in place.
Status send_bridge_settings(RouteSocket& sock, const std::string& name, int ifindex,
                            const BridgeSettings& settings) {
    const int flags = ifindex == 0 ? NLM_F_CREATE | NLM_F_EXCL : 0;
    MsgHandle msg(nlmsg_alloc_simple(RTM_NEWLINK, flags));
    if (!msg) return make_error(ENOMEM, "allocating a netlink message: out of memory");
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    ifi.ifi_index = ifindex;
    nl_msg* m = msg.get();
    auto put_u32 = [m](int type, std::optional<uint32_t> v) { return !v || nla_put_u32(m, type, *v) >= 0; };
    nlattr* linkinfo = nullptr;
    nlattr* data = nullptr;
    bool built = nlmsg_append(m, &ifi, sizeof ifi, NLMSG_ALIGNTO) >= 0 &&
                 nla_put_string(m, IFLA_IFNAME, name.c_str()) >= 0 &&
                 (!settings.address ||
                  nla_put(m, IFLA_ADDRESS, int(settings.address->bytes().size()),
                          settings.address->bytes().data()) >= 0) &&
                 put_u32(IFLA_MTU, settings.mtu) &&
                 (linkinfo = nla_nest_start(m, IFLA_LINKINFO)) != nullptr &&
                 nla_put_string(m, IFLA_INFO_KIND, kBridgeKind) >= 0 &&
                 (data = nla_nest_start(m, IFLA_INFO_DATA)) != nullptr &&
                 put_u32(IFLA_BR_STP_STATE, settings.stp_state) &&
                 put_u32(IFLA_BR_FORWARD_DELAY, settings.forward_delay) &&
                 nla_nest_end(m, data) >= 0 && nla_nest_end(m, linkinfo) >= 0;
    if (!built) return make_error(EMSGSIZE, "building the request: message too large");
    // nl_send_sync frees the message whatever happens, and waits for the ack.
    nl_sock* sk = sock.get();
    if (!sk) return make_error(EBADF, "no rtnetlink socket");
    if (int err = nl_send_sync(sk, msg.release()); err < 0) return sock.error(err, "");
    return {};
}

}  // namespace

Mac stable_bridge_mac(std::string_view bridge_name) {
    // A fixed hash (base/hash.h) of a prefix and the name: the same on every boot and
    // build, different per bridge.
    uint64_t h = fnv1a(bridge_name, fnv1a(std::string_view("vswitch-bridge-mac\0", 19)));
    std::array<uint8_t, 6> b{};
    for (auto& byte : b) {
        byte = uint8_t(h);
        h >>= 8;
    }
    b[0] = uint8_t((b[0] & 0xfc) | 0x02);  // locally administered, unicast
    return Mac(b);
}

Result<int> ensure_bridge(RouteSocket& sock, std::string_view name_view, std::optional<uint32_t> mtu) {
    if (auto ok = check_ifname_length(name_view); !ok) return ok.error();
    const std::string name(name_view);
    auto existing = get_link(sock, name);
    if (!existing && existing.error().code != ENODEV) return existing.error();
    const bool adopt = existing.ok();
    const std::string what = (adopt ? "configuring existing bridge " : "creating bridge ") + quoted(name);
    int ifindex = 0;
    if (adopt) {
        if (existing->kind != kBridgeKind)
            return make_error(EEXIST, "interface " + quoted(name) + " exists but is " +
                                          describe_kind(existing->kind) + ", not a bridge");
        ifindex = existing->ifindex;
    }
    if (!adopt) {
        // A new bridge starts with STP off, so one request sets everything.
        // Its MAC is given explicitly: a bridge with a kernel-chosen MAC
        // takes the lowest MAC of its ports, so the guests' gateway would
        // change MAC whenever a VM comes or goes (libvirt pins it too).
        BridgeSettings settings{stable_bridge_mac(name), mtu, 0, 0};
        if (auto sent = send_bridge_settings(sock, name, 0, settings); !sent)
            return sent.error().context(what);
    } else {
        // The kernel checks the forward delay against STP's 2..30 s range
        // while STP is still on (it applies IFLA_BR_FORWARD_DELAY before
        // IFLA_BR_STP_STATE), so on a bridge someone left with STP on,
        // STP must go off in a request of its own first.
        if (auto sent = send_bridge_settings(sock, name, ifindex, {std::nullopt, mtu, 0, std::nullopt}); !sent)
            return sent.error().context(what + ": turning STP off");
        if (auto sent = send_bridge_settings(sock, name, ifindex, {std::nullopt, std::nullopt, std::nullopt, 0});
            !sent)
            return sent.error().context(what + ": setting forward delay 0");
    }
    if (adopt) return ifindex;

    auto created = get_link(sock, name);
    if (!created) return created.error().context("bridge " + quoted(name) + " right after its creation");
    return created->ifindex;
}

}  // namespace vswitch::netlink
