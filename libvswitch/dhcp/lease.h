// Leases: who holds which address until when.
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

#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"

namespace vswitch::dhcp {

// Leases outlive the daemon (lease file, D-Bus expiry in realtime µs), so
// they are on the wall clock. It is always passed in, never read here.
using Clock = std::chrono::system_clock;

// What identifies a client (RFC 2131 §4.2): its client id (61) when it
// sends one, else the hardware type and MAC. The no-id form equals the
// usual "01:<mac>" client id, so a client that starts sending that id keeps
// its lease. Binary; printed in hex.
std::string make_client_key(std::optional<std::span<const uint8_t>> client_id, const Mac& mac);
std::string client_key_to_hex(std::string_view key);
std::optional<std::string> client_key_from_hex(std::string_view hex);

struct Lease {
    std::string client_key;
    Mac mac;
    Ipv4 address;
    std::string hostname;  // a valid DNS label or empty
    Clock::time_point expiry;

    friend bool operator==(const Lease&, const Lease&) = default;
};

// Owns every lease, indexed by client key, by address and by expiry.
// Driven by ServerCore; the lease file is filled from leases().
class LeaseTable {
public:
    const Lease* find_by_key(std::string_view key) const;
    const Lease* find_by_address(Ipv4 address) const;
    // A lease held by this MAC (the first found when several client ids
    // share one), without copying the table.
    const Lease* find_by_mac(const Mac& mac) const;
    // How many consecutive addresses from `from` (up to `last`) are leased
    // to clients other than except_key: the pool steps over such a run in
    // one go instead of testing each address.
    uint32_t leased_run(Ipv4 from, Ipv4 last, std::string_view except_key) const;

    // Adds or replaces the client's lease. EEXIST when another client holds
    // the address, E2BIG past kMaxLeases.
    Status upsert(Lease lease);
    std::optional<Lease> erase(std::string_view key);

    // Removes and returns every lease whose expiry is at or before now.
    std::vector<Lease> expire(Clock::time_point now);
    std::optional<Clock::time_point> next_expiry() const;

    size_t size() const { return by_key_.size(); }
    bool empty() const { return by_key_.empty(); }
    // All leases, ordered by address (stable output for the lease file).
    std::vector<Lease> leases() const;

private:
    // Looks keys up by string_view without building a std::string.
    struct KeyHash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    std::unordered_map<std::string, Lease, KeyHash, std::equal_to<>> by_key_;
    // Points into by_key_ (its nodes do not move), so no key is kept twice.
    std::map<Ipv4, const Lease*> by_address_;
    std::set<std::pair<Clock::time_point, Ipv4>> by_expiry_;
};

}  // namespace vswitch::dhcp
