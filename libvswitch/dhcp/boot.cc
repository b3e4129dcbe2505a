#include "libvswitch/dhcp/boot.h"

#include <algorithm>

#include "libvswitch/base/net.h"

namespace vswitch::dhcp {

namespace {

constexpr std::string_view kIpxeUserClass = "iPXE";
constexpr std::string_view kPxeVendorClass = "PXEClient";  // PXE 2.1 §2.2.5: "PXEClient:Arch:..."
constexpr size_t kMaxLabelLength = 63;
// iPXE's encapsulated option 175.176 ("no-pxedhcp"): take this offer without
// waiting for ProxyDHCP offers (iPXE's include/ipxe/dhcp.h, DHCP_EB_NO_PXEDHCP).
constexpr uint8_t kIpxeNoPxeDhcp = 176;

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// RFC 1123 host name: letters, digits and '-' in labels of 1-63 bytes.
std::optional<std::string> host_name_fault(std::string_view name) {
    if (name.size() > kMaxBootServerLength)
        return "longer than " + std::to_string(kMaxBootServerLength) + " characters";
    size_t start = 0;
    for (;;) {
        size_t dot = name.find('.', start);
        std::string_view label =
            name.substr(start, dot == std::string_view::npos ? dot : dot - start);
        if (label.empty()) return std::string("an empty label");
        if (label.size() > kMaxLabelLength)
            return "a label longer than " + std::to_string(kMaxLabelLength) + " characters";
        if (!std::all_of(label.begin(), label.end(),
                         [](char c) { return is_alnum(c) || c == '-'; }))
            return std::string("only letters, digits, '-' and '.' are allowed in a host name");
        if (label.front() == '-' || label.back() == '-')
            return std::string("a label starts or ends with '-'");
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    return std::nullopt;
}

// RFC 3004 §2: user class data is a list of (length, class) items; iPXE
// sends its class bare, without the length, and both forms are in use.
bool has_user_class(const std::vector<uint8_t>& data, std::string_view wanted) {
    if (std::string_view(reinterpret_cast<const char*>(data.data()), data.size()) == wanted)
        return true;
    std::span<const uint8_t> rest(data);
    while (!rest.empty()) {
        size_t n = rest[0];
        if (n == 0 || n + 1 > rest.size()) return false;
        if (std::string_view(reinterpret_cast<const char*>(rest.data() + 1), n) == wanted)
            return true;
        rest = rest.subspan(n + 1);
    }
    return false;
}

}  // namespace

Status check_boot_server(std::string_view server) {
    if (server.empty()) return {};
    if (std::all_of(server.begin(), server.end(), [](char c) { return is_digit(c) || c == '.'; })) {
        auto a = Ipv4::parse(server);
        if (!a) return make_error(EINVAL, "not an IPv4 address (dotted quad) or a host name");
        uint8_t first = a->bytes()[0];
        if (first == 0 || first == 127 || first >= 224)
            return make_error(EINVAL, "not a unicast address a guest can reach");
        return {};
    }
    if (auto fault = host_name_fault(server)) {
        int code = server.size() > kMaxBootServerLength ? E2BIG : EINVAL;
        return make_error(code, "not an IPv4 address or a host name: " + *fault);
    }
    return {};
}

Status check_boot_file(std::string_view file) {
    if (file.size() > kMaxBootFileLength)
        return make_error(E2BIG, "longer than " + std::to_string(kMaxBootFileLength) +
                                     " bytes (the most one DHCP option carries)");
    for (char c : file) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f)
            return make_error(EINVAL,
                              "only printable ASCII without spaces is allowed (percent-encode "
                              "other bytes in a URL)");
    }
    return {};
}

Status check_boot_config(const BootConfig& boot) {
    if (auto st = check_boot_server(boot.server); !st)
        return st.error().context("boot server '" + boot.server + "'");
    if (auto st = check_boot_file(boot.file); !st)
        return st.error().context("boot file '" + boot.file + "'");
    if (auto st = check_boot_file(boot.ipxe_file); !st)
        return st.error().context("iPXE boot file '" + boot.ipxe_file + "'");
    return {};
}

std::string_view to_string(BootClient c) {
    switch (c) {
        case BootClient::none:
            return "none";
        case BootClient::pxe:
            return "pxe";
        case BootClient::ipxe:
            return "ipxe";
    }
    return "unknown";
}

BootClient boot_client_of(const Message& req) {
    const Options& o = req.options;
    if (o.has(OptionCode::ipxe_encapsulated)) return BootClient::ipxe;
    if (const auto* uc = o.find(OptionCode::user_class); uc && has_user_class(*uc, kIpxeUserClass))
        return BootClient::ipxe;
    if (auto vc = o.text(OptionCode::vendor_class); vc && vc->starts_with(kPxeVendorClass))
        return BootClient::pxe;
    for (uint8_t code : o.parameter_request_list())
        if (code == uint8_t(OptionCode::tftp_server_name) ||
            code == uint8_t(OptionCode::bootfile_name))
            return BootClient::pxe;
    return BootClient::none;
}

void add_boot_options(const BootConfig& boot, const Message& req, Options& offered,
                      Message& reply) {
    if (boot.empty()) return;
    BootClient client = boot_client_of(req);
    if (client == BootClient::none) return;
    if (!boot.server.empty()) {
        // RFC 2131 §2: siaddr is the "next server" a PXE ROM fetches from.
        if (auto a = Ipv4::parse(boot.server)) reply.siaddr = *a;
        offered.set_text(OptionCode::tftp_server_name, boot.server);
        if (boot.server.size() <= kSnameFieldText) reply.sname = boot.server;
    }
    const std::string& file =
        client == BootClient::ipxe && !boot.ipxe_file.empty() ? boot.ipxe_file : boot.file;
    if (!file.empty()) {
        offered.set_text(OptionCode::bootfile_name, file);
        // A longer name only in option 67: a cut one would fetch another file.
        if (file.size() <= kFileFieldText) reply.file = file;
        // This server names the file, so a ProxyDHCP has nothing to add:
        // iPXE otherwise waits some 3 s for one at each DISCOVER.
        if (client == BootClient::ipxe)
            offered.set(OptionCode::ipxe_encapsulated, {kIpxeNoPxeDhcp, 1, 1});
    }
}

}  // namespace vswitch::dhcp
