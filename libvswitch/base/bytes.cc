#include "libvswitch/base/bytes.h"

namespace vswitch {

std::optional<uint8_t> ByteReader::read_u8() {
    if (remaining() < 1) return std::nullopt;
    return data_[pos_++];
}

std::optional<uint16_t> ByteReader::read_u16() {
    if (remaining() < 2) return std::nullopt;
    uint16_t v = uint16_t(data_[pos_] << 8 | data_[pos_ + 1]);
    pos_ += 2;
    return v;
}

std::optional<uint32_t> ByteReader::read_u32() {
    if (remaining() < 4) return std::nullopt;
    uint32_t v = uint32_t{data_[pos_]} << 24 | uint32_t{data_[pos_ + 1]} << 16 |
                 uint32_t{data_[pos_ + 2]} << 8 | uint32_t{data_[pos_ + 3]};
    pos_ += 4;
    return v;
}

std::optional<std::span<const uint8_t>> ByteReader::read_bytes(size_t n) {
    if (remaining() < n) return std::nullopt;
    auto s = data_.subspan(pos_, n);
    pos_ += n;
    return s;
}

std::span<const uint8_t> ByteReader::read_rest() {
    auto s = data_.subspan(pos_);
    pos_ = data_.size();
    return s;
}

std::optional<uint8_t> ByteReader::peek_u8() const {
    if (remaining() < 1) return std::nullopt;
    return data_[pos_];
}

bool ByteReader::skip(size_t n) {
    if (remaining() < n) return false;
    pos_ += n;
    return true;
}

bool ByteReader::seek(size_t offset) {
    if (offset > data_.size()) return false;
    pos_ = offset;
    return true;
}

void ByteWriter::put_u16(uint16_t v) {
    buf_.push_back(uint8_t(v >> 8));
    buf_.push_back(uint8_t(v));
}

void ByteWriter::put_u32(uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) buf_.push_back(uint8_t(v >> shift));
}

void ByteWriter::put_bytes(std::span<const uint8_t> bytes) {
    buf_.insert(buf_.end(), bytes.begin(), bytes.end());
}

void ByteWriter::put_string(std::string_view s) {
    buf_.insert(buf_.end(), s.begin(), s.end());
}

bool ByteWriter::patch_u8(size_t offset, uint8_t v) {
    if (offset >= buf_.size()) return false;
    buf_[offset] = v;
    return true;
}

bool ByteWriter::patch_u16(size_t offset, uint16_t v) {
    if (offset > buf_.size() || buf_.size() - offset < 2) return false;
    buf_[offset] = uint8_t(v >> 8);
    buf_[offset + 1] = uint8_t(v);
    return true;
}

}  // namespace vswitch
