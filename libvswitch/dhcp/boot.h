// Network boot (PXE and iPXE): what a switch tells the clients that boot
// from the network, and how such a client is told from the others. Pure:
// the server core calls add_boot_options() while it builds a reply's
// options; the configuration parser reuses the checks.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "libvswitch/base/result.h"
#include "libvswitch/dhcp/message.h"
#include "libvswitch/dhcp/options.h"

namespace vswitch::dhcp {

// The BOOTP fields' sizes with their terminating NUL (RFC 2131 §2): a
// longer value goes only in its option (66 or 67), never cut short.
inline constexpr size_t kSnameFieldText = 63;
inline constexpr size_t kFileFieldText = 127;
// One option instance: PXE ROMs do not join RFC 3396 fragments.
inline constexpr size_t kMaxBootFileLength = 255;
inline constexpr size_t kMaxBootServerLength = 253;  // a DNS name

// The per-switch keys BootServer=, BootFile= and IPXEBootFile=; all empty:
// no network boot, and replies are as if this did not exist.
struct BootConfig {
    // An IPv4 address (siaddr, the "next server", and option 66) or a host
    // name (option 66, and sname when it fits).
    std::string server;
    std::string file;       // option 67, and the file field when it fits
    std::string ipxe_file;  // instead of file for iPXE clients; empty: file

    bool empty() const { return server.empty() && file.empty() && ipxe_file.empty(); }
    friend bool operator==(const BootConfig&, const BootConfig&) = default;
};

// EINVAL with the reason ("not an IPv4 address or a host name: ..."), E2BIG
// over the lengths above. The text names the value, not the key.
Status check_boot_server(std::string_view server);
Status check_boot_file(std::string_view file);
Status check_boot_config(const BootConfig& boot);

enum class BootClient : uint8_t {
    none,  // an ordinary client: no boot fields
    pxe,   // a PXE ROM or boot loader: vendor class "PXEClient", or asks for 66/67
    ipxe,  // iPXE: user class "iPXE" (77) or its encapsulated options (175)
};
std::string_view to_string(BootClient c);

BootClient boot_client_of(const Message& request);

// For a boot client, sets the reply's siaddr, sname and file and adds to
// `offered` (the options the caller then orders by the client's parameter
// request list) the options 66 and 67, and for iPXE given a file its
// "no-pxedhcp" option 175.176, so that it does not wait for a ProxyDHCP.
// For any other client, or with an empty config, does nothing.
void add_boot_options(const BootConfig& boot, const Message& request, Options& offered,
                      Message& reply);

}  // namespace vswitch::dhcp
