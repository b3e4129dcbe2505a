// Per-source shares of the DNS service's shared tables (client TCP
// connections, pending forwards): one guest cannot fill a table that the
// other guests need too. Pure bookkeeping: ids, sources and times in,
// decisions out; the daemon closes or cancels what it is told to.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>

#include "libvswitch/base/net.h"

namespace vswitch::dns {

enum class Admit : uint8_t {
    accept,       // room to spare
    evict,        // accepted in the place of `victim`, which the caller ends now
    source_full,  // the source holds its whole share, none of it idle
    table_full,   // full, and no source holds clearly more than the asker
};
const char* to_string(Admit a);

struct Admission {
    Admit verdict = Admit::accept;
    uint64_t victim = 0;  // for evict: the entry to end (already removed here)

    bool accepted() const { return verdict == Admit::accept || verdict == Admit::evict; }
};

// What a table decided, for statistics (the daemon's counters structs hold one
// per table).
struct FairShareCounters {
    uint64_t accepted = 0;        // evictions included
    uint64_t evicted = 0;         // entries ended to make room for another
    uint64_t refused_source = 0;  // the asker was at its per-source limit
    uint64_t refused_full = 0;    // the table was full of fair shares
};

// FairShare owns the bookkeeping of one shared table of at most `capacity`
// entries, each held by a source address, of which one source may hold at
// most `per_source`. The daemon calls admit() for each new entry, set_idle()
// as an entry starts or stops doing work, and remove() when it ends.
//
// Admission, in order:
//   - the source holds `per_source` entries: its own oldest idle entry makes
//     room (the source chose to start something new), else it is refused;
//   - the table is full: the heaviest source (most entries; the oldest entry
//     breaks ties) gives one up if it holds at least two more than the asker
//     (so two equal sources never take turns), its oldest idle entry, else its
//     oldest; else refused;
//   - else accepted.
class FairShare {
public:
    FairShare(size_t capacity, size_t per_source);

    Admission admit(uint64_t id, Ipv4 source, uint64_t now);
    // Ends an entry; an unknown id (already evicted) is ignored.
    void remove(uint64_t id);
    // An idle entry may be taken back at no loss (a TCP connection with no
    // query in flight or half-read); a new entry is busy.
    void set_idle(uint64_t id, bool idle, uint64_t now);

    size_t size() const { return entries_.size(); }
    size_t capacity() const { return capacity_; }
    size_t per_source() const { return per_source_limit_; }
    size_t held_by(Ipv4 source) const;
    bool contains(uint64_t id) const { return entries_.count(id) != 0; }
    const FairShareCounters& counters() const { return counters_; }

private:
    struct Entry {
        Ipv4 source;
        uint64_t since = 0;  // admitted
        bool idle = false;
        uint64_t idle_since = 0;  // when idle
    };
    struct Share {
        size_t held = 0;
        size_t idle = 0;
    };
    struct Ipv4Hash {
        size_t operator()(Ipv4 a) const { return std::hash<uint32_t>()(a.value()); }
    };
    // The source's entry to give up: its oldest idle one, else (when
    // idle_only is false) its oldest one.
    std::optional<uint64_t> victim_of(Ipv4 source, bool idle_only) const;
    std::optional<Ipv4> heaviest() const;
    void take_back(uint64_t victim);

    size_t capacity_;
    size_t per_source_limit_;
    std::unordered_map<uint64_t, Entry> entries_;
    std::unordered_map<Ipv4, Share, Ipv4Hash> shares_;
    FairShareCounters counters_;
};

}  // namespace vswitch::dns
