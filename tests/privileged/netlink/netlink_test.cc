// The netlink adapter against a real kernel. Runs as root inside a private
// network namespace (tests/privileged/run-in-netns.sh does `unshare --net`);
// every test first proves it is not in PID 1's namespace and refuses to
// touch anything otherwise. Interfaces are set up and read back with
// iproute2, an implementation independent of ours.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <cstdio>
#include <sstream>
#include <string>
#include <optional>
#include <thread>
#include <vector>

#include <netlink/errno.h>

#include "daemon/netlink/address.h"
#include "daemon/netlink/bridge.h"
#include "daemon/netlink/forwarding.h"
#include "daemon/netlink/link.h"
#include "daemon/netlink/route_socket.h"
#include "libvswitch/base/file.h"

using namespace vswitch;
using namespace vswitch::netlink;

namespace {

// True only when this process sits in a network namespace of its own: it
// must differ from its parent's (the runner execs `unshare --net` into us,
// so the parent is still in the namespace we were started from) and from
// PID 1's when that one is readable. Comparing with PID 1 alone is not
// enough: in containers and sandboxes PID 1 may be unreadable or live in
// another namespace than the shell, and the test would run on the host's
// own network. Anything unreadable counts as "not private".
bool in_private_netns() {
    auto ns_of = [](const std::string& path, struct stat& st) { return ::stat(path.c_str(), &st) == 0; };
    struct stat self {}, parent {}, init {};
    if (!ns_of("/proc/self/ns/net", self)) return false;
    if (!ns_of("/proc/" + std::to_string(::getppid()) + "/ns/net", parent)) return false;
    auto same = [](const struct stat& a, const struct stat& b) {
        return a.st_ino == b.st_ino && a.st_dev == b.st_dev;
    };
    if (same(self, parent)) return false;
    if (ns_of("/proc/1/ns/net", init) && same(self, init)) return false;
    return true;
}

// Runs a shell command; returns its exit status.
int run(const std::string& cmd) {
    int rc = std::system((cmd + " 2>&1").c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string output_of(const std::string& cmd) {
    std::string out;
    FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
    if (!p) return out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
    return out;
}

// The word after `key` in `ip -d link show` output ("stp_state 0").
std::string field_after(const std::string& text, const std::string& key) {
    std::istringstream in(text);
    std::string word;
    while (in >> word)
        if (word == key && in >> word) return word;
    return "<" + key + " missing>";
}

Ipv4Prefix prefix(const char* s, bool host_bits = false) {
    auto p = Ipv4Prefix::parse(s, host_bits);
    EXPECT_TRUE(p.ok()) << s;
    return p.ok() ? *p : Ipv4Prefix{};
}

bool has(const std::vector<Ipv4Prefix>& v, const Ipv4Prefix& p) {
    return std::find(v.begin(), v.end(), p) != v.end();
}

std::string join(const std::vector<Ipv4Prefix>& v) {
    std::string s;
    for (const auto& p : v) s += p.to_string() + " ";
    return s;
}

// The IPv4 addresses of one interface as "a.b.c.d/len brd x" strings.
std::vector<std::string> ipv4_addresses(const std::string& dev) {
    std::vector<std::string> out;
    std::istringstream in(output_of("ip -4 -o addr show dev " + dev));
    std::string line;
    while (std::getline(in, line)) {
        std::string inet = field_after(line, "inet");
        std::string brd = field_after(line, "brd");
        out.push_back(inet + " brd " + brd);
    }
    return out;
}

// Creation time (1/100 s since boot) of an address, read through libnl.
long create_time_of(int ifindex, Ipv4 local) {
    auto sk = RouteSocket::open();
    if (!sk) return -1;
    nl_cache* raw = nullptr;
    if (rtnl_addr_alloc_cache(sk->get(), &raw) < 0) return -1;
    CacheHandle cache(raw);
    for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
        auto* a = reinterpret_cast<rtnl_addr*>(o);
        nl_addr* l = rtnl_addr_get_local(a);
        if (rtnl_addr_get_ifindex(a) != ifindex || !l || nl_addr_get_family(l) != AF_INET) continue;
        uint32_t be = local.to_network();
        if (std::memcmp(nl_addr_get_binary_addr(l), &be, 4) == 0) return long(rtnl_addr_get_create_time(a));
    }
    return -1;
}

// Owns the interfaces a test creates (removed in TearDown, also after a
// failure) and the namespace guard every test starts with.
class Netlink : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(in_private_netns())
            << "REFUSING TO RUN: not in a network namespace of its own (same as its "
               "parent's or PID 1's); run through tests/privileged/run-in-netns.sh "
               "(unshare --net)";
        ASSERT_EQ(::geteuid(), 0u) << "needs root";
        auto sock = RouteSocket::open();
        ASSERT_TRUE(sock.ok()) << sock.error().message;
        sock_.emplace(std::move(*sock));
    }
    void TearDown() override {
        if (!in_private_netns()) return;
        for (const auto& name : cleanup_) run("ip link del " + name + " >/dev/null");
    }
    // Remembers an interface to remove after the test, whatever happens.
    std::string owned(std::string name) {
        cleanup_.push_back(name);
        return name;
    }

    std::vector<std::string> cleanup_;
    // The one persistent socket every call shares, as in the daemon.
    std::optional<RouteSocket> sock_;
};

}  // namespace

TEST_F(Netlink, EnsureBridgeCreatesBridgeWithoutStpAndWithZeroForwardDelay) {
    const auto br = owned("vsw-t1");
    auto idx = ensure_bridge(*sock_, br, std::nullopt);
    ASSERT_TRUE(idx.ok()) << idx.error().message;
    EXPECT_GT(*idx, 0);
    auto again = link_index(*sock_, br);
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(*again, *idx);
    std::string details = output_of("ip -d link show dev " + br);
    EXPECT_NE(details.find("bridge forward_delay"), std::string::npos) << details;
    EXPECT_EQ(field_after(details, "stp_state"), "0") << details;
    EXPECT_EQ(field_after(details, "forward_delay"), "0") << details;
}

// A bridge with a kernel-chosen MAC takes its lowest port's MAC; ours must
// keep one MAC, the same after a re-creation, whatever ports come and go.
TEST_F(Netlink, NewBridgeKeepsItsMacWhenPortsJoin) {
    const auto br = owned("vsw-m1");
    const auto port = owned("vsw-m1p");
    ASSERT_TRUE(ensure_bridge(*sock_, br, std::nullopt).ok());
    auto mac = Mac::parse(field_after(output_of("ip link show dev " + br), "link/ether"));
    ASSERT_TRUE(mac.ok());
    EXPECT_EQ(*mac, stable_bridge_mac(br));
    EXPECT_FALSE(mac->is_multicast());
    EXPECT_TRUE(mac->bytes()[0] & 0x02) << "not locally administered: " << mac->to_string();
    EXPECT_NE(*mac, stable_bridge_mac("vsw-m2"));

    ASSERT_EQ(run("ip link add " + port + " address 02:00:00:00:00:01 type veth peer name vsw-m1q"), 0);
    ASSERT_EQ(run("ip link set " + port + " master " + br), 0);
    EXPECT_EQ(field_after(output_of("ip link show dev " + br), "link/ether"), mac->to_string());

    ASSERT_TRUE(delete_link(*sock_, br).ok());
    ASSERT_TRUE(ensure_bridge(*sock_, br, std::nullopt).ok());
    EXPECT_EQ(field_after(output_of("ip link show dev " + br), "link/ether"), mac->to_string());
}

TEST_F(Netlink, EnsureBridgeAdoptsExistingBridgeAndReappliesSettings) {
    const auto br = owned("vsw-t2");
    const auto port = owned("vsw-t2p");
    ASSERT_EQ(run("ip link add " + br + " type bridge stp_state 1 forward_delay 1500"), 0);
    ASSERT_EQ(run("ip link add " + port + " type veth peer name vsw-t2q && ip link set " + port +
                  " master " + br),
              0);
    auto before = link_index(*sock_, br);
    ASSERT_TRUE(before.ok()) << before.error().message;
    ASSERT_EQ(field_after(output_of("ip -d link show dev " + br), "stp_state"), "1");

    auto idx = ensure_bridge(*sock_, br, 1400);
    ASSERT_TRUE(idx.ok()) << idx.error().message;
    EXPECT_EQ(*idx, *before);  // adopted, not recreated
    std::string details = output_of("ip -d link show dev " + br);
    EXPECT_EQ(field_after(details, "stp_state"), "0") << details;
    EXPECT_EQ(field_after(details, "forward_delay"), "0") << details;
    EXPECT_EQ(field_after(details, "mtu"), "1400") << details;
    // The port survived: the bridge was changed in place.
    EXPECT_EQ(field_after(output_of("ip link show dev " + port), "master"), br);

    auto second = ensure_bridge(*sock_, br, 1400);
    ASSERT_TRUE(second.ok()) << second.error().message;
    EXPECT_EQ(*second, *before);
}

TEST_F(Netlink, EnsureBridgeRefusesAnInterfaceThatIsNotABridge) {
    const auto veth = owned("vsw-t3");
    ASSERT_EQ(run("ip link add " + veth + " type veth peer name vsw-t3p"), 0);
    auto r = ensure_bridge(*sock_, veth, std::nullopt);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, EEXIST);
    EXPECT_EQ(r.error().message, "interface 'vsw-t3' exists but is a veth, not a bridge");
    // Still the veth, untouched.
    EXPECT_NE(output_of("ip -d link show dev " + veth).find("veth"), std::string::npos);

    const auto tap = owned("vsw-t3t");
    ASSERT_EQ(run("ip tuntap add " + tap + " mode tap"), 0);
    r = ensure_bridge(*sock_, tap, std::nullopt);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "interface 'vsw-t3t' exists but is a tun, not a bridge");

    // Loopback has no link kind at all.
    r = ensure_bridge(*sock_, "lo", std::nullopt);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("exists but is a device without a link kind"), std::string::npos)
        << r.error().message;
}

TEST_F(Netlink, EnsureBridgeRefusesBadNames) {
    auto r = ensure_bridge(*sock_, "a-name-much-too-long", std::nullopt);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, EINVAL);
    EXPECT_FALSE(ensure_bridge(*sock_, "", std::nullopt).ok());
}

TEST_F(Netlink, SetBridgeAddressReplacesYesterdaysAddress) {
    const auto br = owned("vsw-t4");
    auto idx = ensure_bridge(*sock_, br, std::nullopt);
    ASSERT_TRUE(idx.ok()) << idx.error().message;
    ASSERT_EQ(run("ip addr add 203.0.113.1/24 brd + dev " + br), 0);
    ASSERT_EQ(run("ip addr add 192.0.2.5/24 dev " + br), 0);

    auto r = set_bridge_address(*sock_, *idx, prefix("198.51.100.1/25", true));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(ipv4_addresses(br), std::vector<std::string>{"198.51.100.1/25 brd 198.51.100.127"});
}

TEST_F(Netlink, SetBridgeAddressKeepsARightAddressInPlace) {
    const auto br = owned("vsw-t5");
    auto idx = ensure_bridge(*sock_, br, std::nullopt);
    ASSERT_TRUE(idx.ok()) << idx.error().message;
    auto gw = prefix("203.0.113.1/24", true);
    ASSERT_TRUE(set_bridge_address(*sock_, *idx, gw).ok());
    long created = create_time_of(*idx, gw.address());
    ASSERT_GE(created, 0);
    // Creation times tick in 1/100 s: a re-added address would show it.
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    auto r = set_bridge_address(*sock_, *idx, gw);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(create_time_of(*idx, gw.address()), created);
    EXPECT_EQ(ipv4_addresses(br), std::vector<std::string>{"203.0.113.1/24 brd 203.0.113.255"});
}

// The wanted address is a secondary of an unwanted primary: removing the
// primary drops it too (no promote_secondaries), so it must come back.
TEST_F(Netlink, SetBridgeAddressSurvivesRemovingItsPrimary) {
    const auto br = owned("vsw-t6");
    auto idx = ensure_bridge(*sock_, br, std::nullopt);
    ASSERT_TRUE(idx.ok()) << idx.error().message;
    ASSERT_EQ(run("ip addr add 203.0.113.9/24 brd + dev " + br), 0);
    ASSERT_EQ(run("ip addr add 203.0.113.1/24 brd + dev " + br), 0);
    auto r = set_bridge_address(*sock_, *idx, prefix("203.0.113.1/24", true));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(ipv4_addresses(br), std::vector<std::string>{"203.0.113.1/24 brd 203.0.113.255"});
}

TEST_F(Netlink, SetBridgeAddressRefusesNetworkAddress) {
    const auto br = owned("vsw-t7");
    auto idx = ensure_bridge(*sock_, br, std::nullopt);
    ASSERT_TRUE(idx.ok()) << idx.error().message;
    auto r = set_bridge_address(*sock_, *idx, prefix("203.0.113.0/24"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, EINVAL);
    EXPECT_NE(r.error().message.find("'vsw-t7'"), std::string::npos) << r.error().message;
}

TEST_F(Netlink, DumpTakenPrefixesSeesAddressesAndRoutesInEveryTable) {
    const auto up = owned("vsw-d0");
    const auto br = owned("vsw-b0");
    ASSERT_EQ(run("ip link add " + up + " type veth peer name vsw-d1 && ip link set " + up +
                  " up && ip link set vsw-d1 up"),
              0);
    ASSERT_EQ(run("ip addr add 192.0.2.10/24 brd + dev " + up), 0);
    ASSERT_EQ(run("ip route add default via 192.0.2.1"), 0);
    ASSERT_EQ(run("ip route add 198.51.100.0/25 via 192.0.2.1 table 100"), 0);
    ASSERT_EQ(run("ip route add unreachable default table 100"), 0);
    ASSERT_EQ(run("ip route add blackhole 198.51.100.192/26 table 200"), 0);
    auto idx = ensure_bridge(*sock_, br, std::nullopt);
    ASSERT_TRUE(idx.ok()) << idx.error().message;
    ASSERT_TRUE(set_bridge_address(*sock_, *idx, prefix("203.0.113.1/24", true)).ok());
    ASSERT_TRUE(set_link_up(*sock_, *idx).ok());

    auto taken = dump_taken_prefixes(*sock_, br);
    ASSERT_TRUE(taken.ok()) << taken.error().message;
    const auto& t = *taken;
    EXPECT_TRUE(has(t, prefix("192.0.2.0/24"))) << join(t);          // address + prefix route
    EXPECT_TRUE(has(t, prefix("192.0.2.10/32"))) << join(t);         // local table
    EXPECT_TRUE(has(t, prefix("198.51.100.0/25"))) << join(t);       // policy table 100
    EXPECT_TRUE(has(t, prefix("198.51.100.192/26"))) << join(t);     // blackhole, table 200
    EXPECT_FALSE(has(t, prefix("0.0.0.0/0"))) << join(t);            // defaults skipped
    for (const auto& p : t) EXPECT_FALSE(p.overlaps(prefix("203.0.113.0/24"))) << p.to_string();
    EXPECT_TRUE(std::is_sorted(t.begin(), t.end(), [](const Ipv4Prefix& a, const Ipv4Prefix& b) {
        return a.network() < b.network();
    }));

    // Without the bridge ignored, its subnet shows up: the filter is real.
    auto all = dump_taken_prefixes(*sock_, "");
    ASSERT_TRUE(all.ok()) << all.error().message;
    EXPECT_TRUE(has(*all, prefix("203.0.113.0/24"))) << join(*all);
    EXPECT_TRUE(has(*all, prefix("203.0.113.1/32"))) << join(*all);

    // An ignored name that does not exist (yet) ignores nothing.
    auto none = dump_taken_prefixes(*sock_, "vsw-absent");
    ASSERT_TRUE(none.ok()) << none.error().message;
    EXPECT_EQ(*none, *all);
    run("ip route flush table 100; ip route flush table 200; ip route del default");
}

TEST_F(Netlink, SetLinkUpAndDeleteLink) {
    const auto dummy = owned("vsw-t8");
    ASSERT_EQ(run("ip link add " + dummy + " type veth peer name vsw-t8p"), 0);
    auto idx = link_index(*sock_, dummy);
    ASSERT_TRUE(idx.ok()) << idx.error().message;
    EXPECT_EQ(output_of("ip -o link show dev " + dummy).find(",UP"), std::string::npos);
    ASSERT_TRUE(set_link_up(*sock_, *idx).ok());
    EXPECT_NE(output_of("ip -o link show dev " + dummy).find(",UP"), std::string::npos);

    ASSERT_TRUE(delete_link(*sock_, dummy).ok());
    auto gone = link_index(*sock_, dummy);
    ASSERT_FALSE(gone.ok());
    EXPECT_EQ(gone.error().code, ENODEV);
    EXPECT_EQ(gone.error().message, "looking up interface 'vsw-t8': No such device");
    auto again = delete_link(*sock_, dummy);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ENODEV);
    EXPECT_EQ(again.error().message, "deleting interface 'vsw-t8': No such device");
    EXPECT_TRUE(delete_link_if_exists(*sock_, dummy).ok());
}

TEST_F(Netlink, ErrorsNameTheInterface) {
    auto r = set_link_up(*sock_, 999999);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ENODEV);
    EXPECT_NE(r.error().message.find("#999999"), std::string::npos) << r.error().message;
}

TEST_F(Netlink, EnableIpForwardingInThisNamespace) {
    // Start from 0 so the test shows the write (this namespace's own copy).
    ASSERT_EQ(run("echo 0 > /proc/sys/net/ipv4/ip_forward"), 0);
    auto before = read_file("/proc/sys/net/ipv4/ip_forward");
    ASSERT_TRUE(before.ok()) << before.error().message;
    ASSERT_EQ(*before, "0\n");
    auto r = enable_ip_forwarding();
    ASSERT_TRUE(r.ok()) << r.error().message;
    auto after = read_file("/proc/sys/net/ipv4/ip_forward");
    ASSERT_TRUE(after.ok()) << after.error().message;
    EXPECT_EQ(*after, "1\n");
}

TEST_F(Netlink, BridgeMacIsTheSameAsInEarlierReleases) {
    // The guests' gateway MAC (and their ARP caches) must survive upgrades.
    EXPECT_EQ(stable_bridge_mac("vswitch0").to_string(), "ba:5c:54:10:5f:66");
}

// One error map: libnl's "object not found" is ENOENT, a missing link
// ENODEV, and a refused request keeps the kernel's errno.
TEST_F(Netlink, ErrorsMapToTheNearestErrno) {
    EXPECT_EQ(errno_of_nl(-NLE_OBJ_NOTFOUND), ENOENT);
    EXPECT_EQ(errno_of_nl(-NLE_NODEV), ENODEV);
    EXPECT_EQ(errno_of_nl(-NLE_EXIST), EEXIST);
    EXPECT_EQ(errno_of_nl(-NLE_PERM), EPERM);
    EXPECT_EQ(nl_error(-NLE_EXIST, "adding x").message, "adding x: File exists");
    auto missing = get_link(*sock_, "vsw-none");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ENODEV);
    auto by_index = get_link(*sock_, 999999);
    ASSERT_FALSE(by_index.ok());
    EXPECT_EQ(by_index.error().code, ENODEV);
}

// The socket stays usable across many requests, failed ones included.
TEST_F(Netlink, OnePersistentSocketServesManyRequests) {
    const auto br = owned("vsw-p1");
    for (int i = 0; i < 200; ++i) {
        ASSERT_TRUE(ensure_bridge(*sock_, br, std::nullopt).ok()) << i;
        ASSERT_FALSE(get_link(*sock_, "vsw-none").ok());
        ASSERT_TRUE(link_index(*sock_, br).ok()) << i;
    }
    EXPECT_EQ(sock_->reopens(), 0u);
}
