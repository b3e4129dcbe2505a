// Fuzzes query handling: arbitrary bytes as a client's query through the
// Responder (header checks, ldns parse, local zone, cache lookup, reply
// building and truncation), over UDP and TCP. Every reply must itself be a
// message ldns can parse, fit the transport, and echo the query's id.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <variant>

#include "libvswitch/dns/responder.h"

using namespace vswitch;
using namespace vswitch::dns;

namespace {

const TimePoint kNow = TimePoint{} + std::chrono::hours(1);

void check(bool ok) {
    if (!ok) std::abort();
}

// A zone and cache with something in them, so lookups find things.
struct World {
    LocalZone zone = *LocalZone::create("vswitch.internal", *Ipv4Prefix::parse("172.27.160.0/20"));
    Cache cache;

    World() {
        (void)zone.set(RecordSource::host, "host", "myhost", Ipv4(172, 27, 160, 1));
        (void)zone.set(RecordSource::lease, "m1", "web", Ipv4(172, 27, 160, 10));
        (void)zone.set(RecordSource::port, "tap0", "db", Ipv4(172, 27, 161, 5));
        for (int i = 0; i < 60; ++i)  // big enough to truncate over UDP
            (void)zone.set(RecordSource::lease, "many" + std::to_string(i), "many",
                           Ipv4(172, 27, 162, uint8_t(i + 1)));
        ldns_pkt* raw = nullptr;
        if (ldns_pkt_query_new_frm_str(&raw, "example.com.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 0) !=
            LDNS_STATUS_OK)
            std::abort();
        PktHandle reply(raw);
        ldns_pkt_set_qr(reply.get(), true);
        ldns_rr* rr = nullptr;
        if (ldns_rr_new_frm_str(&rr, "example.com. 300 IN A 192.0.2.1", 0, nullptr, nullptr) !=
            LDNS_STATUS_OK)
            std::abort();
        ldns_pkt_push_rr(reply.get(), LDNS_SECTION_ANSWER, rr);
        auto q = name_from_string("example.com.");
        cache.insert(Question{*q, LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN}, false, *reply, kNow);
    }
};

void run(Responder& r, std::span<const uint8_t> data, Transport t) {
    Decision d = r.handle(data, QueryContext{t, Ipv4(172, 27, 160, 50)}, kNow);
    if (auto* reply = std::get_if<Reply>(&d)) {
        check(parse_message(reply->wire).ok());
        check(reply->wire.size() <= (t == Transport::udp ? kMaxUdpPayload : kMaxTcpMessage));
        auto in = read_header(data);
        auto out = read_header(reply->wire);
        check(in && out && in->id == out->id && out->qr());
    } else if (auto* fwd = std::get_if<Forward>(&d)) {
        Bytes sf = r.servfail(fwd->query);
        check(parse_message(sf).ok());
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static World world;  // read-only for the responder but for LRU order
    Responder responder(world.zone, world.cache);
    std::span<const uint8_t> in(data, size);
    run(responder, in, Transport::udp);
    run(responder, in, Transport::tcp);
    return 0;
}
