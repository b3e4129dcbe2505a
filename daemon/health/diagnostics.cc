#include "daemon/health/diagnostics.h"

#include <linux/netfilter/nf_tables.h>

#include <algorithm>

#include "libvswitch/health/checks.h"
#include "daemon/log.h"
#include "daemon/netlink/forwarding.h"
#include "libvswitch/base/file.h"
#include "libvswitch/nft/foreign.h"

namespace vswitch::health {

namespace {

constexpr const char* kForwardingPath = "/proc/sys/net/ipv4/ip_forward";
constexpr const char* kBrNetfilterPath = "/proc/sys/net/bridge/bridge-nf-call-iptables";
constexpr std::string_view kForeignPrefix = "foreign-";

Result<nft::ForeignRuleset> dump_ruleset(firewall::Firewall& fw) {
    auto chains = fw.dump(NFT_MSG_GETCHAIN);
    if (!chains) return chains.error();
    auto rules = fw.dump(NFT_MSG_GETRULE);
    if (!rules) return rules.error();
    size_t skipped = 0;
    auto rs = nft::parse_dumps(*chains, *rules, &skipped);
    if (skipped) log::debug("skipped " + std::to_string(skipped) + " unparsable nftables objects");
    return rs;
}

}  // namespace

Result<std::unique_ptr<Diagnostics>> Diagnostics::create(netlink::Observer& observer, firewall::Firewall& fw,
                                                         SwitchesFn switches) {
    auto d = std::make_unique<Diagnostics>(Key(), fw, std::move(switches));
    // The notification only says that something changed; the file says what.
    Diagnostics* self = d.get();
    d->netconf_ = observer.watch_netconf([self] { self->check_forwarding(); });
    return d;
}

void Diagnostics::raise_all(const std::vector<SwitchCheck>& sws, const Problem& p) {
    for (const auto& sw : sws)
        if (sw.problems) sw.problems->raise(p.kind, p.message, p.fix);
}

void Diagnostics::clear_all(const std::vector<SwitchCheck>& sws, std::string_view kind) {
    for (const auto& sw : sws)
        if (sw.problems) sw.problems->clear(kind);
}

void Diagnostics::run() {
    check_forwarding();
    check_firewall();
    auto sws = switches_();
    auto text = read_file(kBrNetfilterPath);  // one sysctl for every switch
    std::optional<std::string> value = text ? std::optional<std::string>(*text) : std::nullopt;
    for (const auto& sw : sws) {
        if (!sw.problems) continue;
        auto p = br_netfilter_problem(value, sw.bridge);
        if (p) sw.problems->raise(p->kind, p->message, p->fix);
        else sw.problems->clear("br-netfilter");
    }
}

void Diagnostics::check_forwarding() {
    auto text = read_file(kForwardingPath);
    if (!text || !forwarding_off(*text)) return;
    auto sws = switches_();
    if (sws.empty()) return;
    if (auto s = netlink::enable_ip_forwarding(); !s) {
        raise_all(sws, {"ip-forward-off",
                        "net.ipv4.ip_forward was turned off behind vswitchd's back and turning it on "
                        "failed (" + s.error().message + "): VMs cannot reach anything beyond the host",
                        "sysctl -w net.ipv4.ip_forward=1"});
        return;
    }
    ++forwarding_restored_;
    clear_all(sws, "ip-forward-off");
    log::warning("net.ipv4.ip_forward was turned off behind vswitchd's back; turned it on again (" +
                     std::to_string(forwarding_restored_) + " time(s)); look for what turns it off "
                     "(sysctl.d, a VPN client, a firewall manager)",
                 {{"VSWITCH_FORWARDING_RESTORED", std::to_string(forwarding_restored_)}});
}

void Diagnostics::check_firewall() {
    auto sws = switches_();
    auto rs = dump_ruleset(fw_);
    if (!rs) {
        log::warning(rs.error().context("diagnosing other programs' nftables chains").message + ", ignoring");
        return;
    }
    for (const auto& sw : sws) {
        if (!sw.problems || !sw.has_address) continue;
        auto findings = nft::diagnose(*rs, sw.bridge, sw.nat);
        if (sw.fix_foreign && !findings.empty()) {
            bool applied = false;
            for (const auto& f : findings) {
                // Once per chain: if our rules are there and it still drops,
                // adding more would not help; report it instead.
                bool present = false;
                for (const auto& r : rs->rules)
                    present |= r.family == f.chain.family && r.table == f.chain.table &&
                               r.chain == f.fix_chain &&
                               r.comment == std::string(nft::kFixCommentPrefix) + sw.bridge;
                if (present) continue;
                auto batch = nft::build_fix_batch(f, sw.bridge, fw_.next_seq());
                Status s = batch ? fw_.send(*batch) : Status(batch.error());
                if (!s) {
                    log::warning(s.error().context("FixForeignFirewall").message + ", ignoring",
                                 {{"VSWITCH_SWITCH", sw.name}});
                    continue;
                }
                applied = true;
                log::notice("switch '" + sw.name + "': added accept rules for '" + sw.bridge +
                                "' at the top of chain " + f.chain.table + " " + f.fix_chain +
                                " (FixForeignFirewall=yes; removed again by teardown)",
                            {{"VSWITCH_SWITCH", sw.name}});
            }
            if (applied) {
                if (auto again = dump_ruleset(fw_); again) {
                    *rs = std::move(*again);
                    findings = nft::diagnose(*rs, sw.bridge, sw.nat);
                }
            }
        }
        std::vector<std::string> current;
        for (const auto& f : findings) {
            current.push_back(f.kind);
            sw.problems->raise(f.kind, f.message, f.fix);
        }
        std::vector<std::string> stale;
        for (const auto& p : sw.problems->list())
            if (p.kind.rfind(kForeignPrefix, 0) == 0 &&
                std::find(current.begin(), current.end(), p.kind) == current.end())
                stale.push_back(p.kind);
        for (const auto& k : stale) sw.problems->clear(k);
    }
}

Status remove_foreign_fixes(firewall::Firewall& fw) {
    auto rs = dump_ruleset(fw);
    if (!rs) return rs.error().context("finding the rules FixForeignFirewall added");
    size_t n = nft::count_fix_rules(*rs, "");
    if (n == 0) return {};
    auto batch = nft::build_unfix_batch(*rs, "", fw.next_seq());
    if (!batch) return batch.error();
    if (auto s = fw.send(*batch); !s) return s.error().context("removing the rules FixForeignFirewall added");
    log::info("removed " + std::to_string(n) + " rule(s) FixForeignFirewall had added to other programs' chains");
    return {};
}

}  // namespace vswitch::health
