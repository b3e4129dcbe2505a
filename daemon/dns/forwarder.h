// The forwarder's sockets: asks the host's resolvers (resolv.conf) for the
// questions the local zone and the cache could not answer.
#pragma once

#include <systemd/sd-event.h>
#include <sys/stat.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/dns/episode_log.h"
#include "daemon/dns/limits.h"
#include "daemon/event/event.h"
#include "libvswitch/base/fd.h"
#include "libvswitch/base/flat_index.h"
#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"
#include "libvswitch/dns/fair_share.h"
#include "libvswitch/dns/limits.h"
#include "libvswitch/dns/message.h"
#include "libvswitch/dns/tcp_framing.h"
#include "libvswitch/dns/upstream.h"

namespace vswitch::dns {

// UDP sockets kept open per upstream server, each connected to it from its
// own random source port (the kernel's choice: ip_local_port_range, random
// per bind). A query goes out of one of them drawn at random, with a random
// id, so a forger must guess both (RFC 5452 §4.5, §9.2) as with a fresh
// socket per query, without its socket(), connect(), close() and two
// epoll_ctl() on every forward. Each socket retires after
// kUpstreamSocketUses queries or kUpstreamSocketLifetimeUsec, whichever
// comes first (closed once its last query is answered, its slot then
// opened again on a new random port), so the ports in use keep moving.
inline constexpr size_t kUpstreamSocketsPerServer = 16;
inline constexpr uint32_t kUpstreamSocketUses = 512;
inline constexpr uint64_t kUpstreamSocketLifetimeUsec = 10'000'000;
// Replies read per recvmmsg, and the size of each buffer: we ask for
// kMaxUdpPayload, so a larger datagram is a server ignoring it, asked again
// over TCP.
inline constexpr size_t kUpstreamRecvBatch = 16;
inline constexpr size_t kUpstreamRecvBuffer = 4096;

// Forwarder owns one job per forwarded question: its id and socket per
// attempt, its place in the two timeout lists, and a TCP connection when a
// reply came truncated. It walks the upstreams in resolv.conf order, moving
// on after kAttemptTimeoutUsec, a refused port, or an answer that speaks
// about the server (SERVFAIL, REFUSED...), and gives up after
// kForwardTimeoutUsec. A reply is believed only from the socket, id and
// server of the job's current attempt, for the question asked (the kernel
// drops datagrams from other addresses or ports on a connected socket).
// The jobs are a table shared by every guest: each asking guest (source
// address) has a share of it (FairShare, kMaxPendingQueriesPerSource), so a
// guest flooding names that no upstream answers cannot starve the others.
// Jobs, their query buffers, the id index and the receive buffers are
// allocated once: a forward over UDP allocates nothing but the table
// entries FairShare keeps.
// The DnsService drives it: start() per query, and gets done(token, reply)
// exactly once per started job (reply null: no upstream answered).
class Forwarder {
public:
    using DoneFn = std::function<void(uint64_t token, const ldns_pkt* reply)>;

    // resolv_conf is re-read when its mtime, size or inode change; addresses
    // in avoid (our own gateways) are never asked. sw names the switch in
    // the log.
    Forwarder(sd_event* ev, std::string resolv_conf, std::vector<Ipv4> avoid, DoneFn done, std::string sw = {});
    ~Forwarder();
    Forwarder(const Forwarder&) = delete;
    Forwarder& operator=(const Forwarder&) = delete;

    // For the guest at `source`. E2BIG when its share is used up, or the
    // table is full of fair shares; when the table is full and a heavier
    // guest holds more, that guest's oldest job ends first (done(victim,
    // nullptr), before start returns). ENOENT with no usable upstream.
    Status start(uint64_t token, Ipv4 source, const Question& q, const UpstreamQueryOptions& opts);
    void cancel(uint64_t token);
    size_t pending() const { return index_by_token_.size(); }
    // Upstream UDP sockets open now (the pool, draining ones included).
    size_t open_sockets() const;
    const UpstreamCounters& counters() const { return counters_; }

private:
    static constexpr uint32_t kNone = UINT32_MAX;
    using Servers = std::shared_ptr<const std::vector<Nameserver>>;

    struct TcpAttempt {
        Fd sock;
        event::Source io;
        bool sent = false;
        TcpDeframer deframer{kMaxTcpMessage};
    };
    struct Job {
        bool used = false;
        uint64_t token = 0;
        Question question;
        UpstreamQueryOptions opts;
        Servers servers;
        size_t server = 0;  // the one asked now
        uint16_t id = 0;
        uint32_t slot = kNone;  // the UDP socket of this attempt
        Bytes query;
        std::unique_ptr<TcpAttempt> tcp;  // over TCP after a truncated reply
        // The attempt and deadline lists, oldest first: every attempt and
        // every job has the same timeout, so appending keeps them sorted.
        uint64_t attempt_due = 0;
        uint64_t deadline_due = 0;
        uint32_t attempt_prev = kNone, attempt_next = kNone;
        uint32_t deadline_prev = kNone, deadline_next = kNone;
        bool in_attempts = false;
    };
    struct Slot {
        Fd sock;
        event::Source io;
        uint32_t generation = 0;  // of the server list it was opened for
        size_t server = 0;
        uint32_t uses = 0;
        uint32_t in_flight = 0;
        uint64_t opened = 0;
        bool draining = false;
    };
    struct List {
        uint32_t head = kNone, tail = kNone;
    };
    struct RecvBuffers;

    const Servers& nameservers();
    void end_attempt(uint32_t j);
    Status send_attempt(uint32_t j, bool tcp);
    Status send_udp(uint32_t j);
    Status send_tcp(uint32_t j);
    Result<uint32_t> pick_slot(size_t server);
    Status open_slot(uint32_t s, size_t server);
    void release_slot(Job& job);
    void close_slot(uint32_t s);
    void next_server(uint32_t j);
    void on_slot(uint32_t s, uint32_t revents);
    void on_tcp(uint32_t j, uint32_t revents);
    void handle_reply(uint32_t j, std::span<const uint8_t> wire);
    void finish(uint64_t token, const ldns_pkt* reply);
    void free_job(uint32_t j);
    void on_tick();
    void rearm();
    void push_attempt(uint32_t j, uint64_t due);
    void drop_attempt(uint32_t j);
    void drop_deadline(uint32_t j);
    uint16_t random_id();
    uint32_t random_below(uint32_t n);
    static uint64_t slot_key(uint32_t slot, uint16_t id) { return (uint64_t(slot) << 16) | id; }
    void bury();

    sd_event* ev_;
    std::string resolv_conf_;
    std::vector<Ipv4> avoid_;
    DoneFn done_;
    struct stat resolv_stat_ {};
    bool resolv_read_ = false;
    Servers servers_;
    uint32_t generation_ = 0;

    std::vector<Job> jobs_;
    std::vector<uint32_t> free_jobs_;
    FlatIndex index_by_token_{kMaxPendingQueries};
    FlatIndex index_by_slot_id_{kMaxPendingQueries};
    List attempts_, deadlines_;
    event::Timer tick_;

    // Slot s of server k: k * kUpstreamSocketsPerServer + i for the sockets
    // in use; the same count again as room for those draining.
    std::vector<Slot> slots_;
    std::array<std::array<uint32_t, kUpstreamSocketsPerServer>, kMaxNameservers> active_{};
    std::unique_ptr<RecvBuffers> recv_;

    std::array<uint8_t, 512> random_{};
    size_t random_used_ = sizeof random_;

    // Sources and sockets retired by a callback wait here until the next
    // one: they may be the ones sd-event is dispatching right now.
    std::vector<std::unique_ptr<TcpAttempt>> retired_tcp_;
    std::vector<event::Source> retired_sources_;
    std::vector<Fd> retired_fds_;
    bool slots_cooling_ = false;  // a slot closed since the last bury()
    UpstreamCounters counters_;
    FairShare share_{kMaxPendingQueries, kMaxPendingQueriesPerSource};
    EpisodeLog refusals_;
};

}  // namespace vswitch::dns
