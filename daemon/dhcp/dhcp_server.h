// DhcpServer: the DHCP service of one switch. Owns the ServerCore (leases,
// pool), the sockets on the switch's bridge, the lease file and the lease
// journal, the throttle that saves them, the ACKs of one read loop until
// their bindings are on the disk, the timer that expires leases and its
// subscription to the observer's neighbour events. Its Switch creates it
// (nat and internal switches) once the bridge carries its gateway address,
// before READY=1; the sd-event loop drives it; destroying it (clean stop)
// flushes the leases.
#pragma once

#include <linux/if_packet.h>
#include <systemd/sd-event.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "daemon/event/event.h"
#include "daemon/event/throttle.h"
#include "daemon/netlink/observer.h"
#include "daemon/netlink/route_socket.h"
#include "libvswitch/base/fd.h"
#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"
#include "libvswitch/dhcp/lease_journal.h"
#include "libvswitch/dhcp/server_core.h"

namespace vswitch::dhcpd {

// Lease changes reach the disk in two ways (vswitchd(8), FILES). Every
// change is written into the lease file, whole and atomically, kLeaseSaveDelay
// after the first one...
inline constexpr std::chrono::milliseconds kLeaseSaveDelay{20};
// ...and at most once per interval: the whole-file write (fsync, rename)
// blocks the loop, so under a burst the disk gets a bounded share of its
// time. Each such write empties the lease journal, which in between holds
// the new bindings (a client given an address it did not hold): every
// binding of one loop iteration is appended in one write and one
// fdatasync before any of that iteration's ACKs is sent (group commit),
// so a binding that was ACKed survives a kill -9 or a power loss. What a
// crash can lose is the lazy rest of the last interval: a renewal (the
// lease keeps its previous expiry, still at least half a lease after the
// renewal: RFC 2131 T1), a release (the lease then expires), an expiry.
inline constexpr std::chrono::milliseconds kLeaseSaveInterval{1000};
// A lease file or journal that could not be written (a full disk) is
// written again this often until it can, while the service keeps serving.
inline constexpr std::chrono::seconds kLeaseSaveRetry{5};
// Receive buffer for the DHCP socket, so a burst survives a slow write.
inline constexpr int kReceiveBufferBytes = 4 << 20;
// Datagrams read per wake-up before the loop gets to run other sources.
inline constexpr int kMaxPacketsPerWakeup = 64;
// The bridge's MAC -> port table kept from its FDB notifications, so a
// request's port is a lookup, not a netlink round trip. Past this many
// entries (a flood of random MACs) new ones are not kept: their requests
// ask the kernel, as every request did before.
inline constexpr size_t kMaxFdbCacheEntries = 8192;
// ACKs held for one group commit, at most: under a backlog several
// wake-ups' worth of bindings share one fdatasync (commit_and_send).
inline constexpr size_t kMaxCommitBatch = 512;
// ...and for this long at most after the first of them was queued.
inline constexpr std::chrono::microseconds kMaxCommitHold{2000};
inline constexpr uint16_t kServerPort = 67;
inline constexpr uint16_t kClientPort = 68;

struct DhcpServerParams {
    std::string switch_name;
    std::string bridge;
    int ifindex = 0;
    dhcp::ServerConfig core;
    std::string lease_path;  // <state-dir>/<switch>.leases (the journal: lease_path + ".journal")
    std::vector<std::string> trust_relay_from;  // TrustRelayFrom=: ports whose relayed requests are served
    // Told when the leases could not be stored (an error) and when they can
    // be again (ok): the Switch raises and clears a problem. Transitions only.
    std::function<void(const Status&)> on_storage;
};

class DhcpServer final : private dhcp::LeaseListener {
public:
    // Only create() can make a Key, so construction always goes through it
    // (and std::make_unique can still reach the constructor).
    class Key {
        friend class DhcpServer;
        Key() = default;
    };
    DhcpServer(Key, DhcpServerParams params, dhcp::ServerCore core, netlink::RouteSocket& sock);
    using LeaseFn = std::function<void(dhcp::LeaseEvent, const dhcp::Lease&)>;

    // Loads the lease file (tolerantly), opens the sockets on the bridge and
    // registers them on `event`; reads the bridge's neighbours and follows
    // them through `observer`. Errors name the switch and the step.
    static Result<std::unique_ptr<DhcpServer>> create(sd_event* event, DhcpServerParams params,
                                                      netlink::RouteSocket& sock, netlink::Observer& observer);
    ~DhcpServer() override;  // flushes pending lease changes

    DhcpServer(const DhcpServer&) = delete;
    DhcpServer& operator=(const DhcpServer&) = delete;

    // Told of every lease change after the server itself has recorded it
    // (DNS records, D-Bus LeaseChanged). Called on the loop thread.
    void add_lease_listener(LeaseFn fn) { listeners_.push_back(std::move(fn)); }

    const std::string& switch_name() const { return params_.switch_name; }
    std::vector<dhcp::Lease> leases() const { return core_.leases().leases(); }
    const dhcp::ServerCounters& counters() const { return core_.counters(); }
    // The lease a client with this MAC holds now, if any (a port attached
    // after its VM's lease names the VM at once).
    std::optional<dhcp::Lease> lease_of(const Mac& mac) const;

    // Reservations, resolved to MACs by the Switch (reservations.cc); kept
    // across a renumber.
    Status set_fixed_addresses(std::vector<dhcp::FixedAddress> fixed) {
        return core_.set_fixed_addresses(std::move(fixed));
    }
    const std::vector<dhcp::FixedAddress>& fixed_addresses() const { return core_.fixed_addresses(); }

    // An address someone who is not our DHCP client uses (a port, a neighbour).
    Status reserve(Ipv4 a) { return core_.reserve(a); }

    // Writes the lease file whole now and empties the journal, if anything
    // changed since the last time.
    Status flush();

    // The switch moved to another block (a conflict at runtime, see
    // daemon/switch/renumber.cc): from now on offers come from `subnet` with
    // `gateway` as router, DNS and server id, and requests for the old
    // block are NAKed. Every lease keeps its host offset in the new block
    // and its expiry; listeners are told (renewed) with the new address.
    Status renumber(Ipv4Prefix subnet, Ipv4 gateway);

private:

    Status open_sockets();
    void trust_relays();
    Status load_leases();
    void reserve_neighbours();
    // From the observer: a host answers for `a` on the bridge.
    void on_neighbour(const netlink::NeighbourEvent& ev);

    // One request read off a socket: its DHCP payload (empty: not for us,
    // skip it) and the bridge port it came in on (0: the host itself).
    struct Inbound {
        std::span<const uint8_t> payload;
        dhcp::Source source = 0;
    };
    // nullopt: nothing more to read now.
    std::optional<Inbound> read_frame(std::span<uint8_t> buf);
    std::optional<Inbound> read_local(std::span<uint8_t> buf);
    void receive(bool frames);
    void handle_datagram(std::span<const uint8_t> bytes, dhcp::Source source = 0);
    // OFFERs and NAKs out at once; ACKs held for commit_and_send().
    void queue_reply(dhcp::Decision d);
    // After a read loop: the iteration's new bindings to the journal (one
    // write, one fdatasync), then its ACKs out.
    void commit_and_send();
    void report_limits();
    void report_conflicts();
    std::string port_name(dhcp::Source source) const;
    dhcp::Source source_of(const sockaddr_ll& from);
    void send(const dhcp::Decision& d);
    Status send_udp(Ipv4 to, uint16_t port, std::span<const uint8_t> payload);
    Status send_link_layer(const Mac& to, Ipv4 ip_to, std::span<const uint8_t> payload);
    void expire();
    void arm_expiry();
    void schedule_save();
    Status load_journal(std::vector<dhcp::Lease>& leases);
    // Pending journal records to the disk; compaction (flush) once the
    // journal is large or the file fell behind.
    Status commit();
    void save();
    void storage_result(const Status& st);

    void on_lease_changed(dhcp::LeaseEvent event, const dhcp::Lease& lease) override;

    DhcpServerParams params_;
    dhcp::ServerCore core_;
    netlink::RouteSocket& sock_;
    Fd udp_;     // UDP 67 bound to the bridge: the host's own requests in, unicast/relay replies out
    Fd packet_;  // AF_PACKET on the bridge: replies to clients without an address
    // AF_PACKET on the bridge: the guests' requests in, each with its source
    // MAC, whose port the bridge knows (the UDP socket only says "the bridge").
    Fd packet_in_;
    event::Source io_;
    event::Source io_local_;
    event::Throttle save_;
    event::Timer expiry_;  // CLOCK_REALTIME, like the leases
    netlink::Subscription neighbours_;
    netlink::Subscription fdb_;
    // MAC (as a 48-bit number) -> the bridge port it was learned on.
    std::unordered_map<uint64_t, int> port_of_mac_;
    void on_fdb(const netlink::FdbEvent& ev);
    bool dirty_ = false;  // the lease file is behind: flush()
    dhcp::LeaseJournal journal_;
    std::string pending_;        // journal records not yet written
    bool pending_binding_ = false;  // pending_ holds a new binding: commit before replying
    std::vector<dhcp::Decision> replies_;  // ACKs of this read loop, sent by commit_and_send()
    uint64_t batch_started_ = 0;           // CLOCK_MONOTONIC usec when the first of them came
    bool storage_failed_ = false;
    std::vector<LeaseFn> listeners_;
};

}  // namespace vswitch::dhcpd
