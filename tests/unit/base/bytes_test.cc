#include "libvswitch/base/bytes.h"

#include <gtest/gtest.h>

#include <array>

using namespace vswitch;

TEST(ByteReader, ReadsBigEndianIntegersInOrder) {
    const std::array<uint8_t, 7> data{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
    ByteReader r(data);
    EXPECT_EQ(r.read_u8(), 0x01);
    EXPECT_EQ(r.read_u16(), 0x0203);
    EXPECT_EQ(r.read_u32(), 0x04050607u);
    EXPECT_TRUE(r.empty());
    EXPECT_EQ(r.offset(), 7u);
}

TEST(ByteReader, RefusesToReadPastTheEndAndDoesNotMove) {
    const std::array<uint8_t, 3> data{0xaa, 0xbb, 0xcc};
    ByteReader r(data);
    EXPECT_EQ(r.read_u32(), std::nullopt);
    EXPECT_EQ(r.offset(), 0u);
    EXPECT_EQ(r.read_u16(), 0xaabb);
    EXPECT_EQ(r.read_u16(), std::nullopt);
    EXPECT_FALSE(r.read_bytes(2).has_value());
    EXPECT_FALSE(r.skip(2));
    EXPECT_EQ(r.peek_u8(), 0xcc);
    EXPECT_EQ(r.read_u8(), 0xcc);
    EXPECT_EQ(r.read_u8(), std::nullopt);
    EXPECT_EQ(r.peek_u8(), std::nullopt);
}

TEST(ByteReader, BytesAreSubspansAndSeekIsBounded) {
    const std::array<uint8_t, 5> data{1, 2, 3, 4, 5};
    ByteReader r(data);
    auto b = r.read_bytes(3);
    ASSERT_TRUE(b.has_value());
    ASSERT_EQ(b->size(), 3u);
    EXPECT_EQ(b->data(), data.data());
    EXPECT_EQ(r.read_rest().size(), 2u);
    EXPECT_TRUE(r.empty());
    EXPECT_TRUE(r.seek(1));
    EXPECT_EQ(r.read_u8(), 2);
    EXPECT_FALSE(r.seek(6));
    EXPECT_EQ(r.offset(), 2u);
    EXPECT_TRUE(r.seek(5));
    EXPECT_TRUE(r.empty());
}

TEST(ByteWriter, WritesBigEndianAndPatches) {
    ByteWriter w;
    w.put_u8(0x01);
    w.put_u16(0x0203);
    w.put_u32(0x04050607);
    w.put_string("ab");
    const std::array<uint8_t, 2> tail{0xfe, 0xff};
    w.put_bytes(tail);
    EXPECT_TRUE(w.patch_u16(1, 0xbeef));
    EXPECT_TRUE(w.patch_u8(0, 0x09));
    EXPECT_FALSE(w.patch_u16(w.size() - 1, 0));
    EXPECT_FALSE(w.patch_u8(w.size(), 0));
    w.pad_to(14);
    w.pad_to(3);  // never shrinks
    auto out = std::move(w).take();
    const std::vector<uint8_t> want{0x09, 0xbe, 0xef, 0x04, 0x05, 0x06, 0x07,
                                    'a',  'b',  0xfe, 0xff, 0,    0,    0};
    EXPECT_EQ(out, want);
}

TEST(ByteWriter, ReaderReadsBackWhatWriterWrote) {
    ByteWriter w;
    w.put_u32(0xdeadbeef);
    w.put_u16(0x1234);
    w.put_zeros(2);
    ByteReader r(w.data());
    EXPECT_EQ(r.read_u32(), 0xdeadbeefu);
    EXPECT_EQ(r.read_u16(), 0x1234);
    EXPECT_EQ(r.read_u16(), 0);
    EXPECT_TRUE(r.empty());
}
