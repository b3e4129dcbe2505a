#include "libvswitch/base/flat_index.h"

#include <bit>

namespace vswitch {

FlatIndex::FlatIndex(size_t capacity) : capacity_(capacity) {
    size_t n = std::bit_ceil(capacity * 2 < 8 ? size_t(8) : capacity * 2);
    slots_.resize(n);
    mask_ = n - 1;
}

size_t FlatIndex::home(uint64_t key) const {
    key ^= key >> 30;
    key *= 0xbf58476d1ce4e5b9ull;
    key ^= key >> 27;
    key *= 0x94d049bb133111ebull;
    key ^= key >> 31;
    return size_t(key) & mask_;
}

bool FlatIndex::insert(uint64_t key, uint32_t value) {
    if (size_ >= capacity_) return false;
    for (size_t i = home(key);; i = (i + 1) & mask_) {
        Slot& s = slots_[i];
        if (!s.used) {
            s = {key, value, true};
            ++size_;
            return true;
        }
        if (s.key == key) return false;
    }
}

std::optional<uint32_t> FlatIndex::find(uint64_t key) const {
    // At least half the slots are free: every probe ends.
    for (size_t i = home(key);; i = (i + 1) & mask_) {
        const Slot& s = slots_[i];
        if (!s.used) return std::nullopt;
        if (s.key == key) return s.value;
    }
}

bool FlatIndex::erase(uint64_t key) {
    size_t i = home(key);
    for (;; i = (i + 1) & mask_) {
        if (!slots_[i].used) return false;
        if (slots_[i].key == key) break;
    }
    // Backward shift: move up each later entry of the run whose home does
    // not lie (cyclically) between the hole and itself.
    for (size_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
        if (!slots_[j].used) break;
        size_t h = home(slots_[j].key);
        bool stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);
        if (stays) continue;
        slots_[i] = slots_[j];
        i = j;
    }
    slots_[i] = {};
    --size_;
    return true;
}

void FlatIndex::clear() {
    for (auto& s : slots_) s = {};
    size_ = 0;
}

}  // namespace vswitch
