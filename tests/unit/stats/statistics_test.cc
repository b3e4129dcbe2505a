#include "libvswitch/stats/statistics.h"

#include <gtest/gtest.h>

#include <set>

#include "libvswitch/dhcp/message.h"
#include "libvswitch/dhcp/server_core.h"
#include "libvswitch/dns/cache.h"
#include "libvswitch/dns/responder.h"
#include "libvswitch/dns/upstream.h"

using namespace vswitch;

namespace {

uint64_t value_of(const stats::Statistics& s, const std::string& key) {
    for (const auto& [k, v] : s) {
        if (k == key) return v;
    }
    ADD_FAILURE() << "no key " << key;
    return 0;
}

stats::Statistics all_keys() {
    stats::Statistics s;
    stats::append_dhcp(s, dhcp::ServerCounters{});
    stats::append_dns(s, dns::ResponderCounters{}, dns::CacheCounters{}, dns::UpstreamCounters{});
    return s;
}

}  // namespace

TEST(Statistics, EveryKeyIsPresentAtZeroAndUnique) {
    auto s = all_keys();
    std::set<std::string> seen;
    for (const auto& [k, v] : s) {
        EXPECT_EQ(v, 0u) << k;
        EXPECT_TRUE(seen.insert(k).second) << "twice: " << k;
        for (char c : k) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '.' || c == '-') << k;
    }
    // Every DHCP drop reason has its key.
    EXPECT_EQ(size_t(std::count_if(s.begin(), s.end(),
                                   [](const auto& kv) { return kv.first.starts_with("dhcp.dropped."); })),
              size_t(dhcp::DropReason::count));
}

TEST(Statistics, ValuesLandUnderTheirKeys) {
    dhcp::ServerCounters d;
    d.acks = 5;
    d.pool_exhausted = 2;
    d.dropped[size_t(dhcp::DropReason::zero_mac)] = 7;
    dns::ResponderCounters r;
    r.refused = 3;
    r.refused_client = 4;
    dns::CacheCounters c;
    c.evicted = 9;
    dns::UpstreamCounters u;
    u.count(dns::ReplyVerdict::wrong_id);
    stats::Statistics s;
    stats::append_dhcp(s, d);
    stats::append_dns(s, r, c, u);
    EXPECT_EQ(value_of(s, "dhcp.acks"), 5u);
    EXPECT_EQ(value_of(s, "dhcp.pool-exhausted"), 2u);
    EXPECT_EQ(value_of(s, "dhcp.dropped.zero-mac"), 7u);
    EXPECT_EQ(value_of(s, "dns.refused"), 3u);
    EXPECT_EQ(value_of(s, "dns.client-refused"), 4u);
    EXPECT_EQ(value_of(s, "dns.cache.pushed-out"), 9u);
    EXPECT_EQ(value_of(s, "dns.upstream.dropped.wrong-id"), 1u);
}

TEST(Statistics, TroubleIsKnownByName) {
    for (const char* k : {"dhcp.dropped.truncated", "dhcp.pool-exhausted", "dhcp.offers-refused", "dns.refused",
                          "dns.client-refused", "dns.upstream.dropped.wrong-id", "repairs.bridge",
                          "dns.tcp-evicted", "dns.forward-timeouts", "switch.repairs"})
        EXPECT_TRUE(stats::is_trouble(k)) << k;
    for (const char* k : {"dhcp.acks", "dns.queries", "dns.cache.pushed-out", "dns.upstream.accepted",
                          "dns.upstream.truncated", "switch.renumbers", "dhcp.undropped", "dns.refusedx", ""})
        EXPECT_FALSE(stats::is_trouble(k)) << k;
}

TEST(Statistics, OrdinaryCountersOfTheAreasAreNotTrouble) {
    // What a healthy switch counts all day must not show in `status`.
    for (const auto& [k, v] : all_keys()) {
        bool trouble = k.find("dropped") != std::string::npos || k.find("refused") != std::string::npos ||
                       k.find("exhausted") != std::string::npos || k.find("timeouts") != std::string::npos ||
                       k.find("evicted") != std::string::npos;
        EXPECT_EQ(stats::is_trouble(k), trouble) << k;
    }
}
