// Fuzzes what comes back from upstream: arbitrary bytes as a reply through
// validation, the cache (insert, then lookup with aged TTLs), the client
// reply built from it, and the TCP deframer. A reply that does not match the
// question asked must never enter the cache.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "libvswitch/dns/responder.h"
#include "libvswitch/dns/tcp_framing.h"
#include "libvswitch/dns/upstream.h"

using namespace vswitch;
using namespace vswitch::dns;

namespace {

const TimePoint kNow = TimePoint{} + std::chrono::hours(1);

void check(bool ok) {
    if (!ok) std::abort();
}

void validate_and_cache(std::span<const uint8_t> data, uint16_t id, const Question& asked) {
    Cache cache(CacheLimits{8, 16384});
    CheckedReply r = check_upstream_reply(data, id, asked);
    bool usable = r.verdict == ReplyVerdict::accept || r.verdict == ReplyVerdict::retry_tcp;
    check(usable == bool(r.pkt));
    if (!usable) return;
    bool stored = cache.insert(asked, false, *r.pkt, kNow);
    check(stored == (cache.size() == 1));
    check(!(r.verdict == ReplyVerdict::retry_tcp && cache.size() != 0));  // TC never cached
    if (auto hit = cache.lookup(asked, false, kNow + std::chrono::seconds(1))) {
        auto q = question_of(*hit->pkt);
        check(q.ok() && names_equal(q->name, asked.name) && q->type == asked.type);
    }
    auto zone = LocalZone::create("vswitch.internal", *Ipv4Prefix::parse("172.27.160.0/20"));
    Responder responder(*zone, cache);
    ClientQuery cq;
    cq.id = 7;
    cq.question = asked;
    cq.edns = true;
    cq.reply_limit = kMinUdpPayload;
    Bytes out = responder.answer_from_upstream(cq, *r.pkt);
    check(out.empty() || (parse_message(out).ok() && out.size() <= kMinUdpPayload));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::span<const uint8_t> in(data, size);
    auto header = read_header(in);
    uint16_t id = header ? header->id : 0;

    // The question we "asked": a fixed one, and the reply's own (so that the
    // accept path and the cache see fuzzed records too).
    Question fixed{*name_from_string("example.com."), LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN};
    validate_and_cache(in, id, fixed);
    validate_and_cache(in, uint16_t(id ^ 1), fixed);
    if (auto pkt = parse_message(in)) {
        if (auto own = question_of(**pkt)) validate_and_cache(in, id, *own);
    }

    // The same bytes as a TCP stream from a client.
    TcpDeframer deframer;
    (void)deframer.feed(in);
    while (auto m = deframer.next()) check(!m->empty() && m->size() <= kMaxTcpQueryLength);
    return 0;
}
