// The forwarder's side towards the host's resolvers: which servers
// (resolv.conf), what to send them, and whether what came back may be
// believed. Sockets, random ids and ports, timers and failover are the
// daemon's; this decides on bytes only.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"
#include "libvswitch/dns/fair_share.h"
#include "libvswitch/dns/ldns.h"
#include "libvswitch/dns/message.h"

namespace vswitch::dns {

struct Nameserver {
    int family = 0;                     // AF_INET or AF_INET6
    std::array<uint8_t, 16> address{};  // network order; the first 4 bytes for IPv4
    std::string scope;                  // IPv6 zone ("eth0" of fe80::1%eth0), else empty
    std::string text;                   // as written, for messages

    friend bool operator==(const Nameserver&, const Nameserver&) = default;
};

// The nameservers of a resolv.conf(5) text, in order: "nameserver ADDR"
// lines (IPv4, or IPv6 with an optional %zone); comments, options, search
// and unparsable lines are skipped as glibc skips them. 127.0.0.53
// (systemd-resolved's stub) is kept as is: it knows the VPN split-DNS
// routes. Addresses in `avoid` (our own listening addresses) are dropped
// so that the forwarder never asks itself; duplicates are dropped; at most
// kMaxNameservers remain.
std::vector<Nameserver> parse_resolv_conf(std::string_view text, std::span<const Ipv4> avoid = {});

struct UpstreamQueryOptions {
    bool dnssec_ok = false;          // pass the client's DO bit on
    bool checking_disabled = false;  // and its CD bit
};

// The query to send upstream: RD set, EDNS0 with our payload size (so a
// large answer comes over UDP when it fits), the client's question.
Result<Bytes> build_upstream_query(uint16_t id, const Question& q,
                                   const UpstreamQueryOptions& opts = {});

// The same query, written straight into `out` (cleared first, its capacity
// kept) without building an ldns packet: the forwarder's hot path, one per
// forwarded question, allocates nothing once `out` has grown. Byte for byte
// what build_upstream_query makes (a unit test holds them equal). EINVAL
// for a question name that is not a wire name of at most 255 bytes.
Status write_upstream_query(uint16_t id, const Question& q, const UpstreamQueryOptions& opts, Bytes& out);

enum class ReplyVerdict : uint8_t {
    accept,        // believe it: cache it, answer with it
    retry_tcp,     // valid but truncated (TC): ask the same server over TCP
    malformed,     // unparsable, or not a DNS message
    wrong_id,      // not the id we sent (spoofed or late)
    not_response,  // QR clear
    wrong_opcode,
    wrong_question,  // not the question we asked (name, type or class)
};
inline constexpr size_t kReplyVerdictCount = 7;
const char* to_string(ReplyVerdict v);

struct CheckedReply {
    ReplyVerdict verdict = ReplyVerdict::malformed;
    PktHandle pkt;  // set for accept and retry_tcp
};

// Checks an upstream reply against the query sent (id, question; the
// daemon checks the source address and port). Anything but accept must
// never reach the cache or a client.
CheckedReply check_upstream_reply(std::span<const uint8_t> reply, uint16_t expected_id,
                                  const Question& asked);

// Whether an accepted reply says more about the server than the name: ask
// the next upstream instead (SERVFAIL, REFUSED, NOTIMP, FORMERR).
bool should_try_next_upstream(const ldns_pkt& reply);

// Upstream replies seen, by verdict, and what the table of pending
// forwards decided (per-guest shares); the daemon keeps one.
struct UpstreamCounters {
    std::array<uint64_t, kReplyVerdictCount> by_verdict{};
    FairShareCounters pending;
    uint64_t attempt_timeouts = 0;  // an upstream silent for one attempt (the next one is asked)
    uint64_t forward_timeouts = 0;  // no answer from any upstream in time: SERVFAIL

    void count(ReplyVerdict v) { ++by_verdict[size_t(v)]; }
    uint64_t operator[](ReplyVerdict v) const { return by_verdict[size_t(v)]; }
};

}  // namespace vswitch::dns
