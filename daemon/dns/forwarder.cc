#include "daemon/dns/forwarder.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "daemon/log.h"
#include "libvswitch/base/file.h"

namespace vswitch::dns {

struct Forwarder::RecvBuffers {
    std::array<mmsghdr, kUpstreamRecvBatch> msgs{};
    std::array<iovec, kUpstreamRecvBatch> iov{};
    std::array<std::array<uint8_t, kUpstreamRecvBuffer>, kUpstreamRecvBatch> buf{};
};

namespace {

void disable(event::Source& s) {
    if (s) (void)s.set_enabled(false);
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
    // Without the timer start() refuses every forward (no timeouts, no
    // forwards): the local zone and the cache still answer.
    if (auto t = event::Timer::create(ev, "DNS forward timeouts", [this] { on_tick(); }, CLOCK_MONOTONIC,
                                      kDnsTimerAccuracyUsec))
        tick_ = std::move(*t);
    else
        log::warning(t.error().context("DNS forwarding").message + ": forwarding disabled");
    jobs_.resize(kMaxPendingQueries);
    free_jobs_.reserve(kMaxPendingQueries);
    for (size_t i = kMaxPendingQueries; i-- > 0;) free_jobs_.push_back(uint32_t(i));
    slots_.resize(kMaxNameservers * kUpstreamSocketsPerServer * 2);
    for (auto& per_server : active_) per_server.fill(kNone);
    recv_ = std::make_unique<RecvBuffers>();
}

Forwarder::~Forwarder() = default;

// Re-read by stat on each forward: cheap next to a network round trip, and
// it follows NetworkManager or a VPN rewriting (or replacing) the file. A
// new list retires every socket of the old one.
const Forwarder::Servers& Forwarder::nameservers() {
    struct stat st {};
    auto replace = [this](std::vector<Nameserver> list) {
        servers_ = std::make_shared<const std::vector<Nameserver>>(std::move(list));
        ++generation_;
        for (auto& per_server : active_) {
            for (uint32_t& s : per_server) {
                if (s == kNone) continue;
                slots_[s].draining = true;
                if (slots_[s].in_flight == 0) close_slot(s);
                s = kNone;
            }
        }
    };
    if (stat(resolv_conf_.c_str(), &st) != 0) {
        if (resolv_read_ || !servers_)
            log::warning("cannot read '" + resolv_conf_ + "': " + std::strerror(errno) + ", no upstream DNS");
        if (resolv_read_ || !servers_) replace({});
        resolv_read_ = false;
        return servers_;
    }
    if (resolv_read_ && same_stat(st, resolv_stat_)) return servers_;
    auto text = read_file(resolv_conf_, 1u << 20);
    if (!text) {
        log::warning(text.error().context("reading '" + resolv_conf_ + "'").message + ", keeping the old upstreams");
        if (!servers_) replace({});
        return servers_;
    }
    auto list = parse_resolv_conf(*text, avoid_);
    resolv_stat_ = st;
    resolv_read_ = true;
    if (servers_ && *servers_ == list) return servers_;
    std::string names;
    for (const auto& ns : list) names += (names.empty() ? "" : ", ") + ns.text;
    log::info("upstream DNS from '" + resolv_conf_ + "': " + (names.empty() ? "none" : names));
    replace(std::move(list));
    return servers_;
}

size_t Forwarder::open_sockets() const {
    size_t n = 0;
    for (const auto& s : slots_) n += bool(s.sock);
    return n;
}

Status Forwarder::start(uint64_t token, Ipv4 source, const Question& q, const UpstreamQueryOptions& opts) {
    bury();
    const Servers& servers = nameservers();
    if (servers->empty()) return make_error(ENOENT, "no upstream DNS server in '" + resolv_conf_ + "'");
    if (!tick_) return make_error(ENOMEM, "no timer for DNS forwarding");
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
    // The share's capacity is the job table's: a job is free.
    if (free_jobs_.empty() || !index_by_token_.insert(token, free_jobs_.back())) {
        share_.remove(token);
        return make_error(E2BIG, "no free forwarding slot");
    }
    const uint32_t j = free_jobs_.back();
    free_jobs_.pop_back();
    Job& job = jobs_[j];
    job.used = true;
    job.token = token;
    job.question.name.assign(q.name.begin(), q.name.end());  // the buffer of the last job in this place
    job.question.type = q.type;
    job.question.klass = q.klass;
    job.opts = opts;
    job.servers = servers;
    job.server = 0;
    job.slot = kNone;
    job.deadline_due = event::now(ev_) + kForwardTimeoutUsec;
    job.deadline_prev = deadlines_.tail;
    job.deadline_next = kNone;
    (deadlines_.tail == kNone ? deadlines_.head : jobs_[deadlines_.tail].deadline_next) = j;
    deadlines_.tail = j;
    // A server we cannot even send to is skipped at once.
    while (job.server < job.servers->size()) {
        if (send_attempt(j, false)) {
            rearm();
            return {};
        }
        ++job.server;
    }
    free_job(j);
    return make_error(ENETUNREACH, "no upstream DNS server reachable");
}

// The job's current attempt is over: its socket slot, its TCP connection
// (retired until the next callback) and its place in the attempt list.
void Forwarder::end_attempt(uint32_t j) {
    Job& job = jobs_[j];
    release_slot(job);
    if (job.tcp) {
        disable(job.tcp->io);
        retired_tcp_.push_back(std::move(job.tcp));
    }
    drop_attempt(j);
}

Status Forwarder::send_attempt(uint32_t j, bool tcp) {
    end_attempt(j);
    Status sent = tcp ? send_tcp(j) : send_udp(j);
    if (!sent) return sent;
    push_attempt(j, event::now(ev_) + kAttemptTimeoutUsec);
    return {};
}

Status Forwarder::send_udp(uint32_t j) {
    Job& job = jobs_[j];
    // A job older than the server list (resolv.conf changed under it) goes
    // on with the new one: the sockets are the new list's.
    if (job.servers != servers_) {
        job.servers = servers_;
        if (job.server >= job.servers->size()) return make_error(ENOENT, "the upstream list changed");
    }
    auto slot = pick_slot(job.server);
    if (!slot) return slot.error();
    const uint32_t s = *slot;
    // A fresh random id, unique on this socket among the queries in flight.
    bool placed = false;
    for (int tries = 0; tries < 8 && !placed; ++tries) {
        job.id = random_id();
        placed = index_by_slot_id_.insert(slot_key(s, job.id), j);
    }
    if (!placed) return make_error(EAGAIN, "no free query id on an upstream socket");
    if (auto w = write_upstream_query(job.id, job.question, job.opts, job.query); !w) {
        index_by_slot_id_.erase(slot_key(s, job.id));
        return w.error().context("building upstream query for " + job.question.to_string());
    }
    Slot& sl = slots_[s];
    if (send(sl.sock.get(), job.query.data(), job.query.size(), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
        int err = errno;
        index_by_slot_id_.erase(slot_key(s, job.id));
        return errno_error(err, "sending to upstream " + (*job.servers)[job.server].text);
    }
    job.slot = s;
    ++sl.in_flight;
    // Past its uses or its time the socket takes no new query; it closes
    // when its last one is done and its place opens on a new port.
    if (++sl.uses >= kUpstreamSocketUses || event::now(ev_) - sl.opened >= kUpstreamSocketLifetimeUsec) {
        sl.draining = true;
        for (uint32_t& a : active_[sl.server])
            if (a == s) a = kNone;
    }
    return {};
}

Status Forwarder::send_tcp(uint32_t j) {
    Job& job = jobs_[j];
    const Nameserver& ns = (*job.servers)[job.server];
    job.id = random_id();
    if (auto w = write_upstream_query(job.id, job.question, job.opts, job.query); !w)
        return w.error().context("building upstream query for " + job.question.to_string());
    auto attempt = std::make_unique<TcpAttempt>();
    attempt->sock = Fd(socket(ns.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!attempt->sock) return errno_error(errno, "creating upstream socket");
    SockAddr sa = server_address(ns);
    if (connect(attempt->sock.get(), reinterpret_cast<const sockaddr*>(&sa.ss), sa.len) != 0 && errno != EINPROGRESS)
        return errno_error(errno, "connecting to upstream " + ns.text);
    const uint64_t token = job.token;
    auto io = event::add_io(ev_, attempt->sock.get(), EPOLLOUT, "DNS upstream " + ns.text + " over TCP",
                            [this, j, token](uint32_t revents) {
        bury();
        if (!jobs_[j].used || jobs_[j].token != token || !jobs_[j].tcp) return;
        on_tcp(j, revents);
        rearm();
    });
    if (!io) return io.error();
    attempt->io = std::move(*io);
    job.tcp = std::move(attempt);
    return {};
}

Result<uint32_t> Forwarder::pick_slot(size_t server) {
    uint32_t i = random_below(uint32_t(kUpstreamSocketsPerServer));
    uint32_t s = active_[server][i];
    if (s != kNone) return s;
    for (uint32_t k = 0; k < slots_.size(); ++k) {
        if (slots_[k].sock || slots_[k].draining) continue;  // open, or closed in this callback
        if (auto opened = open_slot(k, server); !opened) return opened.error();
        active_[server][i] = k;
        return k;
    }
    return make_error(EAGAIN, "every upstream socket is busy draining");
}

Status Forwarder::open_slot(uint32_t s, size_t server) {
    const Nameserver& ns = (*servers_)[server];
    Fd sock(socket(ns.family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!sock) return errno_error(errno, "creating upstream socket");
    // connect() on UDP binds a random free port and makes the kernel drop
    // datagrams from any other address or port: the source check RFC 5452
    // asks for.
    SockAddr sa = server_address(ns);
    if (connect(sock.get(), reinterpret_cast<const sockaddr*>(&sa.ss), sa.len) != 0)
        return errno_error(errno, "connecting to upstream " + ns.text);
    auto io = event::add_io(ev_, sock.get(), EPOLLIN, "DNS upstream " + ns.text,
                            [this, s](uint32_t revents) { on_slot(s, revents); });
    if (!io) return io.error();
    Slot& sl = slots_[s];
    sl.sock = std::move(sock);
    sl.io = std::move(*io);
    sl.generation = generation_;
    sl.server = server;
    sl.uses = 0;
    sl.in_flight = 0;
    sl.opened = event::now(ev_);
    sl.draining = false;
    return {};
}

void Forwarder::release_slot(Job& job) {
    if (job.slot == kNone) return;
    index_by_slot_id_.erase(slot_key(job.slot, job.id));
    Slot& sl = slots_[job.slot];
    if (sl.in_flight > 0) --sl.in_flight;
    if (sl.draining && sl.in_flight == 0 && sl.sock) close_slot(job.slot);
    job.slot = kNone;
}

// Closed now, its source and socket freed at the next callback; the slot
// stays marked draining until then, so it is not opened again under the
// callback that may still be reading its old socket.
void Forwarder::close_slot(uint32_t s) {
    Slot& sl = slots_[s];
    disable(sl.io);
    retired_sources_.push_back(std::move(sl.io));
    retired_fds_.push_back(std::move(sl.sock));
    sl.draining = true;
    sl.in_flight = 0;
    slots_cooling_ = true;
}

void Forwarder::next_server(uint32_t j) {
    Job& job = jobs_[j];
    while (++job.server < job.servers->size()) {
        if (job.servers != servers_) {
            // resolv.conf changed: go on with the new list, from the start
            // if the old position is past its end.
            job.servers = servers_;
            if (job.server >= job.servers->size()) break;
        }
        auto s = send_attempt(j, false);
        if (s) return;
        log::debug(s.error().message + ", trying the next upstream");
    }
    finish(job.token, nullptr);
}

void Forwarder::on_slot(uint32_t s, uint32_t /*revents*/) {
    bury();
    RecvBuffers& b = *recv_;
    for (size_t round = 0; round < size_t(kMaxDatagramsPerWakeup) / kUpstreamRecvBatch; ++round) {
        Slot& sl = slots_[s];
        if (!sl.sock) break;
        for (size_t i = 0; i < kUpstreamRecvBatch; ++i) {
            b.iov[i] = {b.buf[i].data(), b.buf[i].size()};
            b.msgs[i] = {};
            b.msgs[i].msg_hdr.msg_iov = &b.iov[i];
            b.msgs[i].msg_hdr.msg_iovlen = 1;
        }
        int n = recvmmsg(sl.sock.get(), b.msgs.data(), unsigned(kUpstreamRecvBatch), MSG_DONTWAIT, nullptr);
        if (n < 0) {
            // ECONNREFUSED: ICMP port unreachable, nobody serves there. The
            // error is the socket's, not one query's: every query waiting
            // on it was sent to that server, so each moves on.
            if (errno == ECONNREFUSED) {
                for (uint32_t j = 0; j < jobs_.size(); ++j)
                    if (jobs_[j].used && jobs_[j].slot == s && !jobs_[j].tcp) next_server(j);
            }
            break;
        }
        for (int i = 0; i < n; ++i) {
            const auto& m = b.msgs[size_t(i)];
            std::span<const uint8_t> wire(b.buf[size_t(i)].data(), m.msg_len);
            if (wire.size() < 2) {
                counters_.count(ReplyVerdict::malformed);
                continue;
            }
            const uint16_t id = uint16_t(wire[0] << 8 | wire[1]);
            auto j = index_by_slot_id_.find(slot_key(s, id));
            if (!j) {
                // Late (its query was answered, or timed out) or forged.
                counters_.count(ReplyVerdict::wrong_id);
                continue;
            }
            if (m.msg_hdr.msg_flags & MSG_TRUNC) {
                // Larger than what we asked for: the whole answer over TCP.
                counters_.count(ReplyVerdict::retry_tcp);
                if (!send_attempt(*j, true)) next_server(*j);
                continue;
            }
            handle_reply(*j, wire);
        }
        if (size_t(n) < kUpstreamRecvBatch) break;
    }
    rearm();
}

void Forwarder::on_tcp(uint32_t j, uint32_t revents) {
    Job& job = jobs_[j];
    TcpAttempt& t = *job.tcp;
    if (!t.sent) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(t.sock.get(), SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0 || (revents & (EPOLLERR | EPOLLHUP))) return next_server(j);
        auto framed = frame_tcp_message(job.query);
        // A query is far smaller than any socket buffer: one send suffices.
        if (!framed || send(t.sock.get(), framed->data(), framed->size(), MSG_NOSIGNAL) != ssize_t(framed->size()))
            return next_server(j);
        t.sent = true;
        (void)t.io.set_io_events(EPOLLIN);
        return;
    }
    uint8_t buf[16384];
    ssize_t n = recv(t.sock.get(), buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) return next_server(j);
    if (!t.deframer.feed(std::span<const uint8_t>(buf, size_t(n)))) return next_server(j);
    if (auto msg = t.deframer.next()) handle_reply(j, *msg);
}

void Forwarder::handle_reply(uint32_t j, std::span<const uint8_t> wire) {
    Job& job = jobs_[j];
    auto checked = check_upstream_reply(wire, job.id, job.question);
    counters_.count(checked.verdict);
    switch (checked.verdict) {
        case ReplyVerdict::accept:
            if (should_try_next_upstream(*checked.pkt) && job.server + 1 < job.servers->size())
                return next_server(j);
            return finish(job.token, checked.pkt.get());
        case ReplyVerdict::retry_tcp:
            // RFC 7766 §5: a truncated answer is asked again over TCP, same server.
            if (!job.tcp) {
                if (auto s = send_attempt(j, true); s) return;
            }
            return next_server(j);
        default:
            // Spoofed, late or broken: not believed. Over UDP keep waiting for
            // the real answer; a TCP stream that lies is done.
            if (log::enabled(log::Level::debug))
                log::debug("upstream " + (*job.servers)[job.server].text + " sent a reply for " +
                           job.question.to_string() + " that was refused: " + to_string(checked.verdict));
            if (job.tcp) next_server(j);
    }
}

void Forwarder::finish(uint64_t token, const ldns_pkt* reply) {
    auto j = index_by_token_.find(token);
    if (!j) return;
    free_job(*j);
    done_(token, reply);
}

void Forwarder::cancel(uint64_t token) {
    if (auto j = index_by_token_.find(token)) free_job(*j);
}

void Forwarder::free_job(uint32_t j) {
    Job& job = jobs_[j];
    end_attempt(j);
    drop_deadline(j);
    index_by_token_.erase(job.token);
    share_.remove(job.token);
    job.used = false;
    job.servers.reset();
    free_jobs_.push_back(j);
}

void Forwarder::push_attempt(uint32_t j, uint64_t due) {
    Job& job = jobs_[j];
    job.attempt_due = due;
    job.attempt_prev = attempts_.tail;
    job.attempt_next = kNone;
    (attempts_.tail == kNone ? attempts_.head : jobs_[attempts_.tail].attempt_next) = j;
    attempts_.tail = j;
    job.in_attempts = true;
}

void Forwarder::drop_attempt(uint32_t j) {
    Job& job = jobs_[j];
    if (!job.in_attempts) return;
    (job.attempt_prev == kNone ? attempts_.head : jobs_[job.attempt_prev].attempt_next) = job.attempt_next;
    (job.attempt_next == kNone ? attempts_.tail : jobs_[job.attempt_next].attempt_prev) = job.attempt_prev;
    job.attempt_prev = job.attempt_next = kNone;
    job.in_attempts = false;
}

void Forwarder::drop_deadline(uint32_t j) {
    Job& job = jobs_[j];
    (job.deadline_prev == kNone ? deadlines_.head : jobs_[job.deadline_prev].deadline_next) = job.deadline_next;
    (job.deadline_next == kNone ? deadlines_.tail : jobs_[job.deadline_next].deadline_prev) = job.deadline_prev;
    job.deadline_prev = job.deadline_next = kNone;
}

// One timer for every job: it is set for the earliest of the two lists'
// heads, and left alone while it is set earlier than that (it then wakes
// once for nothing and is set again), so most forwards never touch it.
void Forwarder::on_tick() {
    bury();
    const uint64_t now = event::now(ev_);
    while (deadlines_.head != kNone && jobs_[deadlines_.head].deadline_due <= now) {
        ++counters_.forward_timeouts;
        finish(jobs_[deadlines_.head].token, nullptr);
    }
    while (attempts_.head != kNone && jobs_[attempts_.head].attempt_due <= now) {
        const uint32_t j = attempts_.head;
        drop_attempt(j);
        ++counters_.attempt_timeouts;
        next_server(j);
    }
    rearm();
}

void Forwarder::rearm() {
    if (!tick_) return;
    uint64_t due = UINT64_MAX;
    if (deadlines_.head != kNone) due = jobs_[deadlines_.head].deadline_due;
    if (attempts_.head != kNone) due = std::min(due, jobs_[attempts_.head].attempt_due);
    if (due == UINT64_MAX) return;  // an armed timer fires once for nothing
    if (tick_.armed() && tick_.due() <= due) return;
    tick_.arm_at(due);
}

// Query ids and socket choices nobody on the path can guess (RFC 5452
// §4.3, §9.2): getrandom fills a buffer at a time, 256 draws per system
// call. Should it fail, the clock's low bits still differ per query.
uint16_t Forwarder::random_id() {
    if (random_used_ + 2 > random_.size()) {
        if (getrandom(random_.data(), random_.size(), GRND_NONBLOCK) != ssize_t(random_.size())) {
            uint64_t t = event::now(nullptr);
            for (size_t i = 0; i < random_.size(); ++i) random_[i] ^= uint8_t(t >> (8 * (i % 8))) ^ uint8_t(i * 151);
        }
        random_used_ = 0;
    }
    uint16_t v = uint16_t(random_[random_used_] << 8 | random_[random_used_ + 1]);
    random_used_ += 2;
    return v;
}

uint32_t Forwarder::random_below(uint32_t n) { return random_id() % n; }  // n divides 65536 here

void Forwarder::bury() {
    retired_tcp_.clear();
    retired_sources_.clear();
    retired_fds_.clear();
    // Closed slots may be opened again now that no callback reads them.
    if (!slots_cooling_) return;
    slots_cooling_ = false;
    for (auto& s : slots_)
        if (!s.sock) s.draining = false;
}

}  // namespace vswitch::dns
