#include "libvswitch/dhcp/pool.h"

#include <algorithm>

#include "libvswitch/base/hash.h"
#include "libvswitch/dhcp/limits.h"

namespace vswitch::dhcp {

Result<AddressPool> AddressPool::create(Ipv4Prefix subnet) {
    subnet = subnet.normalized();
    // A /30 is the smallest with a gateway and one client; a /16 already
    // holds kMaxLeases, and a larger pool would make a full scan slow.
    if (subnet.length() > 30 || subnet.length() < 16)
        return make_error(EINVAL, "subnet " + subnet.to_string() +
                                      " is not between /16 and /30, so it cannot hold a DHCP pool");
    return AddressPool(subnet);
}

uint32_t AddressPool::preferred_index(std::string_view client_key) const {
    if (auto it = hints_.find(std::string(client_key)); it != hints_.end() && it->second < size())
        return it->second;
    // A fixed hash (base/hash.h): clients would move on an upgrade otherwise.
    return uint32_t(fnv1a(client_key) % size());
}

void AddressPool::set_hint(std::string_view client_key, uint32_t index) {
    if (hints_.size() >= kMaxLeases && !hints_.count(std::string(client_key))) return;
    hints_[std::string(client_key)] = index;
}

Status AddressPool::reserve(Ipv4 a) {
    if (reserved_.size() >= kMaxReservedAddresses && !reserved(a))
        return make_error(E2BIG, "cannot reserve " + a.to_string() + ": " +
                                     std::to_string(kMaxReservedAddresses) + " already reserved");
    reserved_.insert(a.value());
    return {};
}

void AddressPool::unreserve(Ipv4 a) { reserved_.erase(a.value()); }

void AddressPool::quarantine(Ipv4 a, Clock::time_point now) {
    if (in_range(a)) quarantine_[a] = now + kDeclineQuarantine;
}

bool AddressPool::quarantined(Ipv4 a, Clock::time_point now) const {
    auto it = quarantine_.find(a);
    return it != quarantine_.end() && it->second > now;
}

AddressPool::HoldOutcome AddressPool::hold(std::string_view client_key, Ipv4 a, Clock::time_point now,
                                           uint32_t source) {
    std::string key(client_key);
    release_hold(key);
    HoldOutcome out;
    if (source != 0 && pending_offers_of(source) >= offer_share()) {  // 0: the host, no guest
        // Its oldest hold is also its first to expire: no full prune needed.
        const auto& oldest = offers_.at(by_source_.at(source).begin()->second);
        out.evicted_own = oldest.until > now;
        evict_oldest(source);
    }
    if (offers_.size() >= kMaxPendingOffers) prune(now);
    if (offers_.size() >= kMaxPendingOffers) {
        // The heaviest source pays, not whoever asks last: a light source
        // (one guest booting) always gets its hold.
        uint32_t heaviest = source;
        size_t most = 0;
        for (const auto& [s, held] : by_source_) {
            if (held.size() > most) {
                most = held.size();
                heaviest = s;
            }
        }
        evict_oldest(heaviest);
        out.evicted_other = true;
        out.evicted_source = heaviest;
    }
    // An expired hold of someone else on this address is taken over.
    if (auto it = offered_to_.find(a.value()); it != offered_to_.end()) {
        if (auto o = offers_.find(it->second); o != offers_.end()) erase_offer(o);
    }
    const uint64_t seq = next_seq_++;
    by_source_[source].emplace(seq, key);
    offered_to_[a.value()] = key;
    offers_.emplace(std::move(key), Offer{a, now + kOfferHoldTime, source, seq});
    return out;
}

size_t AddressPool::offer_share() const {
    // In a small pool a quarter of the addresses, so that one source's
    // holds never empty it either.
    return std::min<size_t>(kMaxPendingOffersPerSource, std::max<size_t>(1, size() / 4));
}

size_t AddressPool::pending_offers_of(uint32_t source) const {
    auto it = by_source_.find(source);
    return it == by_source_.end() ? 0 : it->second.size();
}

void AddressPool::evict_oldest(uint32_t source) {
    auto s = by_source_.find(source);
    if (s == by_source_.end() || s->second.empty()) return;
    if (auto o = offers_.find(s->second.begin()->second); o != offers_.end()) erase_offer(o);
}

void AddressPool::erase_offer(OfferMap::iterator it) {
    const Offer& o = it->second;
    if (auto t = offered_to_.find(o.address.value()); t != offered_to_.end() && t->second == it->first)
        offered_to_.erase(t);
    if (auto s = by_source_.find(o.source); s != by_source_.end()) {
        s->second.erase(o.seq);
        if (s->second.empty()) by_source_.erase(s);
    }
    offers_.erase(it);
}

std::optional<Ipv4> AddressPool::held_for(std::string_view client_key, Clock::time_point now) const {
    auto it = offers_.find(std::string(client_key));
    if (it == offers_.end() || it->second.until <= now) return std::nullopt;
    return it->second.address;
}

void AddressPool::release_hold(std::string_view client_key) {
    auto it = offers_.find(std::string(client_key));
    if (it != offers_.end()) erase_offer(it);
}

bool AddressPool::available(Ipv4 a, std::string_view client_key, const LeaseTable& leases,
                            Clock::time_point now, const Mac* mac) const {
    if (!in_range(a) || reserved(a) || quarantined(a, now)) return false;
    if (const Mac* owner = fixed_owner(a); owner && (!mac || *owner != *mac)) return false;
    if (const Lease* l = leases.find_by_address(a); l && l->client_key != client_key) return false;
    if (auto it = offered_to_.find(a.value()); it != offered_to_.end() && it->second != client_key) {
        auto offer = offers_.find(it->second);
        if (offer != offers_.end() && offer->second.until > now) return false;
    }
    return true;
}

std::optional<Ipv4> AddressPool::pick(std::string_view client_key, const LeaseTable& leases,
                                      Clock::time_point now, const Mac* mac) const {
    const uint32_t n = size();
    const uint32_t start = preferred_index(client_key);
    for (uint32_t i = 0; i < n;) {
        Ipv4 a(first().value() + (start + i) % n);
        if (available(a, client_key, leases, now, mac)) return a;
        // Consecutive leases (the usual shape once guests pile up) are
        // stepped over by walking the ordered lease index, not address by
        // address through every check; the probe order stays linear.
        i += std::max<uint32_t>(1, leases.leased_run(a, last(), client_key));
    }
    return std::nullopt;
}

void AddressPool::prune(Clock::time_point now) {
    std::erase_if(quarantine_, [now](const auto& q) { return q.second <= now; });
    for (auto it = offers_.begin(); it != offers_.end();) {
        auto cur = it++;
        if (cur->second.until <= now) erase_offer(cur);
    }
}

}  // namespace vswitch::dhcp
