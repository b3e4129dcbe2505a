// The daemon's side of nftables: sends the transactions libvswitch/nft
// compiles over a NETLINK_NETFILTER socket and checks the kernel's answer
// to every message.
#pragma once

#include <libmnl/libmnl.h>

#include <cstddef>
#include <cstdint>

#include "libvswitch/base/handle.h"
#include "libvswitch/base/result.h"
#include "libvswitch/nft/batch.h"
#include "libvswitch/nft/ruleset.h"

namespace vswitch::firewall {

// Bytes read per recv(); an error reply may echo a whole message when the
// kernel lacks NETLINK_CAP_ACK, and our largest message is well below this.
inline constexpr size_t kReceiveBufferSize = 2 * nft::kMaxBatchBytes;

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

private:
    Firewall(Socket socket, uint32_t port_id, uint32_t first_seq)
        : socket_(std::move(socket)), port_id_(port_id), next_seq_(first_seq) {}

    Socket socket_;
    Socket monitor_;
    uint32_t port_id_;
    uint32_t next_seq_;  // sequence number of the next batch's BATCH_BEGIN
};

}  // namespace vswitch::firewall
