// Diagnostics: finds what silently breaks guests outside the daemon's own
// table — another program's chain dropping the bridge's traffic, br_netfilter,
// ip_forward turned off — and raises each as a Problem with its fix.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/firewall/firewall.h"
#include "daemon/netlink/observer.h"
#include "libvswitch/health/problems.h"
#include "libvswitch/base/result.h"

namespace vswitch::health {

// What the diagnostics need of one switch.
struct SwitchCheck {
    std::string name, bridge;
    bool nat = true;           // forward probes (NAT) besides DHCP/DNS
    bool has_address = true;   // private switches serve no DHCP/DNS
    bool fix_foreign = false;  // FixForeignFirewall=yes
    Problems* problems = nullptr;
};

// Owns a subscription to the observer's netconf changes, so that ip_forward
// turned off is seen and restored at once. Uses the FirewallGuard's socket
// to dump the ruleset and add fix rules (so the guard does not take them for
// another program's). The Manager creates it; the guard calls run() after
// foreign nftables changes, a netconf change calls check_forwarding().
class Diagnostics {
public:
    using SwitchesFn = std::function<std::vector<SwitchCheck>()>;
    class Key {
        friend class Diagnostics;
        Key() = default;
    };
    Diagnostics(Key, firewall::Firewall& fw, SwitchesFn switches)
        : fw_(fw), switches_(std::move(switches)) {}
    static Result<std::unique_ptr<Diagnostics>> create(netlink::Observer& observer, firewall::Firewall& fw,
                                                       SwitchesFn switches);

    // Every check, now.
    void run();
    void check_firewall();
    void check_forwarding();

private:
    void raise_all(const std::vector<SwitchCheck>& sws, const Problem& p);
    void clear_all(const std::vector<SwitchCheck>& sws, std::string_view kind);

    firewall::Firewall& fw_;
    SwitchesFn switches_;
    netlink::Subscription netconf_;
    uint64_t forwarding_restored_ = 0;
};

// Removes every rule FixForeignFirewall added to other programs' tables
// (all bridges): teardown. Succeeds when there is none.
Status remove_foreign_fixes(firewall::Firewall& fw);

}  // namespace vswitch::health
