// A test-only DHCPv6 responder: libvswitch's dhcp6::Server over a UDP
// socket on one interface, so that real clients (dhclient -6) can be run
// against the pure server before the daemon serves DHCPv6 itself. Not
// installed. Usage: dhcp6-responder IFNAME PREFIX LEASEFILE READYFILE
// It binds [::]:547 on IFNAME, joins ff02::1:2 there, answers until
// SIGTERM, and writes the lease file (atomically) after every change.
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include "libvswitch/base/fd.h"
#include "libvswitch/base/file.h"
#include "libvswitch/dhcp6/lease_file.h"
#include "libvswitch/dhcp6/server.h"

using namespace vswitch;
using namespace vswitch::dhcp6;

namespace {

volatile std::sig_atomic_t stop = 0;
void on_term(int) {
    stop = 1;
}

struct Saver : LeaseListener {
    std::string path;
    const Server* server = nullptr;
    bool dirty = false;
    void on_lease_changed(LeaseEvent, const Lease&) override { dirty = true; }
};

int fail(const std::string& what) {
    std::fprintf(stderr, "dhcp6-responder: %s: %s\n", what.c_str(), std::strerror(errno));
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: dhcp6-responder IFNAME PREFIX LEASEFILE READYFILE\n");
        return 2;
    }
    std::string ifname = argv[1];
    unsigned ifindex = if_nametoindex(ifname.c_str());
    if (ifindex == 0) return fail("interface '" + ifname + "'");
    auto prefix = Address::parse(argv[2]);
    if (!prefix) {
        std::fprintf(stderr, "dhcp6-responder: %s\n", prefix.error().message.c_str());
        return 2;
    }
    ServerConfig c;
    c.prefix = *prefix;
    c.server_duid = Duid::from_mac({0x02, 0x56, 0x53, 0, 0, 1});
    for (int i = 0; i < 16; ++i) c.key[i] = uint8_t(0xa0 + i);
    c.dns_servers = {Address::from_halves(prefix->upper(), 1)};
    c.domains = {"vswitch.internal"};
    auto created = Server::create(c);
    if (!created) {
        std::fprintf(stderr, "dhcp6-responder: %s\n", created.error().message.c_str());
        return 2;
    }
    Server server = std::move(*created);
    Saver saver;
    saver.path = argv[3];
    if (auto old = load_lease_file(saver.path); old)
        for (const auto& l : old->leases) (void)server.restore(l);
    server.set_listener(&saver);

    Fd fd(socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd) return fail("socket");
    int one = 1;
    setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (setsockopt(fd.get(), SOL_SOCKET, SO_BINDTODEVICE, ifname.c_str(),
                   socklen_t(ifname.size())) < 0)
        return fail("SO_BINDTODEVICE");
    sockaddr_in6 local{};
    local.sin6_family = AF_INET6;
    local.sin6_port = htons(547);
    if (bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) < 0)
        return fail("bind [::]:547");
    ipv6_mreq mreq{};
    inet_pton(AF_INET6, "ff02::1:2", &mreq.ipv6mr_multiaddr);
    mreq.ipv6mr_interface = ifindex;
    if (setsockopt(fd.get(), IPPROTO_IPV6, IPV6_JOIN_GROUP, &mreq, sizeof mreq) < 0)
        return fail("joining ff02::1:2");
    std::signal(SIGTERM, on_term);
    if (!write_file_atomic(argv[4], "ready\n").ok()) return fail("ready file");

    while (!stop) {
        pollfd p{fd.get(), POLLIN, 0};
        if (poll(&p, 1, 200) <= 0) continue;
        uint8_t buf[kMaxMessageSize];
        sockaddr_in6 from{};
        socklen_t from_len = sizeof from;
        ssize_t n =
            recvfrom(fd.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &from_len);
        if (n < 0) continue;
        auto now = Clock::now();
        server.expire(now);
        auto d = server.handle_packet(std::span<const uint8_t>(buf, size_t(n)), now, ifindex);
        if (d.kind == DecisionKind::ignore) {
            std::fprintf(stderr, "dropped: %s\n", std::string(to_string(*d.dropped)).c_str());
            continue;
        }
        // Persist before the reply, as the daemon must (what a Reply
        // acknowledges survives kill -9).
        if (saver.dirty) {
            auto st = save_lease_file(saver.path, server.leases().leases());
            if (!st) std::fprintf(stderr, "%s\n", st.error().message.c_str());
            saver.dirty = false;
        }
        auto bytes = d.build();
        from.sin6_port = htons(546);
        sendto(fd.get(), bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&from),
               sizeof from);
        // For the test's log: "CONFIRM -> REPLY NotOnLink".
        std::string line(to_string(MessageType(buf[0])));
        line += " -> ";
        line += to_string(d.reply.type);
        if (d.reply.status) line += " " + std::string(to_string(d.reply.status->code));
        std::fprintf(stderr, "%s\n", line.c_str());
    }
    return 0;
}
