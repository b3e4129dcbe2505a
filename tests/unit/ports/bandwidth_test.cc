#include "libvswitch/ports/bandwidth.h"

#include <gtest/gtest.h>

using namespace vswitch;
using namespace vswitch::ports;

TEST(BitRate, ParsesPlainNumbersAndDecimalPrefixes) {
    EXPECT_EQ(*parse_bit_rate("0"), 0u);
    EXPECT_EQ(*parse_bit_rate("250000000"), 250'000'000u);
    EXPECT_EQ(*parse_bit_rate("100M"), 100'000'000u);
    EXPECT_EQ(*parse_bit_rate("1G"), 1'000'000'000u);
    EXPECT_EQ(*parse_bit_rate("1.5G"), 1'500'000'000u);
    EXPECT_EQ(*parse_bit_rate("64k"), 64'000u);
    EXPECT_EQ(*parse_bit_rate("64K"), 64'000u);
    EXPECT_EQ(*parse_bit_rate("100Mbit"), 100'000'000u);
    EXPECT_EQ(*parse_bit_rate("100Mbit/s"), 100'000'000u);
    EXPECT_EQ(*parse_bit_rate("100Mbps"), 100'000'000u);
    EXPECT_EQ(*parse_bit_rate("100G"), kMaxBandwidth);
}

TEST(BitRate, RefusesWhatIsNotARateWithEinval) {
    for (const char* bad : {"", "M", "fast", "100 M", "-1", "1e9", "100MB", "1.5", "1.G", ".5G",
                            "100m", "0x10", "1.0000000001G", "10M10"}) {
        auto r = parse_bit_rate(bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code, EINVAL) << bad;
        EXPECT_NE(r.error().message.find("MaximumBandwidth"), std::string::npos);
    }
}

TEST(BitRate, RefusesRatesOutsideTheNamedLimitsWithErange) {
    for (const char* bad : {"1", "63999", "63.999k", "101G", "1T", "99999999999999999999999"}) {
        auto r = parse_bit_rate(bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code, ERANGE) << bad;
        EXPECT_NE(r.error().message.find("between 64k and 100G"), std::string::npos)
            << r.error().message;
    }
    EXPECT_TRUE(validate_bandwidth(0).ok());
    EXPECT_TRUE(validate_bandwidth(kMinBandwidth).ok());
    EXPECT_TRUE(validate_bandwidth(kMaxBandwidth).ok());
    EXPECT_EQ(validate_bandwidth(kMinBandwidth - 1).error().code, ERANGE);
    EXPECT_EQ(validate_bandwidth(kMaxBandwidth + 1).error().code, ERANGE);
}

TEST(BitRate, FormatsTheShortestExactFormAndRoundTrips) {
    EXPECT_EQ(format_bit_rate(0), "0");
    EXPECT_EQ(format_bit_rate(100'000'000), "100M");
    EXPECT_EQ(format_bit_rate(1'000'000'000), "1G");
    EXPECT_EQ(format_bit_rate(1'500'000'000), "1500M");
    EXPECT_EQ(format_bit_rate(64'000), "64k");
    EXPECT_EQ(format_bit_rate(123'456'789), "123456789");
    for (uint64_t v : std::initializer_list<uint64_t>{0, 64000, 100000000, 1500000000, 123456789, kMaxBandwidth})
        EXPECT_EQ(*parse_bit_rate(format_bit_rate(v)), v);
}

TEST(Shaping, HundredMegabitGetsFourMillisecondsOfBurstAndTwentyFiveOfQueue) {
    Shaping s = shaping_for(100'000'000);
    EXPECT_EQ(s.rate_bytes, 12'500'000u);
    EXPECT_EQ(s.burst_bytes, 50'000u);              // 4 ms
    EXPECT_EQ(s.limit_bytes, 50'000u + 312'500u);   // + 25 ms
}

TEST(Shaping, OneGigabitScalesWithTheRate) {
    Shaping s = shaping_for(1'000'000'000);
    EXPECT_EQ(s.rate_bytes, 125'000'000u);
    EXPECT_EQ(s.burst_bytes, 500'000u);
    EXPECT_EQ(s.limit_bytes, 500'000u + 3'125'000u);
}

TEST(Shaping, SlowRatesKeepTenFramesOfBurstAndTwoGsoPacketsOfQueue) {
    Shaping s = shaping_for(kMinBandwidth);
    EXPECT_EQ(s.rate_bytes, 8'000u);
    EXPECT_EQ(s.burst_bytes, kMinBurstBytes);
    EXPECT_EQ(s.limit_bytes, kMinBurstBytes + kMinQueueBytes);
}

TEST(Shaping, FastRatesAreBoundedByTheNamedMaxima) {
    Shaping s = shaping_for(kMaxBandwidth);
    EXPECT_EQ(s.rate_bytes, 12'500'000'000u);  // needs TCA_TBF_RATE64
    EXPECT_EQ(s.burst_bytes, 50'000'000u);
    EXPECT_EQ(s.limit_bytes, kMaxQueueBytes);
    EXPECT_GE(s.limit_bytes, s.burst_bytes);
    // Rates not divisible by 8 round up, never to zero.
    EXPECT_EQ(shaping_for(64'001).rate_bytes, 8'001u);
}

TEST(Shaping, EachPortGetsItsOwnShortIfbName) {
    EXPECT_EQ(ifb_name_for("vstap0").substr(0, 4), "vsbw");
    EXPECT_EQ(ifb_name_for("vstap0").size(), 12u);
    EXPECT_EQ(ifb_name_for("vstap0"), ifb_name_for("vstap0"));
    EXPECT_NE(ifb_name_for("vstap0"), ifb_name_for("vstap1"));
    EXPECT_EQ(ifb_name_for(""), "vsbw811c9dc5");  // FNV-1a's offset basis
}
