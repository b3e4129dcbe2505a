#include "libvswitch/dhcp6/message.h"

#include <algorithm>

#include "libvswitch/base/bytes.h"
#include "libvswitch/dhcp6/names.h"

namespace vswitch::dhcp6 {

std::string_view to_string(MessageType t) {
    switch (t) {
        case MessageType::solicit:
            return "SOLICIT";
        case MessageType::advertise:
            return "ADVERTISE";
        case MessageType::request:
            return "REQUEST";
        case MessageType::confirm:
            return "CONFIRM";
        case MessageType::renew:
            return "RENEW";
        case MessageType::rebind:
            return "REBIND";
        case MessageType::reply:
            return "REPLY";
        case MessageType::release:
            return "RELEASE";
        case MessageType::decline:
            return "DECLINE";
        case MessageType::reconfigure:
            return "RECONFIGURE";
        case MessageType::information_request:
            return "INFORMATION-REQUEST";
        case MessageType::relay_forw:
            return "RELAY-FORW";
        case MessageType::relay_repl:
            return "RELAY-REPL";
    }
    return "UNKNOWN";
}

std::string_view to_string(StatusCode c) {
    switch (c) {
        case StatusCode::success:
            return "Success";
        case StatusCode::unspec_fail:
            return "UnspecFail";
        case StatusCode::no_addrs_avail:
            return "NoAddrsAvail";
        case StatusCode::no_binding:
            return "NoBinding";
        case StatusCode::not_on_link:
            return "NotOnLink";
        case StatusCode::use_multicast:
            return "UseMulticast";
        case StatusCode::no_prefix_avail:
            return "NoPrefixAvail";
    }
    return "unknown";
}

std::string_view to_string(DropReason r) {
    switch (r) {
        case DropReason::truncated:
            return "truncated";
        case DropReason::oversized:
            return "oversized";
        case DropReason::too_many_options:
            return "too-many-options";
        case DropReason::bad_option:
            return "bad-option";
        case DropReason::duplicate_option:
            return "duplicate-option";
        case DropReason::bad_duid:
            return "bad-duid";
        case DropReason::relay:
            return "relay";
        case DropReason::reconfigure:
            return "reconfigure";
        case DropReason::unknown_type:
            return "unknown-type";
        case DropReason::server_message:
            return "server-message";
        case DropReason::no_client_id:
            return "no-client-id";
        case DropReason::unexpected_server_id:
            return "unexpected-server-id";
        case DropReason::no_server_id:
            return "no-server-id";
        case DropReason::other_server:
            return "other-server";
        case DropReason::unexpected_ia:
            return "unexpected-ia";
        case DropReason::nothing_to_confirm:
            return "nothing-to-confirm";
        case DropReason::count:
            break;
    }
    return "unknown";
}

Result<Duid> Duid::parse(std::span<const uint8_t> bytes) {
    if (bytes.size() < 3) return make_error(EBADMSG, "DUID shorter than 3 bytes");
    if (bytes.size() > kMaxDuidLength) return make_error(EBADMSG, "DUID longer than 130 bytes");
    Duid d{std::vector<uint8_t>(bytes.begin(), bytes.end())};
    switch (d.type()) {
        case llt:
            if (bytes.size() < 9) return make_error(EBADMSG, "DUID-LLT shorter than 9 bytes");
            break;
        case en:
            if (bytes.size() < 7) return make_error(EBADMSG, "DUID-EN shorter than 7 bytes");
            break;
        case ll:
            if (bytes.size() < 5) return make_error(EBADMSG, "DUID-LL shorter than 5 bytes");
            break;
        case uuid:
            if (bytes.size() != 18) return make_error(EBADMSG, "DUID-UUID not 18 bytes");
            break;
        case 0:
            return make_error(EBADMSG, "DUID of type 0");
        default:
            break;  // later RFCs' types: opaque
    }
    return d;
}

Duid Duid::from_mac(const std::array<uint8_t, 6>& mac) {
    Duid d{{0, ll, 0, 1}};  // hardware type 1: Ethernet
    d.bytes.insert(d.bytes.end(), mac.begin(), mac.end());
    return d;
}

bool Message::requested(OptionCode code) const {
    return std::find(oro.begin(), oro.end(), uint16_t(code)) != oro.end();
}

namespace {

// Walks one level of options; shared by the message and the IAs in it.
class Parser {
public:
    explicit Parser(DropReason* reason) : reason_(reason) {}

    Error fail(DropReason r, std::string why) {
        if (reason_) *reason_ = r;
        return make_error(r == DropReason::too_many_options ? E2BIG : EBADMSG, std::move(why));
    }

    struct Option {
        uint16_t code;
        std::span<const uint8_t> value;
    };
    // Every option of an area, or the error that ended the walk.
    Result<std::vector<Option>> split(std::span<const uint8_t> area, std::string_view where) {
        std::vector<Option> out;
        ByteReader r(area);
        while (!r.empty()) {
            auto code = r.read_u16();
            auto len = r.read_u16();
            if (!code || !len)
                return fail(DropReason::truncated,
                            "option header cut short in " + std::string(where));
            auto value = r.read_bytes(*len);
            if (!value)
                return fail(DropReason::truncated, "option " + std::to_string(*code) +
                                                       " runs past the end of " +
                                                       std::string(where));
            if (++options_ > kMaxOptions)
                return fail(DropReason::too_many_options,
                            "more than " + std::to_string(kMaxOptions) + " options");
            out.push_back({*code, *value});
        }
        return out;
    }

    Result<StatusOption> status(std::span<const uint8_t> v) {
        if (v.size() < 2)
            return fail(DropReason::bad_option, "Status Code option shorter than 2 bytes");
        if (v.size() - 2 > kMaxStatusMessage)
            return fail(DropReason::bad_option, "Status Code message over 255 bytes");
        StatusOption s{StatusCode(uint16_t(v[0] << 8 | v[1])), std::string(v.begin() + 2, v.end())};
        return s;
    }

    // The options inside an IA (after its fixed part): IAADDRs and a status.
    Result<Ia> ia_options(Ia ia, std::span<const uint8_t> area, bool prefixes) {
        auto opts = split(area, "an IA");
        if (!opts) return opts.error();
        for (const auto& o : *opts) {
            if (o.code == uint16_t(OptionCode::status_code)) {
                if (ia.status)
                    return fail(DropReason::duplicate_option, "two Status Codes in one IA");
                auto s = status(o.value);
                if (!s) return s.error();
                ia.status = std::move(*s);
            } else if (!prefixes && o.code == uint16_t(OptionCode::iaaddr)) {
                if (ia.addresses.size() == kMaxIaAddresses)
                    return fail(DropReason::too_many_options, "more than 16 addresses in one IA");
                auto a = ia_address(o.value);
                if (!a) return a.error();
                ia.addresses.push_back(std::move(*a));
            } else if (prefixes && o.code == uint16_t(OptionCode::iaprefix)) {
                if (o.value.size() < 25)
                    return fail(DropReason::bad_option, "IAPREFIX shorter than 25 bytes");
            }
        }
        return ia;
    }

    Result<IaAddress> ia_address(std::span<const uint8_t> v) {
        if (v.size() < 24) return fail(DropReason::bad_option, "IAADDR shorter than 24 bytes");
        ByteReader r(v);
        IaAddress a;
        std::array<uint8_t, 16> b{};
        auto raw = r.read_bytes(16);
        std::copy(raw->begin(), raw->end(), b.begin());
        a.address = Address(b);
        a.preferred = *r.read_u32();
        a.valid = *r.read_u32();
        auto opts = split(r.read_rest(), "an IAADDR");
        if (!opts) return opts.error();
        for (const auto& o : *opts) {
            if (o.code != uint16_t(OptionCode::status_code)) continue;
            if (a.status)
                return fail(DropReason::duplicate_option, "two Status Codes in one IAADDR");
            auto s = status(o.value);
            if (!s) return s.error();
            a.status = std::move(*s);
        }
        return a;
    }

    Result<Duid> duid(std::span<const uint8_t> v, std::string_view which) {
        auto d = Duid::parse(v);
        if (!d) {
            if (reason_) *reason_ = DropReason::bad_duid;
            return d.error().context(which);
        }
        return d;
    }

    Result<Fqdn> fqdn(std::span<const uint8_t> v) {
        if (v.empty()) return fail(DropReason::bad_option, "Client FQDN option empty");
        Fqdn f;
        // RFC 4704 §4.1: the MBZ bits are ignored when received.
        f.flags = v[0] & (Fqdn::kS | Fqdn::kO | Fqdn::kN);
        auto rest = v.subspan(1);
        if (rest.empty()) return f;  // §4.2: the client leaves the name to the server
        auto name = parse_wire_name(rest, true);
        if (!name) {
            if (reason_) *reason_ = DropReason::bad_option;
            return name.error().context("Client FQDN");
        }
        if (name->size != rest.size())
            return fail(DropReason::bad_option, "bytes after the name in Client FQDN");
        f.name = std::move(name->name);
        f.fully_qualified = name->fully_qualified;
        return f;
    }

private:
    DropReason* reason_;
    size_t options_ = 0;
};

template <class T>
bool set_once(std::optional<T>& field, T value) {
    if (field) return false;
    field = std::move(value);
    return true;
}

}  // namespace

Result<Message> Message::parse(std::span<const uint8_t> bytes, DropReason* reason) {
    Parser p(reason);
    if (bytes.size() < kHeaderSize)
        return p.fail(DropReason::truncated, "message shorter than 4 bytes");
    if (bytes.size() > kMaxMessageSize) {
        if (reason) *reason = DropReason::oversized;
        return make_error(E2BIG,
                          "message longer than " + std::to_string(kMaxMessageSize) + " bytes");
    }
    uint8_t type = bytes[0];
    if (type == uint8_t(MessageType::relay_forw) || type == uint8_t(MessageType::relay_repl)) {
        if (reason) *reason = DropReason::relay;
        return make_error(ENOTSUP, "relay message (no guest is a relay)");
    }
    if (type == uint8_t(MessageType::reconfigure)) {
        if (reason) *reason = DropReason::reconfigure;
        return make_error(ENOTSUP, "Reconfigure message (server to client only)");
    }
    if (type == 0 || type > uint8_t(MessageType::relay_repl))
        return p.fail(DropReason::unknown_type, "unknown message type " + std::to_string(type));
    Message m;
    m.type = MessageType(type);
    m.transaction_id = uint32_t(bytes[1]) << 16 | uint32_t(bytes[2]) << 8 | bytes[3];

    auto opts = p.split(bytes.subspan(kHeaderSize), "the message");
    if (!opts) return opts.error();
    auto dup = [&](uint16_t code) {
        return p.fail(DropReason::duplicate_option,
                      "option " + std::to_string(code) + " given twice");
    };
    auto bad_len = [&](std::string_view what) {
        return p.fail(DropReason::bad_option, "bad length of " + std::string(what));
    };
    for (const auto& o : *opts) {
        auto v = o.value;
        switch (OptionCode(o.code)) {
            case OptionCode::client_id: {
                auto d = p.duid(v, "Client ID");
                if (!d) return d.error();
                if (!set_once(m.client_id, std::move(*d))) return dup(o.code);
                break;
            }
            case OptionCode::server_id: {
                auto d = p.duid(v, "Server ID");
                if (!d) return d.error();
                if (!set_once(m.server_id, std::move(*d))) return dup(o.code);
                break;
            }
            case OptionCode::ia_na:
            case OptionCode::ia_ta: {
                bool na = o.code == uint16_t(OptionCode::ia_na);
                size_t fixed = na ? 12 : 4;
                if (v.size() < fixed) return bad_len(na ? "IA_NA" : "IA_TA");
                auto& list = na ? m.ia_na : m.ia_ta;
                if (list.size() == kMaxIas)
                    return p.fail(DropReason::too_many_options, "more than 16 IAs");
                ByteReader r(v);
                Ia ia;
                ia.iaid = *r.read_u32();
                if (na) {
                    ia.t1 = *r.read_u32();
                    ia.t2 = *r.read_u32();
                }
                auto parsed = p.ia_options(std::move(ia), r.read_rest(), false);
                if (!parsed) return parsed.error();
                list.push_back(std::move(*parsed));
                break;
            }
            case OptionCode::ia_pd: {
                if (v.size() < 12) return bad_len("IA_PD");
                if (m.ia_pd.size() == kMaxIas)
                    return p.fail(DropReason::too_many_options, "more than 16 IA_PDs");
                ByteReader r(v);
                Ia ia;
                ia.iaid = *r.read_u32();
                ia.t1 = *r.read_u32();
                ia.t2 = *r.read_u32();
                auto parsed = p.ia_options(std::move(ia), r.read_rest(), true);
                if (!parsed) return parsed.error();
                m.ia_pd.push_back(
                    IaPd{parsed->iaid, parsed->t1, parsed->t2, std::move(parsed->status)});
                break;
            }
            case OptionCode::oro: {
                if (v.size() % 2) return bad_len("ORO");
                if (!m.oro.empty()) return dup(o.code);
                if (v.size() / 2 > kMaxOroEntries)
                    return p.fail(DropReason::too_many_options, "ORO over 64 entries");
                for (size_t i = 0; i < v.size(); i += 2)
                    m.oro.push_back(uint16_t(v[i] << 8 | v[i + 1]));
                break;
            }
            case OptionCode::preference:
                if (v.size() != 1) return bad_len("Preference");
                if (!set_once(m.preference, v[0])) return dup(o.code);
                break;
            case OptionCode::elapsed_time:
                if (v.size() != 2) return bad_len("Elapsed Time");
                if (!set_once(m.elapsed_time, uint16_t(v[0] << 8 | v[1]))) return dup(o.code);
                break;
            case OptionCode::rapid_commit:
                if (!v.empty()) return bad_len("Rapid Commit");
                if (m.rapid_commit) return dup(o.code);
                m.rapid_commit = true;
                break;
            case OptionCode::status_code: {
                auto s = p.status(v);
                if (!s) return s.error();
                if (!set_once(m.status, std::move(*s))) return dup(o.code);
                break;
            }
            case OptionCode::dns_servers: {
                if (v.empty() || v.size() % 16) return bad_len("DNS Recursive Name Server");
                if (!m.dns_servers.empty()) return dup(o.code);
                if (v.size() / 16 > kMaxDnsServers)
                    return p.fail(DropReason::too_many_options, "more than 16 DNS servers");
                for (size_t i = 0; i < v.size(); i += 16) {
                    std::array<uint8_t, 16> b{};
                    std::copy(v.begin() + long(i), v.begin() + long(i) + 16, b.begin());
                    m.dns_servers.push_back(Address(b));
                }
                break;
            }
            case OptionCode::domain_list: {
                if (v.empty()) return bad_len("Domain Search List");
                if (!m.domains.empty()) return dup(o.code);
                while (!v.empty()) {
                    if (m.domains.size() == kMaxDomains)
                        return p.fail(DropReason::too_many_options, "more than 16 domains");
                    auto name = parse_wire_name(v, false);
                    if (!name) {
                        if (reason) *reason = DropReason::bad_option;
                        return name.error().context("Domain Search List");
                    }
                    if (name->name.empty())
                        return p.fail(DropReason::bad_option, "root name in Domain Search List");
                    m.domains.push_back(std::move(name->name));
                    v = v.subspan(name->size);
                }
                break;
            }
            case OptionCode::information_refresh_time:
                if (v.size() != 4) return bad_len("Information Refresh Time");
                if (!set_once(m.information_refresh_time, uint32_t(v[0]) << 24 |
                                                              uint32_t(v[1]) << 16 |
                                                              uint32_t(v[2]) << 8 | v[3]))
                    return dup(o.code);
                break;
            case OptionCode::client_fqdn: {
                auto f = p.fqdn(v);
                if (!f) return f.error();
                if (!set_once(m.fqdn, std::move(*f))) return dup(o.code);
                break;
            }
            default:
                break;  // not read by the server: skipped, its bounds checked
        }
    }
    return m;
}

namespace {

// Writes an option whose length is patched once its body is written.
class OptionWriter {
public:
    explicit OptionWriter(ByteWriter& w, OptionCode code) : w_(w) {
        w_.put_u16(uint16_t(code));
        at_ = w_.size();
        w_.put_u16(0);
    }
    ~OptionWriter() { w_.patch_u16(at_, uint16_t(w_.size() - at_ - 2)); }
    OptionWriter(const OptionWriter&) = delete;
    OptionWriter& operator=(const OptionWriter&) = delete;

private:
    ByteWriter& w_;
    size_t at_;
};

void put_status(ByteWriter& w, const StatusOption& s) {
    OptionWriter o(w, OptionCode::status_code);
    w.put_u16(uint16_t(s.code));
    w.put_string(std::string_view(s.message).substr(0, kMaxStatusMessage));
}

void put_ia(ByteWriter& w, OptionCode code, const Ia& ia) {
    OptionWriter o(w, code);
    w.put_u32(ia.iaid);
    if (code != OptionCode::ia_ta) {
        w.put_u32(ia.t1);
        w.put_u32(ia.t2);
    }
    for (const auto& a : ia.addresses) {
        OptionWriter oa(w, OptionCode::iaaddr);
        w.put_bytes(a.address.bytes());
        w.put_u32(a.preferred);
        w.put_u32(a.valid);
        if (a.status) put_status(w, *a.status);
    }
    if (ia.status) put_status(w, *ia.status);
}

}  // namespace

std::vector<uint8_t> Message::build() const {
    ByteWriter w(256);
    w.put_u8(uint8_t(type));
    w.put_u8(uint8_t(transaction_id >> 16));
    w.put_u16(uint16_t(transaction_id));
    if (client_id) {
        OptionWriter o(w, OptionCode::client_id);
        w.put_bytes(client_id->bytes);
    }
    if (server_id) {
        OptionWriter o(w, OptionCode::server_id);
        w.put_bytes(server_id->bytes);
    }
    for (const auto& ia : ia_na) put_ia(w, OptionCode::ia_na, ia);
    for (const auto& ia : ia_ta) put_ia(w, OptionCode::ia_ta, ia);
    for (const auto& pd : ia_pd)
        put_ia(w, OptionCode::ia_pd, Ia{pd.iaid, pd.t1, pd.t2, {}, pd.status});
    if (!oro.empty()) {
        OptionWriter o(w, OptionCode::oro);
        for (uint16_t c : oro) w.put_u16(c);
    }
    if (preference) {
        OptionWriter o(w, OptionCode::preference);
        w.put_u8(*preference);
    }
    if (elapsed_time) {
        OptionWriter o(w, OptionCode::elapsed_time);
        w.put_u16(*elapsed_time);
    }
    if (rapid_commit) {
        OptionWriter o(w, OptionCode::rapid_commit);
    }
    if (status) put_status(w, *status);
    if (!dns_servers.empty()) {
        OptionWriter o(w, OptionCode::dns_servers);
        for (const auto& a : dns_servers) w.put_bytes(a.bytes());
    }
    if (!domains.empty()) {
        std::vector<uint8_t> wire;
        for (const auto& d : domains) {
            if (!append_wire_name(wire, d).ok()) continue;  // never sent malformed
        }
        if (!wire.empty()) {
            OptionWriter o(w, OptionCode::domain_list);
            w.put_bytes(wire);
        }
    }
    if (information_refresh_time) {
        OptionWriter o(w, OptionCode::information_refresh_time);
        w.put_u32(*information_refresh_time);
    }
    if (fqdn) {
        OptionWriter o(w, OptionCode::client_fqdn);
        w.put_u8(fqdn->flags);
        std::vector<uint8_t> wire;
        // An empty partial name is no bytes at all; the root alone is one.
        if ((!fqdn->name.empty() || fqdn->fully_qualified) &&
            append_wire_name(wire, fqdn->name, !fqdn->fully_qualified).ok())
            w.put_bytes(wire);
    }
    return std::move(w).take();
}

}  // namespace vswitch::dhcp6
