#include "libvswitch/dns/cache.h"

#include <gtest/gtest.h>

#include "tests/unit/dns/dns_test_util.h"

using namespace vswitch;
using namespace vswitch::dns;
using namespace vswitch::dns::test;
using std::chrono::seconds;

namespace {

const TimePoint t0 = TimePoint{} + std::chrono::hours(100);

ReplySpec a_reply(std::string name, uint32_t ttl, std::string addr = "192.0.2.1") {
    ReplySpec s;
    s.name = name;
    s.answer = {name + " " + std::to_string(ttl) + " IN A " + addr};
    return s;
}

ReplySpec negative_reply(ldns_pkt_rcode rcode, uint32_t soa_ttl, uint32_t soa_min) {
    ReplySpec s;
    s.name = "nope.example.com.";
    s.rcode = rcode;
    s.authority = {"example.com. " + std::to_string(soa_ttl) +
                   " IN SOA ns.example.com. admin.example.com. 1 7200 900 1209600 " +
                   std::to_string(soa_min)};
    return s;
}

bool insert(Cache& c, const ReplySpec& s, TimePoint now, bool dnssec_ok = false) {
    PktHandle p = make_reply_pkt(s);
    return c.insert(make_question(s.name, s.type), dnssec_ok, *p, now);
}

}  // namespace

TEST(DnsCache, ServesTtlsDecrementedByAgeUntilTheSmallestExpires) {
    Cache c;
    ReplySpec s = a_reply("www.example.com.", 300);
    s.answer.push_back("www.example.com. 60 IN A 192.0.2.2");
    ASSERT_TRUE(insert(c, s, t0));
    auto q = make_question("www.example.com.", LDNS_RR_TYPE_A);

    auto hit = c.lookup(q, false, t0 + seconds(20));
    ASSERT_TRUE(hit);
    EXPECT_EQ(answer(hit->pkt.get()), (std::vector<std::string>{
                                          "www.example.com. 280 IN A 192.0.2.1",
                                          "www.example.com. 40 IN A 192.0.2.2",
                                      }));
    EXPECT_TRUE(c.lookup(q, false, t0 + seconds(59)));
    EXPECT_FALSE(c.lookup(q, false, t0 + seconds(60)));
    EXPECT_EQ(c.size(), 0u);
    EXPECT_EQ(c.counters().expired, 1u);
    EXPECT_EQ(c.counters().hits, 2u);
}

TEST(DnsCache, KeyIgnoresCaseButNotTypeClassOrDo) {
    Cache c;
    ASSERT_TRUE(insert(c, a_reply("Www.Example.COM.", 300), t0));
    EXPECT_TRUE(c.lookup(make_question("www.example.com", LDNS_RR_TYPE_A), false, t0));
    EXPECT_FALSE(c.lookup(make_question("www.example.com", LDNS_RR_TYPE_AAAA), false, t0));
    EXPECT_FALSE(
        c.lookup(make_question("www.example.com", LDNS_RR_TYPE_A, LDNS_RR_CLASS_CH), false, t0));
    EXPECT_FALSE(c.lookup(make_question("www.example.com", LDNS_RR_TYPE_A), true, t0));
    EXPECT_FALSE(c.lookup(make_question("www.example.org", LDNS_RR_TYPE_A), false, t0));
}

TEST(DnsCache, NxdomainLivesForSoaMinimumAndServesAgedSoaTtl) {
    Cache c;
    ASSERT_TRUE(insert(c, negative_reply(LDNS_RCODE_NXDOMAIN, 3600, 120), t0));
    auto q = make_question("nope.example.com", LDNS_RR_TYPE_A);
    auto hit = c.lookup(q, false, t0 + seconds(20));
    ASSERT_TRUE(hit);
    EXPECT_TRUE(hit->negative);
    EXPECT_EQ(ldns_pkt_get_rcode(hit->pkt.get()), LDNS_RCODE_NXDOMAIN);
    EXPECT_EQ(first_ttl(hit->pkt.get(), LDNS_SECTION_AUTHORITY), 100u);  // min(3600, 120) - 20
    EXPECT_FALSE(c.lookup(q, false, t0 + seconds(120)));
}

TEST(DnsCache, NodataLivesForSoaTtlWhenSmaller) {
    Cache c;
    ASSERT_TRUE(insert(c, negative_reply(LDNS_RCODE_NOERROR, 30, 900), t0));
    auto q = make_question("nope.example.com", LDNS_RR_TYPE_A);
    auto hit = c.lookup(q, false, t0 + seconds(29));
    ASSERT_TRUE(hit);
    EXPECT_EQ(ldns_pkt_get_rcode(hit->pkt.get()), LDNS_RCODE_NOERROR);
    EXPECT_TRUE(answer(hit->pkt.get()).empty());
    EXPECT_FALSE(c.lookup(q, false, t0 + seconds(30)));
}

TEST(DnsCache, NegativeTtlIsCapped) {
    Cache c;
    ASSERT_TRUE(insert(c, negative_reply(LDNS_RCODE_NXDOMAIN, 604800, 604800), t0));
    auto q = make_question("nope.example.com", LDNS_RR_TYPE_A);
    auto hit = c.lookup(q, false, t0);
    ASSERT_TRUE(hit);
    EXPECT_EQ(first_ttl(hit->pkt.get(), LDNS_SECTION_AUTHORITY), kCacheMaxNegativeTtl);
    EXPECT_FALSE(c.lookup(q, false, t0 + seconds(kCacheMaxNegativeTtl)));
}

TEST(DnsCache, PositiveTtlIsCapped) {
    Cache c;
    ASSERT_TRUE(insert(c, a_reply("big.example.com.", 1000000), t0));
    auto hit = c.lookup(make_question("big.example.com", LDNS_RR_TYPE_A), false, t0);
    ASSERT_TRUE(hit);
    EXPECT_EQ(first_ttl(hit->pkt.get(), LDNS_SECTION_ANSWER), kCacheMaxTtl);
}

TEST(DnsCache, DoesNotCacheWhatItMustNot) {
    Cache c;
    ReplySpec servfail;
    servfail.rcode = LDNS_RCODE_SERVFAIL;
    EXPECT_FALSE(insert(c, servfail, t0));
    ReplySpec refused;
    refused.rcode = LDNS_RCODE_REFUSED;
    EXPECT_FALSE(insert(c, refused, t0));
    ReplySpec truncated = a_reply("example.com.", 300);
    truncated.tc = true;
    EXPECT_FALSE(insert(c, truncated, t0));
    EXPECT_FALSE(insert(c, a_reply("example.com.", 0), t0));
    EXPECT_FALSE(insert(c, a_reply("example.com.", 0x80000000u), t0));  // RFC 2181 §8: means 0
    ReplySpec no_soa;
    no_soa.rcode = LDNS_RCODE_NXDOMAIN;  // RFC 2308 §5: no SOA, no negative caching
    EXPECT_FALSE(insert(c, no_soa, t0));
    ReplySpec referral;
    referral.authority = {"example.com. 3600 IN NS ns.example.com."};
    EXPECT_FALSE(insert(c, referral, t0));
    EXPECT_EQ(c.size(), 0u);
    EXPECT_EQ(c.counters().uncacheable, 7u);
    EXPECT_FALSE(c.lookup(make_question("example.com", LDNS_RR_TYPE_A), false, t0));
}

TEST(DnsCache, KeepsAuthorityAndAdditionalButNotOpt) {
    Cache c;
    ReplySpec s = a_reply("www.example.com.", 300);
    s.edns = true;
    s.ad = true;
    s.authority = {"example.com. 3600 IN NS ns1.example.com."};
    s.additional = {"ns1.example.com. 3600 IN A 192.0.2.53"};
    ASSERT_TRUE(insert(c, s, t0));
    auto hit = c.lookup(make_question("www.example.com", LDNS_RR_TYPE_A), false, t0 + seconds(10));
    ASSERT_TRUE(hit);
    EXPECT_EQ(authority(hit->pkt.get()),
              std::vector<std::string>{"example.com. 3590 IN NS ns1.example.com."});
    EXPECT_EQ(section(hit->pkt.get(), LDNS_SECTION_ADDITIONAL),
              std::vector<std::string>{"ns1.example.com. 3590 IN A 192.0.2.53"});
    EXPECT_FALSE(ldns_pkt_edns(hit->pkt.get()));
    EXPECT_TRUE(ldns_pkt_ad(hit->pkt.get()));
}

TEST(DnsCache, EvictsLeastRecentlyUsedPastTheEntryCap) {
    Cache c(CacheLimits{2, kCacheMaxBytes});
    ASSERT_TRUE(insert(c, a_reply("a.example.", 300), t0));
    ASSERT_TRUE(insert(c, a_reply("b.example.", 300), t0));
    ASSERT_TRUE(c.lookup(make_question("a.example", LDNS_RR_TYPE_A), false, t0));  // a is fresh
    ASSERT_TRUE(insert(c, a_reply("c.example.", 300), t0));
    EXPECT_EQ(c.size(), 2u);
    EXPECT_EQ(c.counters().evicted, 1u);
    EXPECT_TRUE(c.lookup(make_question("a.example", LDNS_RR_TYPE_A), false, t0));
    EXPECT_FALSE(c.lookup(make_question("b.example", LDNS_RR_TYPE_A), false, t0));
    EXPECT_TRUE(c.lookup(make_question("c.example", LDNS_RR_TYPE_A), false, t0));
}

TEST(DnsCache, StaysUnderTheByteCap) {
    const size_t cap = 4096;
    Cache c(CacheLimits{kCacheMaxEntries, cap});
    for (int i = 0; i < 100; ++i) {
        ASSERT_TRUE(insert(c, a_reply("host" + std::to_string(i) + ".example.", 300), t0));
        EXPECT_LE(c.bytes(), cap);
    }
    EXPECT_GT(c.counters().evicted, 0u);
    EXPECT_GT(c.size(), 0u);
    EXPECT_LT(c.size(), 100u);
    EXPECT_TRUE(c.lookup(make_question("host99.example", LDNS_RR_TYPE_A), false, t0));
    EXPECT_FALSE(c.lookup(make_question("host0.example", LDNS_RR_TYPE_A), false, t0));
}

TEST(DnsCache, ReplacingAnEntryKeepsByteCountExact) {
    Cache c;
    ASSERT_TRUE(insert(c, a_reply("a.example.", 300), t0));
    size_t one = c.bytes();
    ASSERT_TRUE(insert(c, a_reply("a.example.", 300, "192.0.2.9"), t0));
    EXPECT_EQ(c.size(), 1u);
    EXPECT_EQ(c.bytes(), one);
    auto hit = c.lookup(make_question("a.example", LDNS_RR_TYPE_A), false, t0);
    ASSERT_TRUE(hit);
    EXPECT_EQ(answer(hit->pkt.get()), std::vector<std::string>{"a.example. 300 IN A 192.0.2.9"});
    c.clear();
    EXPECT_EQ(c.bytes(), 0u);
}

TEST(DnsCache, PurgeDropsOnlyExpired) {
    Cache c;
    ASSERT_TRUE(insert(c, a_reply("short.example.", 10), t0));
    ASSERT_TRUE(insert(c, a_reply("long.example.", 1000), t0));
    EXPECT_EQ(c.purge_expired(t0 + seconds(10)), 1u);
    EXPECT_EQ(c.size(), 1u);
    EXPECT_TRUE(c.lookup(make_question("long.example", LDNS_RR_TYPE_A), false, t0 + seconds(10)));
}
