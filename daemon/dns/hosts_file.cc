#include "daemon/dns/hosts_file.h"

#include "libvswitch/base/file.h"

namespace vswitch::dns {

std::string format_hosts(const std::vector<HostEntry>& entries) {
    std::string out = "# written by vswitchd; replaced whenever a name changes\n";
    for (const auto& e : entries) {
        std::string label = e.fqdn.substr(0, e.fqdn.find('.'));
        out += e.address.to_string() + " " + e.fqdn + " " + label + "\n";
    }
    return out;
}

Status write_hosts_file(const std::string& path, const std::vector<HostEntry>& entries) {
    if (auto s = write_file_atomic(path, format_hosts(entries)); !s)
        return s.error().context("writing hosts file '" + path + "'");
    return {};
}

}  // namespace vswitch::dns
