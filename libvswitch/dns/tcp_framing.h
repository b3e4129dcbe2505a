// DNS over TCP frames each message with a two-byte length (RFC 1035 §4.2.2).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <span>

#include "libvswitch/base/result.h"
#include "libvswitch/dns/limits.h"
#include "libvswitch/dns/message.h"

namespace vswitch::dns {

// The length prefix and the message; E2BIG past 65535 bytes.
Result<Bytes> frame_tcp_message(std::span<const uint8_t> message);

// TcpDeframer owns the bytes of one TCP stream not yet handed out. The
// daemon's connection feeds it what each read returned and takes whole
// messages as they complete: several per read when the client pipelines
// (RFC 7766 §6.2.1), or one across many reads from a slow client.
class TcpDeframer {
public:
    explicit TcpDeframer(size_t max_message = kMaxTcpQueryLength) : max_message_(max_message) {}

    // Appends received bytes. E2BIG when a length prefix announces more than
    // max_message, EBADMSG for a zero length; both are final (close the
    // connection), and nothing more is accepted.
    Status feed(std::span<const uint8_t> data);
    // The next complete message, in stream order.
    std::optional<Bytes> next();

    // Messages complete but not taken yet.
    size_t pending() const { return ready_.size(); }
    // Bytes of a message still in flight (0 at a message boundary).
    size_t partial() const { return buffer_.size(); }
    bool failed() const { return failed_; }

private:
    size_t max_message_;
    Bytes buffer_;             // an incomplete frame, prefix included
    std::deque<Bytes> ready_;  // complete messages, prefix stripped
    bool failed_ = false;
};

}  // namespace vswitch::dns
