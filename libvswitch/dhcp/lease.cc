#include "libvswitch/dhcp/lease.h"

#include "libvswitch/dhcp/limits.h"

namespace vswitch::dhcp {

std::string make_client_key(std::optional<std::span<const uint8_t>> client_id, const Mac& mac) {
    if (client_id) return std::string(client_id->begin(), client_id->end());
    std::string key(1, char(1));  // RFC 1700 hardware type 1: Ethernet
    key.append(mac.bytes().begin(), mac.bytes().end());
    return key;
}

std::string client_key_to_hex(std::string_view key) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(key.size() * 3);
    for (unsigned char c : key) {
        if (!out.empty()) out += ':';
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

std::optional<std::string> client_key_from_hex(std::string_view hex) {
    auto value = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    // "aa:bb:cc": pairs separated by ':', nothing else.
    if (hex.size() < 2 || (hex.size() + 1) % 3 != 0) return std::nullopt;
    std::string key;
    for (size_t i = 0; i < hex.size(); i += 3) {
        int hi = value(hex[i]), lo = value(hex[i + 1]);
        if (hi < 0 || lo < 0 || (i + 2 < hex.size() && hex[i + 2] != ':')) return std::nullopt;
        key += char(hi << 4 | lo);
    }
    return key;
}

const Lease* LeaseTable::find_by_key(std::string_view key) const {
    auto it = by_key_.find(key);
    return it == by_key_.end() ? nullptr : &it->second;
}

const Lease* LeaseTable::find_by_address(Ipv4 address) const {
    auto it = by_address_.find(address);
    return it == by_address_.end() ? nullptr : it->second;
}

const Lease* LeaseTable::find_by_mac(const Mac& mac) const {
    for (const auto& [key, lease] : by_key_)
        if (lease.mac == mac) return &lease;
    return nullptr;
}

uint32_t LeaseTable::leased_run(Ipv4 from, Ipv4 last, std::string_view except_key) const {
    uint32_t run = 0;
    uint32_t want = from.value();
    for (auto it = by_address_.find(from); it != by_address_.end() && want <= last.value(); ++it, ++want) {
        if (it->first.value() != want || it->second->client_key == except_key) break;
        ++run;
        if (want == UINT32_MAX) break;
    }
    return run;
}

Status LeaseTable::upsert(Lease lease) {
    if (auto it = by_address_.find(lease.address);
        it != by_address_.end() && it->second->client_key != lease.client_key)
        return make_error(EEXIST, lease.address.to_string() + " is leased to another client");
    auto it = by_key_.find(lease.client_key);
    if (it == by_key_.end()) {
        if (by_key_.size() >= kMaxLeases)
            return make_error(E2BIG, "lease table full (" + std::to_string(kMaxLeases) + ")");
    } else {
        by_address_.erase(it->second.address);
        by_expiry_.erase({it->second.expiry, it->second.address});
    }
    by_expiry_.insert({lease.expiry, lease.address});
    Ipv4 address = lease.address;
    std::string key = lease.client_key;
    auto [pos, inserted] = by_key_.insert_or_assign(std::move(key), std::move(lease));
    by_address_[address] = &pos->second;
    return {};
}

std::optional<Lease> LeaseTable::erase(std::string_view key) {
    auto it = by_key_.find(key);
    if (it == by_key_.end()) return std::nullopt;
    Lease lease = std::move(it->second);
    by_key_.erase(it);
    by_address_.erase(lease.address);
    by_expiry_.erase({lease.expiry, lease.address});
    return lease;
}

std::vector<Lease> LeaseTable::expire(Clock::time_point now) {
    std::vector<Lease> gone;
    while (!by_expiry_.empty() && by_expiry_.begin()->first <= now) {
        auto a = by_address_.find(by_expiry_.begin()->second);
        if (a == by_address_.end()) {  // cannot happen: the indexes move together
            by_expiry_.erase(by_expiry_.begin());
            continue;
        }
        std::string key = a->second->client_key;
        if (auto lease = erase(key)) gone.push_back(std::move(*lease));
    }
    return gone;
}

std::optional<Clock::time_point> LeaseTable::next_expiry() const {
    if (by_expiry_.empty()) return std::nullopt;
    return by_expiry_.begin()->first;
}

std::vector<Lease> LeaseTable::leases() const {
    std::vector<Lease> out;
    out.reserve(by_key_.size());
    for (const auto& [address, lease] : by_address_) out.push_back(*lease);
    return out;
}

}  // namespace vswitch::dhcp
