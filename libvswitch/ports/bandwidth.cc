#include "libvswitch/ports/bandwidth.h"

#include <algorithm>

#include "libvswitch/base/text.h"

namespace vswitch::ports {

namespace {

struct Prefix {
    char letter;
    uint64_t factor;
};
constexpr Prefix kPrefixes[] = {{'k', 1'000},
                                {'K', 1'000},
                                {'M', 1'000'000},
                                {'G', 1'000'000'000},
                                {'T', 1'000'000'000'000ull}};

std::string limits_text() {
    return "between " + format_bit_rate(kMinBandwidth) + " and " + format_bit_rate(kMaxBandwidth) +
           " bit/s, or 0 for none";
}

Error malformed(std::string_view text) {
    return make_error(EINVAL, "MaximumBandwidth " + quoted(text) +
                                  " is not a bit rate (e.g. 100M, 1G, 250000000; 0 for none)");
}

}  // namespace

Status validate_bandwidth(uint64_t bits) {
    if (bits == 0 || (bits >= kMinBandwidth && bits <= kMaxBandwidth)) return ok_status();
    return make_error(ERANGE, "MaximumBandwidth " + std::to_string(bits) + " bit/s is out of range (" +
                                  limits_text() + ")");
}

Result<uint64_t> parse_bit_rate(std::string_view text) {
    std::string_view s = text;
    // An optional unit after the number and prefix.
    for (std::string_view unit : {"bit/s", "bps", "bit"}) {
        if (s.size() > unit.size() && s.substr(s.size() - unit.size()) == unit) {
            s.remove_suffix(unit.size());
            break;
        }
    }
    uint64_t factor = 1;
    if (!s.empty()) {
        for (const auto& p : kPrefixes)
            if (s.back() == p.letter) {
                factor = p.factor;
                s.remove_suffix(1);
                break;
            }
    }
    // Digits, then an optional fraction (only with a prefix: "1.5G").
    size_t dot = s.find('.');
    std::string_view whole = s.substr(0, dot);
    std::string_view frac = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
    if (whole.empty() || (dot != std::string_view::npos && (frac.empty() || factor == 1)))
        return malformed(text);
    auto digits = [](std::string_view d) {
        return std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    if (!digits(whole) || !digits(frac)) return malformed(text);
    // Anything with more than 12 integer digits is above kMaxBandwidth in
    // every unit; stopping here keeps the arithmetic far from overflow.
    if (whole.size() > 12 + (factor == 1 ? 3 : 0))
        return make_error(ERANGE, "MaximumBandwidth " + quoted(text) + " is out of range (" +
                                      limits_text() + ")");
    uint64_t value = 0;
    for (char c : whole) value = value * 10 + uint64_t(c - '0');
    value *= factor;
    uint64_t scale = factor;
    for (char c : frac) {
        scale /= 10;
        if (scale == 0) return malformed(text);  // finer than one bit/s
        value += uint64_t(c - '0') * scale;
    }
    if (auto st = validate_bandwidth(value); !st)
        return make_error(ERANGE, "MaximumBandwidth " + quoted(text) + " is out of range (" +
                                      limits_text() + ")");
    return value;
}

std::string format_bit_rate(uint64_t bits) {
    if (bits == 0) return "0";
    for (auto it = std::rbegin(kPrefixes); it != std::rend(kPrefixes); ++it) {
        if (it->letter == 'K') continue;
        if (bits % it->factor == 0) return std::to_string(bits / it->factor) + it->letter;
    }
    return std::to_string(bits);
}

Shaping shaping_for(uint64_t bits) {
    Shaping s;
    s.rate_bytes = (bits + 7) / 8;
    uint64_t burst = s.rate_bytes * kShapingBurstUsec / 1'000'000;
    burst = std::clamp<uint64_t>(burst, kMinBurstBytes, kMaxBurstBytes);
    s.burst_bytes = uint32_t(burst);
    uint64_t queue = std::max<uint64_t>(s.rate_bytes * kShapingQueueUsec / 1'000'000, kMinQueueBytes);
    s.limit_bytes = uint32_t(std::min<uint64_t>(burst + queue, kMaxQueueBytes));
    return s;
}

}  // namespace vswitch::ports

namespace vswitch::ports {

std::string ifb_name_for(std::string_view port) {
    uint32_t h = 2166136261u;
    for (unsigned char c : port) {
        h ^= c;
        h *= 16777619u;
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "vsbw";
    for (int shift = 28; shift >= 0; shift -= 4) out += kHex[(h >> shift) & 0xf];
    return out;
}

}  // namespace vswitch::ports
