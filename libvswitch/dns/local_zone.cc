#include "libvswitch/dns/local_zone.h"

#include <algorithm>
#include <tuple>

#include "libvswitch/dns/limits.h"

namespace vswitch::dns {

namespace {

constexpr size_t kMaxLabel = 63;

// SOA timers (RFC 1912 §2.2 ranges); nothing transfers this zone, so only
// MINIMUM (the negative caching TTL, RFC 2308 §4) really matters.
constexpr uint32_t kSoaRefresh = 3600;
constexpr uint32_t kSoaRetry = 600;
constexpr uint32_t kSoaExpire = 86400;

bool is_label_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

// One reverse-name label as an address octet: "0".."255", no leading zeros.
std::optional<uint8_t> parse_octet(const std::string& s) {
    if (s.empty() || s.size() > 3 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
    unsigned v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + unsigned(c - '0');
    }
    if (v > 255) return std::nullopt;
    return uint8_t(v);
}

bool ends_with(const std::vector<std::string>& labels, const std::vector<std::string>& suffix) {
    return labels.size() >= suffix.size() &&
           std::equal(suffix.rbegin(), suffix.rend(), labels.rbegin());
}

Bytes join_wire(std::string_view label, const Bytes& suffix) {
    Bytes out;
    out.reserve(1 + label.size() + suffix.size());
    out.push_back(uint8_t(label.size()));
    out.insert(out.end(), label.begin(), label.end());
    out.insert(out.end(), suffix.begin(), suffix.end());
    return out;
}

// A new RR with the given owner, type, class IN and TTL; rdata pushed by the
// caller. nullptr only when ldns cannot allocate.
RrHandle make_rr(std::span<const uint8_t> owner, ldns_rr_type type, uint32_t ttl) {
    RdfHandle name = name_rdf(owner);
    RrHandle rr(ldns_rr_new());
    if (!name || !rr) return nullptr;
    ldns_rr_set_owner(rr.get(), name.release());
    ldns_rr_set_type(rr.get(), type);
    ldns_rr_set_class(rr.get(), LDNS_RR_CLASS_IN);
    ldns_rr_set_ttl(rr.get(), ttl);
    return rr;
}

// Hands rdf to rr (ldns_rr_free frees it); false, and the RR unusable, when
// ldns could not allocate either.
bool push_rdf(ldns_rr* rr, RdfHandle rdf) {
    if (!rdf || !ldns_rr_push_rdf(rr, rdf.get())) return false;
    rdf.release();
    return true;
}

RrHandle a_record(std::span<const uint8_t> owner, Ipv4 address) {
    RrHandle rr = make_rr(owner, LDNS_RR_TYPE_A, kLocalTtl);
    auto bytes = address.bytes();
    if (!rr ||
        !push_rdf(rr.get(), RdfHandle(ldns_rdf_new_frm_data(LDNS_RDF_TYPE_A, 4, bytes.data()))))
        return nullptr;
    return rr;
}

RrHandle ptr_record(std::span<const uint8_t> owner, const Bytes& target) {
    RrHandle rr = make_rr(owner, LDNS_RR_TYPE_PTR, kLocalTtl);
    if (!rr || !push_rdf(rr.get(), name_rdf(target))) return nullptr;
    return rr;
}

void push_if(std::vector<RrHandle>& section, RrHandle rr) {
    if (rr) section.push_back(std::move(rr));
}

bool wants(uint16_t qtype, ldns_rr_type type) {
    return qtype == type || qtype == LDNS_RR_TYPE_ANY;
}

}  // namespace

std::optional<std::string> sanitize_label(std::string_view name) {
    name = name.substr(0, name.find('.'));  // an FQDN (option 81) gives its host part
    std::string out;
    for (char c : name) {
        if (out.size() == kMaxLabel) break;
        if (static_cast<unsigned char>(c) >= 0x80) continue;  // UTF-8: no IDNA here
        char l = (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
        out.push_back(is_label_char(l) ? l : '-');
    }
    size_t first = out.find_first_not_of('-');
    if (first == std::string::npos) return std::nullopt;
    size_t last = out.find_last_not_of('-');
    return out.substr(first, last - first + 1);
}

const char* to_string(RecordSource source) {
    switch (source) {
        case RecordSource::host:
            return "host";
        case RecordSource::port:
            return "port";
        case RecordSource::lease:
            return "lease";
    }
    return "unknown";
}

Result<LocalZone> LocalZone::create(std::string_view domain, Ipv4Prefix subnet) {
    std::string d(domain);
    if (!d.empty() && d.back() == '.') d.pop_back();
    auto bad = [&](std::string why) {
        return make_error(EINVAL, "local DNS domain '" + std::string(domain) + "': " + why);
    };
    if (d.empty()) return bad("empty");
    std::transform(d.begin(), d.end(), d.begin(),
                   [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; });
    LocalZone z;
    size_t start = 0;
    while (start <= d.size()) {
        size_t dot = d.find('.', start);
        if (dot == std::string::npos) dot = d.size();
        std::string label = d.substr(start, dot - start);
        if (label.empty() || label.size() > kMaxLabel || label.front() == '-' ||
            label.back() == '-' || !std::all_of(label.begin(), label.end(), is_label_char))
            return bad("'" + label + "' is not a valid label");
        z.domain_labels_.push_back(std::move(label));
        start = dot + 1;
    }
    auto wire = name_from_string(d + ".");
    if (!wire) return bad(wire.error().message);
    z.domain_ = std::move(d);
    z.domain_wire_ = std::move(*wire);

    // RFC 2317 aside, reverse zones cut at octet boundaries: a /20 lives in
    // its /16's zone, of which only the subnet's addresses are ours.
    z.subnet_ = subnet.normalized();
    z.reverse_octets_ = uint8_t(z.subnet_.length() / 8);
    auto octets = z.subnet_.network().bytes();
    for (int i = z.reverse_octets_ - 1; i >= 0; --i)
        z.reverse_labels_.push_back(std::to_string(octets[i]));
    z.reverse_labels_.push_back("in-addr");
    z.reverse_labels_.push_back("arpa");
    std::string reverse;
    for (const auto& l : z.reverse_labels_) reverse += l + ".";
    auto rwire = name_from_string(reverse);
    if (!rwire) return rwire.error();
    z.reverse_wire_ = std::move(*rwire);
    return z;
}

Result<std::string> LocalZone::set(RecordSource source, std::string_view owner,
                                   std::string_view name, Ipv4 address) {
    return put(source, owner, name, address, false);
}

Result<std::string> LocalZone::assign(RecordSource source, std::string_view owner,
                                      std::string_view name, Ipv4 address) {
    return put(source, owner, name, address, true);
}

Result<std::string> LocalZone::put(RecordSource source, std::string_view owner, std::string_view name,
                                   Ipv4 address, bool unique) {
    auto label = sanitize_label(name);
    if (!label)
        return make_error(EINVAL, "host name '" + std::string(name) + "' has no valid DNS label");
    if (!subnet_.contains(address))
        return make_error(EINVAL, "address " + address.to_string() + " of '" + *label +
                                      "' is outside subnet " + subnet_.to_string());
    Key key{source, std::string(owner)};
    auto it = records_.find(key);
    if (it != records_.end() && it->second.wanted == *label && it->second.address == address) {
        // The same record again (a renewal): nothing changes, not the
        // serial; a variant takes its name back once nobody holds it.
        Record& rec = it->second;
        if (unique && rec.label != rec.wanted && !holder(rec.wanted, address)) {
            relabel(rec, rec.wanted);
            ++serial_;
        }
        return rec.label;
    }
    if (it != records_.end()) {
        unlink(it->second);
        records_.erase(it);
    } else if (records_.size() >= kMaxLocalRecords) {
        return make_error(E2BIG, "local DNS zone '" + domain_ + "' is full (" +
                                     std::to_string(kMaxLocalRecords) + " records)");
    }
    std::string chosen = unique ? claim(source, owner, *label, address) : *label;
    auto pos = records_.emplace(std::move(key), Record{source, chosen, address, *label}).first;
    link(pos->second);
    ++serial_;
    return chosen;
}

const LocalZone::Record* LocalZone::holder(std::string_view label, Ipv4 address) const {
    auto it = by_label_.find(label);
    if (it == by_label_.end()) return nullptr;
    const Record* best = nullptr;
    for (const Record* r = it->second; r; r = r->next_same_label) {
        if (r->address == address) continue;  // the same guest under another source
        if (!best || r->source < best->source) best = r;  // the chain is in order set
    }
    return best;
}

std::string LocalZone::variant(const std::string& label, Ipv4 address) const {
    // Bounded: at most kMaxLocalRecords labels are taken.
    for (size_t n = 2;; ++n) {
        std::string suffix = "-" + std::to_string(n);
        std::string base = label.substr(0, kMaxLabel - suffix.size());
        while (!base.empty() && base.back() == '-') base.pop_back();
        std::string v = base + suffix;
        if (!holder(v, address)) return v;
    }
}

std::string LocalZone::claim(RecordSource source, std::string_view owner, const std::string& wanted, Ipv4 address) {
    const Record* h = holder(wanted, address);
    if (!h) return wanted;
    if (h->source <= source) {
        // The first holder keeps it (or a lower source: the host's name, a VM's).
        std::string v = variant(wanted, address);
        note_rename({source, std::string(owner), address, wanted, v, h->source, h->address});
        return v;
    }
    // A lower source takes the name: every guest of a higher source holding
    // it moves to a variant.
    std::vector<Record*> moved;
    for (auto it = by_label_.find(wanted); it != by_label_.end() && it->second;) {
        Record* r = nullptr;
        for (Record* c = it->second; c; c = c->next_same_label)
            if (c->address != address && c->source > source) r = c;
        if (!r) break;
        moved.push_back(r);
        unlink(*r);
        it = by_label_.find(wanted);
    }
    for (Record* r : moved) {
        r->label = variant(wanted, r->address);
        link(*r);
        std::string who;
        for (const auto& [k, rec] : records_)
            if (&rec == r) who = k.second;
        note_rename({r->source, who, r->address, wanted, r->label, source, address});
    }
    return wanted;
}

void LocalZone::relabel(Record& rec, std::string label) {
    unlink(rec);
    rec.label = std::move(label);
    link(rec);
}

void LocalZone::note_rename(Rename r) {
    if (renames_.size() < kMaxPendingRenames) renames_.push_back(std::move(r));
}

bool LocalZone::remove(RecordSource source, std::string_view owner) {
    Key key{source, std::string(owner)};
    auto it = records_.find(key);
    if (it == records_.end()) return false;
    unlink(it->second);
    records_.erase(it);
    ++serial_;
    return true;
}

void LocalZone::link(Record& rec) {
    // Appended at the tail: answers list a name's addresses in the order
    // they were set.
    auto append = [&rec](Record* head, Record* Record::*next) {
        while (head->*next) head = head->*next;
        head->*next = &rec;
    };
    if (auto it = by_label_.find(std::string_view(rec.label)); it != by_label_.end())
        append(it->second, &Record::next_same_label);
    else
        by_label_.emplace(std::string_view(rec.label), &rec);
    if (auto it = by_address_.find(rec.address.value()); it != by_address_.end())
        append(it->second, &Record::next_same_address);
    else
        by_address_.emplace(rec.address.value(), &rec);
}

void LocalZone::unlink(Record& rec) {
    // Unhooks rec from the chain at head; returns the chain's new head.
    auto unhook = [&rec](Record* head, Record* Record::*next) -> Record* {
        if (head == &rec) return rec.*next;
        for (Record* r = head; r->*next; r = r->*next) {
            if (r->*next == &rec) {
                r->*next = rec.*next;
                break;
            }
        }
        return head;
    };
    if (auto it = by_label_.find(std::string_view(rec.label)); it != by_label_.end()) {
        Record* head = unhook(it->second, &Record::next_same_label);
        if (head != it->second) {
            // The key views the old head's label, which is about to go: re-key.
            by_label_.erase(it);
            if (head) by_label_.emplace(std::string_view(head->label), head);
        }
    }
    if (auto it = by_address_.find(rec.address.value()); it != by_address_.end()) {
        Record* head = unhook(it->second, &Record::next_same_address);
        if (head)
            it->second = head;
        else
            by_address_.erase(it);
    }
    rec.next_same_label = rec.next_same_address = nullptr;
}

bool LocalZone::collect_addresses(std::string_view label, std::vector<Ipv4>* grow, std::span<Ipv4> out,
                                  size_t& count) const {
    count = 0;
    auto it = by_label_.find(label);
    if (it == by_label_.end()) return true;
    RecordSource best = RecordSource::lease;
    for (const Record* r = it->second; r; r = r->next_same_label) best = std::min(best, r->source);
    for (const Record* r = it->second; r; r = r->next_same_label) {
        if (r->source != best) continue;
        Ipv4 a = r->address;
        if (grow) {
            if (std::find(grow->begin(), grow->end(), a) == grow->end()) grow->push_back(a);
            continue;
        }
        if (std::find(out.begin(), out.begin() + ptrdiff_t(count), a) != out.begin() + ptrdiff_t(count))
            continue;
        if (count == out.size()) return false;
        out[count++] = a;
    }
    return true;
}

std::vector<Ipv4> LocalZone::addresses(std::string_view label) const {
    std::vector<Ipv4> out;
    size_t count = 0;
    collect_addresses(label, &out, {}, count);
    return out;
}

std::optional<size_t> LocalZone::leaf_addresses(std::span<const uint8_t> name, std::span<Ipv4> out) const {
    if (name.empty()) return std::nullopt;
    size_t len = name[0];
    if (len == 0 || len > kMaxLabel || name.size() != 1 + len + domain_wire_.size()) return std::nullopt;
    if (!names_equal(name.subspan(1 + len), domain_wire_)) return std::nullopt;
    char lower[kMaxLabel];
    for (size_t i = 0; i < len; ++i) {
        char c = char(name[1 + i]);
        lower[i] = (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
    }
    size_t count = 0;
    if (!collect_addresses(std::string_view(lower, len), nullptr, out, count) || count == 0)
        return std::nullopt;
    return count;
}

bool LocalZone::covers(std::span<const uint8_t> name) const {
    for (size_t at = 0; at < name.size(); at += 1 + name[at]) {
        auto tail = name.subspan(at);
        if (names_equal(tail, domain_wire_) || names_equal(tail, reverse_wire_)) return true;
        if (name[at] == 0) break;
    }
    return false;
}

std::vector<std::string> LocalZone::names_for(Ipv4 address) const {
    // Only names that resolve back to the address (forward-confirmed), so a
    // name lost to a higher-priority source leaves no dangling PTR.
    std::vector<std::pair<RecordSource, std::string>> found;
    auto it = by_address_.find(address.value());
    if (it == by_address_.end()) return {};
    for (const Record* r = it->second; r; r = r->next_same_address) {
        auto addrs = addresses(r->label);
        if (std::find(addrs.begin(), addrs.end(), address) == addrs.end()) continue;
        found.emplace_back(r->source, r->label);
    }
    std::sort(found.begin(), found.end());
    std::vector<std::string> out;
    for (auto& f : found)
        if (std::find(out.begin(), out.end(), f.second) == out.end())
            out.push_back(std::move(f.second));
    return out;
}

std::vector<HostEntry> LocalZone::hosts() const {
    std::vector<HostEntry> out;
    for (const auto& [addr, head] : by_address_) {
        for (const auto& name : names_for(Ipv4(addr)))
            out.push_back({Ipv4(addr), name + "." + domain_});
    }
    std::sort(out.begin(), out.end(), [](const HostEntry& a, const HostEntry& b) {
        return std::tie(a.address, a.fqdn) < std::tie(b.address, b.fqdn);
    });
    return out;
}

RrHandle LocalZone::soa(const Bytes& apex) const {
    RrHandle rr = make_rr(apex, LDNS_RR_TYPE_SOA, kLocalNegativeTtl);
    if (!rr) return nullptr;
    bool ok = push_rdf(rr.get(), name_rdf(domain_wire_)) &&
              push_rdf(rr.get(), name_rdf(join_wire("hostmaster", domain_wire_)));
    for (uint32_t v : {serial_, kSoaRefresh, kSoaRetry, kSoaExpire, kLocalNegativeTtl})
        ok = ok && push_rdf(rr.get(), RdfHandle(ldns_native2rdf_int32(LDNS_RDF_TYPE_INT32, v)));
    return ok ? std::move(rr) : nullptr;
}

std::optional<LocalAnswer> LocalZone::answer(const Question& q) const {
    if (q.klass != LDNS_RR_CLASS_IN && q.klass != LDNS_RR_CLASS_ANY) return std::nullopt;
    auto labels = name_labels(q.name);
    if (!labels) return std::nullopt;
    if (ends_with(*labels, domain_labels_)) return answer_forward(q, *labels);
    if (ends_with(*labels, reverse_labels_)) return answer_reverse(q, *labels);
    return std::nullopt;
}

std::optional<LocalAnswer> LocalZone::answer_forward(const Question& q,
                                                     const std::vector<std::string>& labels) const {
    LocalAnswer a;
    size_t depth = labels.size() - domain_labels_.size();
    if (depth == 0 && wants(q.type, LDNS_RR_TYPE_SOA)) {
        push_if(a.answer, soa(domain_wire_));
        return a;
    }
    std::vector<Ipv4> addrs;
    if (depth == 1) addrs = addresses(labels[0]);
    if (depth > 1 || (depth == 1 && addrs.empty())) {
        a.rcode = LDNS_RCODE_NXDOMAIN;  // below a leaf, or no such guest
    } else if (depth == 1 && wants(q.type, LDNS_RR_TYPE_A)) {
        for (Ipv4 addr : addrs) push_if(a.answer, a_record(q.name, addr));
        return a;
    }
    // NXDOMAIN or NODATA (AAAA and every other type): the SOA lets the
    // client cache the negative answer (RFC 2308 §3).
    push_if(a.authority, soa(domain_wire_));
    return a;
}

std::optional<LocalAnswer> LocalZone::answer_reverse(const Question& q,
                                                     const std::vector<std::string>& labels) const {
    size_t depth = labels.size() - reverse_labels_.size();
    uint32_t zone_mask = reverse_octets_ == 0 ? 0 : ~uint32_t{0} << (32 - 8 * reverse_octets_);
    uint32_t addr = subnet_.network().value() & zone_mask;
    unsigned octets = reverse_octets_;
    bool junk = false;  // labels no address has: a non-number, or below a full address
    for (size_t i = depth; i-- > 0;) {
        auto octet = octets < 4 ? parse_octet(labels[i]) : std::nullopt;
        if (!octet) {
            junk = true;
            break;
        }
        addr |= uint32_t{*octet} << (24 - 8 * octets);
        ++octets;
    }
    // Ours only when the block the name stands for lies inside the subnet;
    // the rest of the zone belongs to whoever else uses it: forward.
    if (octets * 8 < subnet_.length() || !subnet_.contains(Ipv4(addr))) return std::nullopt;

    LocalAnswer a;
    if (!junk && depth == 0 && wants(q.type, LDNS_RR_TYPE_SOA)) {
        push_if(a.answer, soa(reverse_wire_));
        return a;
    }
    std::vector<std::string> names;
    if (!junk && octets == 4) names = names_for(Ipv4(addr));
    if (junk || (octets == 4 && names.empty())) {
        a.rcode = LDNS_RCODE_NXDOMAIN;
    } else if (octets == 4 && wants(q.type, LDNS_RR_TYPE_PTR)) {
        for (const auto& n : names)
            push_if(a.answer, ptr_record(q.name, join_wire(n, domain_wire_)));
        return a;
    }
    // NODATA for other types, and for partial names inside the subnet
    // (empty non-terminals such as 160.27.172.in-addr.arpa).
    push_if(a.authority, soa(reverse_wire_));
    return a;
}

}  // namespace vswitch::dns
