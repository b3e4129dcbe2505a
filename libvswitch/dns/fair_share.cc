#include "libvswitch/dns/fair_share.h"

#include <algorithm>

namespace vswitch::dns {

const char* to_string(Admit a) {
    switch (a) {
        case Admit::accept:
            return "accepted";
        case Admit::evict:
            return "accepted in place of another";
        case Admit::source_full:
            return "refused: the source holds its whole share";
        case Admit::table_full:
            return "refused: the table is full of fair shares";
    }
    return "unknown";
}

FairShare::FairShare(size_t capacity, size_t per_source)
    : capacity_(std::max<size_t>(capacity, 1)),
      per_source_limit_(std::clamp<size_t>(per_source, 1, capacity_)) {}

size_t FairShare::held_by(Ipv4 source) const {
    auto it = shares_.find(source);
    return it == shares_.end() ? 0 : it->second.held;
}

std::optional<uint64_t> FairShare::victim_of(Ipv4 source, bool idle_only) const {
    auto share = shares_.find(source);
    if (share == shares_.end() || (idle_only && share->second.idle == 0)) return std::nullopt;
    std::optional<uint64_t> best;
    const Entry* best_entry = nullptr;
    auto older = [](const Entry& a, const Entry& b) {
        // Idle before busy; among idle ones the longest idle; else the oldest.
        if (a.idle != b.idle) return a.idle;
        return a.idle ? a.idle_since < b.idle_since : a.since < b.since;
    };
    for (const auto& [id, e] : entries_) {
        if (!(e.source == source) || (idle_only && !e.idle)) continue;
        if (!best_entry || older(e, *best_entry) || (!older(*best_entry, e) && id < *best)) {
            best = id;
            best_entry = &e;
        }
    }
    return best;
}

std::optional<Ipv4> FairShare::heaviest() const {
    std::optional<Ipv4> best;
    size_t held = 0;
    for (const auto& [source, share] : shares_) {
        // Ties go to the lower address, so the choice does not depend on the
        // hash table's order.
        if (share.held > held || (share.held == held && best && source.value() < best->value())) {
            best = source;
            held = share.held;
        }
    }
    return best;
}

void FairShare::take_back(uint64_t victim) {
    remove(victim);
    ++counters_.evicted;
}

Admission FairShare::admit(uint64_t id, Ipv4 source, uint64_t now) {
    Admission out;
    if (entries_.count(id)) return out;  // already admitted
    const size_t held = held_by(source);
    if (held >= per_source_limit_) {
        auto victim = victim_of(source, true);
        if (!victim) {
            ++counters_.refused_source;
            out.verdict = Admit::source_full;
            return out;
        }
        take_back(*victim);
        out = {Admit::evict, *victim};
    } else if (entries_.size() >= capacity_) {
        auto heavy = heaviest();
        if (!heavy || held_by(*heavy) < held + 2) {
            ++counters_.refused_full;
            out.verdict = Admit::table_full;
            return out;
        }
        auto victim = victim_of(*heavy, false);
        take_back(*victim);
        out = {Admit::evict, *victim};
    }
    entries_.emplace(id, Entry{source, now, false, 0});
    ++shares_[source].held;
    ++counters_.accepted;
    return out;
}

void FairShare::remove(uint64_t id) {
    auto it = entries_.find(id);
    if (it == entries_.end()) return;
    auto share = shares_.find(it->second.source);
    if (it->second.idle) --share->second.idle;
    if (--share->second.held == 0) shares_.erase(share);
    entries_.erase(it);
}

void FairShare::set_idle(uint64_t id, bool idle, uint64_t now) {
    auto it = entries_.find(id);
    if (it == entries_.end() || it->second.idle == idle) return;
    Entry& e = it->second;
    e.idle = idle;
    e.idle_since = now;
    Share& share = shares_[e.source];
    if (idle)
        ++share.idle;
    else
        --share.idle;
}

}  // namespace vswitch::dns
