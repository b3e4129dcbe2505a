#include "libvswitch/dns/message.h"

#include <algorithm>

#include "libvswitch/base/bytes.h"
#include "libvswitch/dns/limits.h"

namespace vswitch::dns {

namespace {

constexpr size_t kMaxLabel = 63;  // RFC 1035 §2.3.4
constexpr size_t kMaxName = 255;

uint8_t fold(uint8_t c) {
    return (c >= 'A' && c <= 'Z') ? uint8_t(c - 'A' + 'a') : c;
}

std::string rr_type_name(uint16_t type) {
    // ldns_rr_type2str returns a malloc'd string (or "TYPEnnn").
    UniqueHandle<char, std::free> s(ldns_rr_type2str(static_cast<ldns_rr_type>(type)));
    return s ? std::string(s.get()) : "TYPE" + std::to_string(type);
}

std::string rr_class_name(uint16_t klass) {
    UniqueHandle<char, std::free> s(ldns_rr_class2str(static_cast<ldns_rr_class>(klass)));
    return s ? std::string(s.get()) : "CLASS" + std::to_string(klass);
}

}  // namespace

std::string Question::to_string() const {
    return name_to_string(name) + " " + rr_class_name(klass) + " " + rr_type_name(type);
}

std::optional<std::vector<std::string>> name_labels(std::span<const uint8_t> name) {
    ByteReader r(name);
    std::vector<std::string> labels;
    while (true) {
        auto len = r.read_u8();
        if (!len || *len > kMaxLabel) return std::nullopt;
        if (*len == 0) break;
        auto bytes = r.read_bytes(*len);
        if (!bytes) return std::nullopt;
        std::string label;
        label.reserve(*len);
        for (uint8_t c : *bytes) label.push_back(char(fold(c)));
        labels.push_back(std::move(label));
    }
    if (!r.empty() || name.size() > kMaxName) return std::nullopt;
    return labels;
}

Bytes lower_name(std::span<const uint8_t> name) {
    // Length octets are at most 63, never in 'A'..'Z', so folding every byte
    // of a well-formed name only touches label text.
    Bytes out(name.begin(), name.end());
    std::transform(out.begin(), out.end(), out.begin(), fold);
    return out;
}

bool names_equal(std::span<const uint8_t> a, std::span<const uint8_t> b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](uint8_t x, uint8_t y) { return fold(x) == fold(y); });
}

std::string name_to_string(std::span<const uint8_t> name) {
    RdfHandle rdf = name_rdf(name);
    if (!rdf) return "<invalid name>";
    UniqueHandle<char, std::free> s(ldns_rdf2str(rdf.get()));
    return s ? std::string(s.get()) : "<invalid name>";
}

Result<Bytes> name_from_string(std::string_view dotted) {
    std::string z(dotted);
    RdfHandle rdf(ldns_dname_new_frm_str(z.c_str()));
    if (!rdf) return make_error(EINVAL, "'" + z + "' is not a valid domain name");
    const uint8_t* d = ldns_rdf_data(rdf.get());
    return Bytes(d, d + ldns_rdf_size(rdf.get()));
}

std::optional<Header> read_header(std::span<const uint8_t> message) {
    ByteReader r(message);
    Header h;
    auto id = r.read_u16();
    auto flags = r.read_u16();
    auto qd = r.read_u16();
    auto an = r.read_u16();
    auto ns = r.read_u16();
    auto ar = r.read_u16();
    if (!ar) return std::nullopt;  // each read fails only after the previous did
    h.id = *id;
    h.flags = *flags;
    h.qdcount = *qd;
    h.ancount = *an;
    h.nscount = *ns;
    h.arcount = *ar;
    return h;
}

Result<PktHandle> parse_message(std::span<const uint8_t> message) {
    if (message.size() < kHeaderSize)
        return make_error(EBADMSG, "DNS message of " + std::to_string(message.size()) +
                                       " bytes is shorter than its header");
    ldns_pkt* raw = nullptr;
    ldns_status st = ldns_wire2pkt(&raw, message.data(), message.size());
    PktHandle pkt(raw);
    if (st != LDNS_STATUS_OK || !pkt)
        return make_error(EBADMSG,
                          std::string("malformed DNS message: ") + ldns_get_errorstr_by_id(st));
    return pkt;
}

Result<Bytes> build_message(const ldns_pkt& pkt) {
    uint8_t* raw = nullptr;
    size_t size = 0;
    ldns_status st = ldns_pkt2wire(&raw, &pkt, &size);
    WireHandle wire(raw);
    if (st != LDNS_STATUS_OK || !wire)
        return make_error(EINVAL,
                          std::string("encoding DNS message: ") + ldns_get_errorstr_by_id(st));
    return Bytes(wire.get(), wire.get() + size);
}

Result<Question> question_of(const ldns_pkt& pkt) {
    const ldns_rr_list* qs = ldns_pkt_question(&pkt);
    if (!qs || ldns_rr_list_rr_count(qs) != 1)
        return make_error(EBADMSG, "DNS message does not hold exactly one question");
    const ldns_rr* rr = ldns_rr_list_rr(qs, 0);
    const ldns_rdf* owner = ldns_rr_owner(rr);
    if (!owner || ldns_rdf_get_type(owner) != LDNS_RDF_TYPE_DNAME)
        return make_error(EBADMSG, "DNS question has no name");
    Question q;
    const uint8_t* d = ldns_rdf_data(owner);
    q.name.assign(d, d + ldns_rdf_size(owner));
    q.type = ldns_rr_get_type(rr);
    q.klass = ldns_rr_get_class(rr);
    return q;
}

RdfHandle name_rdf(std::span<const uint8_t> name) {
    if (name.empty() || name.size() > kMaxName) return nullptr;
    return RdfHandle(ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, name.size(), name.data()));
}

RrHandle question_rr(const Question& q) {
    RdfHandle owner = name_rdf(q.name);
    RrHandle rr(ldns_rr_new());
    if (!owner || !rr) return nullptr;
    ldns_rr_set_owner(rr.get(), owner.release());
    ldns_rr_set_type(rr.get(), static_cast<ldns_rr_type>(q.type));
    ldns_rr_set_class(rr.get(), static_cast<ldns_rr_class>(q.klass));
    ldns_rr_set_question(rr.get(), true);
    return rr;
}

size_t opt_record_count(const Header& header, const ldns_pkt& pkt) {
    size_t left = ldns_rr_list_rr_count(ldns_pkt_additional(&pkt));
    if (ldns_pkt_tsig(&pkt)) ++left;  // ldns lifts TSIG out of the section too
    return header.arcount > left ? header.arcount - left : 0;
}

}  // namespace vswitch::dns
