// One nfnetlink transaction as bytes: NFNL_MSG_BATCH_BEGIN, the nf_tables
// messages, NFNL_MSG_BATCH_END. The kernel applies all of it or none of it,
// which is what lets the daemon replace its table without a window where
// the rules are missing or doubled.
#pragma once

#include <libmnl/libmnl.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "libvswitch/base/handle.h"
#include "libvswitch/base/result.h"

namespace vswitch::nft {

// Upper bound on the bytes of one batch. The kernel takes a whole batch in
// one sendmsg(), so it must fit the socket's send buffer (208 KiB default);
// a ruleset that would exceed this is refused with E2BIG when compiled.
// 1 MiB: the port guards (port_guard.h) of kMaxPorts ports take ~600 KB,
// port forwards' maps (forwards.h) up to ~190 KB; daemon/firewall raises
// its socket's send buffer to match.
inline constexpr size_t kMaxBatchBytes = 1024 * 1024;

// The bytes of a finished transaction, plus what each message does so that a
// kernel error (reported by sequence number) can name its object.
// Built by BatchBuilder; sent by daemon/firewall; read by describe().
class Batch {
public:
    Batch(std::vector<uint8_t> bytes, uint32_t first_seq, std::vector<std::string> actions)
        : bytes_(std::move(bytes)), first_seq_(first_seq), actions_(std::move(actions)) {}

    std::span<const uint8_t> bytes() const { return bytes_; }
    // Sequence numbers are consecutive: first_seq() is BATCH_BEGIN,
    // last_seq() is BATCH_END, every nf_tables message lies in between.
    uint32_t first_seq() const { return first_seq_; }
    uint32_t last_seq() const { return first_seq_ + uint32_t(actions_.size()) + 1; }
    // All messages, BATCH_BEGIN and BATCH_END included.
    size_t message_count() const { return actions_.size() + 2; }
    // "adding chain inet vswitch postrouting" for the message with this
    // sequence number; empty for BATCH_BEGIN/END or a number not in the batch.
    std::string_view action(uint32_t seq) const;

private:
    std::vector<uint8_t> bytes_;
    uint32_t first_seq_ = 0;
    std::vector<std::string> actions_;  // [i] is the message with seq first_seq_ + 1 + i
};

// Writes nf_tables messages into a libmnl batch (mnl_nlmsg_batch), one
// after the other with consecutive sequence numbers and NLM_F_ACK on each,
// so the kernel acknowledges every message. Driven by compile(); not
// movable because libmnl keeps a pointer into the buffer.
class BatchBuilder {
public:
    explicit BatchBuilder(uint32_t first_seq);
    BatchBuilder(const BatchBuilder&) = delete;
    BatchBuilder& operator=(const BatchBuilder&) = delete;

    // Starts the next message (type is NFT_MSG_*, family NFPROTO_*) and
    // returns its header for the caller to append the payload with
    // nftnl_*_nlmsg_build_payload; the message is committed by the next
    // add() or by finish(). action names it for error messages. Returns
    // nullptr once the batch has overflowed (finish() then says E2BIG).
    nlmsghdr* add(uint16_t type, uint16_t family, uint16_t flags, std::string action);

    // Closes the batch with BATCH_END.
    Result<Batch> finish() &&;

private:
    bool commit_current();

    std::vector<uint8_t> buffer_;
    UniqueHandle<mnl_nlmsg_batch, mnl_nlmsg_batch_stop> batch_;
    uint32_t first_seq_;
    uint32_t next_seq_;
    std::vector<std::string> actions_;
    bool pending_ = false;  // a message was started and not yet committed
    bool overflow_ = false;
};

// Renders a batch as text, one block per message, by parsing the bytes back
// with libnftnl (nftnl_*_nlmsg_parse): what the golden tests show is exactly
// what the kernel would receive. Set keys are printed by the type the
// batch's own NEWSET declared (interface names as "name", IPv4 dotted).
Result<std::string> describe(const Batch& batch);

}  // namespace vswitch::nft
