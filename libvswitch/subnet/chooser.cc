#include "libvswitch/subnet/chooser.h"

#include <algorithm>
#include <array>
#include <random>
#include <vector>

#include "libvswitch/base/hash.h"

namespace vswitch::subnet {

namespace {

// A fixed hash (base/hash.h), so the same (boot id, switch) gives the same
// subnet on every build and platform.
uint64_t seed_of(std::string_view boot_id, std::string_view switch_name) {
    uint64_t h = fnv1a(boot_id);
    // A separator that neither a UUID nor a switch name contains, so
    // ("ab", "c") and ("a", "bc") seed differently.
    h = fnv1a(std::string_view("\0", 1), h);
    return fnv1a(switch_name, h);
}

// A keyed bijection on [0, 2^bits): rounds of multiply-by-odd, add,
// xorshift (each a bijection modulo a power of two), then a uniformly
// random rotation so the first candidate is exactly uniform over the pool.
// Unlike a single affine step, neighbours in the visiting order are not a
// fixed stride apart, so a run of taken blocks does not bias the choice.
class BlockPermutation {
public:
    BlockPermutation(unsigned bits, std::mt19937_64& rng)
        : mask_(bits == 0 ? 0 : (uint64_t{1} << bits) - 1), shift_(bits / 2 + 1) {
        for (auto& r : rounds_) {
            r.multiplier = rng() | 1;  // odd: invertible modulo 2^bits
            r.addend = rng();
        }
        offset_ = rng();
    }

    uint64_t operator()(uint64_t i) const {
        uint64_t x = i;
        for (const auto& r : rounds_) {
            // Unsigned wrap-around is modulo 2^64, which 2^bits divides.
            x = (x * r.multiplier + r.addend) & mask_;
            x ^= x >> shift_;
        }
        return (x + offset_) & mask_;
    }

private:
    struct Round {
        uint64_t multiplier = 1;
        uint64_t addend = 0;
    };
    static constexpr size_t kRounds = 3;

    std::array<Round, kRounds> rounds_{};
    uint64_t offset_ = 0;
    uint64_t mask_;
    unsigned shift_;
};

// Closed address interval; 64-bit so 255.255.255.255 + 1 does not wrap.
struct Interval {
    uint64_t first;
    uint64_t last;
};

// The parts of taken and excluded that fall inside the pool, sorted and
// merged, so a candidate is checked with one binary search whatever the
// size of the host's routing tables.
std::vector<Interval> blocked_intervals(const Ipv4Prefix& pool, std::span<const Ipv4Prefix> taken,
                                        std::span<const Ipv4Prefix> excluded) {
    const uint64_t pool_first = pool.network().value();
    const uint64_t pool_last = pool.broadcast().value();
    std::vector<Interval> out;
    out.reserve(taken.size() + excluded.size());
    for (auto list : {taken, excluded}) {
        for (const auto& p : list) {
            uint64_t first = p.network().value();
            uint64_t last = p.broadcast().value();
            if (last < pool_first || first > pool_last) continue;
            out.push_back({std::max(first, pool_first), std::min(last, pool_last)});
        }
    }
    std::sort(out.begin(), out.end(),
              [](const Interval& a, const Interval& b) { return a.first < b.first; });
    std::vector<Interval> merged;
    for (const auto& iv : out) {
        if (!merged.empty() && iv.first <= merged.back().last + 1)
            merged.back().last = std::max(merged.back().last, iv.last);
        else
            merged.push_back(iv);
    }
    return merged;
}

bool overlaps_any(const std::vector<Interval>& blocked, uint64_t first, uint64_t last) {
    // Merged intervals are disjoint and sorted, so their ends are sorted too.
    auto it = std::lower_bound(blocked.begin(), blocked.end(), first,
                               [](const Interval& iv, uint64_t v) { return iv.last < v; });
    return it != blocked.end() && it->first <= last;
}

// How many distinct blocks the intervals touch.
uint64_t blocked_block_count(const std::vector<Interval>& blocked, uint64_t pool_first,
                             unsigned block_shift) {
    uint64_t count = 0;
    bool have_last = false;
    uint64_t last_counted = 0;
    for (const auto& iv : blocked) {
        uint64_t b_first = (iv.first - pool_first) >> block_shift;
        uint64_t b_last = (iv.last - pool_first) >> block_shift;
        if (have_last && b_first <= last_counted) b_first = last_counted + 1;
        if (b_first <= b_last) count += b_last - b_first + 1;
        if (!have_last || b_last > last_counted) last_counted = b_last;
        have_last = true;
    }
    return count;
}

bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

Result<Ipv4Prefix> choose_subnet(const SubnetRequest& request) {
    const Ipv4Prefix pool = request.pool.normalized();
    const unsigned len = request.prefix_length;
    if (len < pool.length() || len > kMaxPrefixLength)
        return make_error(EINVAL, "cannot cut /" + std::to_string(len) + " blocks from pool " +
                                      pool.to_string() + " (the length must be between /" +
                                      std::to_string(pool.length()) + " and /" +
                                      std::to_string(kMaxPrefixLength) + ")");

    const unsigned bits = len - pool.length();
    const unsigned block_shift = 32 - len;
    const uint64_t block_count = uint64_t{1} << bits;
    const uint64_t pool_first = pool.network().value();

    auto blocked = blocked_intervals(pool, request.taken, request.excluded);
    // Counting first means a full pool fails at once instead of walking
    // every one of possibly millions of candidates.
    if (blocked_block_count(blocked, pool_first, block_shift) >= block_count)
        return make_error(EADDRNOTAVAIL,
                          "no free /" + std::to_string(len) + " left in pool " + pool.to_string() +
                              " (" + std::to_string(block_count) +
                              (block_count == 1 ? " block, it overlaps" : " blocks, all overlap") +
                              " host addresses, routes or ExcludeSubnet)");

    std::mt19937_64 rng(seed_of(request.boot_id, request.switch_name));
    BlockPermutation order(bits, rng);
    for (uint64_t i = 0; i < block_count; ++i) {
        uint64_t first = pool_first + (order(i) << block_shift);
        uint64_t last = first + (uint64_t{1} << block_shift) - 1;
        if (!overlaps_any(blocked, first, last)) return Ipv4Prefix(Ipv4(uint32_t(first)), uint8_t(len));
    }
    // Unreachable: the count above proved a free block exists.
    return make_error(EADDRNOTAVAIL, "no free /" + std::to_string(len) + " left in pool " +
                                         pool.to_string());
}

Ipv4 gateway_of(const Ipv4Prefix& block) { return Ipv4(block.network().value() + 1); }

AddressRange dhcp_range_of(const Ipv4Prefix& block) {
    return {Ipv4(block.network().value() + 2), Ipv4(block.broadcast().value() - 1)};
}

Result<std::string> normalize_boot_id(std::string_view text) {
    constexpr std::string_view kSpace = " \t\r\n";
    std::string_view s = text;
    s.remove_prefix(std::min(s.find_first_not_of(kSpace), s.size()));
    s.remove_suffix(s.size() - std::min(s.find_last_not_of(kSpace) + 1, s.size()));

    auto refuse = [&] {
        return make_error(EINVAL, "'" + std::string(text.substr(0, 64)) +
                                      "' is not a boot id (expected a UUID such as "
                                      "0f4c6e1a-9d2b-4c3e-8a7f-5b6d7e8f9a0b)");
    };
    constexpr std::array<size_t, 4> kDashes = {8, 13, 18, 23};
    std::string hex;
    if (s.size() == 36) {
        for (size_t i = 0; i < s.size(); ++i) {
            bool dash_here = std::find(kDashes.begin(), kDashes.end(), i) != kDashes.end();
            if (dash_here != (s[i] == '-')) return refuse();
            if (!dash_here) hex += s[i];
        }
    } else if (s.size() == 32) {
        hex = s;
    } else {
        return refuse();
    }
    std::string out;
    for (size_t i = 0; i < hex.size(); ++i) {
        if (!is_hex(hex[i])) return refuse();
        if (i == 8 || i == 12 || i == 16 || i == 20) out += '-';
        out += char(hex[i] >= 'A' && hex[i] <= 'F' ? hex[i] - 'A' + 'a' : hex[i]);
    }
    return out;
}

}  // namespace vswitch::subnet
