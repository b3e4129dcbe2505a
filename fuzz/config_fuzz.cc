// Feeds arbitrary bytes to both configuration parsers. They must never
// crash, and whatever they accept must satisfy the limits the rest of the
// daemon relies on; an error must have the "<path>:<line>: <reason>" shape.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "libvswitch/config/config.h"
#include "libvswitch/dhcp/boot.h"

using namespace vswitch;

namespace {

constexpr std::string_view kPath = "fuzz.conf";

void check(bool ok) {
    if (!ok) std::abort();
}

bool valid_domain(const std::string& d) {
    if (d.empty() || d.size() > kMaxDomainLength || d.front() == '.' || d.back() == '.')
        return false;
    for (char c : d)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
            return false;
    return d.find("..") == std::string::npos;
}

void check_switch(const SwitchConfig& s, bool main_file) {
    check(s.source == kPath);
    check(s.prefix_length >= kMinPrefixLength && s.prefix_length <= kMaxPrefixLength);
    check(s.prefix_length >= s.subnet_pool.length());
    check(s.subnet_pool == s.subnet_pool.normalized());
    if (s.subnet) {
        check(*s.subnet == s.subnet->normalized());
        check(s.subnet->length() >= kMinPrefixLength && s.subnet->length() <= kMaxPrefixLength);
    }
    check(s.exclude_subnets.size() <= kMaxExcludeSubnets);
    for (const auto& p : s.exclude_subnets) check(p == p.normalized());
    check(!s.bridge.empty() && s.bridge.size() <= kMaxIfnameLength);
    check(s.bridge.find_first_of("/:% \t") == std::string::npos);
    check(valid_domain(s.domain));
    check(s.lease_time_sec >= kMinLeaseTimeSec && s.lease_time_sec <= kMaxLeaseTimeSec);
    check(s.max_leases_per_port >= 1 && s.max_leases_per_port <= kMaxMaxLeasesPerPort);
    if (s.mtu) check(*s.mtu >= kMinMtu && *s.mtu <= kMaxMtu);
    check(s.reservations.size() <= dhcp::kMaxReservations && dhcp::check_reservations(s.reservations).ok());
    const uint8_t len = s.subnet ? s.subnet->length() : s.prefix_length;
    for (const auto& r : s.reservations) check(r.host_offset >= 2 && r.host_offset < (uint32_t{1} << (32 - len)) - 1);
    // What the parser accepts, the DHCP server takes (it refuses the rest).
    check(dhcp::check_boot_config({s.boot_server, s.boot_file, s.ipxe_boot_file}).ok());
    check(s.boot_file.size() <= dhcp::kMaxBootFileLength &&
          s.ipxe_boot_file.size() <= dhcp::kMaxBootFileLength);
    if (main_file) {
        check(s.name == kDefaultSwitchName && s.type == SwitchType::nat);
    } else {
        check(!s.name.empty() && s.name.size() <= kMaxSwitchNameLength);
        check(s.name != kDefaultSwitchName);
    }
}

void check_error(const Error& e) {
    std::string_view m = e.message;
    check(m.substr(0, kPath.size() + 1) == "fuzz.conf:");
    size_t colon = m.find(": ", kPath.size() + 1);
    check(colon != std::string_view::npos && colon > kPath.size() + 1);
    for (size_t i = kPath.size() + 1; i < colon; ++i) check(m[i] >= '0' && m[i] <= '9');
    check(m[kPath.size() + 1] != '0');  // lines count from 1
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto main_cfg = parse_main_config(text, kPath);
    if (main_cfg)
        check_switch(*main_cfg, true);
    else
        check_error(main_cfg.error());
    auto switch_cfg = parse_switch_file(text, kPath);
    if (switch_cfg)
        check_switch(*switch_cfg, false);
    else
        check_error(switch_cfg.error());
    return 0;
}
