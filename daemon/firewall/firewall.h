// The daemon's side of nftables: sends the transactions libvswitch/nft
// compiles over a NETLINK_NETFILTER socket and checks the kernel's answer
// to every message.
#pragma once

#include <libmnl/libmnl.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "libvswitch/base/handle.h"
#include "libvswitch/base/result.h"
#include "libvswitch/nft/batch.h"
#include "libvswitch/nft/ruleset.h"

namespace vswitch::firewall {

// Bytes read per recv(); an error reply may echo a whole message when the
// kernel lacks NETLINK_CAP_ACK, and our largest message is well below this.
inline constexpr size_t kReceiveBufferSize = 2 * nft::kMaxBatchBytes;

// Generations whose notifications one drain reads at most; a flood of
// changes by another program costs one bounded pass per wake-up.
inline constexpr size_t kMaxNotificationsPerDrain = 4096;
// Dumps are restarted this often when the ruleset changes under them.
inline constexpr int kMaxDumpAttempts = 4;

// What one drain of the monitor socket saw, from other sockets only.
struct Notifications {
    bool ours = false;    // `inet vswitch` was deleted, flushed or edited
    bool others = false;  // some table (any) was changed
    std::string what;     // the last change to ours: "table deleted", "chain 'forward' flushed"
    uint32_t pid = 0;     // process behind the last foreign generation, when the kernel says
    std::string process;  // its name ("nft", "iptables-nft", "firewalld")
};

// Owns one netfilter netlink socket and, through it, the table
// `inet vswitch` in the daemon's network namespace. The Manager drives it:
// apply() whenever the switches change, remove() on Teardown. Every call
// is synchronous: the kernel handles a batch inside sendmsg(), so all of
// its acknowledgements are queued by the time send returns.
class Firewall {
public:
    using Socket = UniqueHandle<mnl_socket, mnl_socket_close>;

    // Opens and binds the socket. Missing CAP_NET_ADMIN shows only at the
    // first apply/remove (EPERM), where the kernel checks it.
    static Result<Firewall> create();

    // Replaces `inet vswitch` with the compiled ruleset in one transaction.
    Status apply(const nft::Ruleset& ruleset);
    // Deletes `inet vswitch`; a missing table is not an error.
    Status remove();
    // Sends a compiled transaction and checks the acknowledgement of each
    // of its messages; a kernel error names the object it refused:
    // "adding chain inet vswitch postrouting: Operation not supported".
    Status send(const nft::Batch& batch);

    // Subscribes a second socket to nf_tables change notifications, so the
    // daemon notices when someone else (`nft flush ruleset`, a firewall
    // manager's reload) deletes or edits its table, and can apply() again.
    Status start_monitor();
    // Readable when notifications are pending; -1 before start_monitor().
    int monitor_fd() const;
    // Drains the pending notifications: true when one of them touched
    // `inet vswitch` on behalf of another socket than ours (or when the
    // kernel dropped notifications, so nothing can be ruled out).
    Result<bool> table_changed_by_others();
    // The same drain, with what changed and who did it.
    Result<Notifications> read_notifications();

    // Dumps every object of one kind (NFT_MSG_GETCHAIN, NFT_MSG_GETRULE)
    // of every family and table: one byte vector per netlink message, for
    // libvswitch/nft to parse. Restarts when the ruleset changes meanwhile.
    Result<std::vector<std::vector<uint8_t>>> dump(uint16_t msg_type);
    // Sequence number the next batch must start with.
    uint32_t next_seq() const { return next_seq_; }

private:
    Firewall(Socket socket, uint32_t port_id, uint32_t first_seq)
        : socket_(std::move(socket)), port_id_(port_id), next_seq_(first_seq) {}

    Socket socket_;
    Socket monitor_;
    Result<std::vector<std::vector<uint8_t>>> dump_once(uint16_t msg_type, bool& interrupted);
    uint32_t port_id_;
    uint32_t next_seq_;  // sequence number of the next batch's BATCH_BEGIN
};

}  // namespace vswitch::firewall
