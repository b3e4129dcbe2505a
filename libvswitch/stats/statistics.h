// A switch's counters as one flat list of (key, value): what the D-Bus
// Statistics property (a{st}) carries and `vswitchctl stats` prints. Keys
// are stable, lowercase and dotted by area ("dhcp.acks",
// "dhcp.dropped.truncated", "dns.upstream.wrong-id"), every key is present
// even at 0, and each area appends its own from the counters it keeps.
//
// Trouble counters — what `vswitchctl status` shows when non-zero — are
// recognised by their name alone, so any reader of the bus can apply the
// same rule (org.vswitch1(5)): a dotted part of the key is one of the words
// of kTroubleWords, or ends in '-' and one of them ("dhcp.dropped.zero-mac",
// "dhcp.pool-exhausted", "repairs.bridge").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vswitch::dhcp {
struct ServerCounters;
}
namespace vswitch::dns {
struct ResponderCounters;
struct CacheCounters;
struct UpstreamCounters;
struct FairShareCounters;
}  // namespace vswitch::dns

namespace vswitch::stats {

using Statistics = std::vector<std::pair<std::string, uint64_t>>;

void append_dhcp(Statistics& out, const dhcp::ServerCounters& c);
void append_dns(Statistics& out, const dns::ResponderCounters& responder, const dns::CacheCounters& cache,
                const dns::UpstreamCounters& upstream);
// The shared tables a guest can fill (per-guest shares): DHCP's held offers
// and leases come with append_dhcp; "dns.tcp" and "dns.pending" here.
void append_fair_share(Statistics& out, std::string_view prefix, const dns::FairShareCounters& c);

inline constexpr std::string_view kTroubleWords[] = {"dropped", "refused",  "evicted",
                                                     "exhausted", "timeouts", "repairs"};

// The rule above. Inline: vswitchctl applies it without linking libvswitch.
inline bool is_trouble(std::string_view key) {
    while (!key.empty()) {
        size_t dot = key.find('.');
        std::string_view part = key.substr(0, dot);
        for (std::string_view w : kTroubleWords) {
            if (part == w) return true;
            if (part.size() > w.size() && part.ends_with(w) && part[part.size() - w.size() - 1] == '-')
                return true;
        }
        if (dot == std::string_view::npos) break;
        key.remove_prefix(dot + 1);
    }
    return false;
}

}  // namespace vswitch::stats
