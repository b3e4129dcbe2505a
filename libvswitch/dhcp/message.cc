#include "libvswitch/dhcp/message.h"

#include <algorithm>

#include "libvswitch/base/bytes.h"

namespace vswitch::dhcp {

namespace {

constexpr uint32_t kMagicCookie = 0x63825363;  // RFC 2131 §3
constexpr size_t kSnameSize = 64;
constexpr size_t kFileSize = 128;
constexpr size_t kChaddrSize = 16;
// RFC 2132 §9.3 overload values.
constexpr uint8_t kOverloadFile = 1;
constexpr uint8_t kOverloadSname = 2;

// Carries a parse failure: the reason for counters, the Error for humans.
struct Failure {
    DropReason reason;
    Error error;
};

Failure fail(DropReason reason, int code, std::string message) {
    return {reason, make_error(code, std::move(message))};
}

std::string field_text(std::span<const uint8_t> field) {
    auto nul = std::find(field.begin(), field.end(), uint8_t{0});
    return std::string(field.begin(), nul);
}

// Reads the options in one area (RFC 2131 options field, or sname/file
// when overloaded), appending fragments (RFC 3396). Returns a failure or
// std::nullopt.
std::optional<Failure> parse_area(std::span<const uint8_t> area, std::string_view where,
                                  bool overload_allowed, Options& options, size_t& fragments) {
    ByteReader r(area);
    while (auto code = r.read_u8()) {
        if (*code == uint8_t(OptionCode::pad)) continue;
        if (*code == uint8_t(OptionCode::end)) return std::nullopt;
        auto len = r.read_u8();
        std::optional<std::span<const uint8_t>> data;
        if (len) data = r.read_bytes(*len);
        if (!data)
            return fail(DropReason::option_overrun, EBADMSG,
                        "option " + std::to_string(*code) + " runs past the end of the " +
                            std::string(where));
        if (*code == uint8_t(OptionCode::overload) && !overload_allowed)
            return fail(DropReason::overload_loop, EBADMSG,
                        "option overload (52) inside the overloaded " + std::string(where));
        if (++fragments > kMaxOptionFragments)
            return fail(DropReason::too_many_options, E2BIG,
                        "more than " + std::to_string(kMaxOptionFragments) + " option fragments");
        options.append(OptionCode(*code), *data);
    }
    return std::nullopt;  // a missing END is tolerated
}

bool is_essential(OptionCode code) {
    switch (code) {
        case OptionCode::message_type:
        case OptionCode::server_id:
        case OptionCode::lease_time:
        case OptionCode::subnet_mask:
        case OptionCode::router:
        case OptionCode::dns_server: return true;
        default: return false;
    }
}

// Bytes an option takes on the wire once split into 255-byte fragments.
size_t encoded_size(const Options::Option& o) {
    size_t fragments = o.data.empty() ? 1 : (o.data.size() + 254) / 255;
    return o.data.size() + 2 * fragments;
}

void put_option(ByteWriter& w, const Options::Option& o) {
    std::span<const uint8_t> rest(o.data);
    do {  // RFC 3396 §7: split into consecutive instances of at most 255 bytes
        size_t n = std::min<size_t>(rest.size(), 255);
        w.put_u8(uint8_t(o.code));
        w.put_u8(uint8_t(n));
        w.put_bytes(rest.first(n));
        rest = rest.subspan(n);
    } while (!rest.empty());
}

void put_field(ByteWriter& w, std::string_view text, size_t size) {
    // Always NUL-terminated: at most size - 1 bytes of text.
    size_t n = std::min(text.size(), size - 1);
    w.put_string(text.substr(0, n));
    w.put_zeros(size - n);
}

Result<Message> parse_impl(std::span<const uint8_t> bytes, DropReason* reason) {
    auto failed = [reason](Failure f) -> Error {
        if (reason) *reason = f.reason;
        return f.error;
    };
    if (bytes.size() > kMaxMessageSize)
        return failed(fail(DropReason::oversized, E2BIG,
                           "message of " + std::to_string(bytes.size()) +
                               " bytes is over the limit of " + std::to_string(kMaxMessageSize)));
    if (bytes.size() < kFixedHeaderSize + kCookieSize)
        return failed(fail(DropReason::truncated, EBADMSG,
                           "message truncated at " + std::to_string(bytes.size()) +
                               " bytes (the header and cookie take " +
                               std::to_string(kFixedHeaderSize + kCookieSize) + ")"));
    ByteReader r(bytes);
    Message m;
    // Lengths were checked above, so the fixed-header reads cannot fail.
    uint8_t op = r.read_u8().value_or(0);
    if (op != uint8_t(Op::request) && op != uint8_t(Op::reply))
        return failed(fail(DropReason::wrong_op, EBADMSG, "unknown op " + std::to_string(op)));
    m.op = Op(op);
    m.htype = r.read_u8().value_or(0);
    m.hlen = r.read_u8().value_or(0);
    if (m.hlen > kChaddrSize)
        return failed(fail(DropReason::bad_hlen, EBADMSG,
                           "hardware address length " + std::to_string(m.hlen) + " is over 16"));
    m.hops = r.read_u8().value_or(0);
    m.xid = r.read_u32().value_or(0);
    m.secs = r.read_u16().value_or(0);
    m.flags = r.read_u16().value_or(0);
    m.ciaddr = Ipv4(r.read_u32().value_or(0));
    m.yiaddr = Ipv4(r.read_u32().value_or(0));
    m.siaddr = Ipv4(r.read_u32().value_or(0));
    m.giaddr = Ipv4(r.read_u32().value_or(0));
    auto chaddr = r.read_bytes(kChaddrSize).value_or(std::span<const uint8_t>{});
    std::copy(chaddr.begin(), chaddr.end(), m.chaddr.begin());
    auto sname = r.read_bytes(kSnameSize).value_or(std::span<const uint8_t>{});
    auto file = r.read_bytes(kFileSize).value_or(std::span<const uint8_t>{});
    if (r.read_u32() != kMagicCookie)
        return failed(fail(DropReason::bad_cookie, EBADMSG, "no DHCP magic cookie"));

    size_t fragments = 0;
    if (auto f = parse_area(r.read_rest(), "options", true, m.options, fragments))
        return failed(*f);

    uint8_t overload = 0;
    if (const auto* o = m.options.find(OptionCode::overload)) {
        // RFC 2132 §9.3: one byte, 1 = file, 2 = sname, 3 = both.
        if (o->size() != 1 || (*o)[0] < 1 || (*o)[0] > 3)
            return failed(fail(DropReason::bad_option, EBADMSG, "malformed option overload (52)"));
        overload = (*o)[0];
        m.options.erase(OptionCode::overload);
    }
    // RFC 3396 §5: the options field first, then file, then sname.
    if (overload & kOverloadFile) {
        if (auto f = parse_area(file, "file field", false, m.options, fragments))
            return failed(*f);
    } else {
        m.file = field_text(file);
    }
    if (overload & kOverloadSname) {
        if (auto f = parse_area(sname, "sname field", false, m.options, fragments))
            return failed(*f);
    } else {
        m.sname = field_text(sname);
    }
    return m;
}

}  // namespace

std::string_view to_string(DropReason r) {
    switch (r) {
        case DropReason::truncated: return "truncated";
        case DropReason::oversized: return "oversized";
        case DropReason::wrong_op: return "wrong-op";
        case DropReason::bad_hlen: return "bad-hlen";
        case DropReason::bad_cookie: return "bad-cookie";
        case DropReason::option_overrun: return "option-overrun";
        case DropReason::overload_loop: return "overload-loop";
        case DropReason::bad_option: return "bad-option";
        case DropReason::too_many_options: return "too-many-options";
        case DropReason::bad_htype: return "bad-htype";
        case DropReason::zero_mac: return "zero-mac";
        case DropReason::no_message_type: return "no-message-type";
        case DropReason::unexpected_type: return "unexpected-type";
        case DropReason::bad_request: return "bad-request";
        case DropReason::relay_from_port: return "relay-from-port";
        case DropReason::count: break;
    }
    return "unknown";
}

Mac Message::mac() const {
    std::array<uint8_t, 6> b{};
    std::copy_n(chaddr.begin(), b.size(), b.begin());
    return Mac(b);
}

void Message::set_mac(const Mac& mac) {
    htype = kHtypeEthernet;
    hlen = 6;
    chaddr.fill(0);
    std::copy(mac.bytes().begin(), mac.bytes().end(), chaddr.begin());
}

Result<Message> Message::parse(std::span<const uint8_t> bytes, DropReason* reason) {
    auto m = parse_impl(bytes, reason);
    if (!m) return m.error().context("parsing DHCP message");
    return m;
}

std::vector<uint8_t> Message::build(size_t max_size) const {
    max_size = std::clamp(max_size, kDefaultMaxPayload, kMaxMessageSize);
    ByteWriter w(std::max(max_size, kBootpMinSize));
    w.put_u8(uint8_t(op));
    w.put_u8(htype);
    w.put_u8(std::min<uint8_t>(hlen, kChaddrSize));
    w.put_u8(hops);
    w.put_u32(xid);
    w.put_u16(secs);
    w.put_u16(flags);
    w.put_u32(ciaddr.value());
    w.put_u32(yiaddr.value());
    w.put_u32(siaddr.value());
    w.put_u32(giaddr.value());
    w.put_bytes(chaddr);
    put_field(w, sname, kSnameSize);
    put_field(w, file, kFileSize);
    w.put_u32(kMagicCookie);

    auto writable = [](const Options::Option& o) {
        // pad/end are framing, and overload is never sent (strict output).
        return o.code != OptionCode::pad && o.code != OptionCode::end &&
               o.code != OptionCode::overload;
    };
    size_t essentials = 0;
    for (const auto& o : options.items())
        if (writable(o) && is_essential(o.code)) essentials += encoded_size(o);
    // Room for options: everything after the cookie but the END byte.
    size_t room = max_size - kFixedHeaderSize - kCookieSize - 1;
    for (const auto& o : options.items()) {
        if (!writable(o)) continue;
        size_t n = encoded_size(o);
        if (is_essential(o.code)) {
            essentials -= n;
        } else if (n + essentials > room) {
            continue;  // lower priority than what is left: dropped
        }
        put_option(w, o);
        room = n > room ? 0 : room - n;
    }
    w.put_u8(uint8_t(OptionCode::end));
    w.pad_to(kBootpMinSize);
    return std::move(w).take();
}

Status check_request(const Message& m, DropReason* reason) {
    auto failed = [reason](DropReason r, std::string message) -> Error {
        if (reason) *reason = r;
        return make_error(EBADMSG, std::move(message));
    };
    if (m.op != Op::request) return failed(DropReason::wrong_op, "a BOOTREPLY sent to the server");
    if (m.htype != Message::kHtypeEthernet)
        return failed(DropReason::bad_htype, "hardware type " + std::to_string(m.htype) +
                                                 " is not Ethernet");
    if (m.hlen != 6)
        return failed(DropReason::bad_hlen, "hardware address length " + std::to_string(m.hlen) +
                                                " is not 6");
    if (m.mac().is_zero()) return failed(DropReason::zero_mac, "client hardware address is zero");
    auto type = m.type();
    if (!type) return failed(DropReason::no_message_type, "no valid DHCP message type (53)");
    if (*type == MessageType::offer || *type == MessageType::ack || *type == MessageType::nak)
        return failed(DropReason::unexpected_type,
                      "a " + std::string(to_string(*type)) + " sent to the server");
    if (const auto* id = m.options.find(OptionCode::client_id)) {
        if (id->size() < 2) return failed(DropReason::bad_option, "client id (61) shorter than 2");
        if (id->size() > kMaxClientIdLength) {
            if (reason) *reason = DropReason::bad_option;
            return make_error(E2BIG, "client id (61) longer than " +
                                         std::to_string(kMaxClientIdLength) + " bytes");
        }
    }
    return {};
}

}  // namespace vswitch::dhcp
