#include "daemon/firewall/firewall.h"

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <cstring>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "libvswitch/nft/ruleset.h"

namespace vswitch::firewall {

namespace {

// What the kernel said about one message of the batch.
struct Reply {
    int error = 0;       // 0 = acknowledged, else negative errno
    std::string extack;  // the kernel's own words, when it gives them
};

// The extended-ack message (NLMSGERR_ATTR_MSG) of an error reply, if any.
std::string extack_message(const nlmsghdr* nlh, const nlmsgerr& err) {
    if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS)) return {};
    // The TLVs follow the nlmsgerr and, unless capped, the echoed request.
    size_t offset = sizeof(nlmsgerr);
    if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) offset += err.msg.nlmsg_len - sizeof(nlmsghdr);
    if (offset > mnl_nlmsg_get_payload_len(nlh)) return {};
    auto* tail = static_cast<const char*>(mnl_nlmsg_get_payload_tail(nlh));
    auto* attr = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(nlh, offset));
    for (; mnl_attr_ok(attr, int(tail - reinterpret_cast<const char*>(attr)));
         attr = mnl_attr_next(attr)) {
        if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
            mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0) {
            return mnl_attr_get_str(attr);
        }
    }
    return {};
}

// Whether a notification is about inet vswitch: every nf_tables object
// message names its table in attribute 1 (NFTA_TABLE_NAME, NFTA_CHAIN_TABLE,
// NFTA_SET_TABLE, NFTA_SET_ELEM_LIST_TABLE, NFTA_RULE_TABLE).
bool about_our_table(const nlmsghdr* nlh) {
    if (mnl_nlmsg_get_payload_len(nlh) < sizeof(nfgenmsg)) return false;
    nfgenmsg g{};
    std::memcpy(&g, mnl_nlmsg_get_payload(nlh), sizeof g);
    // Ours: inet vswitch, and the port guards' bridge vswitch (port_guard.h).
    if (g.nfgen_family != NFPROTO_INET && g.nfgen_family != NFPROTO_BRIDGE) return false;
    const std::string_view name = g.nfgen_family == NFPROTO_INET ? nft::kTableName : nft::kGuardTableName;
    auto* tail = static_cast<const char*>(mnl_nlmsg_get_payload_tail(nlh));
    auto* attr = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(nlh, sizeof(nfgenmsg)));
    for (; mnl_attr_ok(attr, int(tail - reinterpret_cast<const char*>(attr)));
         attr = mnl_attr_next(attr)) {
        if (mnl_attr_get_type(attr) == 1 && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0) {
            return name == mnl_attr_get_str(attr);
        }
    }
    return false;
}

// The string attribute of a notification, "" when absent.
std::string string_attr(const nlmsghdr* nlh, uint16_t type) {
    auto* tail = static_cast<const char*>(mnl_nlmsg_get_payload_tail(nlh));
    auto* attr = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(nlh, sizeof(nfgenmsg)));
    for (; mnl_attr_ok(attr, int(tail - reinterpret_cast<const char*>(attr)));
         attr = mnl_attr_next(attr)) {
        if (mnl_attr_get_type(attr) == type && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
            return mnl_attr_get_str(attr);
    }
    return {};
}

// The change a notification about inet vswitch stands for, in words.
std::string describe_change(const nlmsghdr* nlh) {
    switch (nlh->nlmsg_type & 0xff) {
    case NFT_MSG_DELTABLE: return "table deleted";
    case NFT_MSG_DELCHAIN: return "chain '" + string_attr(nlh, NFTA_CHAIN_NAME) + "' deleted";
    case NFT_MSG_DELRULE: return "rules of chain '" + string_attr(nlh, NFTA_RULE_CHAIN) + "' deleted";
    case NFT_MSG_DELSET: return "set '" + string_attr(nlh, NFTA_SET_NAME) + "' deleted";
    case NFT_MSG_DELSETELEM: return "elements of set '" + string_attr(nlh, NFTA_SET_ELEM_LIST_SET) + "' deleted";
    case NFT_MSG_NEWRULE: return "rule added to chain '" + string_attr(nlh, NFTA_RULE_CHAIN) + "'";
    default: return "table changed";
    }
}

// A NEWGEN notification names the process that committed the generation
// (Linux 5.x: NFTA_GEN_PROC_PID, NFTA_GEN_PROC_NAME).
void note_generation(const nlmsghdr* nlh, Notifications& out) {
    if (mnl_nlmsg_get_payload_len(nlh) < sizeof(nfgenmsg)) return;
    auto* tail = static_cast<const char*>(mnl_nlmsg_get_payload_tail(nlh));
    auto* attr = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(nlh, sizeof(nfgenmsg)));
    for (; mnl_attr_ok(attr, int(tail - reinterpret_cast<const char*>(attr)));
         attr = mnl_attr_next(attr)) {
        if (mnl_attr_get_type(attr) == NFTA_GEN_PROC_PID && mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
            out.pid = ntohl(mnl_attr_get_u32(attr));
        if (mnl_attr_get_type(attr) == NFTA_GEN_PROC_NAME &&
            mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
            out.process = mnl_attr_get_str(attr);
    }
}

}  // namespace

Result<Firewall> Firewall::create() {
    Socket socket(mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC));
    if (!socket) return errno_error(errno, "opening a netfilter netlink socket");
    if (mnl_socket_bind(socket.get(), 0, MNL_SOCKET_AUTOPID) < 0) {
        return errno_error(errno, "binding a netfilter netlink socket");
    }
    // Best effort, both: CAP_ACK keeps error replies small (no echo of the
    // request), EXT_ACK lets the kernel say why it refused.
    int one = 1;
    mnl_socket_setsockopt(socket.get(), NETLINK_CAP_ACK, &one, sizeof one);
    mnl_socket_setsockopt(socket.get(), NETLINK_EXT_ACK, &one, sizeof one);
    // A whole batch goes in one sendmsg(): the send buffer must hold the
    // largest (the port guards of many ports exceed the default 208 KiB).
    // FORCE needs CAP_NET_ADMIN, which applying needs anyway.
    int sndbuf = int(nft::kMaxBatchBytes + 4096);
    if (setsockopt(mnl_socket_get_fd(socket.get()), SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf) < 0)
        (void)setsockopt(mnl_socket_get_fd(socket.get()), SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    uint32_t port_id = mnl_socket_get_portid(socket.get());
    // Seeded from the clock like nft does, so that replies meant for an
    // earlier process on a reused port id cannot match.
    auto first_seq = uint32_t(std::time(nullptr));
    return Firewall(std::move(socket), port_id, first_seq);
}

Status Firewall::apply(const nft::Ruleset& ruleset) {
    auto batch = nft::compile(ruleset, next_seq_);
    if (!batch) return batch.error();
    return send(*batch);
}

Status Firewall::remove() {
    auto batch = nft::remove_table_batch(next_seq_);
    if (!batch) return batch.error().context("removing table inet vswitch");
    return send(*batch);
}

Status Firewall::send(const nft::Batch& batch) {
    next_seq_ = batch.last_seq() + 1;
    auto bytes = batch.bytes();
    int fd = mnl_socket_get_fd(socket_.get());

    // Replies left over from an earlier call (none expected) must not be
    // taken for this batch's; their seqs differ, but drop them anyway.
    std::vector<uint8_t> buf(kReceiveBufferSize);
    while (::recv(fd, buf.data(), buf.size(), MSG_DONTWAIT) > 0) {
    }

    if (mnl_socket_sendto(socket_.get(), bytes.data(), bytes.size()) < 0) {
        return errno_error(errno, "sending nftables batch");
    }

    std::map<uint32_t, Reply> replies;  // by offset of the seq from first_seq()
    for (;;) {
        ssize_t n = ::recv(fd, buf.data(), buf.size(), MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (n < 0) return errno_error(errno, "reading nftables acknowledgements");
        if (size_t(n) > buf.size())
            return make_error(EMSGSIZE, "nftables reply larger than the receive buffer");
        int len = int(n);
        auto* nlh = reinterpret_cast<const nlmsghdr*>(buf.data());
        for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
            if (nlh->nlmsg_pid != 0 && nlh->nlmsg_pid != port_id_) {
                return make_error(EPROTO, "nftables reply for port id " +
                                              std::to_string(nlh->nlmsg_pid) + ", expected " +
                                              std::to_string(port_id_));
            }
            // Offsets from BATCH_BEGIN, so that a wrapping seq still sorts.
            uint32_t offset = nlh->nlmsg_seq - batch.first_seq();
            if (offset >= batch.message_count() || nlh->nlmsg_type != NLMSG_ERROR)
                continue;  // not ours
            if (mnl_nlmsg_get_payload_len(nlh) < sizeof(nlmsgerr)) {
                return make_error(EBADMSG, "truncated nftables acknowledgement");
            }
            nlmsgerr err{};
            std::memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof err);
            replies[offset] =
                Reply{err.error, err.error ? extack_message(nlh, err) : std::string()};
        }
    }

    // The first refusal is the cause; later ones usually follow from it.
    // One on BATCH_BEGIN (EPERM without CAP_NET_ADMIN) refuses the batch.
    auto action = [&](uint32_t offset) {
        std::string_view a = batch.action(batch.first_seq() + offset);
        return a.empty() ? std::string_view("applying nftables batch") : a;
    };
    for (const auto& [offset, reply] : replies) {
        if (reply.error == 0) continue;
        Error e = errno_error(reply.error, action(offset));
        if (!reply.extack.empty()) e.message += " (" + reply.extack + ")";
        return e;
    }
    for (uint32_t offset = 1; offset + 1 < batch.message_count(); ++offset) {
        if (!replies.count(offset)) {
            return make_error(
                EPROTO, "no acknowledgement from the kernel for " + std::string(action(offset)));
        }
    }
    return {};
}

Status Firewall::start_monitor() {
    Socket monitor(mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!monitor) return errno_error(errno, "opening a netfilter monitor socket");
    if (mnl_socket_bind(monitor.get(), 0, MNL_SOCKET_AUTOPID) < 0) {
        return errno_error(errno, "binding a netfilter monitor socket");
    }
    int group = NFNLGRP_NFTABLES;
    if (mnl_socket_setsockopt(monitor.get(), NETLINK_ADD_MEMBERSHIP, &group, sizeof group) < 0) {
        return errno_error(errno, "subscribing to nftables notifications");
    }
    monitor_ = std::move(monitor);
    return {};
}

int Firewall::monitor_fd() const {
    return monitor_ ? mnl_socket_get_fd(monitor_.get()) : -1;
}

Result<bool> Firewall::table_changed_by_others() {
    auto n = read_notifications();
    if (!n) return n.error();
    return n->ours;
}

Result<Notifications> Firewall::read_notifications() {
    if (!monitor_) return make_error(EBADF, "nftables monitor not started");
    Notifications out;
    std::vector<uint8_t> buf(kReceiveBufferSize);
    for (size_t reads = 0; reads < kMaxNotificationsPerDrain; ++reads) {
        ssize_t n = ::recv(monitor_fd(), buf.data(), buf.size(), MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (n < 0 && errno == ENOBUFS) {
            // Notifications were lost: assume the worst.
            out.ours = out.others = true;
            out.what = "changes (notifications lost)";
            continue;
        }
        if (n < 0) return errno_error(errno, "reading nftables notifications");
        int len = int(n);
        auto* nlh = reinterpret_cast<const nlmsghdr*>(buf.data());
        for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
            // Notifications carry the port id of the socket that asked.
            if ((nlh->nlmsg_type >> 8) != NFNL_SUBSYS_NFTABLES || nlh->nlmsg_pid == port_id_)
                continue;
            int type = nlh->nlmsg_type & 0xff;
            if (type == NFT_MSG_NEWGEN) {
                note_generation(nlh, out);
                continue;
            }
            out.others = true;
            if (about_our_table(nlh)) {
                out.ours = true;
                out.what = describe_change(nlh);
            }
        }
    }
    return out;
}

Result<std::vector<std::vector<uint8_t>>> Firewall::dump(uint16_t msg_type) {
    for (int attempt = 1;; ++attempt) {
        bool interrupted = false;
        auto r = dump_once(msg_type, interrupted);
        if (!r || !interrupted || attempt == kMaxDumpAttempts) return r;
    }
}

Result<std::vector<std::vector<uint8_t>>> Firewall::dump_once(uint16_t msg_type, bool& interrupted) {
    const char* what = msg_type == NFT_MSG_GETCHAIN ? "dumping nftables chains" : "dumping nftables rules";
    std::vector<uint8_t> buf(kReceiveBufferSize);
    uint32_t seq = next_seq_++;
    auto* req = mnl_nlmsg_put_header(buf.data());
    req->nlmsg_type = uint16_t((NFNL_SUBSYS_NFTABLES << 8) | msg_type);
    req->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req->nlmsg_seq = seq;
    auto* g = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(req, sizeof(nfgenmsg)));
    g->nfgen_family = NFPROTO_UNSPEC;
    g->version = NFNETLINK_V0;
    g->res_id = 0;
    if (mnl_socket_sendto(socket_.get(), req, req->nlmsg_len) < 0) return errno_error(errno, what);

    std::vector<std::vector<uint8_t>> out;
    int fd = mnl_socket_get_fd(socket_.get());
    for (;;) {
        ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno_error(errno, what);
        int len = int(n);
        auto* nlh = reinterpret_cast<const nlmsghdr*>(buf.data());
        for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
            if (nlh->nlmsg_seq != seq) continue;  // a stale reply
            if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) interrupted = true;
            if (nlh->nlmsg_type == NLMSG_DONE) return out;
            if (nlh->nlmsg_type == NLMSG_ERROR) {
                if (mnl_nlmsg_get_payload_len(nlh) < sizeof(nlmsgerr))
                    return make_error(EBADMSG, std::string(what) + ": truncated error");
                nlmsgerr err{};
                std::memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof err);
                if (err.error == 0) continue;
                if (err.error == -EINTR) {
                    interrupted = true;
                    return out;
                }
                return errno_error(err.error, what);
            }
            auto* p = reinterpret_cast<const uint8_t*>(nlh);
            out.emplace_back(p, p + nlh->nlmsg_len);
        }
    }
}

}  // namespace vswitch::firewall
