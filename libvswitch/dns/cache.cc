#include "libvswitch/dns/cache.h"

#include <algorithm>

#include "libvswitch/base/bytes.h"

namespace vswitch::dns {

namespace {

// RFC 2181 §8: a TTL with the top bit set is treated as zero.
uint32_t sane_ttl(uint32_t ttl) {
    return ttl > 0x7fffffffu ? 0 : ttl;
}

ldns_rr* find_soa(const ldns_rr_list* section) {
    for (size_t i = 0; i < ldns_rr_list_rr_count(section); ++i) {
        ldns_rr* rr = ldns_rr_list_rr(section, i);
        if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA && ldns_rr_rd_count(rr) == 7) return rr;
    }
    return nullptr;
}

std::optional<uint32_t> soa_minimum(const ldns_rr* soa) {
    const ldns_rdf* min = ldns_rr_rdf(soa, 6);
    if (!min || ldns_rdf_size(min) != 4) return std::nullopt;
    return ldns_rdf2native_int32(min);
}

bool copy_section(ldns_pkt* to, const ldns_rr_list* from, ldns_pkt_section section) {
    for (size_t i = 0; i < ldns_rr_list_rr_count(from); ++i) {
        RrHandle rr(ldns_rr_clone(ldns_rr_list_rr(from, i)));
        if (!rr || !ldns_pkt_push_rr(to, section, rr.get())) return false;
        rr.release();
    }
    return true;
}

// Smallest TTL in a section after clamping each to cap (the stored copy
// carries the clamped values, so a client never sees more than the cap).
uint32_t clamp_ttls(ldns_rr_list* section, uint32_t cap) {
    uint32_t smallest = cap;
    for (size_t i = 0; i < ldns_rr_list_rr_count(section); ++i) {
        ldns_rr* rr = ldns_rr_list_rr(section, i);
        uint32_t ttl = std::min(sane_ttl(ldns_rr_ttl(rr)), cap);
        ldns_rr_set_ttl(rr, ttl);
        smallest = std::min(smallest, ttl);
    }
    return smallest;
}

void age_ttls(ldns_rr_list* section, uint32_t age) {
    for (size_t i = 0; i < ldns_rr_list_rr_count(section); ++i) {
        ldns_rr* rr = ldns_rr_list_rr(section, i);
        uint32_t ttl = ldns_rr_ttl(rr);
        ldns_rr_set_ttl(rr, ttl > age ? ttl - age : 0);
    }
}

}  // namespace

size_t Cache::KeyHash::operator()(const Key& k) const noexcept {
    uint64_t h = 1469598103934665603ull;  // FNV-1a
    auto mix = [&h](uint8_t b) {
        h ^= b;
        h *= 1099511628211ull;
    };
    for (uint8_t b : k.name) mix(b);
    mix(uint8_t(k.type >> 8));
    mix(uint8_t(k.type));
    mix(uint8_t(k.klass >> 8));
    mix(uint8_t(k.klass));
    mix(k.dnssec_ok);
    return size_t(h);
}

Cache::Key Cache::make_key(const Question& q, bool dnssec_ok) {
    return Key{lower_name(q.name), q.type, q.klass, dnssec_ok};
}

bool Cache::insert(const Question& q, bool dnssec_ok, const ldns_pkt& reply, TimePoint now) {
    ldns_pkt_rcode rcode = ldns_pkt_get_rcode(&reply);
    const ldns_rr_list* answer = ldns_pkt_answer(&reply);
    bool has_answer = ldns_rr_list_rr_count(answer) > 0;
    bool negative = rcode == LDNS_RCODE_NXDOMAIN || (rcode == LDNS_RCODE_NOERROR && !has_answer);
    // Truncated replies are incomplete; SERVFAIL, REFUSED and the rest say
    // something about one upstream at one moment (RFC 2308 §7 allows caching
    // SERVFAIL briefly; failing over to the next upstream serves better).
    if (ldns_pkt_tc(&reply) || (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN)) {
        ++counters_.uncacheable;
        return false;
    }

    // A fresh packet holding the sections: the upstream's OPT, TSIG and id
    // never reach a client.
    PktHandle copy(ldns_pkt_new());
    RrHandle question = question_rr(q);
    if (!copy || !question || !ldns_pkt_push_rr(copy.get(), LDNS_SECTION_QUESTION, question.get()))
        return false;
    question.release();
    ldns_pkt_set_qr(copy.get(), true);
    ldns_pkt_set_rcode(copy.get(), uint8_t(rcode));
    ldns_pkt_set_ad(copy.get(), ldns_pkt_ad(&reply));
    if (!copy_section(copy.get(), answer, LDNS_SECTION_ANSWER) ||
        !copy_section(copy.get(), ldns_pkt_authority(&reply), LDNS_SECTION_AUTHORITY) ||
        !copy_section(copy.get(), ldns_pkt_additional(&reply), LDNS_SECTION_ADDITIONAL))
        return false;

    uint32_t lifetime = 0;
    if (!negative) {
        lifetime = std::min(clamp_ttls(ldns_pkt_answer(copy.get()), kCacheMaxTtl),
                            clamp_ttls(ldns_pkt_authority(copy.get()), kCacheMaxTtl));
        clamp_ttls(ldns_pkt_additional(copy.get()), kCacheMaxTtl);
    } else {
        // RFC 2308 §5: without an SOA a negative answer is not cached.
        ldns_rr* soa = find_soa(ldns_pkt_authority(copy.get()));
        auto minimum = soa ? soa_minimum(soa) : std::nullopt;
        if (minimum) {
            lifetime =
                std::min({sane_ttl(ldns_rr_ttl(soa)), sane_ttl(*minimum), kCacheMaxNegativeTtl});
            ldns_rr_set_ttl(soa, lifetime);  // RFC 2308 §3: the SOA TTL served
            // An NXDOMAIN after a CNAME chain ends no later than the chain.
            lifetime =
                std::min(lifetime, clamp_ttls(ldns_pkt_answer(copy.get()), kCacheMaxNegativeTtl));
        }
    }
    auto wire = lifetime > 0 ? build_message(*copy) : Result<Bytes>(make_error(EINVAL, "no TTL"));
    if (!wire || wire->size() > kCacheMaxEntryBytes) {
        ++counters_.uncacheable;
        return false;
    }

    Key key = make_key(q, dnssec_ok);
    if (auto it = map_.find(key); it != map_.end()) erase(it->second);
    lru_.push_front(
        Entry{key, std::move(*wire), now, now + std::chrono::seconds(lifetime), negative});
    map_.emplace(std::move(key), lru_.begin());
    bytes_ += lru_.front().cost();
    ++counters_.inserted;
    evict_to_fit();
    return true;
}

std::optional<CachedReply> Cache::lookup(const Question& q, bool dnssec_ok, TimePoint now) {
    auto it = map_.find(make_key(q, dnssec_ok));
    if (it == map_.end()) {
        ++counters_.misses;
        return std::nullopt;
    }
    Lru::iterator e = it->second;
    if (now >= e->expires) {
        erase(e);
        ++counters_.expired;
        ++counters_.misses;
        return std::nullopt;
    }
    auto pkt = parse_message(e->wire);
    if (!pkt) {  // cannot happen for bytes ldns wrote; never serve them anyway
        erase(e);
        ++counters_.misses;
        return std::nullopt;
    }
    auto age = std::chrono::duration_cast<std::chrono::seconds>(now - e->stored).count();
    uint32_t age_s = age <= 0 ? 0 : uint32_t(std::min<int64_t>(age, kCacheMaxTtl));
    age_ttls(ldns_pkt_answer(pkt->get()), age_s);
    age_ttls(ldns_pkt_authority(pkt->get()), age_s);
    age_ttls(ldns_pkt_additional(pkt->get()), age_s);
    lru_.splice(lru_.begin(), lru_, e);
    ++counters_.hits;
    return CachedReply{std::move(*pkt), e->negative};
}

namespace {

// Skips one (possibly compressed) name of a message ldns wrote.
bool skip_name(ByteReader& r) {
    for (;;) {
        auto len = r.read_u8();
        if (!len) return false;
        if (*len == 0) return true;
        if ((*len & 0xc0) == 0xc0) return r.skip(1);  // a pointer ends the name
        if ((*len & 0xc0) != 0 || !r.skip(*len)) return false;
    }
}

// Lowers every record's TTL in a stored wire message by age; false when
// the message does not read as one (then it is not served this way).
bool age_wire_ttls(Bytes& wire, uint32_t age) {
    ByteReader r(wire);
    if (!r.skip(4)) return false;
    auto qd = r.read_u16(), an = r.read_u16(), ns = r.read_u16(), ar = r.read_u16();
    if (!qd || !an || !ns || !ar) return false;
    for (uint16_t i = 0; i < *qd; ++i)
        if (!skip_name(r) || !r.skip(4)) return false;
    for (uint32_t i = 0; i < uint32_t(*an) + *ns + *ar; ++i) {
        if (!skip_name(r) || !r.skip(4)) return false;
        size_t at = r.offset();
        auto ttl = r.read_u32();
        auto rdlen = r.read_u16();
        if (!ttl || !rdlen || !r.skip(*rdlen)) return false;
        uint32_t aged = *ttl > age ? *ttl - age : 0;
        wire[at] = uint8_t(aged >> 24);
        wire[at + 1] = uint8_t(aged >> 16);
        wire[at + 2] = uint8_t(aged >> 8);
        wire[at + 3] = uint8_t(aged);
    }
    return r.empty();
}

}  // namespace

std::optional<Bytes> Cache::lookup_wire(std::span<const uint8_t> name, uint16_t type, uint16_t klass,
                                        bool dnssec_ok, TimePoint now, size_t max_size, size_t extra) {
    scratch_.name.assign(name.begin(), name.end());
    for (auto& c : scratch_.name)
        if (c >= 'A' && c <= 'Z') c = uint8_t(c - 'A' + 'a');  // length octets are never letters
    scratch_.type = type;
    scratch_.klass = klass;
    scratch_.dnssec_ok = dnssec_ok;
    auto it = map_.find(scratch_);
    if (it == map_.end()) return std::nullopt;
    Lru::iterator e = it->second;
    if (now >= e->expires || e->wire.size() + extra > max_size) return std::nullopt;
    Bytes wire = e->wire;
    auto age = std::chrono::duration_cast<std::chrono::seconds>(now - e->stored).count();
    uint32_t age_s = age <= 0 ? 0 : uint32_t(std::min<int64_t>(age, kCacheMaxTtl));
    if (!age_wire_ttls(wire, age_s)) return std::nullopt;
    lru_.splice(lru_.begin(), lru_, e);
    ++counters_.hits;
    return wire;
}

size_t Cache::purge_expired(TimePoint now) {
    size_t n = 0;
    for (auto it = lru_.begin(); it != lru_.end();) {
        auto next = std::next(it);
        if (now >= it->expires) {
            erase(it);
            ++n;
        }
        it = next;
    }
    counters_.expired += n;
    return n;
}

void Cache::clear() {
    map_.clear();
    lru_.clear();
    bytes_ = 0;
}

void Cache::erase(Lru::iterator it) {
    bytes_ -= it->cost();
    map_.erase(it->key);
    lru_.erase(it);
}

void Cache::evict_to_fit() {
    while (!lru_.empty() && (map_.size() > limits_.max_entries || bytes_ > limits_.max_bytes)) {
        erase(std::prev(lru_.end()));
        ++counters_.evicted;
    }
}

}  // namespace vswitch::dns
