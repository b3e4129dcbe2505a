// A DHCPv6 message (RFC 8415 §8) between client and server as a value:
// parse() from the bytes of a UDP payload, build() back to bytes. The
// options the server understands are decoded into fields; any other option
// is skipped after its bounds are checked. Strict: a malformed option the
// server would have to read (a DUID, an IA, a name) fails the whole
// message, with the reason, so it can be dropped and counted. Relay
// messages (Relay-forw/Relay-repl) and Reconfigure are refused by parse:
// no guest is a relay, and Reconfigure goes from server to client only.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "libvswitch/base/result.h"
#include "libvswitch/dhcp6/address.h"
#include "libvswitch/dhcp6/limits.h"

namespace vswitch::dhcp6 {

// RFC 8415 §7.3.
enum class MessageType : uint8_t {
    solicit = 1,
    advertise = 2,
    request = 3,
    confirm = 4,
    renew = 5,
    rebind = 6,
    reply = 7,
    release = 8,
    decline = 9,
    reconfigure = 10,
    information_request = 11,
    relay_forw = 12,
    relay_repl = 13,
};
std::string_view to_string(MessageType t);

// RFC 8415 §21 and the option RFCs cited.
enum class OptionCode : uint16_t {
    client_id = 1,
    server_id = 2,
    ia_na = 3,
    ia_ta = 4,
    iaaddr = 5,
    oro = 6,
    preference = 7,
    elapsed_time = 8,
    status_code = 13,
    rapid_commit = 14,
    dns_servers = 23,  // RFC 3646
    domain_list = 24,  // RFC 3646
    ia_pd = 25,
    iaprefix = 26,
    information_refresh_time = 32,
    client_fqdn = 39,  // RFC 4704
};

// RFC 8415 §21.13.
enum class StatusCode : uint16_t {
    success = 0,
    unspec_fail = 1,
    no_addrs_avail = 2,
    no_binding = 3,
    not_on_link = 4,
    use_multicast = 5,
    no_prefix_avail = 6,
};
std::string_view to_string(StatusCode c);

// Why a message was dropped; the server counts drops by this. The first
// group is found by Message::parse, the rest by the server (RFC 8415 §16).
enum class DropReason : uint8_t {
    truncated,             // shorter than the header, or an option past the end
    oversized,             // longer than kMaxMessageSize
    too_many_options,      // more than kMaxOptions, kMaxIas, ... in one message
    bad_option,            // a malformed option the server reads
    duplicate_option,      // a once-only option given twice
    bad_duid,              // a Client/Server ID that is no DUID
    relay,                 // Relay-forw / Relay-repl: no guest is a relay
    reconfigure,           // Reconfigure: server to client only
    unknown_type,          // no RFC 8415 message type
    server_message,        // Advertise/Reply sent to a server
    no_client_id,          // a client message without Client ID
    unexpected_server_id,  // Solicit/Confirm/Rebind carrying a Server ID
    no_server_id,          // Request/Renew/Release/Decline without one
    other_server,          // Server ID is not ours: meant for another server
    unexpected_ia,         // Information-request carrying an IA
    nothing_to_confirm,    // Confirm without any address
    count,
};
std::string_view to_string(DropReason r);

// A DUID (RFC 8415 §11), opaque but for its type and length, which parse
// checks: DUID-LLT (1) 2+2+4+link-layer address, DUID-EN (2) 2+4+id,
// DUID-LL (3) 2+2+link-layer address, DUID-UUID (4) exactly 2+16; other
// types (later RFCs) at least 2+1. Never over kMaxDuidLength.
struct Duid {
    enum Type : uint16_t { llt = 1, en = 2, ll = 3, uuid = 4 };
    std::vector<uint8_t> bytes;  // the whole DUID, type included

    static Result<Duid> parse(std::span<const uint8_t> bytes);
    uint16_t type() const { return bytes.size() >= 2 ? uint16_t(bytes[0] << 8 | bytes[1]) : 0; }
    // A DUID-LL from a MAC (what the daemon gives itself from the bridge's).
    static Duid from_mac(const std::array<uint8_t, 6>& mac);

    friend bool operator==(const Duid&, const Duid&) = default;
};

struct StatusOption {
    StatusCode code = StatusCode::success;
    std::string message;  // UTF-8 text, up to kMaxStatusMessage bytes
    friend bool operator==(const StatusOption&, const StatusOption&) = default;
};

// IAADDR (RFC 8415 §21.6), inside an IA_NA or IA_TA.
struct IaAddress {
    Address address;
    uint32_t preferred = 0;  // seconds
    uint32_t valid = 0;
    std::optional<StatusOption> status;
    friend bool operator==(const IaAddress&, const IaAddress&) = default;
};

// IA_NA (§21.4); an IA_TA (§21.5) is the same without T1/T2 (kept zero).
struct Ia {
    uint32_t iaid = 0;
    uint32_t t1 = 0;
    uint32_t t2 = 0;
    std::vector<IaAddress> addresses;
    std::optional<StatusOption> status;
    friend bool operator==(const Ia&, const Ia&) = default;
};

// IA_PD (RFC 8415 §21.21): the server delegates no prefixes, so only the
// IAID, the times and a status are kept; IAPREFIX options inside are
// checked for bounds and skipped.
struct IaPd {
    uint32_t iaid = 0;
    uint32_t t1 = 0;
    uint32_t t2 = 0;
    std::optional<StatusOption> status;
    friend bool operator==(const IaPd&, const IaPd&) = default;
};

// Client FQDN (RFC 4704 §4.1). name is dotted without a trailing dot;
// fully_qualified says whether the wire form ended in the root label (a
// partial name, usually one label, did not).
struct Fqdn {
    static constexpr uint8_t kS = 0x01;  // the server performs the AAAA update
    static constexpr uint8_t kO = 0x02;  // the server overrode the client's S
    static constexpr uint8_t kN = 0x04;  // no updates at all
    uint8_t flags = 0;
    std::string name;
    bool fully_qualified = false;
    friend bool operator==(const Fqdn&, const Fqdn&) = default;
};

// One message, owned by value; made by parse() or by the Server.
struct Message {
    MessageType type = MessageType::solicit;
    uint32_t transaction_id = 0;  // 24 bits
    std::optional<Duid> client_id;
    std::optional<Duid> server_id;
    std::vector<Ia> ia_na;
    std::vector<Ia> ia_ta;
    std::vector<IaPd> ia_pd;
    std::vector<uint16_t> oro;
    std::optional<uint8_t> preference;
    std::optional<uint16_t> elapsed_time;  // hundredths of a second
    bool rapid_commit = false;
    std::optional<StatusOption> status;
    std::vector<Address> dns_servers;
    std::vector<std::string> domains;  // dotted, no trailing dot
    std::optional<uint32_t> information_refresh_time;
    std::optional<Fqdn> fqdn;

    bool requested(OptionCode code) const;

    // EBADMSG for malformed input (ENOTSUP for relay and Reconfigure
    // messages, E2BIG over a limit); `reason`, when given, receives which
    // rule failed so that callers can count drops.
    static Result<Message> parse(std::span<const uint8_t> bytes, DropReason* reason = nullptr);
    // Options in a fixed order: Client ID, Server ID, IA_NA, IA_TA, IA_PD,
    // ORO, Preference, Elapsed Time, Rapid Commit, Status Code, DNS
    // servers, Domain List, Information Refresh Time, Client FQDN.
    std::vector<uint8_t> build() const;

    friend bool operator==(const Message&, const Message&) = default;
};

}  // namespace vswitch::dhcp6
