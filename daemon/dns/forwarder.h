// The forwarder's sockets: asks the host's resolvers (resolv.conf) for the
// questions the local zone and the cache could not answer.
#pragma once

#include <systemd/sd-event.h>
#include <sys/stat.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon/dns/episode_log.h"
#include "daemon/event/event.h"
#include "libvswitch/base/fd.h"
#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"
#include "libvswitch/dns/fair_share.h"
#include "libvswitch/dns/message.h"
#include "libvswitch/dns/tcp_framing.h"
#include "libvswitch/dns/upstream.h"
#include "daemon/dns/limits.h"

namespace vswitch::dns {

// Forwarder owns one job per forwarded question: a fresh UDP socket (random
// source port) and a random id per attempt, its timers, and a TCP connection
// when a reply came truncated. It walks the upstreams in resolv.conf order,
// moving on after kAttemptTimeoutUsec or an answer that speaks about the
// server (SERVFAIL, REFUSED...), and gives up after kForwardTimeoutUsec.
// The jobs are a table shared by every guest: each asking guest (source
// address) has a share of it (FairShare, kMaxPendingQueriesPerSource), so a
// guest flooding names that no upstream answers cannot starve the others.
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
    size_t pending() const { return jobs_.size(); }
    const UpstreamCounters& counters() const { return counters_; }

private:
    struct Job {
        uint64_t token = 0;
        Question question;
        UpstreamQueryOptions opts;
        std::vector<Nameserver> servers;
        size_t server = 0;  // the one asked now
        uint16_t id = 0;
        bool tcp = false;
        bool tcp_sent = false;
        Bytes query;
        Fd sock;
        event::Source io;
        event::Timer attempt_timer;
        event::Timer deadline;
        TcpDeframer deframer{kMaxTcpMessage};
    };

    const std::vector<Nameserver>& nameservers();
    Status send_attempt(Job& job, bool tcp);
    void next_server(Job& job);
    void on_udp(Job& job);
    void on_tcp(Job& job, uint32_t revents);
    void handle_reply(Job& job, std::span<const uint8_t> wire);
    void finish(uint64_t token, const ldns_pkt* reply);
    void retire(Job& job);
    void bury();

    sd_event* ev_;
    std::string resolv_conf_;
    std::vector<Ipv4> avoid_;
    DoneFn done_;
    struct stat resolv_stat_ {};
    bool resolv_read_ = false;
    std::vector<Nameserver> servers_;
    std::map<uint64_t, std::unique_ptr<Job>> jobs_;
    // Finished jobs wait here until the next callback: their sources may be
    // the one sd-event is dispatching right now.
    std::vector<std::unique_ptr<Job>> graveyard_;
    std::vector<event::Source> retired_sources_;
    std::vector<Fd> retired_fds_;
    UpstreamCounters counters_;
    FairShare share_{kMaxPendingQueries, kMaxPendingQueriesPerSource};
    EpisodeLog refusals_;
};

}  // namespace vswitch::dns
