// What every part of the DNS library shares: owners for ldns objects, the
// Question a client asked, case-insensitive name helpers, and thin Result
// wrappers around ldns' wire codec (ldns_wire2pkt / ldns_pkt2wire).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "libvswitch/base/handle.h"
#include "libvswitch/base/result.h"
#include "libvswitch/dns/ldns.h"

namespace vswitch::dns {

using Bytes = std::vector<uint8_t>;

// The clock is always passed in (never read inside the library); it is the
// monotonic clock sd-event hands the daemon.
using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

inline void free_wire(uint8_t* p) noexcept {
    std::free(p);
}

using PktHandle = UniqueHandle<ldns_pkt, ldns_pkt_free>;
using RrHandle = UniqueHandle<ldns_rr, ldns_rr_free>;
using RrListHandle = UniqueHandle<ldns_rr_list, ldns_rr_list_deep_free>;
using RdfHandle = UniqueHandle<ldns_rdf, ldns_rdf_deep_free>;
using WireHandle = UniqueHandle<uint8_t, free_wire>;  // from ldns_pkt2wire

// One question: the name in uncompressed wire form exactly as the client
// spelled it (its case is echoed back), type and class.
struct Question {
    Bytes name;
    uint16_t type = 0;
    uint16_t klass = 0;

    std::string to_string() const;  // "web.vswitch.internal. IN A"
};

// The name's labels, lower-cased (RFC 4343: only ASCII letters fold). Empty
// for the root; nullopt when the wire form is malformed.
std::optional<std::vector<std::string>> name_labels(std::span<const uint8_t> name);
// The wire name with ASCII letters lower-cased.
Bytes lower_name(std::span<const uint8_t> name);
// Case-insensitive equality of two uncompressed wire names.
bool names_equal(std::span<const uint8_t> a, std::span<const uint8_t> b);
// Presentation form ("web.vswitch.internal."), for messages and tests.
std::string name_to_string(std::span<const uint8_t> name);
// Wire form of a dotted name ("web.vswitch.internal"); EINVAL when invalid.
Result<Bytes> name_from_string(std::string_view dotted);

// Header fields read straight from the first 12 bytes, so that a message
// ldns cannot parse can still be answered (FORMERR) or dropped by its flags.
struct Header {
    uint16_t id = 0;
    uint16_t flags = 0;
    uint16_t qdcount = 0;
    uint16_t ancount = 0;
    uint16_t nscount = 0;
    uint16_t arcount = 0;

    bool qr() const { return flags & 0x8000; }
    uint8_t opcode() const { return (flags >> 11) & 0xf; }
    bool tc() const { return flags & 0x0200; }
    bool rd() const { return flags & 0x0100; }
    bool cd() const { return flags & 0x0010; }
    uint8_t rcode() const { return flags & 0xf; }
};
std::optional<Header> read_header(std::span<const uint8_t> message);

// ldns_wire2pkt with an error naming the ldns status (EBADMSG).
Result<PktHandle> parse_message(std::span<const uint8_t> message);
// ldns_pkt2wire into an owned vector.
Result<Bytes> build_message(const ldns_pkt& pkt);

// The single question of a parsed message (EBADMSG when not exactly one).
Result<Question> question_of(const ldns_pkt& pkt);
// A new dname rdf / question RR for q.
RdfHandle name_rdf(std::span<const uint8_t> name);
RrHandle question_rr(const Question& q);

// Number of OPT records the message carried: ldns folds them into the
// packet's EDNS fields and drops them from the additional section, so this
// is what the header counted minus what is left (RFC 6891 §6.1.1 allows one).
size_t opt_record_count(const Header& header, const ldns_pkt& pkt);

}  // namespace vswitch::dns
