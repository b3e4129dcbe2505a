// The address pool of one subnet: which address a client should get and
// which addresses are out of play for now.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"
#include "libvswitch/dhcp/lease.h"

namespace vswitch::dhcp {

// Owns the subnet's range (gateway = first address; clients get second ..
// broadcast - 1), the addresses reserved by others (ports, neighbours),
// DECLINE quarantines, held offers and per-client offset hints. Driven by
// ServerCore, which passes its LeaseTable in and the clock.
//
// A client's preferred address is range_start + hash(client key) mod range
// size, probing linearly on collision. The hash does not depend on the
// subnet, so when a reboot draws a new subnet a client lands on the same
// host offset again when it is free.
class AddressPool {
public:
    // EINVAL unless the subnet leaves room for a gateway and one client.
    static Result<AddressPool> create(Ipv4Prefix subnet);

    const Ipv4Prefix& subnet() const { return subnet_; }
    Ipv4 gateway() const { return Ipv4(subnet_.network().value() + 1); }
    Ipv4 first() const { return Ipv4(subnet_.network().value() + 2); }
    Ipv4 last() const { return Ipv4(subnet_.broadcast().value() - 1); }
    uint32_t size() const { return last().value() - first().value() + 1; }
    bool in_range(Ipv4 a) const { return a >= first() && a <= last(); }

    // The index in the range this client starts probing from.
    uint32_t preferred_index(std::string_view client_key) const;
    // Remembers where a client was (e.g. its lease in yesterday's subnet),
    // so it returns to that index rather than its hash when free.
    void set_hint(std::string_view client_key, uint32_t index);

    // In use by someone who is not a DHCP client of ours. E2BIG past
    // kMaxReservedAddresses.
    Status reserve(Ipv4 a);
    void unreserve(Ipv4 a);
    bool reserved(Ipv4 a) const { return reserved_.count(a.value()) != 0; }

    // Reservations: addresses fixed for one MAC each (the core keeps the
    // table and passes it in whole). Nobody else is offered or given one.
    void set_fixed(std::map<Ipv4, Mac> fixed) { fixed_ = std::move(fixed); }
    const Mac* fixed_owner(Ipv4 a) const {
        auto it = fixed_.find(a);
        return it == fixed_.end() ? nullptr : &it->second;
    }

    // RFC 2131 §4.3.3: a DECLINEd address is marked not available.
    void quarantine(Ipv4 a, Clock::time_point now);
    bool quarantined(Ipv4 a, Clock::time_point now) const;

    // Offers: an address offered to a client is held for kOfferHoldTime so
    // that nobody else is offered it meanwhile. `source` is who asked (the
    // bridge port's ifindex; 0: the host or unknown, which has no share).
    // Never refused: a source at its offer_share() makes room with its own oldest
    // hold; a full table (kMaxPendingOffers, none expired) with the oldest
    // hold of the source holding most.
    struct HoldOutcome {
        bool evicted_own = false;    // the source was at its share
        bool evicted_other = false;  // the table was full
        uint32_t evicted_source = 0;
    };
    HoldOutcome hold(std::string_view client_key, Ipv4 a, Clock::time_point now, uint32_t source = 0);
    std::optional<Ipv4> held_for(std::string_view client_key, Clock::time_point now) const;
    void release_hold(std::string_view client_key);
    size_t pending_offers() const { return offers_.size(); }
    size_t pending_offers_of(uint32_t source) const;
    // A source's share of held offers: kMaxPendingOffersPerSource, or a
    // quarter of a smaller pool.
    size_t offer_share() const;

    // True when `a` may be given to this client: in range, not reserved,
    // not quarantined, not leased or held for someone else, and not fixed
    // for a MAC other than `mac` (none given: fixed for anyone else).
    bool available(Ipv4 a, std::string_view client_key, const LeaseTable& leases,
                   Clock::time_point now, const Mac* mac = nullptr) const;
    // The first available address from the client's preferred index.
    std::optional<Ipv4> pick(std::string_view client_key, const LeaseTable& leases,
                             Clock::time_point now, const Mac* mac = nullptr) const;

    // Forgets expired offers and quarantines.
    void prune(Clock::time_point now);

private:
    explicit AddressPool(Ipv4Prefix subnet) : subnet_(subnet) {}

    struct Offer {
        Ipv4 address;
        Clock::time_point until;
        uint32_t source = 0;
        uint64_t seq = 0;  // order of holding: the smallest is the oldest
    };
    using OfferMap = std::unordered_map<std::string, Offer>;
    void erase_offer(OfferMap::iterator it);
    void evict_oldest(uint32_t source);

    Ipv4Prefix subnet_;
    std::unordered_set<uint32_t> reserved_;
    std::map<Ipv4, Clock::time_point> quarantine_;
    OfferMap offers_;
    std::unordered_map<uint32_t, std::string> offered_to_;
    // Each source's holds, oldest first (seq -> client key).
    std::unordered_map<uint32_t, std::map<uint64_t, std::string>> by_source_;
    uint64_t next_seq_ = 0;
    std::unordered_map<std::string, uint32_t> hints_;
    std::map<Ipv4, Mac> fixed_;  // reservations in today's subnet
};

}  // namespace vswitch::dhcp
