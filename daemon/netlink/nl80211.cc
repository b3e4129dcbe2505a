#include "daemon/netlink/nl80211.h"

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/nl80211.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cstring>
#include <ctime>

#include "libvswitch/base/handle.h"

namespace vswitch::netlink {

namespace {

using Socket = UniqueHandle<mnl_socket, mnl_socket_close>;

// One request, its replies to cb until the ACK or an error; false on any failure.
bool ask(mnl_socket* sock, nlmsghdr* req, mnl_cb_t cb, void* data) {
    uint32_t seq = req->nlmsg_seq;
    if (mnl_socket_sendto(sock, req, req->nlmsg_len) < 0) return false;
    char buf[8192];
    uint32_t port = mnl_socket_get_portid(sock);
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(sock, buf, sizeof buf);
        if (n <= 0) return false;
        int r = mnl_cb_run(buf, size_t(n), seq, port, cb, data);
        if (r <= MNL_CB_STOP) return r == MNL_CB_STOP;
    }
}

nlmsghdr* genl_request(char* buf, uint16_t family, uint8_t cmd, uint32_t seq) {
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = family;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    nlh->nlmsg_seq = seq;
    auto* g = static_cast<genlmsghdr*>(mnl_nlmsg_put_extra_header(nlh, sizeof(genlmsghdr)));
    g->cmd = cmd;
    g->version = 1;
    return nlh;
}

int family_attr(const nlattr* a, void* data) {
    if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID && mnl_attr_validate(a, MNL_TYPE_U16) == 0)
        *static_cast<uint16_t*>(data) = mnl_attr_get_u16(a);
    return MNL_CB_OK;
}

int on_family(const nlmsghdr* nlh, void* data) {
    return mnl_attr_parse(nlh, sizeof(genlmsghdr), family_attr, data);
}

struct Found {
    bool seen = false;
    WirelessMode mode;
};

int interface_attr(const nlattr* a, void* data) {
    auto* f = static_cast<Found*>(data);
    if (mnl_attr_get_type(a) == NL80211_ATTR_IFTYPE && mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
        f->mode.iftype = int(mnl_attr_get_u32(a));
        f->seen = true;
    }
    if (mnl_attr_get_type(a) == NL80211_ATTR_4ADDR && mnl_attr_validate(a, MNL_TYPE_U8) == 0)
        f->mode.four_address = mnl_attr_get_u8(a) != 0;
    return MNL_CB_OK;
}

int on_interface(const nlmsghdr* nlh, void* data) {
    return mnl_attr_parse(nlh, sizeof(genlmsghdr), interface_attr, data);
}

}  // namespace

std::optional<WirelessMode> wireless_mode(int ifindex) {
    Socket sock(mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC));
    if (!sock || mnl_socket_bind(sock.get(), 0, MNL_SOCKET_AUTOPID) < 0) return std::nullopt;
    timeval tv{1, 0};  // the kernel answers at once; never hang the start
    setsockopt(mnl_socket_get_fd(sock.get()), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    auto seq = uint32_t(std::time(nullptr));
    char buf[MNL_SOCKET_BUFFER_SIZE];
    nlmsghdr* req = genl_request(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, seq);
    mnl_attr_put_strz(req, CTRL_ATTR_FAMILY_NAME, NL80211_GENL_NAME);
    uint16_t family = 0;
    if (!ask(sock.get(), req, on_family, &family) || family == 0) return std::nullopt;
    req = genl_request(buf, family, NL80211_CMD_GET_INTERFACE, seq + 1);
    mnl_attr_put_u32(req, NL80211_ATTR_IFINDEX, uint32_t(ifindex));
    Found found;
    if (!ask(sock.get(), req, on_interface, &found) || !found.seen) return std::nullopt;
    return found.mode;
}

}  // namespace vswitch::netlink
