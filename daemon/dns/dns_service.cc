#include "daemon/dns/dns_service.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "daemon/dns/limits.h"
#include "daemon/log.h"

namespace vswitch::dns {

namespace {

// One socket on gateway:53, bound to the bridge so that a packet for the
// gateway address arriving on any other interface (the uplink) never
// reaches it: the listener itself refuses the outside, not a firewall rule.
Result<Fd> listen_socket(int type, const DnsServiceConfig& c) {
    std::string what = std::string(type == SOCK_DGRAM ? "UDP" : "TCP") + " " + c.gateway.to_string() + ":53 on '" +
                       c.bridge + "'";
    Fd fd(socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) return errno_error(errno, "creating DNS socket " + what);
    int one = 1;
    if (setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
        return errno_error(errno, "setting SO_REUSEADDR on " + what);
    if (setsockopt(fd.get(), SOL_SOCKET, SO_BINDTODEVICE, c.bridge.c_str(), socklen_t(c.bridge.size())) != 0)
        return errno_error(errno, "binding DNS socket to device for " + what);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(kDnsPort);
    sa.sin_addr.s_addr = c.gateway.to_network();
    if (bind(fd.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0)
        return errno_error(errno, "binding DNS socket " + what);
    if (type == SOCK_STREAM && listen(fd.get(), int(kMaxTcpConnections)) != 0)
        return errno_error(errno, "listening on " + what);
    return fd;
}

void disable(event::Source& s) {
    if (s) (void)s.set_enabled(false);
}

constexpr TcpTimeouts kTcpTimeouts{kTcpIdleTimeoutUsec, kTcpQueryReadTimeoutUsec, kTcpLifetimeUsec, kTcpDrainUsec};

}  // namespace

DnsService::DnsService(Key, sd_event* ev, DnsServiceConfig config, LocalZone zone)
    : ev_(ev),
      config_(std::move(config)),
      zone_(std::move(zone)),
      responder_(zone_, cache_, config_.forward),
      forwarder_(ev, config_.resolv_conf, config_.avoid,
                 [this](uint64_t token, const ldns_pkt* reply) { on_forwarded(token, reply); }, config_.switch_name),
      udp_batch_(std::make_unique<UdpBatch>()) {}

DnsService::~DnsService() = default;

Result<std::unique_ptr<DnsService>> DnsService::create(sd_event* ev, DnsServiceConfig config) {
    std::string sw = "DNS of switch '" + config.switch_name + "'";
    auto zone = LocalZone::create(config.domain, config.subnet);
    if (!zone) return zone.error().context(sw);
    auto refusals = EpisodeLog::create(ev, "DNS over TCP connection", config.switch_name);
    if (!refusals) return refusals.error().context(sw);
    auto svc = std::make_unique<DnsService>(Key(), ev, std::move(config), std::move(*zone));
    svc->tcp_refusals_ = std::move(*refusals);
    if (auto s = svc->open_sockets(); !s) return s.error().context(sw);
    return svc;
}

Status DnsService::open_sockets() {
    auto udp = listen_socket(SOCK_DGRAM, config_);
    if (!udp) return udp.error();
    auto tcp = listen_socket(SOCK_STREAM, config_);
    if (!tcp) return tcp.error();
    udp_ = std::move(*udp);
    tcp_ = std::move(*tcp);
    const std::string sw = "DNS of switch '" + config_.switch_name + "'";
    auto uio = event::add_io(ev_, udp_.get(), EPOLLIN, sw + ": UDP", [this](uint32_t) { on_udp(); });
    if (!uio) return uio.error();
    udp_io_ = std::move(*uio);
    auto tio = event::add_io(ev_, tcp_.get(), EPOLLIN, sw + ": TCP listener", [this](uint32_t) { on_accept(); });
    if (!tio) return tio.error();
    tcp_io_ = std::move(*tio);
    return {};
}

Result<std::string> DnsService::set_name(RecordSource source, std::string_view owner, std::string_view name,
                                         Ipv4 address) {
    // The zone's serial moves only when a record changed: a renewal that
    // sets the same name to the same address again changes nothing.
    const uint32_t serial = zone_.serial();
    auto label = zone_.assign(source, owner, name, address);
    if (label && zone_.serial() != serial) names_changed();
    return label;
}

bool DnsService::remove_name(RecordSource source, std::string_view owner) {
    bool removed = zone_.remove(source, owner);
    if (removed) names_changed();
    return removed;
}

void DnsService::names_changed() {
    if (on_names_changed_) on_names_changed_();
}

void DnsService::on_udp() {
    closed_.clear();
    // Drain the socket a batch at a time: one recvmmsg takes up to
    // kUdpBatch queries and one sendmmsg returns every answer made at once,
    // instead of a recvfrom + sendto pair per query (the kernel's share was
    // most of the cost per query).
    for (int taken = 0; taken < kMaxDatagramsPerWakeup;) {
        UdpBatch& b = *udp_batch_;
        for (size_t i = 0; i < kUdpBatch; ++i) {
            b.iov[i] = {b.buf[i].data(), b.buf[i].size()};
            b.msgs[i] = {};
            b.msgs[i].msg_hdr.msg_name = &b.from[i];
            b.msgs[i].msg_hdr.msg_namelen = sizeof b.from[i];
            b.msgs[i].msg_hdr.msg_iov = &b.iov[i];
            b.msgs[i].msg_hdr.msg_iovlen = 1;
        }
        int n = recvmmsg(udp_.get(), b.msgs.data(), unsigned(kUdpBatch), MSG_DONTWAIT, nullptr);
        if (n <= 0) return;  // EAGAIN: drained
        taken += n;
        // Answers made while the batch is read join it (send_udp); the
        // guard ends the batch even if a query handler throws.
        batching_ = true;
        struct EndBatch {
            bool& flag;
            ~EndBatch() { flag = false; }
        } end_batch{batching_};
        for (int i = 0; i < n; ++i) {
            const sockaddr_in& from = b.from[size_t(i)];
            if (from.sin_family != AF_INET) continue;
            size_t len = b.msgs[size_t(i)].msg_len;
            // A datagram longer than the buffer is cut short: MSG_TRUNC says
            // so, and a cut query is not answered as if it were whole.
            if (b.msgs[size_t(i)].msg_hdr.msg_flags & MSG_TRUNC) continue;
            handle_query(std::span<const uint8_t>(b.buf[size_t(i)].data(), len),
                         Ipv4::from_network(from.sin_addr.s_addr), &from, nullptr);
        }
        batching_ = false;
        flush_udp();
        if (size_t(n) < kUdpBatch) return;  // the socket is empty
    }
}

void DnsService::flush_udp() {
    UdpBatch& b = *udp_batch_;
    size_t count = b.out.size();
    for (size_t i = 0; i < count; ++i) {
        b.out_iov[i] = {b.out[i].wire.data(), b.out[i].wire.size()};
        b.out_msgs[i] = {};
        b.out_msgs[i].msg_hdr.msg_name = &b.out[i].to;
        b.out_msgs[i].msg_hdr.msg_namelen = sizeof b.out[i].to;
        b.out_msgs[i].msg_hdr.msg_iov = &b.out_iov[i];
        b.out_msgs[i].msg_hdr.msg_iovlen = 1;
    }
    // A full socket buffer drops the rest as the network could: the
    // clients ask again, so stop there rather than retry each datagram.
    // sendmmsg stops at the first datagram that fails; one that fails for
    // its own sake (e.g. an unreachable destination) is stepped over.
    for (size_t sent = 0; sent < count;) {
        int n = sendmmsg(udp_.get(), b.out_msgs.data() + sent, unsigned(count - sent), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            sent += size_t(n);
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS || errno == ENOMEM) break;
        ++sent;
    }
    b.out.clear();
}

void DnsService::handle_query(std::span<const uint8_t> query, Ipv4 client, const sockaddr_in* udp_client,
                              TcpConn* conn) {
    QueryContext ctx{conn ? Transport::tcp : Transport::udp, client};
    Decision d = responder_.handle(query, ctx, Clock::now());
    if (auto* reply = std::get_if<Reply>(&d)) {
        if (conn)
            send_tcp(*conn, reply->wire);
        else
            send_udp(*udp_client, std::move(reply->wire));
        return;
    }
    auto* fwd = std::get_if<Forward>(&d);
    if (!fwd) return;  // Drop

    ClientQuery& q = fwd->query;
    bool over_limit = conn && conn->in_flight >= kMaxTcpInFlight;
    uint64_t token = next_token_++;
    Status started = over_limit ? Status(make_error(E2BIG, "too many queries in flight on one TCP connection"))
                                : forwarder_.start(token, client, q.question, {q.dnssec_ok, q.cd});
    if (!started) {
        // A flood is refused here at packet rate: no string unless logged.
        if (log::enabled(log::Level::debug))
            log::debug("forwarding " + q.question.to_string() + " for " + client.to_string() + ": " +
                           started.error().message + ", answering SERVFAIL",
                       {{"VSWITCH_SWITCH", config_.switch_name}});
        Bytes wire = responder_.servfail(q);
        if (conn)
            send_tcp(*conn, wire);
        else
            send_udp(*udp_client, std::move(wire));
        return;
    }
    Waiting w;
    w.query = std::move(q);
    if (conn) {
        w.conn = conn->id;
        ++conn->in_flight;
    } else {
        w.udp_client = *udp_client;
    }
    waiting_.emplace(token, std::move(w));
}

void DnsService::on_forwarded(uint64_t token, const ldns_pkt* reply) {
    auto it = waiting_.find(token);
    if (it == waiting_.end()) return;
    Waiting w = std::move(it->second);
    waiting_.erase(it);
    Bytes wire;
    if (reply) {
        cache_.insert(w.query.question, w.query.dnssec_ok, *reply, Clock::now());
        wire = responder_.answer_from_upstream(w.query, *reply);
    } else {
        log::debug("no upstream answered " + w.query.question.to_string() + " in time, answering SERVFAIL",
                   {{"VSWITCH_SWITCH", config_.switch_name}});
        wire = responder_.servfail(w.query);
    }
    if (w.conn == 0) return send_udp(w.udp_client, std::move(wire));
    auto c = conns_.find(w.conn);
    if (c == conns_.end()) return;  // the client hung up meanwhile
    --c->second->in_flight;
    send_tcp(*c->second, wire);
    if (conns_.count(w.conn) == 0) return;
    update_times(*c->second);
    maybe_close(*c->second);
}

void DnsService::send_udp(const sockaddr_in& to, Bytes wire) {
    // Inside on_udp the answer joins the batch that goes out in one sendmmsg.
    if (batching_ && udp_batch_->out.size() < kUdpBatch) {
        udp_batch_->out.push_back({to, std::move(wire)});
        return;
    }
    // A full socket buffer drops the answer as the network could: the
    // client asks again.
    (void)sendto(udp_.get(), wire.data(), wire.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                 reinterpret_cast<const sockaddr*>(&to), sizeof to);
}

void DnsService::on_accept() {
    closed_.clear();
    for (;;) {
        sockaddr_in from{};
        socklen_t len = sizeof from;
        Fd fd(accept4(tcp_.get(), reinterpret_cast<sockaddr*>(&from), &len, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!fd) return;
        const Ipv4 client = Ipv4::from_network(from.sin_addr.s_addr);
        const uint64_t id = next_conn_++;
        const uint64_t now = event::now(ev_);
        Admission admission = tcp_slots_.admit(id, client, now);
        tcp_counters_.slots = tcp_slots_.counters();
        if (!admission.accepted()) {
            tcp_refusals_.refused([&] {
                return "from " + client.to_string() + ": " + to_string(admission.verdict) + " (" +
                       std::to_string(tcp_slots_.held_by(client)) + " of " +
                       std::to_string(kMaxTcpConnectionsPerSource) + " per guest, " +
                       std::to_string(tcp_slots_.size()) + " of " + std::to_string(kMaxTcpConnections) + " open)";
            });
            // A reset, not a FIN: the client learns at once, and no
            // TIME_WAIT is left behind for a connection never served.
            linger reset{1, 0};
            (void)setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
            continue;  // closed by fd's destructor
        }
        if (admission.verdict == Admit::evict) {
            log::debug("DNS over TCP from " + client.to_string() + ": closing connection " +
                           std::to_string(admission.victim) + " to make room",
                       {{"VSWITCH_SWITCH", config_.switch_name}});
            close_conn(admission.victim);
        }
        auto conn = std::make_unique<TcpConn>();
        conn->id = id;
        conn->fd = std::move(fd);
        conn->client = client;
        conn->in = TcpDeframer(kMaxTcpQueryLength);
        conn->times = TcpTimeline(kTcpTimeouts, now);
        auto io = event::add_io(ev_, conn->fd.get(), EPOLLIN, "DNS over TCP from " + conn->client.to_string(),
                                [this, id](uint32_t revents) { on_tcp(id, revents); });
        auto timer = event::Timer::create(ev_, "DNS over TCP timeouts", [this, id] { on_tcp_timer(id); },
                                          CLOCK_MONOTONIC, kDnsTimerAccuracyUsec);
        if (!io || !timer) {
            log::warning((!io ? io.error() : timer.error()).message + ", dropping a DNS TCP connection");
            tcp_slots_.remove(id);
            continue;
        }
        conn->io = std::move(*io);
        conn->timer = std::move(*timer);
        TcpConn& ref = *conn;
        conns_.emplace(id, std::move(conn));
        update_times(ref);
    }
}

// The connection's state changed (bytes read, work started or ended): the
// slot table learns whether it is idle, and the one timer moves to the next
// deadline.
void DnsService::update_times(TcpConn& conn) {
    const uint64_t now = event::now(ev_);
    conn.times.set_busy(now, conn.in_flight > 0);
    tcp_slots_.set_idle(conn.id, conn.times.idle(), now);
    conn.timer.arm_at(conn.times.deadline());
}

void DnsService::on_tcp_timer(uint64_t conn_id) {
    closed_.clear();
    auto it = conns_.find(conn_id);
    if (it == conns_.end()) return;
    TcpConn& conn = *it->second;
    const TcpExpiry expiry = conn.times.expired(event::now(ev_));
    switch (expiry) {
        case TcpExpiry::none:
            return update_times(conn);
        case TcpExpiry::idle:
            ++tcp_counters_.closed_idle;
            break;
        case TcpExpiry::slow_query:
            ++tcp_counters_.closed_slow_query;
            break;
        case TcpExpiry::drained:
            ++tcp_counters_.closed_drained;
            break;
        case TcpExpiry::lifetime:
            // No more queries: the answers owed go out, then it closes
            // (maybe_close), within kTcpDrainUsec.
            ++tcp_counters_.lifetime_reached;
            log::debug("DNS over TCP from " + conn.client.to_string() + ": " + to_string(expiry) +
                           ", reading no more queries",
                       {{"VSWITCH_SWITCH", config_.switch_name}});
            conn.times.start_draining();
            conn.read_closed = true;
            (void)conn.io.set_io_events(conn.out.empty() ? 0u : uint32_t(EPOLLOUT));
            maybe_close(conn);
            if (conns_.count(conn_id)) update_times(conn);
            return;
    }
    log::debug("DNS over TCP from " + conn.client.to_string() + ": " + to_string(expiry) + ", closing",
               {{"VSWITCH_SWITCH", config_.switch_name}});
    close_conn(conn_id);
}

void DnsService::on_tcp(uint64_t conn_id, uint32_t revents) {
    closed_.clear();
    auto it = conns_.find(conn_id);
    if (it == conns_.end()) return;
    TcpConn& conn = *it->second;
    if (revents & EPOLLOUT) {
        flush_tcp(conn);
        if (conns_.count(conn_id) == 0) return;
    }
    if (!(revents & (EPOLLIN | EPOLLHUP | EPOLLERR)) || conn.read_closed) return;
    uint8_t buf[4096];
    ssize_t n = recv(conn.fd.get(), buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
        // The client is done sending; answers still owed go out first.
        conn.read_closed = true;
        (void)conn.io.set_io_events(conn.out.empty() ? 0u : uint32_t(EPOLLOUT));
        return maybe_close(conn);
    }
    if (!conn.in.feed(std::span<const uint8_t>(buf, size_t(n)))) {
        log::debug("DNS over TCP from " + conn.client.to_string() + ": bad framing, closing",
                   {{"VSWITCH_SWITCH", config_.switch_name}});
        ++tcp_counters_.closed_bad_framing;
        return close_conn(conn_id);
    }
    conn.times.on_read(event::now(ev_), conn.in.partial() > 0);
    // RFC 7766 §6.2.1.1: pipelined queries are all taken; answers go out
    // in whatever order they are ready, each with its own id.
    while (auto msg = conn.in.next()) {
        handle_query(*msg, conn.client, nullptr, &conn);
        if (conns_.count(conn_id) == 0) return;
    }
    update_times(conn);
}

void DnsService::send_tcp(TcpConn& conn, const Bytes& wire) {
    auto framed = frame_tcp_message(wire);
    if (!framed) return;
    if (conn.out.size() + framed->size() > kMaxTcpWriteBuffer) {
        log::debug("DNS over TCP to " + conn.client.to_string() + ": client does not read, closing",
                   {{"VSWITCH_SWITCH", config_.switch_name}});
        ++tcp_counters_.closed_unread;
        return close_conn(conn.id);
    }
    conn.out.insert(conn.out.end(), framed->begin(), framed->end());
    flush_tcp(conn);
}

void DnsService::flush_tcp(TcpConn& conn) {
    while (!conn.out.empty()) {
        ssize_t n = send(conn.fd.get(), conn.out.data(), conn.out.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) break;
            return close_conn(conn.id);
        }
        conn.out.erase(conn.out.begin(), conn.out.begin() + n);
    }
    uint32_t events = (conn.read_closed ? 0u : uint32_t(EPOLLIN)) | (conn.out.empty() ? 0u : uint32_t(EPOLLOUT));
    (void)conn.io.set_io_events(events);
    maybe_close(conn);
}

void DnsService::maybe_close(TcpConn& conn) {
    if (conn.read_closed && conn.in_flight == 0 && conn.out.empty()) close_conn(conn.id);
}

void DnsService::close_conn(uint64_t conn_id) {
    auto it = conns_.find(conn_id);
    if (it == conns_.end()) return;
    disable(it->second->io);
    it->second->timer.disarm();
    // The socket closes now, so the client sees it at once even when no
    // other DNS event comes to free the rest (its source is disabled, so
    // sd-event no longer watches the descriptor).
    it->second->fd.reset();
    tcp_slots_.remove(conn_id);
    closed_.push_back(std::move(it->second));
    conns_.erase(it);
    // Its forwarded queries finish into the void (on_forwarded finds no
    // connection); the forwarder's own limit still bounds them.
}

}  // namespace vswitch::dns
