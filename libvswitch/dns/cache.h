// The forwarder's answer cache: upstream replies as upstream sent them,
// keyed by question, with TTLs honoured and a size cap.
#pragma once

#include <cstdint>
#include <list>
#include <optional>
#include <span>
#include <unordered_map>

#include "libvswitch/dns/ldns.h"
#include "libvswitch/dns/limits.h"
#include "libvswitch/dns/message.h"

namespace vswitch::dns {

struct CacheLimits {
    size_t max_entries = kCacheMaxEntries;
    size_t max_bytes = kCacheMaxBytes;
};

struct CacheCounters {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t expired = 0;
    uint64_t inserted = 0;
    uint64_t uncacheable = 0;  // SERVFAIL, REFUSED, truncated, no SOA, zero TTL, too big
    uint64_t evicted = 0;      // pushed out by the size cap (LRU)
};

// A hit: the stored reply with every TTL lowered by the entry's age. The
// responder copies its rcode, AD bit and sections into the client's reply.
struct CachedReply {
    PktHandle pkt;
    bool negative = false;
};

// Cache owns the stored replies. The daemon's DNS service drives it:
// insert() with each validated upstream reply, lookup() (through the
// Responder) for each query, purge_expired() from a timer if it likes.
class Cache {
public:
    explicit Cache(CacheLimits limits = {}) : limits_(limits) {}

    // Stores reply as the answer to q (asked with the DO bit dnssec_ok).
    // Positive answers live for their smallest TTL (capped at kCacheMaxTtl),
    // NXDOMAIN and NODATA for min(SOA TTL, SOA MINIMUM) (RFC 2308 §5, capped
    // at kCacheMaxNegativeTtl). Everything else is not cached: false.
    bool insert(const Question& q, bool dnssec_ok, const ldns_pkt& reply, TimePoint now);
    std::optional<CachedReply> lookup(const Question& q, bool dnssec_ok, TimePoint now);
    // The responder's fast path: a hit as the stored wire (header, question,
    // sections, no OPT) with every TTL lowered by the entry's age, for the
    // responder to patch. Only a live hit that fits max_size once `extra`
    // bytes are added is returned and counted; anything else is left to
    // lookup(), which counts it as before.
    std::optional<Bytes> lookup_wire(std::span<const uint8_t> name, uint16_t type, uint16_t klass, bool dnssec_ok,
                                     TimePoint now, size_t max_size, size_t extra);

    // Drops every expired entry; returns how many.
    size_t purge_expired(TimePoint now);
    void clear();

    size_t size() const { return map_.size(); }
    size_t bytes() const { return bytes_; }
    const CacheCounters& counters() const { return counters_; }

private:
    // RRSIGs and AD only come with DO, so a DO reply and a plain one differ.
    struct Key {
        Bytes name;  // lower-cased wire form
        uint16_t type = 0;
        uint16_t klass = 0;
        bool dnssec_ok = false;
        friend bool operator==(const Key&, const Key&) = default;
    };
    struct KeyHash {
        size_t operator()(const Key& k) const noexcept;
    };
    struct Entry {
        Key key;
        Bytes wire;  // the reply without OPT, TTLs as stored at insert time
        TimePoint stored;
        TimePoint expires;
        bool negative = false;
        size_t cost() const { return wire.size() + key.name.size() + kCacheEntryOverhead; }
    };
    using Lru = std::list<Entry>;  // front: most recently used

    static Key make_key(const Question& q, bool dnssec_ok);
    void erase(Lru::iterator it);
    void evict_to_fit();

    Key scratch_;  // lookup_wire's key, reused so that a lookup does not allocate
    CacheLimits limits_;
    Lru lru_;
    std::unordered_map<Key, Lru::iterator, KeyHash> map_;
    size_t bytes_ = 0;
    CacheCounters counters_;
};

}  // namespace vswitch::dns
