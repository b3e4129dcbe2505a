// Fuzzes the DHCPv6 Server with a stream of messages over time, starting
// from restored bindings. Input: records of [seconds to advance: u8]
// [length: u16 big-endian][message]. Every reply must build and parse back
// with our Server ID, every bound address must be on the prefix and never
// ::, ::1 or a reserved identifier, and no source may pass its share.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "libvswitch/base/bytes.h"
#include "libvswitch/dhcp6/server.h"

using namespace vswitch;
using namespace vswitch::dhcp6;

namespace {

Server make_server(Clock::time_point now) {
    ServerConfig c;
    c.prefix = *Address::parse("fd12:3456:789a:1::");
    c.server_duid = Duid::from_mac({0x02, 0x56, 0x53, 0, 0, 1});
    for (int i = 0; i < 16; ++i) c.key[i] = uint8_t(i);
    c.dns_servers = {*Address::parse("fd12:3456:789a:1::1")};
    c.domains = {"vswitch.internal"};
    c.preferred_lifetime = std::chrono::seconds(60);
    c.valid_lifetime = std::chrono::seconds(120);
    c.max_leases_per_source = 4;
    auto s = Server::create(c);
    if (!s) std::abort();
    Server server = std::move(s).value();
    // The captured dhclient's DUID, and a binding on yesterday's prefix.
    (void)server.restore(
        Lease{{0, 1, 0, 1, 0x32, 0xa9, 0xd2, 0xb2, 0x52, 0x54, 0, 0x12, 0x34, 0x56},
              0x123456,
              *Address::parse("fd12:3456:789a:1::abcd"),
              "vm",
              now + std::chrono::seconds(60)});
    (void)server.restore(
        Lease{{0, 3, 0, 1, 0x52, 0x54, 0, 0, 0, 2}, 1, *Address::parse("fd00:1::2"), "", now});
    return server;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Clock::time_point now{std::chrono::seconds(1'800'000'000)};
    Server server = make_server(now);
    ByteReader r(std::span<const uint8_t>(data, size));
    while (!r.empty()) {
        auto step = r.read_u8();
        auto len = r.read_u16();
        if (!step || !len) break;
        auto packet = r.read_bytes(std::min<size_t>(*len, r.remaining()));
        if (!packet) break;
        now += std::chrono::seconds(*step);
        server.expire(now);
        const Source source = *step % 3;
        Decision d = server.handle_packet(*packet, now, source);
        if (d.kind == DecisionKind::ignore) {
            if (!d.dropped) std::abort();
            continue;
        }
        auto back = Message::parse(d.build());
        if (!back || *back != d.reply) std::abort();
        if (back->server_id != server.config().server_duid) std::abort();
        if (server.leases_of(1) > 4 || server.leases_of(2) > 4) std::abort();
    }
    for (const auto& l : server.leases().leases()) {
        if (!server.on_link(l.address) || !usable_host_part(l.address.lower())) std::abort();
        if (server.leases().find(binding_key(l.duid, l.iaid)) == nullptr) std::abort();
    }
    return 0;
}
