#include "libvswitch/dhcp/options.h"

#include <algorithm>
#include <map>

#include "libvswitch/base/bytes.h"
#include "libvswitch/dhcp/limits.h"

namespace vswitch::dhcp {

namespace {

std::vector<std::string_view> split_labels(std::string_view name) {
    std::vector<std::string_view> labels;
    size_t start = 0;
    for (;;) {
        size_t dot = name.find('.', start);
        labels.push_back(name.substr(start, dot - start));
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    return labels;
}

Status check_name(std::string_view name) {
    if (name.empty()) return make_error(EINVAL, "empty domain name");
    if (name.size() + 1 > kMaxNameLength)
        return make_error(EINVAL, "domain name '" + std::string(name) + "' is too long");
    for (auto label : split_labels(name)) {
        if (label.empty() || label.size() > kMaxLabelLength)
            return make_error(EINVAL, "domain name '" + std::string(name) +
                                          "' has an empty or over-long label");
    }
    return {};
}

// Appends one label's text to name, refusing bytes that would not survive
// the dotted form ('.' and NUL) so that decode(encode(x)) == x.
bool append_label(std::string& name, std::span<const uint8_t> label) {
    if (!name.empty()) name += '.';
    for (uint8_t c : label) {
        if (c == '.' || c == 0) return false;
        name += char(c);
    }
    return name.size() + 1 <= kMaxNameLength;
}

struct DecodedName {
    std::string name;
    size_t next;  // offset just after the name in the option data
};

// RFC 1035 §4.1.4 name at `start`, with compression pointers relative to
// the start of the (RFC 3396 concatenated) option data, as RFC 3397 says.
std::optional<DecodedName> decode_compressed_name(std::span<const uint8_t> data, size_t start) {
    std::string name;
    size_t pos = start;
    size_t next = 0;
    bool jumped = false;
    size_t pointers = 0;
    for (;;) {
        if (pos >= data.size()) return std::nullopt;
        uint8_t len = data[pos];
        if (len == 0) {
            if (!jumped) next = pos + 1;
            break;
        }
        if ((len & 0xc0) == 0xc0) {
            if (pos + 1 >= data.size()) return std::nullopt;
            size_t target = size_t(len & 0x3f) << 8 | data[pos + 1];
            // Only backwards, and only so many: a pointer loop ends here.
            if (target >= pos || ++pointers > kMaxNamePointers) return std::nullopt;
            if (!jumped) next = pos + 2;
            jumped = true;
            pos = target;
            continue;
        }
        if (len & 0xc0) return std::nullopt;  // reserved label types
        if (pos + 1 + len > data.size()) return std::nullopt;
        if (!append_label(name, data.subspan(pos + 1, len))) return std::nullopt;
        pos += 1 + len;
    }
    return DecodedName{std::move(name), next};
}

}  // namespace

std::string_view to_string(MessageType t) {
    switch (t) {
        case MessageType::discover: return "DISCOVER";
        case MessageType::offer: return "OFFER";
        case MessageType::request: return "REQUEST";
        case MessageType::decline: return "DECLINE";
        case MessageType::ack: return "ACK";
        case MessageType::nak: return "NAK";
        case MessageType::release: return "RELEASE";
        case MessageType::inform: return "INFORM";
    }
    return "UNKNOWN";
}

Result<std::vector<uint8_t>> encode_dns_name(std::string_view name, bool fully_qualified) {
    ByteWriter w;
    if (!name.empty()) {
        if (auto st = check_name(name); !st) return st.error();
        for (auto label : split_labels(name)) {
            w.put_u8(uint8_t(label.size()));
            w.put_string(label);
        }
    }
    if (fully_qualified) w.put_u8(0);
    return std::move(w).take();
}

const std::vector<uint8_t>* Options::find(OptionCode code) const {
    for (const auto& o : items_)
        if (o.code == code) return &o.data;
    return nullptr;
}

void Options::set(OptionCode code, std::vector<uint8_t> data) {
    for (auto& o : items_) {
        if (o.code == code) {
            o.data = std::move(data);
            return;
        }
    }
    items_.push_back({code, std::move(data)});
}

void Options::append(OptionCode code, std::span<const uint8_t> data) {
    for (auto& o : items_) {
        if (o.code == code) {
            o.data.insert(o.data.end(), data.begin(), data.end());
            return;
        }
    }
    items_.push_back({code, std::vector<uint8_t>(data.begin(), data.end())});
}

void Options::erase(OptionCode code) {
    std::erase_if(items_, [code](const Option& o) { return o.code == code; });
}

std::optional<MessageType> Options::message_type() const {
    const auto* d = find(OptionCode::message_type);
    if (!d || d->size() != 1 || (*d)[0] < 1 || (*d)[0] > 8) return std::nullopt;
    return MessageType((*d)[0]);
}

std::optional<Ipv4> Options::address(OptionCode code) const {
    const auto* d = find(code);
    if (!d || d->size() != 4) return std::nullopt;
    return Ipv4(*ByteReader(*d).read_u32());
}

std::vector<Ipv4> Options::addresses(OptionCode code) const {
    std::vector<Ipv4> out;
    const auto* d = find(code);
    if (!d || d->empty() || d->size() % 4 != 0) return out;
    ByteReader r(*d);
    while (auto v = r.read_u32()) out.emplace_back(*v);
    return out;
}

std::optional<uint32_t> Options::u32(OptionCode code) const {
    const auto* d = find(code);
    if (!d || d->size() != 4) return std::nullopt;
    return ByteReader(*d).read_u32();
}

std::optional<uint16_t> Options::u16(OptionCode code) const {
    const auto* d = find(code);
    if (!d || d->size() != 2) return std::nullopt;
    return ByteReader(*d).read_u16();
}

std::optional<std::string> Options::text(OptionCode code) const {
    const auto* d = find(code);
    if (!d) return std::nullopt;
    std::string s(d->begin(), d->end());
    while (!s.empty() && s.back() == '\0') s.pop_back();  // some clients NUL-terminate
    return s;
}

std::vector<uint8_t> Options::parameter_request_list() const {
    const auto* d = find(OptionCode::parameter_request_list);
    return d ? *d : std::vector<uint8_t>{};
}

std::optional<uint16_t> Options::max_message_size() const {
    auto v = u16(OptionCode::max_message_size);
    if (!v) return std::nullopt;
    return std::max<uint16_t>(*v, kMinMaxMessageSize);
}

std::optional<std::vector<uint8_t>> Options::client_id() const {
    const auto* d = find(OptionCode::client_id);
    if (!d || d->size() < 2) return std::nullopt;  // RFC 2132 §9.14: minimum length 2
    return *d;
}

std::optional<ClientFqdn> Options::client_fqdn() const {
    const auto* d = find(OptionCode::client_fqdn);
    if (!d || d->size() < 3) return std::nullopt;
    ClientFqdn f{(*d)[0], (*d)[1], (*d)[2], {}};
    auto rest = std::span<const uint8_t>(*d).subspan(3);
    if (!(f.flags & ClientFqdn::kFlagE)) {
        f.name.assign(rest.begin(), rest.end());
        return f;
    }
    // RFC 4702 §2.3.1: uncompressed wire format, possibly without the root.
    size_t pos = 0;
    while (pos < rest.size()) {
        uint8_t len = rest[pos];
        if (len == 0) {
            if (pos + 1 != rest.size()) return std::nullopt;
            f.name += '.';
            return f;
        }
        if (len > kMaxLabelLength || pos + 1 + len > rest.size()) return std::nullopt;
        if (!append_label(f.name, rest.subspan(pos + 1, len))) return std::nullopt;
        pos += 1 + len;
    }
    return f;
}

std::optional<std::vector<std::string>> Options::domain_search() const {
    const auto* d = find(OptionCode::domain_search);
    if (!d) return std::nullopt;
    std::vector<std::string> names;
    size_t pos = 0;
    while (pos < d->size()) {
        auto n = decode_compressed_name(*d, pos);
        if (!n) return std::nullopt;
        names.push_back(std::move(n->name));
        pos = n->next;
    }
    return names;
}

void Options::set_message_type(MessageType t) {
    set(OptionCode::message_type, {uint8_t(t)});
}

void Options::set_address(OptionCode code, Ipv4 a) {
    auto b = a.bytes();
    set(code, {b.begin(), b.end()});
}

void Options::set_addresses(OptionCode code, std::span<const Ipv4> list) {
    ByteWriter w;
    for (auto a : list) w.put_u32(a.value());
    set(code, std::move(w).take());
}

void Options::set_u32(OptionCode code, uint32_t v) {
    ByteWriter w;
    w.put_u32(v);
    set(code, std::move(w).take());
}

void Options::set_u16(OptionCode code, uint16_t v) {
    ByteWriter w;
    w.put_u16(v);
    set(code, std::move(w).take());
}

void Options::set_text(OptionCode code, std::string_view s) {
    set(code, std::vector<uint8_t>(s.begin(), s.end()));
}

Status Options::set_domain_search(std::span<const std::string> names) {
    // RFC 3397 §2: names compressed as in RFC 1035 §4.1.4, with offsets
    // from the start of the option data. Each suffix written is remembered.
    ByteWriter w;
    std::map<std::string, size_t, std::less<>> suffixes;
    for (const auto& name : names) {
        if (auto st = check_name(name); !st) return st.error().context("domain search");
        auto labels = split_labels(name);
        bool pointed = false;
        for (size_t i = 0; i < labels.size(); ++i) {
            std::string_view suffix(labels[i].data(), name.data() + name.size() - labels[i].data());
            if (auto it = suffixes.find(suffix); it != suffixes.end()) {
                w.put_u16(uint16_t(0xc000 | it->second));
                pointed = true;
                break;
            }
            if (w.size() < 0x3fff) suffixes.emplace(std::string(suffix), w.size());
            w.put_u8(uint8_t(labels[i].size()));
            w.put_string(labels[i]);
        }
        if (!pointed) w.put_u8(0);
    }
    set(OptionCode::domain_search, std::move(w).take());
    return {};
}

Status Options::set_client_fqdn(const ClientFqdn& fqdn) {
    ByteWriter w;
    w.put_u8(fqdn.flags);
    w.put_u8(fqdn.rcode1);
    w.put_u8(fqdn.rcode2);
    if (fqdn.flags & ClientFqdn::kFlagE) {
        std::string_view name = fqdn.name;
        bool fully_qualified = !name.empty() && name.back() == '.';
        if (fully_qualified) name.remove_suffix(1);
        auto enc = encode_dns_name(name, fully_qualified);
        if (!enc) return enc.error().context("client FQDN");
        w.put_bytes(*enc);
    } else {
        w.put_string(fqdn.name);
    }
    set(OptionCode::client_fqdn, std::move(w).take());
    return {};
}

}  // namespace vswitch::dhcp
