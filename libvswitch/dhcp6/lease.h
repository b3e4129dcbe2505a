// DHCPv6 bindings: which client's IA holds which address until when.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "libvswitch/base/result.h"
#include "libvswitch/dhcp6/address.h"

namespace vswitch::dhcp6 {

// On the wall clock, like the DHCPv4 leases (the file keeps Unix seconds);
// always passed in, never read here.
using Clock = std::chrono::system_clock;

// One IA_NA binding (RFC 8415 §4.2 "binding"): a client is its DUID, an IA
// its IAID; one address per IA.
struct Lease {
    std::vector<uint8_t> duid;
    uint32_t iaid = 0;
    Address address;
    std::string hostname;  // from Client FQDN: one valid DNS label, or empty
    Clock::time_point expiry;

    friend bool operator==(const Lease&, const Lease&) = default;
};

// The key of a binding: DUID bytes then the IAID (big-endian).
std::string binding_key(std::span<const uint8_t> duid, uint32_t iaid);

// Owns every binding, indexed by key, by address and by expiry. Driven by
// the Server; the lease file is filled from leases().
class LeaseTable {
public:
    const Lease* find(std::string_view key) const;
    const Lease* find_by_address(const Address& a) const;

    // Adds or replaces the binding. EEXIST when another binding holds the
    // address, E2BIG past kMaxLeases.
    Status upsert(Lease lease);
    std::optional<Lease> erase(std::string_view key);

    // Removes and returns every binding whose expiry is at or before now.
    std::vector<Lease> expire(Clock::time_point now);
    std::optional<Clock::time_point> next_expiry() const;

    size_t size() const { return by_key_.size(); }
    // All bindings, ordered by address (stable output for the lease file).
    std::vector<Lease> leases() const;

private:
    struct KeyHash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
    };
    std::unordered_map<std::string, Lease, KeyHash, std::equal_to<>> by_key_;
    std::map<Address, std::string> by_address_;
    std::set<std::pair<Clock::time_point, Address>> by_expiry_;
};

}  // namespace vswitch::dhcp6
