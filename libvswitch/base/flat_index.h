// FlatIndex: a map from a 64-bit key to a 32-bit value with a fixed
// capacity, for tables on a packet's path (the DNS forwarder's pending
// queries by socket and id, and by token). Open addressing with linear
// probing over twice the capacity, and backward-shift deletion, so there are
// no tombstones to pile up and nothing is allocated after construction.
// Keys are mixed (splitmix64's finaliser) before probing: sequential tokens
// and guessed ids spread like random ones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace vswitch {

class FlatIndex {
public:
    // Holds up to `capacity` entries.
    explicit FlatIndex(size_t capacity);

    // False when the key is there already or the index is full.
    bool insert(uint64_t key, uint32_t value);
    std::optional<uint32_t> find(uint64_t key) const;
    // False when the key was not there.
    bool erase(uint64_t key);
    void clear();

    size_t size() const { return size_; }
    size_t capacity() const { return capacity_; }

private:
    struct Slot {
        uint64_t key = 0;
        uint32_t value = 0;
        bool used = false;
    };
    size_t home(uint64_t key) const;

    std::vector<Slot> slots_;
    size_t mask_ = 0;
    size_t capacity_ = 0;
    size_t size_ = 0;
};

}  // namespace vswitch
