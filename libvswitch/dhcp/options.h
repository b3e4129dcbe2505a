// DHCP options (RFC 2132 and friends): an ordered store of raw option data
// plus typed accessors for the options vswitch reads or sends.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"

namespace vswitch::dhcp {

// Option codes keep their RFC values; codes not listed here are valid too
// (OptionCode(77) for user class) and travel as raw bytes.
enum class OptionCode : uint8_t {
    pad = 0,
    subnet_mask = 1,
    router = 3,
    dns_server = 6,
    host_name = 12,
    domain_name = 15,
    mtu = 26,
    broadcast_address = 28,
    requested_address = 50,
    lease_time = 51,
    overload = 52,
    message_type = 53,
    server_id = 54,
    parameter_request_list = 55,
    message = 56,
    max_message_size = 57,
    renewal_time = 58,    // T1
    rebinding_time = 59,  // T2
    vendor_class = 60,
    client_id = 61,
    tftp_server_name = 66,  // RFC 2132 §9.4: the boot server
    bootfile_name = 67,     // RFC 2132 §9.5: the boot file
    user_class = 77,        // RFC 3004 (iPXE sends "iPXE" without the length)
    client_fqdn = 81,
    domain_search = 119,
    ipxe_encapsulated = 175,  // iPXE's own options: present only from iPXE
    end = 255,
};

enum class MessageType : uint8_t {
    discover = 1,
    offer = 2,
    request = 3,
    decline = 4,
    ack = 5,
    nak = 6,
    release = 7,
    inform = 8,
};

std::string_view to_string(MessageType t);

// RFC 4702 client FQDN (81). With flag E the name travels in DNS wire
// format; a fully qualified name then ends in '.', a partial one does not.
// Without E it is ASCII, kept as sent.
struct ClientFqdn {
    static constexpr uint8_t kFlagS = 0x01;  // server does the A update
    static constexpr uint8_t kFlagO = 0x02;  // server overrode the client
    static constexpr uint8_t kFlagE = 0x04;  // wire-format name
    static constexpr uint8_t kFlagN = 0x08;  // no updates at all

    uint8_t flags = 0;
    uint8_t rcode1 = 0;
    uint8_t rcode2 = 0;
    std::string name;

    friend bool operator==(const ClientFqdn&, const ClientFqdn&) = default;
};

// Owns the options of one message, joined per code (RFC 3396) and kept in
// order; filled by Message::parse or by ServerCore building a reply.
class Options {
public:
    struct Option {
        OptionCode code;
        std::vector<uint8_t> data;
        friend bool operator==(const Option&, const Option&) = default;
    };

    // In insertion order, which is also the order build() writes them in
    // and, when a reply is too big, the priority (later ones drop first).
    const std::vector<Option>& items() const { return items_; }
    bool empty() const { return items_.empty(); }
    size_t size() const { return items_.size(); }

    const std::vector<uint8_t>* find(OptionCode code) const;
    bool has(OptionCode code) const { return find(code) != nullptr; }
    // Replaces the data in place (keeping the position) or appends.
    void set(OptionCode code, std::vector<uint8_t> data);
    // RFC 3396: a second instance of an option continues the first.
    void append(OptionCode code, std::span<const uint8_t> data);
    void erase(OptionCode code);

    // Typed reads: std::nullopt when absent or malformed (wrong length);
    // the caller decides whether a malformed option matters.
    std::optional<MessageType> message_type() const;
    std::optional<Ipv4> address(OptionCode code) const;   // exactly 4 bytes
    std::vector<Ipv4> addresses(OptionCode code) const;   // multiple of 4, else empty
    std::optional<uint32_t> u32(OptionCode code) const;   // exactly 4 bytes
    std::optional<uint16_t> u16(OptionCode code) const;   // exactly 2 bytes
    std::optional<std::string> text(OptionCode code) const;  // trailing NULs dropped
    std::vector<uint8_t> parameter_request_list() const;
    // RFC 2132 §9.10: values below 576 are not legal and read as 576.
    std::optional<uint16_t> max_message_size() const;
    std::optional<std::vector<uint8_t>> client_id() const;  // at least 2 bytes
    std::optional<ClientFqdn> client_fqdn() const;
    std::optional<std::vector<std::string>> domain_search() const;

    // Typed writes.
    void set_message_type(MessageType t);
    void set_address(OptionCode code, Ipv4 a);
    void set_addresses(OptionCode code, std::span<const Ipv4> list);
    void set_u32(OptionCode code, uint32_t v);
    void set_u16(OptionCode code, uint16_t v);
    void set_text(OptionCode code, std::string_view s);
    // Names are dotted, without the trailing dot; EINVAL on a bad name.
    Status set_domain_search(std::span<const std::string> names);
    Status set_client_fqdn(const ClientFqdn& fqdn);

    friend bool operator==(const Options&, const Options&) = default;

private:
    std::vector<Option> items_;
};

// RFC 1035 wire encoding of one name, uncompressed ("a.b" -> 1 a 1 b 0).
// With fully_qualified false the terminating root label is left out
// (RFC 4702 partial names). EINVAL on an empty label or over-long name.
Result<std::vector<uint8_t>> encode_dns_name(std::string_view name, bool fully_qualified = true);

}  // namespace vswitch::dhcp
