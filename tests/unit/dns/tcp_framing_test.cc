#include "libvswitch/dns/tcp_framing.h"

#include <gtest/gtest.h>

using namespace vswitch;
using namespace vswitch::dns;

namespace {

Bytes message(size_t n, uint8_t fill) {
    return Bytes(n, fill);
}

Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

}  // namespace

TEST(TcpFraming, FramesWithABigEndianLength) {
    auto f = frame_tcp_message(message(300, 7));
    ASSERT_TRUE(f.ok());
    ASSERT_EQ(f->size(), 302u);
    EXPECT_EQ((*f)[0], 0x01);
    EXPECT_EQ((*f)[1], 0x2c);
    auto too_big = frame_tcp_message(message(65536, 0));
    ASSERT_FALSE(too_big.ok());
    EXPECT_EQ(too_big.error().code, E2BIG);
}

TEST(TcpFraming, SplitsPipelinedMessagesFromOneRead) {
    TcpDeframer d;
    Bytes stream = concat({*frame_tcp_message(message(12, 1)), *frame_tcp_message(message(40, 2)),
                           *frame_tcp_message(message(17, 3))});
    ASSERT_TRUE(d.feed(stream).ok());
    EXPECT_EQ(d.pending(), 3u);
    EXPECT_EQ(d.next(), message(12, 1));
    EXPECT_EQ(d.next(), message(40, 2));
    EXPECT_EQ(d.next(), message(17, 3));
    EXPECT_FALSE(d.next());
    EXPECT_EQ(d.partial(), 0u);
}

TEST(TcpFraming, ReassemblesAMessageFedByteByByte) {
    TcpDeframer d;
    Bytes stream = concat({*frame_tcp_message(message(30, 9)), *frame_tcp_message(message(5, 4))});
    for (size_t i = 0; i < stream.size(); ++i) {
        ASSERT_TRUE(d.feed(std::span<const uint8_t>(&stream[i], 1)).ok());
        if (i < 31) {
            EXPECT_EQ(d.pending(), 0u) << i;
        }
    }
    EXPECT_EQ(d.next(), message(30, 9));
    EXPECT_EQ(d.next(), message(5, 4));
    EXPECT_FALSE(d.next());
}

TEST(TcpFraming, OversizedLengthFailsTheStream) {
    TcpDeframer d(512);
    const Bytes big = {0x02, 0x01, 0xaa};  // 513 announced
    auto st = d.feed(big);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, E2BIG);
    EXPECT_NE(st.error().message.find("513"), std::string::npos);
    EXPECT_TRUE(d.failed());
    EXPECT_FALSE(d.feed(*frame_tcp_message(message(12, 0))).ok());  // nothing more accepted
    EXPECT_FALSE(d.next());
}

TEST(TcpFraming, ZeroLengthFailsTheStream) {
    TcpDeframer d;
    const Bytes zero = {0x00, 0x00};
    auto st = d.feed(zero);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, EBADMSG);
}

TEST(TcpFraming, CompleteMessagesBeforeABadFrameAreKept) {
    TcpDeframer d(100);
    Bytes stream = concat({*frame_tcp_message(message(12, 1)), Bytes{0xff, 0xff}});
    EXPECT_FALSE(d.feed(stream).ok());
    EXPECT_EQ(d.next(), message(12, 1));
}
