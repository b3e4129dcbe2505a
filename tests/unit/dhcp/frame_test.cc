// The IPv4/UDP frame daemon/dhcp writes around a reply to a client without
// an address: header fields, both checksums verified the way a receiver
// does, RFC 1071's worked example, and the RFC 768 zero-checksum rule.
#include "libvswitch/dhcp/frame.h"

#include <gtest/gtest.h>

#include <vector>

using namespace vswitch;
using namespace vswitch::dhcp;

namespace {

uint16_t get16(const std::vector<uint8_t>& b, size_t at) { return uint16_t(b[at] << 8 | b[at + 1]); }

// What a receiver computes over the UDP pseudo header and datagram: 0xffff
// when the checksum field is right (RFC 768).
uint16_t udp_verify_sum(const std::vector<uint8_t>& frame) {
    std::span<const uint8_t> f(frame);
    uint32_t sum = checksum_add(0, f.subspan(12, 8));
    sum += 17;
    sum += get16(frame, 24);  // UDP length
    sum = checksum_add(sum, f.subspan(20));
    return uint16_t(~checksum_finish(sum));
}

}  // namespace

TEST(DhcpFrame, ChecksumMatchesRfc1071Example) {
    // RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to dd f2 (before the complement).
    const std::vector<uint8_t> b{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    EXPECT_EQ(checksum_add(0, b), 0xddf2u);
    EXPECT_EQ(checksum_finish(checksum_add(0, b)), 0x220d);
}

TEST(DhcpFrame, OddLengthIsPaddedWithAZeroByte) {
    const std::vector<uint8_t> odd{0x12, 0x34, 0x56};
    const std::vector<uint8_t> even{0x12, 0x34, 0x56, 0x00};
    EXPECT_EQ(checksum_add(0, odd), checksum_add(0, even));
    EXPECT_EQ(checksum_add(0, odd), 0x6834u);
}

TEST(DhcpFrame, HeadersCarryAddressesPortsLengthsAndValidChecksums) {
    const std::vector<uint8_t> payload{'d', 'h', 'c', 'p', 1, 2, 3};
    auto f = build_udp_frame(Ipv4(172, 27, 160, 1), 67, Ipv4(172, 27, 161, 9), 68, payload);
    ASSERT_EQ(f.size(), 20u + 8u + payload.size());
    EXPECT_EQ(f[0], 0x45);
    EXPECT_EQ(get16(f, 2), f.size());
    EXPECT_EQ(get16(f, 6), 0x4000) << "DF set, no fragment offset";
    EXPECT_EQ(f[8], kUdpTtl);
    EXPECT_EQ(f[9], 17);
    EXPECT_EQ(std::vector<uint8_t>(f.begin() + 12, f.begin() + 16), (std::vector<uint8_t>{172, 27, 160, 1}));
    EXPECT_EQ(std::vector<uint8_t>(f.begin() + 16, f.begin() + 20), (std::vector<uint8_t>{172, 27, 161, 9}));
    // A header including its checksum sums to 0xffff: finish() gives 0.
    EXPECT_EQ(checksum_finish(checksum_add(0, std::span(f).first(20))), 0);
    EXPECT_EQ(get16(f, 20), 67);
    EXPECT_EQ(get16(f, 22), 68);
    EXPECT_EQ(get16(f, 24), 8 + payload.size());
    EXPECT_NE(get16(f, 26), 0);
    EXPECT_EQ(udp_verify_sum(f), 0xffff);
    EXPECT_EQ(std::vector<uint8_t>(f.begin() + 28, f.end()), payload);
}

TEST(DhcpFrame, BroadcastAndEmptyPayloadStillVerify) {
    auto f = build_udp_frame(Ipv4(10, 0, 0, 1), 67, Ipv4(0xffffffffu), 68, {});
    ASSERT_EQ(f.size(), 28u);
    EXPECT_EQ(checksum_finish(checksum_add(0, std::span(f).first(20))), 0);
    EXPECT_EQ(udp_verify_sum(f), 0xffff);
}

TEST(DhcpFrame, ComputedZeroUdpChecksumIsSentAsAllOnes) {
    // RFC 768: zero means "no checksum", so a sum that comes out zero goes
    // out as 0xffff. Pick the two payload bytes that make it come out zero:
    // with the checksum c0 of a zero payload, the payload word c0 does.
    const Ipv4 src(172, 27, 160, 1), dst(172, 27, 161, 9);
    auto f0 = build_udp_frame(src, 67, dst, 68, std::vector<uint8_t>{0, 0});
    uint16_t c0 = get16(f0, 26);
    auto f = build_udp_frame(src, 67, dst, 68, std::vector<uint8_t>{uint8_t(c0 >> 8), uint8_t(c0)});
    EXPECT_EQ(get16(f, 26), 0xffff);
    EXPECT_EQ(udp_verify_sum(f), 0xffff) << "0xffff is the same one's complement value as zero";
}

TEST(DhcpFrame, ParseGivesBackWhatBuildWrote) {
    const std::vector<uint8_t> payload{1, 2, 3, 4, 5, 6, 7};
    auto f = build_udp_frame(Ipv4(0, 0, 0, 0), 68, Ipv4(0xffffffffu), 67, payload);
    f.insert(f.end(), {0, 0, 0, 0, 0});  // Ethernet minimum-size padding
    auto d = parse_udp_frame(f);
    ASSERT_TRUE(d.ok()) << d.error().message;
    EXPECT_EQ(d->source, Ipv4(0, 0, 0, 0));
    EXPECT_EQ(d->destination, Ipv4(0xffffffffu));
    EXPECT_EQ(d->source_port, 68);
    EXPECT_EQ(d->destination_port, 67);
    EXPECT_EQ(std::vector<uint8_t>(d->payload.begin(), d->payload.end()), payload);
}

TEST(DhcpFrame, ParseTakesIpOptionsAndIgnoresTheUdpChecksum) {
    auto f = build_udp_frame(Ipv4(10, 0, 0, 2), 68, Ipv4(10, 0, 0, 1), 67, std::vector<uint8_t>{9, 9});
    // Four bytes of IP options (NOP NOP NOP EOL): IHL 6, total + 4, new checksum.
    f.insert(f.begin() + 20, {1, 1, 1, 0});
    f[0] = 0x46;
    f[3] = uint8_t(f[3] + 4);
    f[10] = f[11] = 0;
    uint16_t c = checksum_finish(checksum_add(0, std::span(f).first(24)));
    f[10] = uint8_t(c >> 8);
    f[11] = uint8_t(c);
    f[24 + 6] ^= 0xff;  // a partial (offloaded) UDP checksum
    auto d = parse_udp_frame(f);
    ASSERT_TRUE(d.ok()) << d.error().message;
    EXPECT_EQ(d->source, Ipv4(10, 0, 0, 2));
    EXPECT_EQ(std::vector<uint8_t>(d->payload.begin(), d->payload.end()), (std::vector<uint8_t>{9, 9}));
}

TEST(DhcpFrame, ParseRefusesWhatIsNotOneWholeUdpDatagram) {
    const auto good = build_udp_frame(Ipv4(10, 0, 0, 2), 68, Ipv4(10, 0, 0, 1), 67, std::vector<uint8_t>(40, 7));
    auto refused = [&](auto mutate, bool fix_checksum) {
        auto f = good;
        mutate(f);
        if (fix_checksum && f.size() >= 20) {
            f[10] = f[11] = 0;
            uint16_t c = checksum_finish(checksum_add(0, std::span(f).first(20)));
            f[10] = uint8_t(c >> 8);
            f[11] = uint8_t(c);
        }
        auto d = parse_udp_frame(f);
        return !d.ok() && d.error().code == EBADMSG;
    };
    using V = std::vector<uint8_t>;
    EXPECT_TRUE(refused([](V& f) { f.resize(19); }, false)) << "short";
    EXPECT_TRUE(refused([](V& f) { f[0] = 0x65; }, true)) << "IPv6 version";
    EXPECT_TRUE(refused([](V& f) { f[0] = 0x44; }, true)) << "IHL 4";
    EXPECT_TRUE(refused([](V& f) { f[0] = 0x4f; }, true)) << "IHL past the packet";
    EXPECT_TRUE(refused([](V& f) { f[9] = 6; }, true)) << "TCP";
    EXPECT_TRUE(refused([](V& f) { f[6] = 0x20; }, true)) << "more fragments";
    EXPECT_TRUE(refused([](V& f) { f[7] = 0x01; }, true)) << "fragment offset";
    EXPECT_TRUE(refused([](V& f) { f[3] = uint8_t(f[3] + 1); }, true)) << "total past the packet";
    EXPECT_TRUE(refused([](V& f) { f[2] = 0; f[3] = 24; }, true)) << "total shorter than IP + UDP";
    EXPECT_TRUE(refused([](V& f) { f[12] ^= 1; }, false)) << "header checksum";
    EXPECT_TRUE(refused([](V& f) { f[24] = 0; f[25] = 100; }, true)) << "UDP length past the datagram";
    EXPECT_TRUE(refused([](V& f) { f[24] = 0; f[25] = 7; }, true)) << "UDP length under its header";
    EXPECT_TRUE(refused([](V& f) { f.clear(); }, false)) << "empty";
}
