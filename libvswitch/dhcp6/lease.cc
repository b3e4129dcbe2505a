#include "libvswitch/dhcp6/lease.h"

#include "libvswitch/dhcp6/limits.h"

namespace vswitch::dhcp6 {

std::string binding_key(std::span<const uint8_t> duid, uint32_t iaid) {
    std::string key(duid.begin(), duid.end());
    for (int i = 3; i >= 0; --i) key += char(uint8_t(iaid >> (8 * i)));
    return key;
}

const Lease* LeaseTable::find(std::string_view key) const {
    auto it = by_key_.find(key);
    return it == by_key_.end() ? nullptr : &it->second;
}

const Lease* LeaseTable::find_by_address(const Address& a) const {
    auto it = by_address_.find(a);
    return it == by_address_.end() ? nullptr : find(it->second);
}

Status LeaseTable::upsert(Lease lease) {
    std::string key = binding_key(lease.duid, lease.iaid);
    auto holder = by_address_.find(lease.address);
    if (holder != by_address_.end() && holder->second != key)
        return make_error(EEXIST,
                          "address " + lease.address.to_string() + " is bound to another client");
    auto it = by_key_.find(key);
    if (it == by_key_.end()) {
        if (by_key_.size() >= kMaxLeases)
            return make_error(E2BIG,
                              "lease table full (" + std::to_string(kMaxLeases) + " bindings)");
    } else {
        by_address_.erase(it->second.address);
        by_expiry_.erase({it->second.expiry, it->second.address});
        by_key_.erase(it);
    }
    by_address_[lease.address] = key;
    by_expiry_.insert({lease.expiry, lease.address});
    by_key_.emplace(std::move(key), std::move(lease));
    return ok_status();
}

std::optional<Lease> LeaseTable::erase(std::string_view key) {
    auto it = by_key_.find(key);
    if (it == by_key_.end()) return std::nullopt;
    Lease l = std::move(it->second);
    by_key_.erase(it);
    by_address_.erase(l.address);
    by_expiry_.erase({l.expiry, l.address});
    return l;
}

std::vector<Lease> LeaseTable::expire(Clock::time_point now) {
    std::vector<Lease> out;
    while (!by_expiry_.empty() && by_expiry_.begin()->first <= now) {
        Address a = by_expiry_.begin()->second;
        auto key = by_address_.at(a);
        out.push_back(*erase(key));
    }
    return out;
}

std::optional<Clock::time_point> LeaseTable::next_expiry() const {
    if (by_expiry_.empty()) return std::nullopt;
    return by_expiry_.begin()->first;
}

std::vector<Lease> LeaseTable::leases() const {
    std::vector<Lease> out;
    out.reserve(by_address_.size());
    for (const auto& [a, key] : by_address_) out.push_back(by_key_.find(key)->second);
    return out;
}

}  // namespace vswitch::dhcp6
