// A BOOTP/DHCP message (RFC 2131 §2) as a value: parse() from the bytes of
// a UDP payload, build() back to bytes. Liberal in what parse accepts
// (missing END, padding, options split per RFC 3396, overload into
// sname/file), strict in what build sends (END always, no overload, padded
// to the BOOTP minimum, within the receiver's maximum size).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"
#include "libvswitch/dhcp/limits.h"
#include "libvswitch/dhcp/options.h"

namespace vswitch::dhcp {

enum class Op : uint8_t { request = 1, reply = 2 };

// Why a packet was dropped; the server counts drops by this. The first
// group is found by Message::parse, the rest by check_request().
enum class DropReason : uint8_t {
    truncated,         // shorter than the fixed header + cookie
    oversized,         // longer than kMaxMessageSize
    wrong_op,          // op is not BOOTREQUEST (or not 1/2 at all)
    bad_hlen,          // hlen over 16, or not 6 for Ethernet
    bad_cookie,        // no DHCP magic cookie
    option_overrun,    // an option's length runs past its area
    overload_loop,     // option 52 inside sname/file
    bad_option,        // a malformed option the server needs
    too_many_options,  // more than kMaxOptionFragments fragments
    bad_htype,         // not Ethernet
    zero_mac,          // chaddr all zero
    no_message_type,   // BOOTP or broken option 53
    unexpected_type,   // OFFER/ACK/NAK sent to a server
    bad_request,       // a REQUEST/DECLINE/INFORM lacking the address it needs
    relay_from_port,   // giaddr set on a packet from a bridge port: no guest is a relay
    count,
};
std::string_view to_string(DropReason r);

// One message, owned by value; made by parse() or by ServerCore, read by
// whoever holds it.
struct Message {
    static constexpr uint16_t kBroadcastFlag = 0x8000;
    static constexpr uint8_t kHtypeEthernet = 1;

    Op op = Op::request;
    uint8_t htype = kHtypeEthernet;
    uint8_t hlen = 6;
    uint8_t hops = 0;
    uint32_t xid = 0;
    uint16_t secs = 0;
    uint16_t flags = 0;
    Ipv4 ciaddr;
    Ipv4 yiaddr;
    Ipv4 siaddr;
    Ipv4 giaddr;
    std::array<uint8_t, 16> chaddr{};
    // Up to the first NUL; empty when the field carried overloaded options.
    std::string sname;
    std::string file;
    Options options;

    bool broadcast() const { return flags & kBroadcastFlag; }
    void set_broadcast(bool on) {
        flags = on ? uint16_t(flags | kBroadcastFlag) : uint16_t(flags & ~kBroadcastFlag);
    }
    // The first six bytes of chaddr (meaningful when htype/hlen say Ethernet).
    Mac mac() const;
    void set_mac(const Mac& mac);
    std::optional<MessageType> type() const { return options.message_type(); }

    // EBADMSG for malformed input, E2BIG over a limit; `reason`, when given,
    // receives which rule failed so that callers can count drops.
    static Result<Message> parse(std::span<const uint8_t> bytes, DropReason* reason = nullptr);

    // max_size is the whole DHCP payload the receiver takes (its option 57
    // minus IP and UDP headers); never less than kDefaultMaxPayload is
    // assumed. Options that do not fit are dropped from the end of the
    // list, except the essentials (message type, server id, lease time,
    // mask, router, DNS), which are always written.
    std::vector<uint8_t> build(size_t max_size = kDefaultMaxPayload) const;

    friend bool operator==(const Message&, const Message&) = default;
};

// Semantic checks a server makes on a parsed message before acting on it:
// a BOOTREQUEST, Ethernet, a non-zero MAC, a valid message type, a sane
// client id. EBADMSG with the reason, like parse.
Status check_request(const Message& m, DropReason* reason = nullptr);

}  // namespace vswitch::dhcp
