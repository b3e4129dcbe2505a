// Port forwards (issue 16): a host port (or range) of one protocol, on every
// host address outside the switches or on one, forwarded to a guest. The
// target is a VM name, a port's interface, a MAC or a fixed address; all but
// the last are resolved to the guest's current address from the lease and
// port tables (resolve()), so a forward follows its VM across a renumber, a
// new lease or a daemon restart. A target without an address keeps the
// forward, inactive.
//
// Runtime forwards live in <state-dir>/<switch>.forwards:
//
//   vswitch-forwards 1
//   tcp - 8080-8080 80 - name web server
//   udp 192.0.2.10 5353-5353 53 198.51.100.0/24,203.0.113.0/24 address 172.16.0.9
//
// Fields: protocol, host address ("-": every address), host ports, target
// port (the first of the target range), AllowFrom prefixes ("-": any), the
// target's kind and the target, which runs to the end of the line (a VM name
// may hold spaces). Written whole (write_file_atomic), read back strictly.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"

namespace vswitch::forward {

// Forwards per switch, configured and runtime together.
inline constexpr size_t kMaxForwards = 1024;
// Ports one forward may span: each port is a map element.
inline constexpr uint32_t kMaxRangePorts = 256;
// (protocol, port) map elements of one switch, "both" counting twice: the
// whole nft transaction must fit nft::kMaxBatchBytes.
inline constexpr size_t kMaxForwardPorts = 2048;
inline constexpr size_t kMaxAllowFrom = 16;  // AllowFrom= prefixes per forward
inline constexpr size_t kMaxForwardFileSize = 1u << 20;

enum class Protocol : uint8_t { tcp, udp, both };
// "tcp", "udp", "both".
std::string_view to_string(Protocol p);
// EINVAL naming the value for anything else.
Result<Protocol> parse_protocol(std::string_view s);

struct PortRange {
    uint16_t first = 0;
    uint16_t last = 0;
    uint32_t size() const { return uint32_t(last) - first + 1; }
    bool overlaps(const PortRange& o) const { return first <= o.last && o.first <= last; }
    std::string to_string() const;  // "8080" or "8000-8010"
    friend bool operator==(const PortRange&, const PortRange&) = default;
};
// "8080" or "8000-8010": EINVAL for port 0, a port past 65535, a reversed
// range, or one longer than kMaxRangePorts, each naming the value.
Result<PortRange> parse_port_range(std::string_view s);
// One port, 1..65535.
Result<uint16_t> parse_port(std::string_view s);

enum class TargetKind : uint8_t { address, mac, name };
std::string_view to_string(TargetKind k);

struct Forward {
    Protocol protocol = Protocol::tcp;
    std::optional<Ipv4> host_address;  // none: every host address outside the switches
    PortRange host_ports;
    TargetKind target_kind = TargetKind::name;
    std::string target;                  // an address, a MAC (lower case), or a VM / interface name
    uint16_t target_port = 0;            // first port of the target range
    std::vector<Ipv4Prefix> allow_from;  // normalized; empty: any source

    // "tcp/8080", "both/8000-8010", "udp/192.0.2.10:53": what RemovePortForward takes.
    std::string id() const;
    friend bool operator==(const Forward&, const Forward&) = default;
};

// A forward from what users give: protocol ("" tcp), host address (""
// every), host ports, target (an IPv4 address, a MAC, else a VM or interface
// name), target port (0: the host port), AllowFrom prefixes. EINVAL naming
// the bad value.
Result<Forward> make_forward(std::string_view protocol, std::string_view host_address,
                             std::string_view host_ports, std::string_view target,
                             uint32_t target_port, std::span<const std::string> allow_from);

// The forward a RemovePortForward id or spec names: "tcp/8080",
// "udp/192.0.2.10:53-60"; EINVAL otherwise.
struct ForwardKey {
    Protocol protocol = Protocol::tcp;
    std::optional<Ipv4> host_address;
    PortRange host_ports;
};
Result<ForwardKey> parse_forward_id(std::string_view id);
bool matches(const Forward& f, const ForwardKey& key);

// EEXIST when two forwards take the same (protocol, host port) on the same
// or every address (a range overlapping counts), naming both; E2BIG past
// kMaxForwards or kMaxForwardPorts.
Status check_forwards(std::span<const Forward> all);

// What only the switch knows: EADDRINUSE for a host port the daemon serves
// on the gateway (DNS 53, DHCP 67); EINVAL for a host address inside the
// switch's subnet other than the gateway, and for a fixed target outside
// the subnet or on its network, gateway or broadcast address.
Status check_forward_on_switch(const Forward& f, const Ipv4Prefix& subnet, Ipv4 gateway,
                               std::string_view switch_name);

// The tables resolution reads: the switch's ports and leases now.
struct PortEntry {
    std::string ifname;
    std::string vm;
    Mac mac;
};
struct LeaseEntry {
    Mac mac;
    Ipv4 address;
    std::string hostname;
};
struct Tables {
    Ipv4Prefix subnet;
    Ipv4 gateway;
    std::vector<PortEntry> ports;  // by interface name
    std::vector<LeaseEntry> leases;
};
// The guest address a forward reaches now, none when its target has none
// (unknown VM, no lease, a fixed address outside today's subnet). A name is
// a port's interface first, then a port's VM name (its first port), then a
// lease's DHCP host name.
std::optional<Ipv4> resolve(const Forward& f, const Tables& tables);

// The same over indexes of the tables, built once: a lease or port change
// resolves every forward in O(forwards x log(leases)), not O(forwards x leases).
class Resolver {
public:
    explicit Resolver(const Tables& tables);
    std::optional<Ipv4> resolve(const Forward& f) const;

private:
    std::optional<Ipv4> usable(Ipv4 a) const;
    std::optional<Ipv4> by_mac(const Mac& m) const;

    Ipv4Prefix net_;
    Ipv4 gateway_;
    std::map<Mac, Ipv4> lease_by_mac_;  // the first lease of each MAC
    std::map<std::string, Ipv4, std::less<>> lease_by_name_;
    std::map<std::string, Mac, std::less<>> port_by_ifname_;
    std::multimap<std::string, Mac, std::less<>> ports_by_vm_;  // in port order
};

std::string format_forward_file(std::span<const Forward> forwards);
// Strict: EBADMSG naming the line; ENOTSUP another version; E2BIG past the limits.
Result<std::vector<Forward>> parse_forward_file(std::string_view text);
Result<std::vector<Forward>> load_forward_file(const std::string& path);  // ENOENT passes through
Status save_forward_file(const std::string& path, std::span<const Forward> forwards);

}  // namespace vswitch::forward
