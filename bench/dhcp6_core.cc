// dhcp6-core-bench: the DHCPv6 Server's own cost, without sockets: N
// clients each Solicit (-> Advertise) and Request (-> Reply), bytes in and
// bytes out, then every client Renews. Prints exchanges (a Solicit/Advertise
// plus a Request/Reply) per second of one core. The socket-level comparison
// with dnsmasq and kea-dhcp6 (perfdhcp -6) waits for the daemon adapter.
// Usage: dhcp6-core-bench [CLIENTS]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "libvswitch/dhcp6/server.h"

using namespace vswitch::dhcp6;
using Steady = std::chrono::steady_clock;

int main(int argc, char** argv) {
    size_t clients = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 50000;
    ServerConfig c;
    c.prefix = *Address::parse("fd12:3456:789a:1::");
    c.server_duid = Duid::from_mac({0x02, 0x56, 0x53, 0, 0, 1});
    c.dns_servers = {*Address::parse("fd12:3456:789a:1::1")};
    c.domains = {"vswitch.internal"};
    c.max_leases_per_source = clients;
    auto s = Server::create(c);
    if (!s) return 1;
    Server server = std::move(*s);
    auto wire = [&](MessageType type, size_t i) {
        Message m;
        m.type = type;
        m.transaction_id = uint32_t(i) & 0xffffff;
        m.client_id = Duid{{0, 1, 0, 1, 0x32, 0xa9, 0xd2, 0xb2, 0x52, 0x54, uint8_t(i >> 24),
                            uint8_t(i >> 16), uint8_t(i >> 8), uint8_t(i)}};
        if (type != MessageType::solicit) m.server_id = c.server_duid;
        m.ia_na.push_back(Ia{1, 0, 0, {}, std::nullopt});
        m.oro = {23, 24, 39};
        m.elapsed_time = 0;
        m.fqdn = Fqdn{Fqdn::kS, "guest", false};
        return m.build();
    };
    std::vector<std::vector<uint8_t>> solicits, requests, renews;
    for (size_t i = 0; i < clients; ++i) {
        solicits.push_back(wire(MessageType::solicit, i));
        requests.push_back(wire(MessageType::request, i));
        renews.push_back(wire(MessageType::renew, i));
    }
    auto now = Clock::now();
    size_t bytes_out = 0;
    auto t0 = Steady::now();
    for (size_t i = 0; i < clients; ++i) {
        bytes_out += server.handle_packet(solicits[i], now, 1).build().size();
        bytes_out += server.handle_packet(requests[i], now, 1).build().size();
    }
    auto t1 = Steady::now();
    for (size_t i = 0; i < clients; ++i)
        bytes_out += server.handle_packet(renews[i], now, 1).build().size();
    auto t2 = Steady::now();
    double first = std::chrono::duration<double>(t1 - t0).count();
    double renew = std::chrono::duration<double>(t2 - t1).count();
    if (server.leases().size() != clients) {
        std::fprintf(stderr, "only %zu bindings of %zu\n", server.leases().size(), clients);
        return 1;
    }
    std::printf(
        "clients %zu: %.0f exchanges/s (Solicit+Request, %.2f us each), %.0f renewals/s, %zu bytes "
        "out\n",
        clients, clients / first, first * 1e6 / clients, clients / renew, bytes_out);
    return 0;
}
