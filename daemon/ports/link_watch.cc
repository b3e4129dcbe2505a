#include "daemon/ports/link_watch.h"

#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <sys/epoll.h>

#include "daemon/ports/link.h"

namespace vswitch::ports {

namespace {

constexpr int kMaxReadsPerWakeup = 64;
// Every link change in the namespace arrives here; a burst of attaches must
// not overflow it (an overrun costs a re-check of every port).
constexpr int kReceiveBufferBytes = 1 << 20;

// Collects RTM_DELLINK names; runs inside nl_recvmsgs, so nothing escapes.
int on_message(nl_msg* msg, void* arg) noexcept {
    auto* deleted = static_cast<std::vector<std::string>*>(arg);
    nlmsghdr* h = nlmsg_hdr(msg);
    if (h->nlmsg_type != RTM_DELLINK) return NL_OK;
    nlattr* tb[IFLA_MAX + 1] = {};
    if (nlmsg_parse(h, sizeof(ifinfomsg), tb, IFLA_MAX, nullptr) < 0 || !tb[IFLA_IFNAME]) return NL_OK;
    try {
        deleted->emplace_back(nla_get_string(tb[IFLA_IFNAME]),
                              strnlen(nla_get_string(tb[IFLA_IFNAME]), size_t(nla_len(tb[IFLA_IFNAME]))));
    } catch (...) {
    }
    return NL_OK;
}

}  // namespace

Result<std::unique_ptr<LinkWatch>> LinkWatch::create(sd_event* event, Fn fn) {
    const std::string what = "watching interfaces";
    SocketPtr sock(nl_socket_alloc());
    if (!sock) return make_error(ENOMEM, what);
    // Notifications carry no sequence numbers of ours.
    nl_socket_disable_seq_check(sock.get());
    if (int r = nl_connect(sock.get(), NETLINK_ROUTE); r < 0)
        return make_error(nl_error_to_errno(r), what + ": " + nl_geterror(r));
    if (int r = nl_socket_add_membership(sock.get(), RTNLGRP_LINK); r < 0)
        return make_error(nl_error_to_errno(r), what + ": joining RTNLGRP_LINK: " + nl_geterror(r));
    if (int r = nl_socket_set_nonblocking(sock.get()); r < 0)
        return make_error(nl_error_to_errno(r), what + ": " + nl_geterror(r));
    (void)nl_socket_set_buffer_size(sock.get(), kReceiveBufferBytes, 0);  // the default works too, if slower
    auto w = std::make_unique<LinkWatch>(Key(), std::move(sock), std::move(fn));
    nl_socket_modify_cb(w->sock_.get(), NL_CB_VALID, NL_CB_CUSTOM, on_message, &w->deleted_);
    sd_event_source* raw = nullptr;
    if (int r = sd_event_add_io(event, &raw, nl_socket_get_fd(w->sock_.get()), EPOLLIN, on_io, w.get()); r < 0)
        return errno_error(r, what + ": adding the socket to the loop");
    w->io_.reset(raw);
    return w;
}

int LinkWatch::on_io(sd_event_source*, int, uint32_t, void* userdata) noexcept {
    try {
        static_cast<LinkWatch*>(userdata)->receive();
    } catch (...) {
    }
    return 0;
}

void LinkWatch::receive() {
    deleted_.clear();
    bool overrun = false;
    nl_cb* cb = nl_socket_get_cb(sock_.get());
    // Bounded, so a storm of notifications cannot keep the loop here.
    for (int i = 0; i < kMaxReadsPerWakeup; ++i) {
        // The number of messages handled; 0 once the socket is drained.
        int r = nl_recvmsgs_report(sock_.get(), cb);
        if (r > 0) continue;
        // NLE_NOMEM is how libnl reports the kernel's ENOBUFS: the socket
        // buffer overflowed and notifications were lost.
        if (r == -NLE_NOMEM) {
            overrun = true;
            continue;
        }
        break;
    }
    nl_cb_put(cb);
    if (!deleted_.empty() || overrun) fn_(deleted_, overrun);
}

}  // namespace vswitch::ports
