#include "libvswitch/stats/statistics.h"

#include "libvswitch/dhcp/message.h"
#include "libvswitch/dhcp/server_core.h"
#include "libvswitch/dns/cache.h"
#include "libvswitch/dns/fair_share.h"
#include "libvswitch/dns/responder.h"
#include "libvswitch/dns/upstream.h"

namespace vswitch::stats {

namespace {

void add(Statistics& out, std::string_view key, uint64_t value) { out.emplace_back(std::string(key), value); }

// The key of each upstream verdict: "accepted" and "truncated" are answers,
// the rest are replies dropped as spoofed or broken.
std::string_view upstream_key(dns::ReplyVerdict v) {
    switch (v) {
        case dns::ReplyVerdict::accept: return "dns.upstream.accepted";
        case dns::ReplyVerdict::retry_tcp: return "dns.upstream.truncated";
        case dns::ReplyVerdict::malformed: return "dns.upstream.dropped.malformed";
        case dns::ReplyVerdict::wrong_id: return "dns.upstream.dropped.wrong-id";
        case dns::ReplyVerdict::not_response: return "dns.upstream.dropped.not-response";
        case dns::ReplyVerdict::wrong_opcode: return "dns.upstream.dropped.wrong-opcode";
        case dns::ReplyVerdict::wrong_question: return "dns.upstream.dropped.wrong-question";
    }
    return "dns.upstream.dropped.unknown";
}

}  // namespace

void append_dhcp(Statistics& out, const dhcp::ServerCounters& c) {
    add(out, "dhcp.offers", c.offers);
    add(out, "dhcp.acks", c.acks);
    add(out, "dhcp.naks", c.naks);
    add(out, "dhcp.releases", c.releases);
    add(out, "dhcp.declines", c.declines);
    add(out, "dhcp.informs", c.informs);
    add(out, "dhcp.pool-exhausted", c.pool_exhausted);
    add(out, "dhcp.offers-refused", c.offers_refused);   // the lease table is full
    add(out, "dhcp.offers-evicted", c.offers_evicted);   // a port's share or a full table of holds
    add(out, "dhcp.port-leases-refused", c.leases_refused);  // past MaxLeasesPerPort=
    for (size_t i = 0; i < c.dropped.size(); ++i)
        add(out, "dhcp.dropped." + std::string(dhcp::to_string(dhcp::DropReason(i))), c.dropped[i]);
}

void append_dns(Statistics& out, const dns::ResponderCounters& r, const dns::CacheCounters& cache,
                const dns::UpstreamCounters& upstream) {
    add(out, "dns.queries", r.queries);
    add(out, "dns.local", r.local);
    add(out, "dns.local-nxdomain", r.local_nxdomain);
    add(out, "dns.cached", r.cached);
    add(out, "dns.forwarded", r.forwarded);
    add(out, "dns.upstream-answers", r.upstream_answers);
    add(out, "dns.servfail", r.servfail);
    add(out, "dns.truncated", r.truncated);
    add(out, "dns.notimp", r.notimp);
    add(out, "dns.formerr", r.formerr);
    add(out, "dns.badvers", r.badvers);
    add(out, "dns.refused", r.refused);
    add(out, "dns.client-refused", r.refused_client);  // a source outside the subnet
    add(out, "dns.dropped.short", r.dropped_short);
    add(out, "dns.dropped.response", r.dropped_response);
    add(out, "dns.fast-local", r.fast_local);
    add(out, "dns.fast-cached", r.fast_cached);
    add(out, "dns.cache.hits", cache.hits);
    add(out, "dns.cache.misses", cache.misses);
    add(out, "dns.cache.expired", cache.expired);
    add(out, "dns.cache.inserted", cache.inserted);
    add(out, "dns.cache.uncacheable", cache.uncacheable);
    add(out, "dns.cache.pushed-out", cache.evicted);  // by the size cap: normal, not trouble
    for (size_t i = 0; i < dns::kReplyVerdictCount; ++i)
        add(out, upstream_key(dns::ReplyVerdict(i)), upstream[dns::ReplyVerdict(i)]);
    add(out, "dns.upstream.attempt-timeouts", upstream.attempt_timeouts);
    add(out, "dns.upstream.forward-timeouts", upstream.forward_timeouts);
    append_fair_share(out, "dns.pending", upstream.pending);
}

void append_fair_share(Statistics& out, std::string_view prefix, const dns::FairShareCounters& c) {
    const std::string p(prefix);
    add(out, p + ".accepted", c.accepted);
    add(out, p + ".evicted", c.evicted);
    add(out, p + ".guest-share-refused", c.refused_source);
    add(out, p + ".full-refused", c.refused_full);
}

}  // namespace vswitch::stats
