#include "libvswitch/dns/responder.h"

#include <algorithm>
#include <array>
#include <vector>

#include "libvswitch/base/bytes.h"

namespace vswitch::dns {

namespace {

constexpr uint16_t kRcodeBadVers = 16;  // RFC 6891 §6.1.3: extended rcode 1, low bits 0

// The fast path (fast_local_answer) builds these by hand.
constexpr size_t kMaxFastLabel = 63;        // a length byte above this is a pointer or reserved
constexpr size_t kMaxFastName = 255;        // RFC 1035 §3.1
constexpr size_t kMaxFastAddresses = 8;     // more go through ldns
constexpr uint16_t kPointerToQuestion = 0xc000 | 12;  // RFC 1035 §4.1.4: the question's name
constexpr size_t kARecordSize = 2 + 2 + 2 + 4 + 2 + 4;  // pointer, type, class, TTL, length, address
constexpr size_t kOptRecordSize = 1 + 2 + 2 + 4 + 2;    // root, type, size, ext rcode/version/flags, length
constexpr uint32_t kEdnsDoBit = 0x8000;     // RFC 3225 §3, in the OPT TTL
constexpr uint16_t kFlagQr = 0x8000, kFlagAa = 0x0400, kFlagRd = 0x0100, kFlagRa = 0x0080, kFlagAd = 0x0020,
                   kFlagCd = 0x0010;

using RrSpan = std::span<const ldns_rr* const>;

std::vector<const ldns_rr*> rrs_of(const ldns_rr_list* list) {
    std::vector<const ldns_rr*> out;
    if (!list) return out;
    for (size_t i = 0; i < ldns_rr_list_rr_count(list); ++i)
        out.push_back(ldns_rr_list_rr(list, i));
    return out;
}

std::vector<const ldns_rr*> rrs_of(const std::vector<RrHandle>& rrs) {
    std::vector<const ldns_rr*> out;
    for (const auto& rr : rrs) out.push_back(rr.get());
    return out;
}

bool push_clones(ldns_pkt* pkt, ldns_pkt_section section, RrSpan rrs) {
    for (const ldns_rr* rr : rrs) {
        RrHandle copy(ldns_rr_clone(rr));
        if (!copy || !ldns_pkt_push_rr(pkt, section, copy.get())) return false;
        copy.release();
    }
    return true;
}

// The bytes of the one question of `query` (name, type, class) when it is
// there and plainly written: uncompressed labels of at most 63 bytes, a name
// of at most 255. Error replies echo it, so that the client (and a
// forwarding resolver in front of it) can match the reply to what it asked.
std::optional<std::span<const uint8_t>> plain_question(const Header& h, std::span<const uint8_t> query) {
    if (h.qdcount != 1 || query.size() <= kHeaderSize) return std::nullopt;
    size_t at = kHeaderSize, name = 0;
    while (true) {
        if (at >= query.size()) return std::nullopt;
        uint8_t len = query[at];
        if (len > 63) return std::nullopt;  // a pointer or a reserved label type
        name += len + 1u;
        if (name > 255) return std::nullopt;
        at += len + 1u;
        if (len == 0) break;
    }
    if (at + 4 > query.size()) return std::nullopt;
    return query.subspan(kHeaderSize, at + 4 - kHeaderSize);
}

// Whether the one record after a plain question is an OPT (root name, type
// 41): an EDNS client, whose error reply then carries an OPT too (RFC 6891
// §7), or dig reads the reply as from a server without EDNS.
bool plain_opt_follows(const Header& h, std::span<const uint8_t> query, size_t question_end) {
    if (h.ancount != 0 || h.nscount != 0 || h.arcount != 1) return false;
    return query.size() >= question_end + 11 && query[question_end] == 0 && query[question_end + 1] == 0 &&
           query[question_end + 2] == LDNS_RR_TYPE_OPT;
}

// The reply for question types and classes we never serve, or 0 to go on.
uint8_t question_rcode(const Question& q) {
    if (q.type == LDNS_RR_TYPE_OPT) return LDNS_RCODE_FORMERR;  // a pseudo-type (RFC 6891 §6.1.1)
    if (q.type == LDNS_RR_TYPE_AXFR || q.type == LDNS_RR_TYPE_IXFR) return LDNS_RCODE_REFUSED;
    if (q.type == LDNS_RR_TYPE_MAILA || q.type == LDNS_RR_TYPE_MAILB || q.type == LDNS_RR_TYPE_TSIG)
        return LDNS_RCODE_NOTIMPL;
    // CHAOS (version.bind and friends), HESIOD, NONE: not forwarded.
    if (q.klass != LDNS_RR_CLASS_IN && q.klass != LDNS_RR_CLASS_ANY) return LDNS_RCODE_REFUSED;
    return 0;
}

}  // namespace

Decision Responder::handle(std::span<const uint8_t> query, const QueryContext& ctx, TimePoint now) {
    ++counters_.queries;
    auto header = read_header(query);
    if (!header) {  // nothing to address a reply to
        ++counters_.dropped_short;
        return Drop{};
    }
    auto reply = [](Bytes wire) -> Decision {
        if (wire.empty()) return Drop{};  // ldns could not allocate
        return Reply{std::move(wire)};
    };
    if (header->qr()) {
        ++counters_.dropped_response;
        return Drop{};
    }
    if (!zone_.subnet().contains(ctx.client)) {
        ++counters_.refused_client;
        return reply(error_reply(*header, query, LDNS_RCODE_REFUSED));
    }
    // Only QUERY is served: IQUERY is obsolete (RFC 3425 §3), and STATUS,
    // NOTIFY (RFC 1996), UPDATE (RFC 2136), DSO (RFC 8490) and unassigned
    // opcodes are not implemented here (RFC 1035 §4.1.1, as BIND and
    // Unbound answer them).
    if (header->opcode() != LDNS_PACKET_QUERY) {
        ++counters_.notimp;
        return reply(error_reply(*header, query, LDNS_RCODE_NOTIMPL));
    }
    // RFC 9619: a QUERY holds exactly one question.
    if (header->qdcount != 1) {
        ++counters_.formerr;
        return reply(header_reply(*header, LDNS_RCODE_FORMERR));
    }
    if (auto plain = read_plain_query(*header, query, ctx)) {
        if (auto wire = fast_local_answer(*header, query, *plain)) {
            ++counters_.local;
            ++counters_.fast_local;
            return Reply{std::move(*wire)};
        }
        // A name of the local zone is never looked up in the cache.
        if (!zone_.covers(plain->name)) {
            if (auto wire = fast_cached_answer(*header, query, *plain, now)) {
                ++counters_.cached;
                ++counters_.fast_cached;
                return Reply{std::move(*wire)};
            }
        }
    }
    auto parsed = read_query(*header, query, ctx);
    if (auto* wire = std::get_if<Bytes>(&parsed)) return reply(std::move(*wire));
    ClientQuery& q = std::get<ClientQuery>(parsed);

    if (auto local = zone_.answer(q.question)) {
        ++counters_.local;
        if (local->rcode == LDNS_RCODE_NXDOMAIN) ++counters_.local_nxdomain;
        auto answer = rrs_of(local->answer);
        auto authority = rrs_of(local->authority);
        return reply(build_reply(q, local->rcode, true, false, {answer, authority, {}}));
    }
    // A host-only switch (ForwardDNS=no) serves its own names alone.
    if (!forward_) {
        ++counters_.refused;
        return reply(build_reply(q, LDNS_RCODE_REFUSED, false, false, {}));
    }
    if (auto hit = cache_.lookup(q.question, q.dnssec_ok, now)) {
        ++counters_.cached;
        const ldns_pkt& p = *hit->pkt;
        auto answer = rrs_of(ldns_pkt_answer(&p));
        auto authority = rrs_of(ldns_pkt_authority(&p));
        auto additional = rrs_of(ldns_pkt_additional(&p));
        bool ad = ldns_pkt_ad(&p) && (q.dnssec_ok || q.ad);
        return reply(
            build_reply(q, ldns_pkt_get_rcode(&p), false, ad, {answer, authority, additional}));
    }
    // RD clear asks for no recursion, but a guest's stub resolver always
    // sets it; a forwarder serving a clear-RD query from upstream harms none.
    ++counters_.forwarded;
    return Forward{std::move(q)};
}

std::optional<Responder::PlainQuery> Responder::read_plain_query(const Header& h, std::span<const uint8_t> query,
                                                                const QueryContext& ctx) {
    // Only the plainest shape: one question of class IN, nothing in answer
    // or authority, at most one OPT (version 0, well-formed options) and
    // nothing after it. Anything else goes through ldns, which says what is
    // wrong with it.
    if (h.ancount != 0 || h.nscount != 0 || h.arcount > 1) return std::nullopt;
    ByteReader r(query);
    if (!r.skip(kHeaderSize)) return std::nullopt;
    PlainQuery q;
    size_t name_start = r.offset();
    for (;;) {
        auto len = r.read_u8();
        if (!len || *len > kMaxFastLabel) return std::nullopt;  // also refuses compression pointers
        if (*len == 0) break;
        if (!r.skip(*len)) return std::nullopt;
    }
    size_t name_end = r.offset();
    if (name_end - name_start > kMaxFastName) return std::nullopt;
    auto qtype = r.read_u16();
    auto qclass = r.read_u16();
    if (!qtype || !qclass || *qclass != LDNS_RR_CLASS_IN || question_rcode(Question{{}, *qtype, *qclass}) != 0)
        return std::nullopt;
    q.name = query.subspan(name_start, name_end - name_start);
    q.type = *qtype;
    q.question_end = r.offset();
    q.reply_limit = ctx.transport == Transport::tcp ? uint16_t(kMaxTcpMessage) : kMinUdpPayload;
    if (h.arcount == 1) {
        auto owner = r.read_u8();
        auto type = r.read_u16();
        auto udp_size = r.read_u16();
        auto ttl = r.read_u32();
        auto rdlen = r.read_u16();
        if (!owner || *owner != 0 || !type || *type != LDNS_RR_TYPE_OPT || !udp_size || !ttl || !rdlen)
            return std::nullopt;
        if ((*ttl >> 16) != 0) return std::nullopt;  // extended rcode or version not 0
        auto rdata = r.read_bytes(*rdlen);
        if (!rdata) return std::nullopt;
        ByteReader opts(*rdata);
        while (!opts.empty()) {
            auto code = opts.read_u16();
            auto olen = opts.read_u16();
            if (!code || !olen || !opts.skip(*olen)) return std::nullopt;
        }
        q.edns = true;
        q.dnssec_ok = (*ttl & kEdnsDoBit) != 0;
        if (ctx.transport == Transport::udp) q.reply_limit = std::clamp(*udp_size, kMinUdpPayload, kMaxUdpPayload);
    }
    if (!r.empty()) return std::nullopt;
    return q;
}

void Responder::put_opt(ByteWriter& w, const PlainQuery& q) {
    // RFC 6891 §7: answer EDNS with EDNS, our own size; RFC 3225 §3: echo DO.
    w.put_u8(0);
    w.put_u16(LDNS_RR_TYPE_OPT);
    w.put_u16(kMaxUdpPayload);
    w.put_u32(q.dnssec_ok ? kEdnsDoBit : 0);
    w.put_u16(0);
}

std::optional<Bytes> Responder::fast_local_answer(const Header& h, std::span<const uint8_t> query,
                                                  const PlainQuery& q) const {
    if (q.type != LDNS_RR_TYPE_A) return std::nullopt;
    std::array<Ipv4, kMaxFastAddresses> addrs;
    auto count = zone_.leaf_addresses(q.name, addrs);
    if (!count) return std::nullopt;
    size_t size = q.question_end + *count * kARecordSize + (q.edns ? kOptRecordSize : 0);
    if (size > q.reply_limit) return std::nullopt;  // the general path truncates

    ByteWriter w(size);
    w.put_u16(h.id);
    w.put_u16(uint16_t(kFlagQr | kFlagAa | (h.flags & (kFlagRd | kFlagCd)) | ra_flag()));
    w.put_u16(1);
    w.put_u16(uint16_t(*count));
    w.put_u16(0);
    w.put_u16(q.edns ? 1 : 0);
    w.put_bytes(query.subspan(kHeaderSize, q.question_end - kHeaderSize));  // as the client spelled it
    for (size_t i = 0; i < *count; ++i) {
        w.put_u16(kPointerToQuestion);
        w.put_u16(LDNS_RR_TYPE_A);
        w.put_u16(LDNS_RR_CLASS_IN);
        w.put_u32(kLocalTtl);
        w.put_u16(4);
        w.put_bytes(addrs[i].bytes());
    }
    if (q.edns) put_opt(w, q);
    return std::move(w).take();
}

std::optional<Bytes> Responder::fast_cached_answer(const Header& h, std::span<const uint8_t> query,
                                                   const PlainQuery& q, TimePoint now) {
    auto hit = cache_.lookup_wire(q.name, q.type, LDNS_RR_CLASS_IN, q.dnssec_ok, now, q.reply_limit,
                                  q.edns ? kOptRecordSize : 0);
    if (!hit) return std::nullopt;
    Bytes& wire = *hit;
    // The stored reply's question is the first asker's; the client gets its
    // own spelling back (same length: the names are equal but for case).
    if (q.question_end > wire.size()) return std::nullopt;
    std::copy(query.begin() + ptrdiff_t(kHeaderSize), query.begin() + ptrdiff_t(q.question_end),
              wire.begin() + ptrdiff_t(kHeaderSize));
    // RFC 6840 §5.8: AD only to clients that showed they understand it.
    // The stored header carries upstream's rcode and AD bit.
    bool ad = (wire[3] & kFlagAd) && (q.dnssec_ok || (h.flags & kFlagAd));
    uint16_t flags = uint16_t(kFlagQr | (h.flags & (kFlagRd | kFlagCd)) | kFlagRa | (ad ? kFlagAd : 0) |
                              (wire[3] & 0xf));
    wire[0] = uint8_t(h.id >> 8);
    wire[1] = uint8_t(h.id);
    wire[2] = uint8_t(flags >> 8);
    wire[3] = uint8_t(flags);
    if (q.edns) {
        uint16_t arcount = uint16_t(wire[10] << 8 | wire[11]) + 1;
        wire[10] = uint8_t(arcount >> 8);
        wire[11] = uint8_t(arcount);
        ByteWriter w(kOptRecordSize);
        put_opt(w, q);
        auto opt = std::move(w).take();
        wire.insert(wire.end(), opt.begin(), opt.end());
    }
    return std::move(wire);
}

std::variant<ClientQuery, Bytes> Responder::read_query(const Header& h,
                                                       std::span<const uint8_t> query,
                                                       const QueryContext& ctx) {
    auto pkt = parse_message(query);
    auto question = pkt ? question_of(**pkt) : Result<Question>(pkt.error());
    if (!question) {
        ++counters_.formerr;
        return header_reply(h, LDNS_RCODE_FORMERR);
    }
    const ldns_pkt& p = **pkt;
    ClientQuery q;
    q.id = h.id;
    q.rd = h.rd();
    q.cd = h.cd();
    q.ad = ldns_pkt_ad(&p);
    q.question = std::move(*question);
    q.transport = ctx.transport;
    q.edns = ldns_pkt_edns(&p);
    q.dnssec_ok = q.edns && ldns_pkt_edns_do(&p);
    if (ctx.transport == Transport::tcp) {
        q.reply_limit = uint16_t(kMaxTcpMessage);
    } else if (q.edns) {
        // RFC 6891 §6.2.3: sizes below 512 count as 512; ours caps the rest.
        q.reply_limit = std::clamp(ldns_pkt_edns_udp_size(&p), kMinUdpPayload, kMaxUdpPayload);
    }
    if (opt_record_count(h, p) > 1) {  // RFC 6891 §6.1.1: FORMERR, without an OPT
        ++counters_.formerr;
        q.edns = false;
        return build_reply(q, LDNS_RCODE_FORMERR, false, false, {});
    }
    if (q.edns && ldns_pkt_edns_version(&p) != 0) {
        ++counters_.badvers;
        return build_reply(q, kRcodeBadVers, false, false, {});
    }
    if (uint8_t rcode = question_rcode(q.question)) {
        ++(rcode == LDNS_RCODE_FORMERR   ? counters_.formerr
           : rcode == LDNS_RCODE_REFUSED ? counters_.refused
                                         : counters_.notimp);
        return build_reply(q, rcode, false, false, {});
    }
    return q;
}

Bytes Responder::answer_from_upstream(const ClientQuery& q, const ldns_pkt& upstream) {
    ++counters_.upstream_answers;
    auto answer = rrs_of(ldns_pkt_answer(&upstream));
    auto authority = rrs_of(ldns_pkt_authority(&upstream));
    auto additional = rrs_of(ldns_pkt_additional(&upstream));
    // RFC 6840 §5.8: AD only to clients that showed they understand it.
    bool ad = ldns_pkt_ad(&upstream) && (q.dnssec_ok || q.ad);
    return build_reply(q, ldns_pkt_get_rcode(&upstream), false, ad,
                       {answer, authority, additional});
}

Bytes Responder::servfail(const ClientQuery& q) {
    ++counters_.servfail;
    return build_reply(q, LDNS_RCODE_SERVFAIL, false, false, {});
}

Bytes Responder::build_reply(const ClientQuery& q, uint16_t rcode, bool aa, bool ad,
                             const Sections& s) {
    auto encode = [&](bool truncated) -> Result<Bytes> {
        PktHandle p(ldns_pkt_new());
        RrHandle question = question_rr(q.question);
        if (!p || !question || !ldns_pkt_push_rr(p.get(), LDNS_SECTION_QUESTION, question.get()))
            return make_error(ENOMEM, "building DNS reply");
        question.release();
        ldns_pkt_set_id(p.get(), q.id);
        ldns_pkt_set_qr(p.get(), true);
        ldns_pkt_set_opcode(p.get(), LDNS_PACKET_QUERY);
        ldns_pkt_set_aa(p.get(), aa);
        ldns_pkt_set_tc(p.get(), truncated);
        ldns_pkt_set_rd(p.get(), q.rd);
        ldns_pkt_set_ra(p.get(), forward_);
        ldns_pkt_set_ad(p.get(), ad);
        ldns_pkt_set_cd(p.get(), q.cd);
        ldns_pkt_set_rcode(p.get(), uint8_t(rcode & 0xf));
        if (q.edns) {  // RFC 6891 §7: answer EDNS with EDNS, our own size
            ldns_pkt_set_edns_udp_size(p.get(), kMaxUdpPayload);
            ldns_pkt_set_edns_extended_rcode(p.get(), uint8_t(rcode >> 4));
            ldns_pkt_set_edns_version(p.get(), 0);
            ldns_pkt_set_edns_do(p.get(), q.dnssec_ok);  // RFC 3225 §3: echo DO
        }
        if (!truncated && (!push_clones(p.get(), LDNS_SECTION_ANSWER, s.answer) ||
                           !push_clones(p.get(), LDNS_SECTION_AUTHORITY, s.authority) ||
                           !push_clones(p.get(), LDNS_SECTION_ADDITIONAL, s.additional)))
            return make_error(ENOMEM, "building DNS reply");
        return build_message(*p);
    };
    auto wire = encode(false);
    if (wire && wire->size() > q.reply_limit) {
        // RFC 2181 §9: too big for the client's limit; send the header and
        // question with TC so that it asks again over TCP.
        ++counters_.truncated;
        wire = encode(true);
    }
    return wire ? std::move(*wire) : Bytes{};
}

Bytes Responder::header_reply(const Header& h, uint8_t rcode) const {
    return error_reply(h, {}, rcode);
}

Bytes Responder::error_reply(const Header& h, std::span<const uint8_t> query, uint8_t rcode) const {
    // Written by hand: the opcode may be one ldns' enum has no value for,
    // and the reply is the twelve fixed bytes (RFC 1035 §4.1.1), the
    // question as it came when it is plainly written, and an OPT when the
    // query ended in one.
    uint16_t flags = uint16_t(kFlagQr | (h.flags & (0x7800 | kFlagRd | kFlagCd)) | ra_flag() | (rcode & 0xf));
    auto question = plain_question(h, query);
    bool opt = question && plain_opt_follows(h, query, kHeaderSize + question->size());
    ByteWriter w(kHeaderSize + (question ? question->size() : 0) + (opt ? 11 : 0));
    w.put_u16(h.id);
    w.put_u16(flags);
    w.put_u16(question ? 1 : 0);
    w.put_u16(0);
    w.put_u16(0);
    w.put_u16(opt ? 1 : 0);
    if (question) w.put_bytes(*question);
    if (opt) {  // root, OPT, our payload size, extended rcode 0, version 0, no options
        w.put_u8(0);
        w.put_u16(LDNS_RR_TYPE_OPT);
        w.put_u16(kMaxUdpPayload);
        w.put_u32(0);
        w.put_u16(0);
    }
    return std::move(w).take();
}

}  // namespace vswitch::dns
