// ByteReader and ByteWriter: the only way wire formats are read and written.
//
// ByteReader walks a std::span<const uint8_t> it does not own; every read is
// bounds-checked and returns std::nullopt (or false) instead of reading past
// the end, so a parser can never overrun a packet. ByteWriter owns a growing
// std::vector<uint8_t> and appends big-endian (network order) integers; it
// can patch bytes already written (length fields known only afterwards).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace vswitch {

// Reads big-endian fields from bytes owned by the caller, never past them.
class ByteReader {
public:
    ByteReader() = default;
    explicit ByteReader(std::span<const uint8_t> data) : data_(data) {}

    size_t size() const { return data_.size(); }
    size_t offset() const { return pos_; }
    size_t remaining() const { return data_.size() - pos_; }
    bool empty() const { return remaining() == 0; }

    std::optional<uint8_t> read_u8();
    std::optional<uint16_t> read_u16();  // big-endian
    std::optional<uint32_t> read_u32();  // big-endian
    // The next n bytes as a sub-span of the input (no copy).
    std::optional<std::span<const uint8_t>> read_bytes(size_t n);
    // Everything not read yet.
    std::span<const uint8_t> read_rest();
    std::optional<uint8_t> peek_u8() const;
    bool skip(size_t n);
    // Moves to an absolute offset; false (and no move) when past the end.
    bool seek(size_t offset);

private:
    std::span<const uint8_t> data_;
    size_t pos_ = 0;
};

// Owns the buffer it appends big-endian fields to; take() hands it over.
class ByteWriter {
public:
    ByteWriter() = default;
    explicit ByteWriter(size_t reserve) { buf_.reserve(reserve); }

    size_t size() const { return buf_.size(); }
    std::span<const uint8_t> data() const { return buf_; }

    void put_u8(uint8_t v) { buf_.push_back(v); }
    void put_u16(uint16_t v);  // big-endian
    void put_u32(uint32_t v);  // big-endian
    void put_bytes(std::span<const uint8_t> bytes);
    void put_string(std::string_view s);
    void put_zeros(size_t n) { buf_.insert(buf_.end(), n, 0); }
    // Pads with zeros up to total size n (no-op when already that long).
    void pad_to(size_t n) {
        if (buf_.size() < n) put_zeros(n - buf_.size());
    }
    // Overwrites bytes already written; false (and no change) when out of range.
    bool patch_u8(size_t offset, uint8_t v);
    bool patch_u16(size_t offset, uint16_t v);

    std::vector<uint8_t> take() && { return std::move(buf_); }

private:
    std::vector<uint8_t> buf_;
};

}  // namespace vswitch
