// The DNS server of one switch: UDP and TCP on the gateway address, port 53.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <systemd/sd-event.h>

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "daemon/dns/episode_log.h"
#include "daemon/dns/forwarder.h"
#include "daemon/dns/limits.h"
#include "daemon/event/event.h"
#include "libvswitch/base/fd.h"
#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"
#include "libvswitch/dns/cache.h"
#include "libvswitch/dns/fair_share.h"
#include "libvswitch/dns/local_zone.h"
#include "libvswitch/dns/responder.h"
#include "libvswitch/dns/tcp_framing.h"
#include "libvswitch/dns/tcp_timeouts.h"

namespace vswitch::dns {

// Datagrams taken by one recvmmsg and answers sent by one sendmmsg.
inline constexpr size_t kUdpBatch = 32;
// Receive buffer per datagram: a query is one question plus an OPT record,
// far below the largest datagram we promise to take (our EDNS size, RFC
// 6891 §6.2.5); anything longer is cut and dropped (MSG_TRUNC).
inline constexpr size_t kMaxUdpQuery = kMaxUdpPayload;

// What became of the client TCP connections: the slot table's decisions
// (per-guest shares, kMaxTcpConnectionsPerSource) and why the daemon closed
// the ones it closed.
struct TcpCounters {
    FairShareCounters slots;
    uint64_t closed_idle = 0;
    uint64_t closed_slow_query = 0;  // a query not read whole in kTcpQueryReadTimeoutUsec
    uint64_t lifetime_reached = 0;   // no more queries read (closed once the answers are out)
    uint64_t closed_drained = 0;     // answers owed after the lifetime took too long
    uint64_t closed_bad_framing = 0;
    uint64_t closed_unread = 0;  // the client did not read its answers
};

struct DnsServiceConfig {
    std::string switch_name;
    std::string bridge;  // SO_BINDTODEVICE: nothing arriving elsewhere reaches us
    Ipv4Prefix subnet;
    Ipv4 gateway;
    std::string domain;
    std::string resolv_conf;
    std::vector<Ipv4> avoid;  // every switch's gateway: never an upstream
    bool forward = true;      // ForwardDNS=: names outside the local zone go upstream
};

// DnsService owns one switch's listening sockets, its TCP client
// connections, the local zone, the cache and the forwarder. The Manager
// creates it once the bridge has its address and drives the names
// (set_name/remove_name); sd-event drives the rest. on_names_changed runs
// after every change of the local names (the Manager rewrites the hosts file).
class DnsService {
public:
    // Only create() can make a Key, so construction always goes through it
    // (and std::make_unique can still reach the constructor).
    class Key {
        friend class DnsService;
        Key() = default;
    };
    DnsService(Key, sd_event* ev, DnsServiceConfig config, LocalZone zone);
    static Result<std::unique_ptr<DnsService>> create(sd_event* ev, DnsServiceConfig config);
    ~DnsService();
    DnsService(const DnsService&) = delete;
    DnsService& operator=(const DnsService&) = delete;

    Result<std::string> set_name(RecordSource source, std::string_view owner, std::string_view name, Ipv4 address);
    bool remove_name(RecordSource source, std::string_view owner);
    // Name conflicts set_name() resolved with a variant, for the log.
    std::vector<dns::Rename> take_renames() { return zone_.take_renames(); }
    void set_on_names_changed(std::function<void()> fn) { on_names_changed_ = std::move(fn); }

    const std::string& switch_name() const { return config_.switch_name; }
    const LocalZone& zone() const { return zone_; }
    const Responder& responder() const { return responder_; }
    const Forwarder& forwarder() const { return forwarder_; }
    const Cache& cache() const { return cache_; }
    const TcpCounters& tcp_counters() const { return tcp_counters_; }
    size_t tcp_connections() const { return conns_.size(); }

private:
    struct TcpConn {
        uint64_t id = 0;
        Fd fd;
        Ipv4 client;
        event::Source io;
        event::Timer timer;  // at times.deadline()
        TcpTimeline times;
        TcpDeframer in;
        Bytes out;
        size_t in_flight = 0;
        bool read_closed = false;
    };
    // Buffers for one recvmmsg/sendmmsg round on the UDP socket, kept
    // allocated (on the heap: 32 full-size datagram buffers are too big for
    // the stack) so that a busy socket costs no allocation per query.
    struct UdpOut {
        sockaddr_in to{};
        Bytes wire;
    };
    struct UdpBatch {
        std::array<std::array<uint8_t, kMaxUdpQuery>, kUdpBatch> buf;
        std::array<sockaddr_in, kUdpBatch> from;
        std::array<iovec, kUdpBatch> iov;
        std::array<mmsghdr, kUdpBatch> msgs;
        std::vector<UdpOut> out;
        std::array<iovec, kUdpBatch> out_iov;
        std::array<mmsghdr, kUdpBatch> out_msgs;
    };
    // Where a forwarded query's answer goes.
    struct Waiting {
        ClientQuery query;
        sockaddr_in udp_client{};
        uint64_t conn = 0;  // 0: over UDP
    };

    Status open_sockets();
    void on_udp();
    void on_accept();
    void on_tcp(uint64_t conn_id, uint32_t revents);
    void handle_query(std::span<const uint8_t> query, Ipv4 client, const sockaddr_in* udp_client,
                      TcpConn* conn);
    void on_forwarded(uint64_t token, const ldns_pkt* reply);
    void send_udp(const sockaddr_in& to, Bytes wire);
    void flush_udp();
    void send_tcp(TcpConn& conn, const Bytes& wire);
    void flush_tcp(TcpConn& conn);
    void update_times(TcpConn& conn);
    void on_tcp_timer(uint64_t conn_id);
    void close_conn(uint64_t conn_id);
    void maybe_close(TcpConn& conn);
    void names_changed();

    sd_event* ev_;
    DnsServiceConfig config_;
    LocalZone zone_;
    Cache cache_;
    Responder responder_;
    Forwarder forwarder_;
    std::unique_ptr<UdpBatch> udp_batch_;
    bool batching_ = false;  // on_udp is collecting answers for one sendmmsg
    Fd udp_;
    Fd tcp_;
    event::Source udp_io_;
    event::Source tcp_io_;
    std::map<uint64_t, std::unique_ptr<TcpConn>> conns_;
    FairShare tcp_slots_{kMaxTcpConnections, kMaxTcpConnectionsPerSource};
    TcpCounters tcp_counters_;
    EpisodeLog tcp_refusals_;
    std::vector<std::unique_ptr<TcpConn>> closed_;  // freed at the next callback
    std::unordered_map<uint64_t, Waiting> waiting_;
    uint64_t next_token_ = 1;
    uint64_t next_conn_ = 1;
    std::function<void()> on_names_changed_;
};

}  // namespace vswitch::dns
