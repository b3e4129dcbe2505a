#include "daemon/dns/forwarder.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "daemon/dns/limits.h"
#include "daemon/log.h"
#include "libvswitch/base/file.h"

namespace vswitch::dns {

namespace {

// A query id nobody on the path can guess (RFC 5452 §4.3). getrandom on a
// booted system does not block; should it fail, the clock's low bits still
// differ per query.
void disable(event::Source& s) {
    if (s) (void)s.set_enabled(false);
}

uint16_t random_id() {
    uint16_t id = 0;
    if (getrandom(&id, sizeof id, GRND_NONBLOCK) != sizeof id) id = uint16_t(event::now(nullptr) ^ 0x5a5a);
    return id;
}

struct SockAddr {
    sockaddr_storage ss{};
    socklen_t len = 0;
};

SockAddr server_address(const Nameserver& ns) {
    SockAddr a;
    if (ns.family == AF_INET) {
        auto* in = reinterpret_cast<sockaddr_in*>(&a.ss);
        in->sin_family = AF_INET;
        in->sin_port = htons(kDnsPort);
        std::memcpy(&in->sin_addr, ns.address.data(), 4);
        a.len = sizeof(sockaddr_in);
    } else {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&a.ss);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(kDnsPort);
        std::memcpy(&in6->sin6_addr, ns.address.data(), 16);
        if (!ns.scope.empty()) in6->sin6_scope_id = if_nametoindex(ns.scope.c_str());
        a.len = sizeof(sockaddr_in6);
    }
    return a;
}

bool same_stat(const struct stat& a, const struct stat& b) {
    return a.st_ino == b.st_ino && a.st_dev == b.st_dev && a.st_size == b.st_size &&
           a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
}

}  // namespace

Forwarder::Forwarder(sd_event* ev, std::string resolv_conf, std::vector<Ipv4> avoid, DoneFn done, std::string sw)
    : ev_(ev), resolv_conf_(std::move(resolv_conf)), avoid_(std::move(avoid)), done_(std::move(done)) {
    // Without it (no memory for a timer) refusals are still counted, only
    // not logged.
    if (auto log = EpisodeLog::create(ev, "DNS forwarding", std::move(sw))) refusals_ = std::move(*log);
}

Forwarder::~Forwarder() = default;

// Re-read by stat on each forward: cheap next to a network round trip, and
// it follows NetworkManager or a VPN rewriting (or replacing) the file.
const std::vector<Nameserver>& Forwarder::nameservers() {
    struct stat st {};
    if (stat(resolv_conf_.c_str(), &st) != 0) {
        if (resolv_read_ || servers_.empty())
            log::warning("cannot read '" + resolv_conf_ + "': " + std::strerror(errno) + ", no upstream DNS");
        servers_.clear();
        resolv_read_ = false;
        return servers_;
    }
    if (resolv_read_ && same_stat(st, resolv_stat_)) return servers_;
    auto text = read_file(resolv_conf_, 1u << 20);
    if (!text) {
        log::warning(text.error().context("reading '" + resolv_conf_ + "'").message + ", keeping the old upstreams");
        return servers_;
    }
    servers_ = parse_resolv_conf(*text, avoid_);
    resolv_stat_ = st;
    resolv_read_ = true;
    std::string list;
    for (const auto& ns : servers_) list += (list.empty() ? "" : ", ") + ns.text;
    log::info("upstream DNS from '" + resolv_conf_ + "': " + (list.empty() ? "none" : list));
    return servers_;
}

Status Forwarder::start(uint64_t token, Ipv4 source, const Question& q, const UpstreamQueryOptions& opts) {
    bury();
    const auto& servers = nameservers();
    if (servers.empty()) return make_error(ENOENT, "no upstream DNS server in '" + resolv_conf_ + "'");
    Admission admission = share_.admit(token, source, event::now(ev_));
    counters_.pending = share_.counters();
    if (!admission.accepted()) {
        refusals_.refused([&] {
            return "for " + source.to_string() + ": " + to_string(admission.verdict) + " (" +
                   std::to_string(share_.held_by(source)) + " of " + std::to_string(share_.per_source()) +
                   " per guest, " + std::to_string(share_.size()) + " of " + std::to_string(share_.capacity()) +
                   " pending)";
        });
        return make_error(E2BIG, to_string(admission.verdict));
    }
    // The heaviest guest's oldest question makes room: its client gets
    // SERVFAIL now rather than after the deadline.
    if (admission.verdict == Admit::evict) {
        log::debug("DNS forwarding: ending the oldest pending query of the heaviest guest for " +
                   source.to_string());
        finish(admission.victim, nullptr);
    }

    auto job = std::make_unique<Job>();
    job->token = token;
    job->question = q;
    job->opts = opts;
    job->servers = servers;
    Job& j = *job;
    auto deadline = event::Timer::create(
        ev_, "DNS forward deadline",
        [this, token] {
            ++counters_.forward_timeouts;
            finish(token, nullptr);
        },
        CLOCK_MONOTONIC, kDnsTimerAccuracyUsec);
    if (!deadline) {
        share_.remove(token);
        return deadline.error();
    }
    j.deadline = std::move(*deadline);
    j.deadline.arm_in(kForwardTimeoutUsec);
    jobs_.emplace(token, std::move(job));
    // A server we cannot even send to is skipped at once.
    while (j.server < j.servers.size()) {
        if (send_attempt(j, false)) return {};
        ++j.server;
    }
    jobs_.erase(token);
    share_.remove(token);
    return make_error(ENETUNREACH, "no upstream DNS server reachable");
}

Status Forwarder::send_attempt(Job& job, bool tcp) {
    const Nameserver& ns = job.servers[job.server];
    retire(job);
    job.tcp = tcp;
    job.tcp_sent = false;
    job.deframer = TcpDeframer(kMaxTcpMessage);
    job.id = random_id();
    auto query = build_upstream_query(job.id, job.question, job.opts);
    if (!query) return query.error();
    job.query = std::move(*query);

    int type = (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC;
    Fd sock(socket(ns.family, type, 0));
    if (!sock) return errno_error(errno, "creating upstream socket");
    // connect() on UDP makes the kernel drop datagrams from any other
    // address or port: the source check RFC 5452 asks for.
    SockAddr sa = server_address(ns);
    if (connect(sock.get(), reinterpret_cast<const sockaddr*>(&sa.ss), sa.len) != 0 && errno != EINPROGRESS)
        return errno_error(errno, "connecting to upstream " + ns.text);
    if (!tcp) {
        if (send(sock.get(), job.query.data(), job.query.size(), MSG_NOSIGNAL) < 0)
            return errno_error(errno, "sending to upstream " + ns.text);
    }
    job.sock = std::move(sock);
    uint64_t token = job.token;
    auto io = event::add_io(ev_, job.sock.get(), tcp ? EPOLLOUT : EPOLLIN, "DNS upstream " + ns.text,
                            [this, token](uint32_t revents) {
        bury();
        auto it = jobs_.find(token);
        if (it == jobs_.end()) return;
        if (it->second->tcp)
            on_tcp(*it->second, revents);
        else
            on_udp(*it->second);
    });
    if (!io) return io.error();
    job.io = std::move(*io);
    if (!job.attempt_timer) {
        auto timer = event::Timer::create(ev_, "DNS upstream attempt timeout", [this, token] {
            bury();
            auto it = jobs_.find(token);
            if (it == jobs_.end()) return;
            ++counters_.attempt_timeouts;
            next_server(*it->second);
        }, CLOCK_MONOTONIC, kDnsTimerAccuracyUsec);
        if (!timer) return timer.error();
        job.attempt_timer = std::move(*timer);
    }
    job.attempt_timer.arm_in(kAttemptTimeoutUsec);
    return {};
}

void Forwarder::next_server(Job& job) {
    while (++job.server < job.servers.size()) {
        auto s = send_attempt(job, false);
        if (s) return;
        log::debug(s.error().message + ", trying the next upstream");
    }
    finish(job.token, nullptr);
}

void Forwarder::on_udp(Job& job) {
    uint8_t buf[kMaxTcpMessage];
    for (;;) {
        ssize_t n = recv(job.sock.get(), buf, sizeof buf, 0);
        if (n < 0) {
            // ECONNREFUSED: ICMP port unreachable, nobody serves there.
            if (errno == ECONNREFUSED) next_server(job);
            return;
        }
        uint64_t token = job.token;
        handle_reply(job, std::span<const uint8_t>(buf, size_t(n)));
        if (jobs_.count(token) == 0 || job.tcp) return;  // finished, or moved on to TCP
    }
}

void Forwarder::on_tcp(Job& job, uint32_t revents) {
    if (!job.tcp_sent) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(job.sock.get(), SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0 || (revents & (EPOLLERR | EPOLLHUP))) return next_server(job);
        auto framed = frame_tcp_message(job.query);
        // A query is far smaller than any socket buffer: one send suffices.
        if (!framed || send(job.sock.get(), framed->data(), framed->size(), MSG_NOSIGNAL) != ssize_t(framed->size()))
            return next_server(job);
        job.tcp_sent = true;
        (void)job.io.set_io_events(EPOLLIN);
        return;
    }
    uint8_t buf[16384];
    ssize_t n = recv(job.sock.get(), buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) return next_server(job);
    if (!job.deframer.feed(std::span<const uint8_t>(buf, size_t(n)))) return next_server(job);
    if (auto msg = job.deframer.next()) handle_reply(job, *msg);
}

void Forwarder::handle_reply(Job& job, std::span<const uint8_t> wire) {
    auto checked = check_upstream_reply(wire, job.id, job.question);
    counters_.count(checked.verdict);
    switch (checked.verdict) {
        case ReplyVerdict::accept:
            if (should_try_next_upstream(*checked.pkt) && job.server + 1 < job.servers.size())
                return next_server(job);
            return finish(job.token, checked.pkt.get());
        case ReplyVerdict::retry_tcp:
            // RFC 7766 §5: a truncated answer is asked again over TCP, same server.
            if (!job.tcp) {
                if (auto s = send_attempt(job, true); s) return;
            }
            return next_server(job);
        default:
            // Spoofed, late or broken: not believed. Over UDP keep waiting for
            // the real answer; a TCP stream that lies is done.
            log::debug("upstream " + job.servers[job.server].text + " sent a reply for " +
                       job.question.to_string() + " that was refused: " + to_string(checked.verdict));
            if (job.tcp) next_server(job);
    }
}

void Forwarder::finish(uint64_t token, const ldns_pkt* reply) {
    auto it = jobs_.find(token);
    if (it == jobs_.end()) return;
    graveyard_.push_back(std::move(it->second));
    jobs_.erase(it);
    share_.remove(token);
    auto& dead = *graveyard_.back();
    disable(dead.io);
    dead.attempt_timer.disarm();
    dead.deadline.disarm();
    done_(token, reply);
}

void Forwarder::cancel(uint64_t token) {
    auto it = jobs_.find(token);
    if (it == jobs_.end()) return;
    graveyard_.push_back(std::move(it->second));
    jobs_.erase(it);
    share_.remove(token);
}

// The old attempt's sources may be the ones being dispatched: disabled now,
// freed at the next callback.
void Forwarder::retire(Job& job) {
    disable(job.io);
    job.attempt_timer.disarm();  // re-armed in place by the next attempt
    retired_sources_.push_back(std::move(job.io));
    retired_fds_.push_back(std::move(job.sock));
}

void Forwarder::bury() {
    graveyard_.clear();
    retired_sources_.clear();
    retired_fds_.clear();
}

}  // namespace vswitch::dns
