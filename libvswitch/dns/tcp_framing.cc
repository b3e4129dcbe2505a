#include "libvswitch/dns/tcp_framing.h"

#include <algorithm>

namespace vswitch::dns {

Result<Bytes> frame_tcp_message(std::span<const uint8_t> message) {
    if (message.size() > kMaxTcpMessage)
        return make_error(E2BIG, "DNS message of " + std::to_string(message.size()) +
                                     " bytes does not fit a TCP frame");
    Bytes out;
    out.reserve(2 + message.size());
    out.push_back(uint8_t(message.size() >> 8));
    out.push_back(uint8_t(message.size()));
    out.insert(out.end(), message.begin(), message.end());
    return out;
}

Status TcpDeframer::feed(std::span<const uint8_t> data) {
    if (failed_) return make_error(EBADMSG, "DNS TCP stream already failed");
    while (!data.empty()) {
        if (buffer_.size() < 2) {
            size_t take = std::min(2 - buffer_.size(), data.size());
            buffer_.insert(buffer_.end(), data.begin(), data.begin() + take);
            data = data.subspan(take);
            if (buffer_.size() < 2) break;
            size_t length = size_t(buffer_[0]) << 8 | buffer_[1];
            if (length == 0 || length > max_message_) {
                failed_ = true;
                buffer_.clear();
                if (length == 0) return make_error(EBADMSG, "DNS TCP frame of length 0");
                return make_error(E2BIG, "DNS TCP frame of " + std::to_string(length) +
                                             " bytes exceeds the limit of " +
                                             std::to_string(max_message_));
            }
            buffer_.reserve(2 + length);
        }
        size_t length = size_t(buffer_[0]) << 8 | buffer_[1];
        size_t take = std::min(2 + length - buffer_.size(), data.size());
        buffer_.insert(buffer_.end(), data.begin(), data.begin() + take);
        data = data.subspan(take);
        if (buffer_.size() == 2 + length) {
            ready_.emplace_back(buffer_.begin() + 2, buffer_.end());
            buffer_.clear();
        }
    }
    return ok_status();
}

std::optional<Bytes> TcpDeframer::next() {
    if (ready_.empty()) return std::nullopt;
    Bytes m = std::move(ready_.front());
    ready_.pop_front();
    return m;
}

}  // namespace vswitch::dns
