#include "libvswitch/ctl/json.h"

#include <cstdint>
#include <nlohmann/json.hpp>

namespace vswitch::ctl {

namespace {

using Json = nlohmann::ordered_json;

// Compact, like vswitchctl's output always was. D-Bus strings are valid
// UTF-8, so `replace` (U+FFFD) only guards against a row built elsewhere:
// nlohmann would throw on a bad byte, and the output must stay valid JSON.
std::string dump(const Json& j) {
    return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Json port_json(const PortRow& p) {
    return Json{{"interface", p.ifname},
                {"switch", p.sw},
                {"vm", p.vm},
                {"mac", p.mac},
                {"address", p.address},
                {"hostname", p.hostname},
                {"connected", p.connected},
                {"origin", p.origin},
                {"object", p.object}};
}

Json problems_json(const std::vector<ProblemRow>& problems) {
    Json out = Json::array();
    for (const auto& p : problems)
        out.push_back(Json{{"kind", p.kind}, {"message", p.message}, {"fix", p.fix}});
    return out;
}

Json statistics_json(const SwitchRow& s) {
    if (!s.statistics) return nullptr;
    Json out = Json::object();
    for (const auto& [key, value] : *s.statistics) out[key] = value;
    return out;
}

Json switch_json(const SwitchRow& s, const StatusView& view) {
    Json ports = Json::array();
    for (const auto& p : view.ports) {
        if (p.sw == s.name) ports.push_back(port_json(p));
    }
    const int64_t repairs = view.firewall_repairs ? int64_t(*view.firewall_repairs) : -1;
    return Json{{"name", s.name},
                {"type", s.type},
                {"bridge", s.bridge},
                {"subnet", s.subnet},
                {"gateway", s.gateway},
                {"domain", s.domain},
                {"interface", s.interface},
                {"leases", s.leases},
                {"object", s.object},
                {"problems", problems_json(s.problems)},
                {"firewall_repairs", repairs},
                {"statistics", statistics_json(s)},
                {"ports", std::move(ports)}};
}

}  // namespace

std::string status_json(const StatusView& view) {
    Json out = Json::array();
    for (const auto& s : view.switches) out.push_back(switch_json(s, view));
    return dump(out);
}

std::string stats_json(const std::vector<SwitchRow>& switches) {
    Json out = Json::object();
    for (const auto& s : switches) out[s.name] = statistics_json(s);
    return dump(out);
}

std::string list_json(const std::vector<PortRow>& ports) {
    Json out = Json::array();
    for (const auto& p : ports) out.push_back(port_json(p));
    return dump(out);
}

std::string leases_json(const std::vector<LeaseRow>& leases) {
    Json out = Json::array();
    for (const auto& l : leases)
        out.push_back(Json{{"switch", l.sw},
                           {"mac", l.mac},
                           {"address", l.address},
                           {"hostname", l.hostname},
                           {"expiry_usec", l.expiry_usec}});
    return dump(out);
}

std::string reservations_json(const std::vector<ReservationRow>& reservations) {
    Json out = Json::array();
    for (const auto& r : reservations)
        out.push_back(Json{{"switch", r.sw}, {"key", r.key}, {"address", r.address}, {"origin", r.origin}});
    return dump(out);
}

std::string attach_json(const std::string& ifname, const std::string& mac,
                        const std::string& object) {
    return dump(Json{{"interface", ifname}, {"mac", mac}, {"object", object}});
}

}  // namespace vswitch::ctl
