// Helpers for DHCP tests: hex test data and raw packets built byte by byte
// (independently of Message::build, so parse is tested against the RFC
// layout, not against our own writer).
#pragma once

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace vswitch::dhcp::test {

// "01 02 0a" (any whitespace, '#' comments to end of line) -> bytes.
inline std::vector<uint8_t> hex(std::string_view text) {
    std::vector<uint8_t> out;
    int hi = -1;
    bool comment = false;
    for (char c : text) {
        if (comment) {
            comment = c != '\n';
            continue;
        }
        if (c == '#') {
            comment = true;
            continue;
        }
        int v = -1;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
        if (v < 0) continue;
        if (hi < 0) {
            hi = v;
        } else {
            out.push_back(uint8_t(hi << 4 | v));
            hi = -1;
        }
    }
    return out;
}

inline std::vector<uint8_t> load_hex(const std::string& relative) {
    std::ifstream in(std::string(VSWITCH_TEST_DATA) + "/" + relative);
    std::stringstream ss;
    ss << in.rdbuf();
    return hex(ss.str());
}

// A BOOTREQUEST from MAC 52:54:00:12:34:56, xid 0x11223344, with the
// given bytes after the magic cookie. sname/file may carry overloaded
// options.
inline std::vector<uint8_t> raw_request(const std::vector<uint8_t>& options,
                                        const std::vector<uint8_t>& sname = {},
                                        const std::vector<uint8_t>& file = {}) {
    std::vector<uint8_t> p(236, 0);
    p[0] = 1;  // op
    p[1] = 1;  // htype
    p[2] = 6;  // hlen
    p[4] = 0x11, p[5] = 0x22, p[6] = 0x33, p[7] = 0x44;
    const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    for (int i = 0; i < 6; ++i) p[28 + i] = mac[i];
    for (size_t i = 0; i < sname.size() && i < 64; ++i) p[44 + i] = sname[i];
    for (size_t i = 0; i < file.size() && i < 128; ++i) p[108 + i] = file[i];
    p.insert(p.end(), {0x63, 0x82, 0x53, 0x63});
    p.insert(p.end(), options.begin(), options.end());
    return p;
}

}  // namespace vswitch::dhcp::test
