#include "libvswitch/dns/upstream.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "libvswitch/dns/limits.h"

namespace vswitch::dns {

namespace {

std::optional<Nameserver> parse_nameserver(std::string_view token) {
    Nameserver ns;
    ns.text = std::string(token);
    std::string addr(token);
    if (addr.find(':') == std::string::npos) {
        ns.family = AF_INET;
    } else {
        ns.family = AF_INET6;
        if (size_t pct = addr.find('%'); pct != std::string::npos) {
            ns.scope = addr.substr(pct + 1);
            addr.resize(pct);
            if (ns.scope.empty()) return std::nullopt;
        }
    }
    if (inet_pton(ns.family, addr.c_str(), ns.address.data()) != 1) return std::nullopt;
    return ns;
}

bool avoided(const Nameserver& ns, std::span<const Ipv4> avoid) {
    if (ns.family != AF_INET) return false;
    Ipv4 a(ns.address[0], ns.address[1], ns.address[2], ns.address[3]);
    return std::find(avoid.begin(), avoid.end(), a) != avoid.end();
}

}  // namespace

std::vector<Nameserver> parse_resolv_conf(std::string_view text, std::span<const Ipv4> avoid) {
    constexpr std::string_view kKeyword = "nameserver";
    std::vector<Nameserver> out;
    while (!text.empty() && out.size() < kMaxNameservers) {
        size_t eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
        // Like glibc's res_init: the keyword starts the line and is followed
        // by a blank; the address ends at a blank or a comment character.
        if (!line.starts_with(kKeyword) || line.size() == kKeyword.size()) continue;
        line.remove_prefix(kKeyword.size());
        if (line.front() != ' ' && line.front() != '\t') continue;
        size_t start = line.find_first_not_of(" \t");
        if (start == std::string_view::npos) continue;
        line.remove_prefix(start);
        std::string_view token = line.substr(0, line.find_first_of(" \t\r;#"));
        auto ns = parse_nameserver(token);
        if (!ns || avoided(*ns, avoid)) continue;
        if (std::find(out.begin(), out.end(), *ns) != out.end()) continue;
        out.push_back(std::move(*ns));
    }
    return out;
}

Result<Bytes> build_upstream_query(uint16_t id, const Question& q,
                                   const UpstreamQueryOptions& opts) {
    PktHandle p(ldns_pkt_new());
    RrHandle question = question_rr(q);
    if (!p || !question || !ldns_pkt_push_rr(p.get(), LDNS_SECTION_QUESTION, question.get()))
        return make_error(ENOMEM, "building upstream query for " + q.to_string());
    question.release();
    ldns_pkt_set_id(p.get(), id);
    ldns_pkt_set_opcode(p.get(), LDNS_PACKET_QUERY);
    ldns_pkt_set_rd(p.get(), true);
    ldns_pkt_set_cd(p.get(), opts.checking_disabled);
    ldns_pkt_set_edns_udp_size(p.get(), kMaxUdpPayload);
    ldns_pkt_set_edns_do(p.get(), opts.dnssec_ok);
    auto wire = build_message(*p);
    if (!wire) return wire.error().context("building upstream query for " + q.to_string());
    return wire;
}

Status write_upstream_query(uint16_t id, const Question& q, const UpstreamQueryOptions& opts, Bytes& out) {
    // The name as it came: labels, each at most 63 bytes, ending in the
    // root label, 255 bytes in all (RFC 1035 §3.1), no compression.
    const auto& name = q.name;
    if (name.empty() || name.size() > 255) return make_error(EINVAL, "question name of " + std::to_string(name.size()) + " bytes");
    for (size_t i = 0; i < name.size();) {
        uint8_t len = name[i];
        if (len > 63) return make_error(EINVAL, "question name with a label of " + std::to_string(len) + " bytes");
        if (len == 0) {
            if (i + 1 != name.size()) return make_error(EINVAL, "question name with bytes past its end");
            break;
        }
        i += size_t(len) + 1;
        if (i >= name.size()) return make_error(EINVAL, "question name without its root label");
    }
    auto u16 = [&out](uint16_t v) {
        out.push_back(uint8_t(v >> 8));
        out.push_back(uint8_t(v));
    };
    out.clear();
    u16(id);
    // QR 0, opcode QUERY, RD; CD in the second flags byte.
    out.push_back(0x01);
    out.push_back(opts.checking_disabled ? 0x10 : 0x00);
    u16(1);  // QDCOUNT
    u16(0);  // ANCOUNT
    u16(0);  // NSCOUNT
    u16(1);  // ARCOUNT: the OPT record
    out.insert(out.end(), name.begin(), name.end());
    u16(q.type);
    u16(q.klass);
    // OPT (RFC 6891 §6.1.2): root owner, our payload size as its class,
    // extended RCODE 0, version 0, DO in the flags, no options.
    out.push_back(0);
    u16(LDNS_RR_TYPE_OPT);
    u16(kMaxUdpPayload);
    out.push_back(0);
    out.push_back(0);
    u16(opts.dnssec_ok ? 0x8000 : 0);
    u16(0);
    return {};
}

const char* to_string(ReplyVerdict v) {
    switch (v) {
        case ReplyVerdict::accept:
            return "accept";
        case ReplyVerdict::retry_tcp:
            return "truncated, retry over TCP";
        case ReplyVerdict::malformed:
            return "malformed";
        case ReplyVerdict::wrong_id:
            return "wrong id";
        case ReplyVerdict::not_response:
            return "not a response";
        case ReplyVerdict::wrong_opcode:
            return "wrong opcode";
        case ReplyVerdict::wrong_question:
            return "wrong question";
    }
    return "unknown";
}

CheckedReply check_upstream_reply(std::span<const uint8_t> reply, uint16_t expected_id,
                                  const Question& asked) {
    CheckedReply out;
    // Cheap header checks first: a flood of spoofed replies costs no parse.
    auto h = read_header(reply);
    if (!h) return out;
    if (h->id != expected_id) {
        out.verdict = ReplyVerdict::wrong_id;
        return out;
    }
    if (!h->qr()) {
        out.verdict = ReplyVerdict::not_response;
        return out;
    }
    if (h->opcode() != LDNS_PACKET_QUERY) {
        out.verdict = ReplyVerdict::wrong_opcode;
        return out;
    }
    if (h->qdcount != 1) {
        out.verdict = ReplyVerdict::wrong_question;
        return out;
    }
    auto pkt = parse_message(reply);
    if (!pkt) return out;
    auto q = question_of(**pkt);
    // RFC 5452 §9.1: the question must be the one asked, or the reply is
    // someone else's (or a forgery).
    if (!q || q->type != asked.type || q->klass != asked.klass ||
        !names_equal(q->name, asked.name)) {
        out.verdict = ReplyVerdict::wrong_question;
        return out;
    }
    out.verdict = h->tc() ? ReplyVerdict::retry_tcp : ReplyVerdict::accept;
    out.pkt = std::move(*pkt);
    return out;
}

bool should_try_next_upstream(const ldns_pkt& reply) {
    switch (ldns_pkt_get_rcode(&reply)) {
        case LDNS_RCODE_SERVFAIL:
        case LDNS_RCODE_REFUSED:
        case LDNS_RCODE_NOTIMPL:
        case LDNS_RCODE_FORMERR:
            return true;
        default:
            return false;
    }
}

}  // namespace vswitch::dns
