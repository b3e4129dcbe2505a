// Fuzzes ServerCore with a stream of packets over time, starting from a few
// restored leases. Input: records of [seconds to advance: u8][length: u16
// big-endian][packet]. Every reply must build and parse back, and the lease
// table must stay consistent with the pool.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <span>
#include <string>

#include "libvswitch/base/bytes.h"
#include "libvswitch/dhcp/server_core.h"

using namespace vswitch;
using namespace vswitch::dhcp;

namespace {

ServerCore make_server(Clock::time_point now) {
    ServerConfig config;
    config.subnet = Ipv4Prefix(Ipv4(172, 27, 160, 0), 27);  // small: collisions and exhaustion
    config.domain = "vswitch.internal";
    config.lease_time = std::chrono::seconds(120);
    config.mtu = 1400;
    config.max_leases_per_source = 4;  // small: per-port limits are hit too
    // Boot clients get the boot fields; the iPXE file is over the file field.
    config.boot = {"192.0.2.7", "undionly.kpxe", "http://203.0.113.10/" + std::string(120, 'b')};
    auto s = ServerCore::create(config);
    if (!s) std::abort();
    ServerCore server = std::move(s).value();
    // Leases from the captured clients' MAC and from yesterday's subnet.
    (void)server.restore(Lease{make_client_key(std::nullopt, Mac({0x52, 0x54, 0, 0x12, 0x34, 0x56})),
                               Mac({0x52, 0x54, 0, 0x12, 0x34, 0x56}), Ipv4(172, 27, 160, 10), "vm",
                               now + std::chrono::seconds(60)});
    (void)server.restore(Lease{"\x01\x52\x54\x00\x00\x00\x02", Mac({0x52, 0x54, 0, 0, 0, 2}),
                               Ipv4(172, 20, 0, 57), "old", now});
    (void)server.reserve(Ipv4(172, 27, 160, 20));
    return server;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Clock::time_point now{std::chrono::seconds(1'800'000'000)};
    ServerCore server = make_server(now);
    ByteReader r(std::span<const uint8_t>(data, size));
    while (!r.empty()) {
        auto step = r.read_u8();
        auto len = r.read_u16();
        if (!step || !len) break;
        auto packet = r.read_bytes(std::min<size_t>(*len, r.remaining()));
        if (!packet) break;
        now += std::chrono::seconds(*step);
        server.expire(now);
        // The step also picks the port (0: the host) without changing the
        // timing of existing seeds.
        const Source source = *step % 3;
        Decision d = server.handle_packet(*packet, now, source);
        if (d.kind != DecisionKind::ignore && source != 0 && !d.reply.giaddr.is_zero()) std::abort();
        if (server.leases_of(1) > 4 || server.leases_of(2) > 4) std::abort();
        (void)server.take_limit_events();
        if (d.kind != DecisionKind::ignore) {
            auto bytes = d.build();
            if (bytes.size() > std::max(d.max_size, kBootpMinSize)) std::abort();
            auto reply = Message::parse(bytes);
            if (!reply || reply->op != Op::reply) std::abort();
            if (d.kind == DecisionKind::offer && !server.pool().in_range(reply->yiaddr)) std::abort();
            // Boot fields only for boot clients, and only whole.
            auto request = Message::parse(*packet);
            bool boots = request && boot_client_of(*request) != BootClient::none;
            if (!boots && (reply->options.has(OptionCode::bootfile_name) || !reply->file.empty()))
                std::abort();
            if (!reply->file.empty() &&
                reply->options.text(OptionCode::bootfile_name) != reply->file)
                std::abort();
        }
    }
    std::set<Ipv4> addresses;
    for (const auto& lease : server.leases().leases()) {
        if (!server.pool().in_range(lease.address)) std::abort();
        if (!addresses.insert(lease.address).second) std::abort();
        if (server.leases().find_by_key(lease.client_key) == nullptr) std::abort();
    }
    return 0;
}
