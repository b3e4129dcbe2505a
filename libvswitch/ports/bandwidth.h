// A port's MaximumBandwidth (issue 17): the rate in bit/s as the D-Bus
// property, the config key and `vswitchctl set` give it, and the token
// bucket (tc tbf) parameters the daemon derives from it for each direction
// (daemon/netlink/bandwidth.h applies them). Pure: no sockets.
//
// The rate is the rate of Ethernet frames as the kernel counts them
// (destination MAC to the end of the payload, no preamble, FCS or gap): a
// TCP flow with 1448-byte segments (MSS 1460 less 12 bytes of timestamps)
// carries at most 1448/1514 = 95.6 % of it as goodput.
//
// Why the queue is that long (shaping_for): tbf queues what exceeds the
// rate instead of dropping it (nft `limit` drops, and a TCP flow facing
// drops at a fixed rate with no queue collapses far below it). A TCP flow
// keeps the link busy through its loss-recovery back-off when the queue
// holds at least the window it gives up: CUBIC shrinks to 0.7 x cwnd, so a
// queue of 0.3/0.7 = 43 % of the bandwidth-delay product suffices, and
// kShapingQueueUsec of queue covers a round-trip time up to
// kShapingQueueUsec / 0.43 = 58 ms at full rate. Past that the link stays
// busy ~95 % of the time for RTTs up to ~100 ms (the sawtooth's idle
// share), which is what a Hyper-V MaximumBandwidth user sees too. The
// queue also bounds the delay the limit adds: kShapingQueueUsec.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "libvswitch/base/result.h"

namespace vswitch::ports {

// 0 means no limit. Below kMinBandwidth a single full-size frame takes
// longer than the queue allows (1514 bytes at 64 kbit/s is 190 ms);
// kMaxBandwidth is above what a TAP moves on one core and within tbf's
// 64-bit rate (TCA_TBF_RATE64).
// The name of the property, config key and ports-file key.
inline constexpr std::string_view kMaximumBandwidthKey = "MaximumBandwidth";

inline constexpr uint64_t kMinBandwidth = 64'000;               // 64 kbit/s
inline constexpr uint64_t kMaxBandwidth = 100'000'000'000ull;   // 100 Gbit/s

// Bucket depth: kShapingBurstUsec of the rate, at least kMinBurstBytes
// (ten full frames, so a short burst of a GSO super-packet's segments is
// not spread out) and at most kMaxBurstBytes. 4 ms covers the timer and
// scheduling slack of a loaded host between two dequeues without letting a
// 3-second measurement exceed the rate by more than 0.2 %.
inline constexpr uint64_t kShapingBurstUsec = 4'000;
inline constexpr uint32_t kMinBurstBytes = 10 * 1514;
inline constexpr uint32_t kMaxBurstBytes = 64u << 20;
// Queue behind the bucket: the burst plus kShapingQueueUsec of the rate,
// at least kMinQueueBytes (two 64 KiB GSO packets).
inline constexpr uint64_t kShapingQueueUsec = 25'000;
inline constexpr uint32_t kMinQueueBytes = 2 * 65536;
inline constexpr uint32_t kMaxQueueBytes = 128u << 20;

// "0" (none), "250000000", "100M", "1G", "1.5G", "64k", "100Mbit",
// "100Mbit/s": decimal SI prefixes k/K, M, G, T (x1000), an optional
// "bit" or "bit/s" after them. EINVAL for anything else (no "MB": bytes
// are a mistake here), ERANGE outside kMinBandwidth..kMaxBandwidth.
Result<uint64_t> parse_bit_rate(std::string_view text);
// The check parse_bit_rate applies, for a rate that came as a number.
Status validate_bandwidth(uint64_t bits_per_second);
// "100M", "1G", "1500k", "123456789": the shortest exact form; "0" for none.
std::string format_bit_rate(uint64_t bits_per_second);

struct Shaping {
    uint64_t rate_bytes = 0;   // bytes per second (bits / 8, rounded up)
    uint32_t burst_bytes = 0;  // bucket depth (TCA_TBF_BURST)
    uint32_t limit_bytes = 0;  // queue, burst included (tc_tbf_qopt.limit)

    friend bool operator==(const Shaping&, const Shaping&) = default;
};

// For a valid non-zero rate (validate_bandwidth).
Shaping shaping_for(uint64_t bits_per_second);

}  // namespace vswitch::ports

namespace vswitch::ports {

// The ifb device that shapes what a port receives: "vsbw" and the 32-bit
// FNV-1a hash of the port's name in hex (12 characters, within IFNAMSIZ).
std::string ifb_name_for(std::string_view port);

}  // namespace vswitch::ports
