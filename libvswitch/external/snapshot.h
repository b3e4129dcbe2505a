// What an external switch moves off its NIC (issue 20): the NIC's link
// facts, every address (with its flags, lifetimes, label and scope) and
// every route through it in every table, as recorded before the
// switch-over. Plain values: the daemon fills them from netlink
// (daemon/netlink/nic_state.cc), the plan (plan.h) turns them into steps,
// and the record codec (record.h) keeps them in the state directory so a
// teardown after a kill -9 or a restart restores exactly this.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libvswitch/base/net.h"
#include "libvswitch/base/result.h"

namespace vswitch::external {

// Limits on a record (and so on what one switch-over moves): a NIC with
// more is refused before anything moves.
inline constexpr size_t kMaxMovedAddresses = 256;
inline constexpr size_t kMaxMovedRoutes = 4096;
inline constexpr size_t kMaxRecordSize = 1u << 20;
// IFA_F_NODAD, IFA_F_PERMANENT (linux/if_addr.h), kept here so the plan stays
// free of kernel headers.
inline constexpr uint32_t kAddrFlagNoDad = 0x02;
inline constexpr uint32_t kAddrFlagPermanent = 0x80;
inline constexpr uint32_t kForever = 0xffffffffu;  // an infinite lifetime
inline constexpr uint8_t kProtoKernel = 2;         // RTPROT_KERNEL
inline constexpr uint32_t kTableLocal = 255;       // RT_TABLE_LOCAL

// An IPv4 or IPv6 address (AF_INET 2 / AF_INET6 10, the kernel's values).
struct IpAddress {
    int family = 0;
    std::array<uint8_t, 16> bytes{};

    static Result<IpAddress> parse(std::string_view s);  // "192.0.2.7", "2001:db8::1"
    std::string to_string() const;
    size_t size() const { return family == 10 ? 16 : 4; }
    bool is_ipv6_link_local() const {
        return family == 10 && bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80;
    }
    friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

struct AddressRecord {
    IpAddress local;
    uint8_t prefix_length = 0;
    std::optional<IpAddress> peer;       // point-to-point peer, when not local
    std::optional<IpAddress> broadcast;  // IPv4
    uint8_t scope = 0;                   // RT_SCOPE_*
    uint32_t flags = 0;                  // IFA_F_* (IFA_FLAGS)
    std::string label;                   // IPv4 label ("eth0:1"); "" none
    uint32_t valid_lft = kForever;       // seconds left when recorded
    uint32_t preferred_lft = kForever;

    int family() const { return local.family; }
    std::string describe() const;  // "192.0.2.7/24"
    friend bool operator==(const AddressRecord&, const AddressRecord&) = default;
};

struct RouteRecord {
    int family = 0;
    uint32_t table = 254;          // RT_TABLE_MAIN
    std::optional<IpAddress> dst;  // nullopt: default route
    uint8_t dst_len = 0;
    std::optional<IpAddress> gateway;
    std::optional<IpAddress> pref_src;
    uint32_t priority = 0;  // the metric
    uint8_t protocol = 0;   // RTPROT_*
    uint8_t scope = 0;      // RT_SCOPE_*
    uint8_t type = 1;       // RTN_UNICAST
    uint8_t tos = 0;
    uint32_t nh_flags = 0;  // RTNH_F_ONLINK...

    std::string describe() const;  // "default via 192.0.2.1 table 254 metric 100"
    friend bool operator==(const RouteRecord&, const RouteRecord&) = default;
};

struct NicSnapshot {
    std::string name;
    int ifindex = 0;
    Mac mac;
    uint32_t mtu = 1500;
    bool up = false;
    std::vector<AddressRecord> addresses;
    std::vector<RouteRecord> routes;  // in the order the kernel listed them
    uint64_t taken_at_sec = 0;        // CLOCK_BOOTTIME, for the lifetimes
    friend bool operator==(const NicSnapshot&, const NicSnapshot&) = default;
};

// What a switch-over is doing, kept beside the snapshot: "moving" is written
// before the first step (a crash then rolls back from the record), "done"
// once every step ran (a restart adopts the bridge as it is).
enum class MoveState { moving, done };

struct Record {
    std::string switch_name;
    std::string bridge;
    bool share_with_host = true;
    MoveState state = MoveState::moving;
    NicSnapshot nic;
    friend bool operator==(const Record&, const Record&) = default;
};

// The lifetime to give back after `elapsed` seconds: forever stays forever,
// an expired one becomes 1 s (the kernel then expires it as it would have).
uint32_t remaining_lifetime(uint32_t recorded, uint64_t elapsed);

}  // namespace vswitch::external
