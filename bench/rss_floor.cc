// rss-floor: the memory floor of vswitchd's libraries. It links what
// vswitchd links (libstdc++, libsystemd, ldns and through it libcrypto and
// libssl, libnl-3, libnl-route-3, libnftnl, libmnl), calls one function of
// each so the loader maps and relocates every one of them, makes the
// objects vswitchd makes first (an sd-event loop, a netlink socket, an
// nftables table, a DNS packet), then waits to be killed. Its VmRSS is what
// any daemon built on these libraries costs before its own code and data;
// bench/dhcp.sh and bench/dns.sh print it beside the servers' RSS.
#include <ldns/ldns.h>
#include <libmnl/libmnl.h>
#include <libnftnl/table.h>
#include <linux/netlink.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

namespace {
struct EventUnref {
    void operator()(sd_event* e) const { sd_event_unref(e); }
};
struct NlSockFree {
    void operator()(nl_sock* s) const { nl_socket_free(s); }
};
struct LinkPut {
    void operator()(rtnl_link* l) const { rtnl_link_put(l); }
};
struct TableFree {
    void operator()(nftnl_table* t) const { nftnl_table_free(t); }
};
struct MnlClose {
    void operator()(mnl_socket* s) const { mnl_socket_close(s); }
};
struct PktFree {
    void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
}  // namespace

int main() {
    sd_event* raw = nullptr;
    if (sd_event_new(&raw) < 0) {
        std::fprintf(stderr, "rss-floor: sd_event_new failed\n");
        return 1;
    }
    std::unique_ptr<sd_event, EventUnref> loop(raw);
    std::unique_ptr<nl_sock, NlSockFree> nl(nl_socket_alloc());
    std::unique_ptr<rtnl_link, LinkPut> link(rtnl_link_alloc());
    std::unique_ptr<nftnl_table, TableFree> table(nftnl_table_alloc());
    std::unique_ptr<mnl_socket, MnlClose> mnl(mnl_socket_open(NETLINK_NETFILTER));
    std::unique_ptr<ldns_pkt, PktFree> pkt(ldns_pkt_new());
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
