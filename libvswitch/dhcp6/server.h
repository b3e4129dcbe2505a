// Server: the DHCPv6 server's state machine (RFC 8415 §18.3), without
// sockets. The daemon hands each datagram received on udp 547 of the bridge
// (with the current time and the port it came from) to handle_packet() and
// sends the Decision's reply, if any, back to the client's address and port
// 546. Stateless service (Information-request: DNS servers, domains) and
// stateful IA_NA with one address per IA, whose host part is a keyed hash
// of the client's DUID and IAID (host_part.h): stable across exchanges,
// restarts and prefixes. IA_TA and IA_PD are refused in the IA.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "libvswitch/base/result.h"
#include "libvswitch/dhcp6/host_part.h"
#include "libvswitch/dhcp6/lease.h"
#include "libvswitch/dhcp6/message.h"

namespace vswitch::dhcp6 {

struct ServerConfig {
    Address prefix;                    // today's /64: the upper half; the lower must be zero
    Duid server_duid;                  // Server ID (the daemon: DUID-LL of the bridge's MAC)
    HashKey key{};                     // secret of the host part hash (kept in the state dir)
    std::vector<Address> dns_servers;  // option 23; usually prefix::1
    std::vector<std::string> domains;  // option 24; the first also names FQDNs
    std::chrono::seconds preferred_lifetime{86400};
    std::chrono::seconds valid_lifetime{86400};
    // Zero: RFC 8415 §21.4's recommendation, 0.5 and 0.8 of the preferred
    // lifetime.
    std::chrono::seconds t1{0};
    std::chrono::seconds t2{0};
    // Option 32 in replies to Information-request: stateless clients ask
    // again after this, and a new boot's prefix means a new DNS address.
    std::chrono::seconds information_refresh{3600};
    bool rapid_commit = true;  // honour Rapid Commit in a Solicit
    uint8_t preference = 255;  // RFC 8415 §18.2.1: 255 ends the client's wait
    // Bindings one source (bridge port) may hold; source 0 (the host, or
    // bindings from the lease file) is not limited.
    size_t max_leases_per_source = kDefaultMaxLeasesPerSource;
};

// The ifindex of the bridge port a message came in on; 0 for the host or
// unknown. Opaque to the server: it only counts by it.
using Source = uint32_t;

enum class DecisionKind : uint8_t { ignore, advertise, reply };
std::string_view to_string(DecisionKind k);

struct Decision {
    DecisionKind kind = DecisionKind::ignore;
    Message reply;
    std::optional<DropReason> dropped;  // set when ignored as malformed or not ours
    std::vector<uint8_t> build() const { return reply.build(); }
};

enum class LeaseEvent : uint8_t { added, renewed, released, declined, expired };
std::string_view to_string(LeaseEvent e);

// Told of every binding change (DNS records, D-Bus, the lease file).
// Called synchronously from handle()/expire(); must not call back.
class LeaseListener {
public:
    virtual ~LeaseListener() = default;
    virtual void on_lease_changed(LeaseEvent event, const Lease& lease) = 0;
};

struct ServerCounters {
    std::array<uint64_t, size_t(DropReason::count)> dropped{};
    uint64_t advertises = 0;
    uint64_t replies = 0;
    uint64_t rapid_commits = 0;
    uint64_t releases = 0;
    uint64_t declines = 0;
    uint64_t confirms_not_on_link = 0;
    uint64_t information_requests = 0;
    uint64_t no_addrs_avail = 0;  // IA_NAs refused: no free address, a full table
    uint64_t leases_refused = 0;  // IA_NAs past their source's share
    uint64_t dropped_total() const;
};

// Owns the bindings and the quarantine of one switch; driven by the
// daemon's DHCPv6 service, which passes the clock in and persists leases.
class Server {
public:
    // EINVAL naming the bad field: a prefix with host bits, a bad server
    // DUID, a DNS server that is zero or multicast, a bad domain, too many
    // of either, lifetimes out of order (t1 <= t2 <= preferred <= valid).
    static Result<Server> create(ServerConfig config);

    const ServerConfig& config() const { return config_; }

    Decision handle_packet(std::span<const uint8_t> bytes, Clock::time_point now,
                           Source source = 0);
    Decision handle(const Message& request, Clock::time_point now, Source source = 0);

    // Removes and returns bindings expired at now (listener told: expired).
    std::vector<Lease> expire(Clock::time_point now);
    std::optional<Clock::time_point> next_expiry() const { return leases_.next_expiry(); }

    // A binding from the lease file, counted against no source.
    // EADDRNOTAVAIL when its address is not on today's prefix (the client
    // gets its stable host part on the new prefix when it asks), EEXIST,
    // E2BIG as LeaseTable::upsert.
    Status restore(const Lease& lease);

    bool on_link(const Address& a) const { return a.upper() == config_.prefix.upper(); }
    bool quarantined(const Address& a, Clock::time_point now) const;
    size_t leases_of(Source source) const;
    void set_listener(LeaseListener* listener) { listener_ = listener; }
    const LeaseTable& leases() const { return leases_; }
    const ServerCounters& counters() const { return counters_; }

private:
    explicit Server(ServerConfig config) : config_(std::move(config)) {}

    Decision drop(DropReason reason);
    Message reply_to(const Message& req, MessageType type) const;
    void add_dns(Message& reply) const;
    // The address for (duid, iaid): its binding's, else the first free
    // candidate; nullopt when none is free or the source is at its share.
    std::optional<Address> choose(const std::string& key, const Duid& duid, uint32_t iaid,
                                  Clock::time_point now, Source source);
    // Answers every IA of req into reply; commit: bind (Request, Renew,
    // Rebind, Solicit with Rapid Commit).
    void answer_ias(const Message& req, Message& reply, Clock::time_point now, Source source,
                    bool commit);
    Ia answer_ia_na(const Message& req, const Ia& ia, Clock::time_point now, Source source,
                    bool commit, const std::string& hostname, size_t& echo_budget);
    // The Client FQDN answer (RFC 4704 §6) and the host name to record.
    std::optional<Fqdn> fqdn_answer(const Message& req, std::string* hostname) const;

    Decision handle_solicit(const Message& req, Clock::time_point now, Source source);
    Decision handle_commit(const Message& req, Clock::time_point now, Source source);
    Decision handle_release_decline(const Message& req, Clock::time_point now);
    Decision handle_confirm(const Message& req);
    Decision handle_information_request(const Message& req);

    void notify(LeaseEvent e, const Lease& l);
    void bind_source(const std::string& key, Source source);
    void unbind_source(const std::string& key);
    void quarantine(const Address& a, Clock::time_point now);

    ServerConfig config_;
    LeaseTable leases_;
    ServerCounters counters_;
    LeaseListener* listener_ = nullptr;
    std::unordered_map<std::string, Source> lease_source_;
    std::unordered_map<Source, size_t> leases_per_source_;
    std::map<Address, Clock::time_point> quarantine_;  // declined address -> until
};

}  // namespace vswitch::dhcp6
