#include "daemon/switch/subnet_choice.h"

#include <systemd/sd-id128.h>

#include "daemon/log.h"
#include "daemon/netlink/address.h"
#include "libvswitch/base/file.h"
#include "libvswitch/subnet/chooser.h"
#include "libvswitch/subnet/state.h"

namespace vswitch {

namespace {

bool overlaps_any(const Ipv4Prefix& p, const std::vector<Ipv4Prefix>& list) {
    for (const auto& q : list)
        if (p.overlaps(q)) return true;
    return false;
}

std::string uuid_of(sd_id128_t id) {
    char buf[SD_ID128_UUID_STRING_MAX];
    std::snprintf(buf, sizeof buf, SD_ID128_UUID_FORMAT_STR, SD_ID128_FORMAT_VAL(id));
    return buf;
}

}  // namespace

Result<std::string> read_boot_id(const std::optional<std::string>& given) {
    sd_id128_t id{};
    if (given) {
        if (sd_id128_from_string(given->c_str(), &id) < 0)
            return make_error(EINVAL, "--boot-id: '" + given->substr(0, 64) +
                                          "' is not a boot id (expected a UUID such as "
                                          "0f4c6e1a-9d2b-4c3e-8a7f-5b6d7e8f9a0b)");
        return uuid_of(id);
    }
    if (int r = sd_id128_get_boot(&id); r < 0) return errno_error(r, "reading the boot id");
    return uuid_of(id);
}

std::string subnet_state_path(const std::string& state_dir, const std::string& switch_name) {
    return state_dir + "/" + switch_name + ".subnet";
}

Result<Ipv4Prefix> choose_start_subnet(netlink::RouteSocket& sock, const SwitchConfig& sw,
                                       const std::string& state_dir, const std::string& boot,
                                       const std::vector<Ipv4Prefix>& also_taken) {
    auto taken = netlink::dump_taken_prefixes(sock, sw.bridge);
    if (!taken) return taken.error().context("reading the host's addresses and routes");
    std::vector<Ipv4Prefix> busy = std::move(*taken);
    busy.insert(busy.end(), also_taken.begin(), also_taken.end());

    if (sw.subnet) {
        if (overlaps_any(*sw.subnet, busy))
            log::warning("switch '" + sw.name + "': pinned Subnet=" + sw.subnet->to_string() +
                             " overlaps an address or route of the host, using it anyway",
                         {{"VSWITCH_SWITCH", sw.name}});
        return *sw.subnet;
    }

    const std::string path = subnet_state_path(state_dir, sw.name);
    if (auto text = read_file(path, subnet::kMaxStateFileSize); text || text.error().code != ENOENT) {
        auto st = text ? subnet::parse_subnet_state(*text) : Result<subnet::SubnetState>(text.error());
        if (!st)
            log::warning("switch '" + sw.name + "': stored subnet file '" + path + "' is unreadable (" +
                             st.error().message + "), drawing the subnet anew",
                         {{"VSWITCH_SWITCH", sw.name}});
        if (st && st->boot_id == boot && st->subnet.length() == sw.prefix_length &&
            sw.subnet_pool.contains(st->subnet) && !overlaps_any(st->subnet, sw.exclude_subnets)) {
            if (!overlaps_any(st->subnet, busy)) return st->subnet;
            log::warning("switch '" + sw.name + "': stored subnet " + st->subnet.to_string() +
                             " now overlaps an address or route of the host, choosing another",
                         {{"VSWITCH_SWITCH", sw.name}});
        }
    }
    auto chosen = choose_block(sw, boot, busy);
    if (!chosen) return chosen.error().context("switch '" + sw.name + "'");
    return chosen;
}

Result<Ipv4Prefix> choose_block(const SwitchConfig& sw, const std::string& boot_id,
                                const std::vector<Ipv4Prefix>& taken) {
    subnet::SubnetRequest req;
    req.pool = sw.subnet_pool;
    req.prefix_length = sw.prefix_length;
    req.boot_id = boot_id;
    req.switch_name = sw.name;
    req.taken = taken;
    req.excluded = sw.exclude_subnets;
    auto chosen = subnet::choose_subnet(req);
    if (!chosen) return chosen.error();
    return chosen->normalized();
}

std::vector<Ipv4Prefix> taken_besides(const std::vector<netlink::HostPrefix>& host, int own_ifindex,
                                      std::vector<const netlink::HostPrefix*>* origin) {
    std::vector<Ipv4Prefix> out;
    out.reserve(host.size());
    for (const auto& h : host) {
        if (own_ifindex != 0 && h.ifindex == own_ifindex) continue;
        out.push_back(h.prefix);
        if (origin) origin->push_back(&h);
    }
    return out;
}

Status store_subnet(const std::string& state_dir, const std::string& switch_name, const std::string& boot_id,
                    Ipv4Prefix subnet) {
    subnet::SubnetState st;
    st.boot_id = boot_id;
    st.subnet = subnet;
    st.switch_name = switch_name;
    const std::string path = subnet_state_path(state_dir, switch_name);
    const std::string text = subnet::format_subnet_state(st);
    // Written only when it changes: every start in a boot finds it as is.
    if (auto old = read_file(path, subnet::kMaxStateFileSize); old && *old == text) return {};
    if (auto s = write_file_atomic(path, text); !s)
        return s.error().context("storing the subnet of switch '" + switch_name + "'");
    return {};
}

}  // namespace vswitch
