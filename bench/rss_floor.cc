// rss-floor: the memory floor of vswitchd's libraries. It links what
// vswitchd links (libstdc++, libsystemd, ldns and through it libcrypto and
// libssl, libnl-3, libnl-route-3, libnftnl, libmnl), calls one function of
// each so the loader maps and relocates every one of them, makes the
// objects vswitchd makes first (an sd-event loop, a netlink socket, an
// nftables table, a DNS packet), then waits to be killed. Its VmRSS is what
// any daemon built on these libraries costs before its own code and data;
// bench/dhcp.sh and bench/dns.sh print it beside the servers' RSS.
#include <libmnl/libmnl.h>
#include <libnftnl/table.h>
#include <linux/netlink.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "libvswitch/base/handle.h"
#include "libvswitch/dns/ldns.h"  // ldns, included the one way that works in C++

#include <cstdio>
#include <string>

using vswitch::UniqueHandle;

int main() {
    sd_event* raw = nullptr;
    if (sd_event_new(&raw) < 0) {
        std::fprintf(stderr, "rss-floor: sd_event_new failed\n");
        return 1;
    }
    UniqueHandle<sd_event, sd_event_unref> loop(raw);
    UniqueHandle<nl_sock, nl_socket_free> nl(nl_socket_alloc());
    UniqueHandle<rtnl_link, rtnl_link_put> link(rtnl_link_alloc());
    UniqueHandle<nftnl_table, nftnl_table_free> table(nftnl_table_alloc());
    UniqueHandle<mnl_socket, mnl_socket_close> mnl(mnl_socket_open(NETLINK_NETFILTER));
    UniqueHandle<ldns_pkt, ldns_pkt_free> pkt(ldns_pkt_new());
    std::string ready = "rss-floor: ready";
    if (!loop || !nl || !link || !table || !mnl || !pkt) {
        std::fprintf(stderr, "rss-floor: could not make the libraries' objects\n");
        return 1;
    }
    std::puts(ready.c_str());
    std::fflush(stdout);
    pause();
    return 0;
}
