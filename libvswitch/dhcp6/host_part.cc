#include "libvswitch/dhcp6/host_part.h"

#include <vector>

namespace vswitch::dhcp6 {

namespace {

constexpr uint64_t rotl(uint64_t x, int b) {
    return (x << b) | (x >> (64 - b));
}

uint64_t load_le64(const uint8_t* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
    return v;
}

struct SipState {
    uint64_t v0, v1, v2, v3;
    void round() {
        v0 += v1;
        v1 = rotl(v1, 13);
        v1 ^= v0;
        v0 = rotl(v0, 32);
        v2 += v3;
        v3 = rotl(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = rotl(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = rotl(v1, 17);
        v1 ^= v2;
        v2 = rotl(v2, 32);
    }
    void absorb(uint64_t m) {
        v3 ^= m;
        round();
        round();
        v0 ^= m;
    }
};

}  // namespace

uint64_t siphash24(const HashKey& key, std::span<const uint8_t> data) {
    uint64_t k0 = load_le64(key.data());
    uint64_t k1 = load_le64(key.data() + 8);
    SipState s{k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull, k0 ^ 0x6c7967656e657261ull,
               k1 ^ 0x7465646279746573ull};
    size_t full = data.size() / 8 * 8;
    for (size_t i = 0; i < full; i += 8) s.absorb(load_le64(data.data() + i));
    uint64_t last = uint64_t(data.size() & 0xff) << 56;
    for (size_t i = full; i < data.size(); ++i) last |= uint64_t(data[i]) << (8 * (i - full));
    s.absorb(last);
    s.v2 ^= 0xff;
    for (int i = 0; i < 4; ++i) s.round();
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

uint64_t candidate_host_part(const HashKey& key, std::span<const uint8_t> duid, uint32_t iaid,
                             unsigned probe) {
    // DUID, IAID, probe: the DUID's length is fixed by the caller's bytes,
    // and the two fixed-size fields after it keep inputs unambiguous.
    std::vector<uint8_t> in(duid.begin(), duid.end());
    for (int i = 3; i >= 0; --i) in.push_back(uint8_t(iaid >> (8 * i)));
    for (int i = 3; i >= 0; --i) in.push_back(uint8_t(probe >> (8 * i)));
    return siphash24(key, in);
}

bool usable_host_part(uint64_t host) {
    if (host <= 1) return false;
    if (host >= 0xfdffffffffffff80ull && host <= 0xfdffffffffffffffull) return false;
    if (host >= 0x02005efffe000000ull && host <= 0x02005efffeffffffull) return false;
    return true;
}

}  // namespace vswitch::dhcp6
