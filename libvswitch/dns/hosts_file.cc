#include "libvswitch/dns/hosts_file.h"

namespace vswitch::dns {

std::string format_hosts(const std::vector<HostEntry>& entries) {
    std::string out = "# written by vswitchd; replaced whenever a name changes\n";
    for (const auto& e : entries) {
        std::string label = e.fqdn.substr(0, e.fqdn.find('.'));
        out += e.address.to_string() + " " + e.fqdn + " " + label + "\n";
    }
    return out;
}

}  // namespace vswitch::dns
