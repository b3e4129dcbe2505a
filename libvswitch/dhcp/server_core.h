// ServerCore: the DHCP server's state machine (RFC 2131 §4.3), without
// sockets. The daemon parses nothing itself: it hands each datagram (or a
// parsed Message) with the current time to handle() and sends whatever the
// Decision says, where it says.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"
#include "libvswitch/dhcp/boot.h"
#include "libvswitch/dhcp/lease.h"
#include "libvswitch/dhcp/message.h"
#include "libvswitch/dhcp/pool.h"

namespace vswitch::dhcp {

struct ServerConfig {
    Ipv4Prefix subnet;   // today's subnet, e.g. 172.27.160.0/20
    Ipv4 gateway;        // router, DNS server and server id; zero: the first address
    std::string domain;  // domain name (15) and search (119); empty: none
    std::chrono::seconds lease_time{86400};
    uint16_t mtu = 1500;  // option 26 is sent only when this is not 1500
    // Leases one source (bridge port) may hold; source 0 (the host, or
    // leases restored from the file until their client asks again) is no
    // guest and has none. MaxLeasesPerPort=.
    size_t max_leases_per_source = kDefaultMaxLeasesPerSource;
    // BootServer=, BootFile=, IPXEBootFile=: sent only to boot clients.
    BootConfig boot;
};

// Who sent a request: the ifindex of the bridge port it came in on; 0 for
// the host itself or unknown. Opaque to the core: it only counts by it.
using Source = uint32_t;
// A guest on a port that could not be told (counted as one port).
inline constexpr Source kUnknownSource = 0xffffffff;

// The named limits a client can run into, each reported once per episode.
enum class Limit : uint8_t {
    pool,               // no free address for a new client (source 0: global)
    pending_offers,     // kMaxPendingOffers held: the heaviest source's oldest goes
    offers_per_source,  // kMaxPendingOffersPerSource: the source's own oldest goes
    leases_per_source,  // max_leases_per_source: no offer, NAK to a REQUEST
};
std::string_view to_string(Limit l);

// A limit episode's edge: began at the first refusal; ended at the first
// success kLimitQuietTime after the last refusal, with how many were
// refused (or evicted) in between.
struct LimitEvent {
    Limit limit = Limit::pool;
    bool began = true;
    Source source = 0;
    uint64_t refused = 0;     // when ended: refusals during the episode
    size_t limit_value = 0;   // the limit's number, for the message
};

// A reservation as the core enforces it: the address at host_offset in
// today's subnet belongs to this MAC (the daemon resolves VM names to their
// port's MAC). Offsets survive a renumber; addresses would not.
struct FixedAddress {
    Mac mac;
    uint32_t host_offset = 0;
    friend bool operator==(const FixedAddress&, const FixedAddress&) = default;
};

// An owner asked for its reserved address while another client held a
// lease on it: that client keeps it until its lease ends (renewals are
// granted, never extended), then the owner gets it. Reported once per
// reservation until the owner is given its address.
struct ReservationConflict {
    Mac owner;
    Ipv4 address;
    Mac holder;
    Clock::time_point holder_expiry;
};

enum class DecisionKind : uint8_t { ignore, offer, ack, nak };
std::string_view to_string(DecisionKind k);

// Where a reply goes (RFC 2131 §4.1).
struct Destination {
    enum class Kind : uint8_t {
        relay,       // to giaddr, port 67
        unicast,     // to ciaddr, port 68 (the client has an address)
        broadcast,   // to 255.255.255.255, port 68
        link_layer,  // to yiaddr at layer 2 (chaddr), port 68: no ARP possible yet
    };
    Kind kind = Kind::broadcast;
    Ipv4 address;
    uint16_t port = 68;
    Mac mac;  // for link_layer
};

struct Decision {
    DecisionKind kind = DecisionKind::ignore;
    Message reply;
    Destination destination;
    size_t max_size = kDefaultMaxPayload;  // what the client accepts (DHCP payload)
    std::optional<DropReason> dropped;     // set when ignored as malformed

    std::vector<uint8_t> build() const { return reply.build(max_size); }
};

enum class LeaseEvent : uint8_t { added, renewed, released, expired };
std::string_view to_string(LeaseEvent e);

// Told of every lease change (DNS records, D-Bus LeaseChanged, lease file).
// Called synchronously from handle()/expire(); must not call back into
// the ServerCore.
class LeaseListener {
public:
    virtual ~LeaseListener() = default;
    virtual void on_lease_changed(LeaseEvent event, const Lease& lease) = 0;
};

struct ServerCounters {
    std::array<uint64_t, size_t(DropReason::count)> dropped{};
    uint64_t offers = 0;
    uint64_t acks = 0;
    uint64_t naks = 0;
    uint64_t releases = 0;
    uint64_t declines = 0;
    uint64_t informs = 0;
    uint64_t pool_exhausted = 0;   // DISCOVERs that found no address
    uint64_t offers_refused = 0;   // REQUESTs refused: the lease table (kMaxLeases) is full
    uint64_t offers_evicted = 0;   // holds dropped early to make room (a source's share, a full table)
    uint64_t leases_refused = 0;   // DISCOVERs and REQUESTs past their source's lease limit

    uint64_t dropped_total() const;
};

// Owns the lease table and the address pool of one switch; driven by the
// daemon's DHCP service, which passes the clock in and persists leases.
class ServerCore {
public:
    // EINVAL on a subnet that cannot hold a pool, a gateway outside it, a
    // bad domain, a lease time out of range or an MTU below 68.
    static Result<ServerCore> create(ServerConfig config);

    const ServerConfig& config() const { return config_; }
    Ipv4 server_id() const { return config_.gateway; }

    // Parses and handles one datagram; malformed ones are counted and ignored.
    Decision handle_packet(std::span<const uint8_t> bytes, Clock::time_point now, Source source = 0);
    Decision handle(const Message& request, Clock::time_point now, Source source = 0);

    // The limit edges since the last call, oldest first (for the log).
    std::vector<LimitEvent> take_limit_events() { return std::exchange(limit_events_, {}); }
    // Leases counted against a source.
    size_t leases_of(Source source) const;

    // Removes and returns leases expired at now (listener told: expired).
    std::vector<Lease> expire(Clock::time_point now);
    std::optional<Clock::time_point> next_expiry() const { return leases_.next_expiry(); }

    // A lease from the lease file. Kept when its address is in today's
    // pool; a lease of another subnet only leaves its host offset as a
    // hint, so the client gets the same offset in the new subnet. EINVAL
    // for a lease no request could have made (a zero MAC).
    Status restore(const Lease& lease);

    // Replaces the reservations. EINVAL for an offset outside today's
    // range, EEXIST for a MAC or an offset given twice, E2BIG past
    // kMaxReservations; nothing changes then. Held offers of others on a
    // newly reserved address lapse (available() refuses them).
    Status set_fixed_addresses(std::vector<FixedAddress> fixed);
    const std::vector<FixedAddress>& fixed_addresses() const { return fixed_; }
    std::optional<Ipv4> fixed_address_of(const Mac& mac) const;
    std::vector<ReservationConflict> take_reservation_conflicts() { return std::exchange(conflicts_, {}); }

    // Addresses in use by others (ports the daemon knows, neighbours).
    Status reserve(Ipv4 a) { return pool_.reserve(a); }
    void unreserve(Ipv4 a) { pool_.unreserve(a); }
    // An address a host with this MAC answers for without a lease of ours
    // (the bridge's neighbour table): reserved from everyone but that
    // host. When a client with this MAC asks, the reservation goes: it was
    // that client all along (a guest that released its lease at shutdown,
    // seen again after a restart), and it gets its address back. At most
    // kMaxReservedAddresses, like reserve().
    Status reserve_for_neighbour(Ipv4 a, const Mac& mac);
    size_t neighbour_reservations() const { return neighbour_reserved_.size(); }

    void set_listener(LeaseListener* listener) { listener_ = listener; }
    // Which ports' relayed requests (giaddr set) are served (TrustRelayFrom=);
    // unset or false: dropped as relay-from-port. Asked only for relayed
    // requests from a port.
    void set_relay_trust(std::function<bool(Source)> trusted) { relay_trusted_ = std::move(trusted); }
    const LeaseTable& leases() const { return leases_; }
    const AddressPool& pool() const { return pool_; }
    const ServerCounters& counters() const { return counters_; }

private:
    ServerCore(ServerConfig config, AddressPool pool, Options network_options);

    Decision drop(DropReason reason);
    Decision handle_discover(const Message& req, const std::string& key, Clock::time_point now, Source source);
    Decision handle_request(const Message& req, const std::string& key, Clock::time_point now, Source source);
    Decision handle_release(const Message& req, const std::string& key);
    Decision handle_decline(const Message& req, const std::string& key, Clock::time_point now);
    Decision handle_inform(const Message& req);

    Decision reply(const Message& req, DecisionKind kind, MessageType type) const;
    Decision nak(const Message& req, std::string_view why);
    // lease: the lease time to announce; zero: the configured one.
    void add_options(const Message& req, Message& reply, bool with_lease,
                     std::chrono::seconds lease = std::chrono::seconds(0)) const;
    void note_conflict(const Mac& owner, Ipv4 address);
    Destination destination_for(const Message& req, const Message& reply, DecisionKind kind) const;
    size_t max_size_for(const Message& req) const;
    void notify(LeaseEvent event, const Lease& lease);
    void remember_offset(const Lease& lease);
    // Per-source lease accounting and the limits' episodes.
    bool over_lease_limit(const std::string& key, Source source) const;
    void bind_source(const std::string& key, Source source);
    void unbind_source(const std::string& key);
    void limit_hit(Limit limit, Source source, size_t value, Clock::time_point now);
    void limit_ok(Limit limit, Source source, Clock::time_point now);

    ServerConfig config_;
    AddressPool pool_;
    Options network_options_;  // mask, router, DNS, domain, search, MTU, broadcast
    LeaseTable leases_;
    ServerCounters counters_;
    LeaseListener* listener_ = nullptr;
    std::function<bool(Source)> relay_trusted_;

    // Client key -> the source its lease is counted against (leases from
    // the file are counted against none until their client asks again).
    std::unordered_map<std::string, Source> lease_source_;
    std::unordered_map<Source, size_t> leases_per_source_;
    struct Episode {
        Clock::time_point last_refusal;
        uint64_t refused = 0;
    };
    // Open episodes only; at most four per source (port).
    std::map<std::pair<Limit, Source>, Episode> episodes_;
    std::vector<LimitEvent> limit_events_;
    // reserve_for_neighbour(): address -> the MAC seen using it.
    std::unordered_map<uint32_t, Mac> neighbour_reserved_;
    void lift_neighbour_reservations(const Mac& mac);
    // Reservations: as given, and by MAC in today's subnet.
    std::vector<FixedAddress> fixed_;
    std::map<Mac, Ipv4> fixed_by_mac_;
    std::vector<ReservationConflict> conflicts_;
    std::map<Ipv4, Mac> conflicts_reported_;  // until the owner gets its address
};

// A host name a client sent, if it is one DNS label (RFC 1123); else "".
std::string sanitize_host_name(std::string_view name);

}  // namespace vswitch::dhcp
