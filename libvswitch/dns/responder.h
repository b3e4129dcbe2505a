// Query bytes in, a decision out: answer from the local zone or the cache,
// forward upstream, or reject. No sockets; the daemon sends what it says.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <variant>

#include "libvswitch/base/bytes.h"
#include "libvswitch/base/net.h"
#include "libvswitch/dns/cache.h"
#include "libvswitch/dns/ldns.h"
#include "libvswitch/dns/local_zone.h"
#include "libvswitch/dns/message.h"

namespace vswitch::dns {

enum class Transport : uint8_t { udp, tcp };

// Who asked, and how.
struct QueryContext {
    Transport transport = Transport::udp;
    Ipv4 client;
};

// Everything needed to answer a client later, once upstream replied: kept
// by the daemon while the query is pending.
struct ClientQuery {
    uint16_t id = 0;
    bool rd = false;
    bool cd = false;
    bool ad = false;    // RFC 6840 §5.7: AD in a query asks for AD in the reply
    Question question;  // as the client spelled it
    bool edns = false;
    bool dnssec_ok = false;
    uint16_t reply_limit = kMinUdpPayload;  // bytes; 65535 over TCP
    Transport transport = Transport::udp;
};

// What to do with a query.
struct Drop {};  // no reply at all (unreadable, or a response)
struct Reply {   // send these bytes back
    Bytes wire;
};
struct Forward {  // ask upstream, then answer_from_upstream()
    ClientQuery query;
};
using Decision = std::variant<Drop, Reply, Forward>;

struct ResponderCounters {
    uint64_t queries = 0;
    uint64_t dropped_short = 0;     // not even a header
    uint64_t dropped_response = 0;  // QR set: never answer an answer
    uint64_t refused_client = 0;    // source outside the subnet
    uint64_t refused = 0;           // classes and types we do not serve
    uint64_t notimp = 0;            // opcodes other than QUERY, obsolete types
    uint64_t formerr = 0;
    uint64_t badvers = 0;
    uint64_t local = 0;
    uint64_t local_nxdomain = 0;
    uint64_t cached = 0;
    uint64_t forwarded = 0;
    uint64_t upstream_answers = 0;
    uint64_t servfail = 0;
    uint64_t truncated = 0;
    // Of local and cached: answered by the fast paths, straight from the
    // query bytes without ldns.
    uint64_t fast_local = 0;
    uint64_t fast_cached = 0;
};

// Responder holds no state but its counters; it reads the LocalZone and
// reads/refreshes the Cache that the daemon's DNS service owns (both must
// outlive it). The service calls handle() per received query.
class Responder {
public:
    // forward: names outside the local zone go upstream; without it they
    // are REFUSED, and no reply says recursion is available (RA clear).
    Responder(const LocalZone& zone, Cache& cache, bool forward = true)
        : zone_(zone), cache_(cache), forward_(forward) {}

    Decision handle(std::span<const uint8_t> query, const QueryContext& ctx, TimePoint now);

    // The client's reply built from a validated upstream reply (see
    // upstream.h): the client's id, flags and question, upstream's rcode
    // and sections, truncated to the client's limit.
    Bytes answer_from_upstream(const ClientQuery& q, const ldns_pkt& upstream);
    // SERVFAIL for a query no upstream answered in time.
    Bytes servfail(const ClientQuery& q);

    const ResponderCounters& counters() const { return counters_; }

private:
    struct Sections {
        std::span<const ldns_rr* const> answer;
        std::span<const ldns_rr* const> authority;
        std::span<const ldns_rr* const> additional;
    };
    Bytes build_reply(const ClientQuery& q, uint16_t rcode, bool aa, bool ad, const Sections& s);
    // The header alone, answering `h` with rcode.
    Bytes header_reply(const Header& h, uint8_t rcode) const;
    // The header, and of `query` the question (when plainly written) and an
    // OPT (when it had one).
    Bytes error_reply(const Header& h, std::span<const uint8_t> query, uint8_t rcode) const;
    uint16_t ra_flag() const { return forward_ ? 0x0080 : 0; }
    // A query in the plainest shape (see read_plain_query), read by hand:
    // what the fast paths need, pointing into the query bytes.
    struct PlainQuery {
        std::span<const uint8_t> name;
        uint16_t type = 0;
        size_t question_end = 0;  // offset just past the question
        bool edns = false;
        bool dnssec_ok = false;
        uint16_t reply_limit = kMinUdpPayload;
    };
    static std::optional<PlainQuery> read_plain_query(const Header& h, std::span<const uint8_t> query,
                                                      const QueryContext& ctx);
    static void put_opt(ByteWriter& w, const PlainQuery& q);
    // The common queries of a guest, answered straight from the query bytes
    // without ldns objects: an A question for a local name, and a cache hit
    // (the stored reply patched). nullopt sends the query down the general
    // path, which handles every other case (and truncation).
    std::optional<Bytes> fast_local_answer(const Header& h, std::span<const uint8_t> query,
                                           const PlainQuery& q) const;
    std::optional<Bytes> fast_cached_answer(const Header& h, std::span<const uint8_t> query, const PlainQuery& q,
                                            TimePoint now);
    std::variant<ClientQuery, Bytes> read_query(const Header& h, std::span<const uint8_t> query,
                                                const QueryContext& ctx);

    const LocalZone& zone_;
    Cache& cache_;
    bool forward_ = true;
    ResponderCounters counters_;
};

}  // namespace vswitch::dns
