// The switch's own names: `Domain` (vswitch.internal) and the reverse names
// of its subnet, answered authoritatively and never forwarded.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"
#include "libvswitch/dns/ldns.h"
#include "libvswitch/dns/message.h"

namespace vswitch::dns {

// Turns a DHCP host name or a VM name into one valid DNS label: the first
// dot-separated part, lower-cased, with characters outside [a-z0-9-] turned
// into '-' (bytes outside ASCII dropped), at most 63 long, no leading or
// trailing '-'. nullopt when nothing is left.
std::optional<std::string> sanitize_label(std::string_view name);

// Where a name comes from. The lower value wins when two sources claim the
// same name. With assign() (what the daemon uses), one name is one guest
// (one address): between equal sources the first holder keeps it, and the
// other gets a variant, name-2, name-3... So a guest cannot take the host's
// name, nor a VM's name (from attach or the libvirt hook), nor another DHCP
// guest's, by sending it as its DHCP host name.
enum class RecordSource : uint8_t { host = 0, port = 1, lease = 2 };
const char* to_string(RecordSource source);

// A local answer: rcode (NOERROR or NXDOMAIN) and the records for the
// answer and authority sections. The reply sets AA.
struct LocalAnswer {
    ldns_pkt_rcode rcode = LDNS_RCODE_NOERROR;
    std::vector<RrHandle> answer;
    std::vector<RrHandle> authority;
};

// A name conflict resolved by a variant (for the daemon's log).
struct Rename {
    RecordSource source;      // who got the variant
    std::string owner;
    Ipv4 address;
    std::string wanted;       // the label asked for
    std::string label;        // the variant it got
    RecordSource holder_source;  // who has the name
    Ipv4 holder_address;
};

// A name and address as /run/vswitch/hosts lists them.
struct HostEntry {
    Ipv4 address;
    std::string fqdn;  // "web.vswitch.internal"
};

// LocalZone owns the name → address records of one switch. The daemon's
// DNS service drives it: set() on DHCP ACK and port attach, remove() on
// release/expiry/detach, answer() for every query.
class LocalZone {
public:
    // domain: "vswitch.internal"; subnet: the switch's prefix (the reverse
    // zone is the covering octet boundary, e.g. a /20 answers under its /16).
    static Result<LocalZone> create(std::string_view domain, Ipv4Prefix subnet);

    // Movable, not copyable: the indexes point into the records' nodes,
    // which a move hands over and a copy would not.
    LocalZone(LocalZone&&) noexcept = default;
    LocalZone& operator=(LocalZone&&) noexcept = default;
    LocalZone(const LocalZone&) = delete;
    LocalZone& operator=(const LocalZone&) = delete;

    // Adds or replaces the record owned by (source, owner), e.g. (lease,
    // "52:54:00:12:34:56") or (port, "vsw-web0") or (host, "host"). Returns
    // the label used. The same name and address again (a DHCP renewal)
    // changes nothing, not even serial(). Records of one source may share
    // a name (a name with many addresses); the lower source shadows the
    // others. EINVAL for a name without a valid label or an address outside
    // the subnet, E2BIG past kMaxLocalRecords.
    Result<std::string> set(RecordSource source, std::string_view owner, std::string_view name,
                            Ipv4 address);
    // set(), one name one guest: the label used is the name's, or a
    // variant when another guest holds it (see RecordSource); a lower
    // source takes the name from a higher one, which moves to a variant.
    // A renewal of a record with a variant takes its name back once nobody
    // else holds it. Each conflict is noted once, for take_renames().
    Result<std::string> assign(RecordSource source, std::string_view owner, std::string_view name,
                               Ipv4 address);
    // false when (source, owner) had no record.
    bool remove(RecordSource source, std::string_view owner);
    // The conflicts set() resolved since the last call, oldest first (at
    // most kMaxPendingRenames are kept).
    std::vector<Rename> take_renames() { return std::exchange(renames_, {}); }

    // nullopt when the question is not for the local zone (forward it).
    std::optional<LocalAnswer> answer(const Question& q) const;

    // Addresses a lower-case label resolves to (the winning source's).
    std::vector<Ipv4> addresses(std::string_view label) const;
    // The responder's fast path: the addresses of `label.domain` given as
    // a wire name in any case, written to out without allocating. nullopt
    // when the name is not one label under the domain, has no address, or
    // has more than out.size(): answer() then decides.
    std::optional<size_t> leaf_addresses(std::span<const uint8_t> name, std::span<Ipv4> out) const;
    // Whether an uncompressed wire name lies in the domain or the reverse
    // zone (then answer() may claim it and the cache must not).
    bool covers(std::span<const uint8_t> name) const;
    // Every record, for the hosts file; sorted by address then name.
    std::vector<HostEntry> hosts() const;

    const std::string& domain() const { return domain_; }
    Ipv4Prefix subnet() const { return subnet_; }
    uint32_t serial() const { return serial_; }
    size_t size() const { return records_.size(); }

private:
    struct Record {
        RecordSource source;
        std::string label;
        Ipv4 address;
        std::string wanted;  // the label asked for; label is a variant when they differ
        // The next record with the same label / the same address, in the
        // order they were set: the indexes below hold only each chain's
        // head, so a name costs no vector of its own (memory per record is
        // a bench/dns figure).
        Record* next_same_label = nullptr;
        Record* next_same_address = nullptr;
    };
    using Key = std::pair<RecordSource, std::string>;

    // Looks labels up by string_view without building a std::string.
    struct LabelHash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };

    LocalZone() = default;
    void link(Record& rec);
    void unlink(Record& rec);
    // The record that holds label for a guest other than `address`: of the
    // lowest source, the first set among equals; nullptr when none.
    const Record* holder(std::string_view label, Ipv4 address) const;
    // The first of label-2, label-3... no other guest holds.
    std::string variant(const std::string& label, Ipv4 address) const;
    // Decides the label for a record of (source, address) asking for
    // `wanted`, moving records of higher sources that hold it to variants.
    std::string claim(RecordSource source, std::string_view owner, const std::string& wanted, Ipv4 address);
    void relabel(Record& rec, std::string label);
    Result<std::string> put(RecordSource source, std::string_view owner, std::string_view name, Ipv4 address,
                            bool unique);
    void note_rename(Rename r);
    // Writes the winning source's distinct addresses of label into out;
    // false when there are more than out holds.
    bool collect_addresses(std::string_view label, std::vector<Ipv4>* grow, std::span<Ipv4> out,
                           size_t& count) const;
    std::vector<std::string> names_for(Ipv4 address) const;
    std::optional<LocalAnswer> answer_forward(const Question& q,
                                              const std::vector<std::string>& labels) const;
    std::optional<LocalAnswer> answer_reverse(const Question& q,
                                              const std::vector<std::string>& labels) const;
    RrHandle soa(const Bytes& apex) const;

    std::string domain_;  // lower-case, no trailing dot
    std::vector<std::string> domain_labels_;
    Bytes domain_wire_;
    Ipv4Prefix subnet_;
    std::vector<std::string> reverse_labels_;  // "27","172","in-addr","arpa"
    Bytes reverse_wire_;
    uint8_t reverse_octets_ = 0;  // address octets in the reverse zone name
    uint32_t serial_ = 1;

    // The indexes point into records_ (std::map nodes do not move), so a
    // lookup reads the record directly and no key is stored twice: a label
    // index key views its head record's label.
    std::map<Key, Record> records_;
    std::vector<Rename> renames_;
    std::unordered_map<std::string_view, Record*, LabelHash, std::equal_to<>> by_label_;
    std::unordered_map<uint32_t, Record*> by_address_;
};

}  // namespace vswitch::dns
