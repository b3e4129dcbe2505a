// A switch's PortSet and the daemon's PortStore against the real kernel,
// inside the private network namespace the runner gives this binary: TAPs,
// their owner, the bridge, carrier, detach, restore after a "restart", the
// port limit, names and MACs unique across switches, and ports deleted
// behind the daemon's back.
#include "daemon/ports/port_set.h"

#include "daemon/netlink/observer.h"
#include "daemon/ports/port_store.h"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netlink/route/link/veth.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "libvswitch/base/fd.h"
#include "libvswitch/base/file.h"

using namespace vswitch;
using namespace vswitch::ports;
using netlink::LinkChange;

namespace {

constexpr const char* kBridge = "vsbr-test";
constexpr uint32_t kNobody = 65534;

using SockPtr = UniqueHandle<nl_sock, nl_socket_free>;
using LinkPtr = UniqueHandle<rtnl_link, rtnl_link_put>;

SockPtr rtnl() {
    SockPtr s(nl_socket_alloc());
    EXPECT_EQ(nl_connect(s.get(), NETLINK_ROUTE), 0);
    return s;
}

void add_bridge(const char* name) {
    auto s = rtnl();
    LinkPtr l(rtnl_link_alloc());
    rtnl_link_set_type(l.get(), "bridge");
    rtnl_link_set_name(l.get(), name);
    rtnl_link_set_flags(l.get(), IFF_UP);
    ASSERT_EQ(rtnl_link_add(s.get(), l.get(), NLM_F_CREATE | NLM_F_EXCL), 0);
}

void add_veth(const char* name, const char* peer) {
    auto s = rtnl();
    ASSERT_EQ(rtnl_link_veth_add(s.get(), name, peer, getpid()), 0);
    auto sock = netlink::RouteSocket::open();
    auto p = netlink::get_link(*sock, peer);
    ASSERT_TRUE(p.ok());
    ASSERT_TRUE(netlink::change_link(*sock, *p, LinkChange{.up = true}).ok());
}

void delete_link(const char* name) {
    auto sock = netlink::RouteSocket::open();
    if (auto l = netlink::get_link(*sock, name)) (void)netlink::remove_link(*sock, *l);
}

// Some containers ship /dev/net/tun as 0600, where no unprivileged QEMU could
// open any TAP. The child then gets a private mount namespace with its own
// 0666 node for the same device, as distributions install it; the host's
// /dev is untouched.
bool give_child_an_open_tun_node() {
    struct stat st {};
    if (stat("/dev/net/tun", &st) == 0 && (st.st_mode & 0006) == 0006) return true;
    if (unshare(CLONE_NEWNS) != 0) return false;
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return false;
    if (mount("tmpfs", "/dev/net", "tmpfs", 0, "mode=0755") != 0) return false;
    return mknod("/dev/net/tun", S_IFCHR | 0666, st.st_rdev) == 0 && chmod("/dev/net/tun", 0666) == 0;
}

// Opens the TAP as QEMU would, in a child running as uid; returns errno or 0.
int open_tap_as(const std::string& ifname, uint32_t uid) {
    pid_t pid = fork();
    if (pid == 0) {
        if (!give_child_an_open_tun_node()) _exit(102);
        if (setgid(uid) != 0 || setuid(uid) != 0) _exit(100);
        int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
        if (fd < 0) _exit(101);
        struct ifreq ifr {};
        std::strncpy(ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
        ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
        _exit(ioctl(fd, TUNSETIFF, &ifr) < 0 ? errno : 0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Attaches to the TAP in this process, as QEMU would: the TAP gets a carrier.
Fd open_tap(const std::string& ifname) {
    Fd fd(open("/dev/net/tun", O_RDWR | O_CLOEXEC));
    struct ifreq ifr {};
    std::strncpy(ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    EXPECT_EQ(ioctl(fd.get(), TUNSETIFF, &ifr), 0) << strerror(errno);
    return fd;
}

// What the daemon holds: one PortStore, here with one switch "Default" on
// kBridge. stop() is a clean stop (sets first, then the store, as the
// Manager destroys them); start() a daemon start, restore() included.
class PortSetTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/vswitch-ports-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        add_bridge(kBridge);
        auto sock = netlink::RouteSocket::open();
        ASSERT_TRUE(sock.ok());
        sock_.emplace(std::move(*sock));
        auto b = link(kBridge);
        ASSERT_TRUE(b.ok());
        bridge_ifindex_ = b->ifindex;
        make(kMaxPorts);
    }
    void TearDown() override {
        stop();
        for (const char* n : {kBridge, kBridge2, "vstap0", "vstap1", "vstap2", "tap-a", "tap-b", "veth-h"})
            delete_link(n);
        std::filesystem::remove_all(dir_);
    }
    void make(size_t max_ports) {
        auto store = PortStore::create(dir_, *sock_, max_ports);
        ASSERT_TRUE(store.ok());
        store_ = std::move(*store);
        set_ = std::make_unique<PortSet>(nullptr, "Default", kBridge, *sock_, *store_);
    }
    void stop() {
        set_.reset();
        store_.reset();
    }
    AdapterRequest req(std::string vm) {
        AdapterRequest r;
        r.vm = std::move(vm);
        return r;
    }

    Result<netlink::LinkInfo> link(const std::string& name) { return netlink::get_link(*sock_, name); }
    // A detached TAP of the daemon's: out of the bridge and marked at once,
    // deleted a moment later by the reaper's thread.
    void expect_detached_then_deleted(const std::string& name) {
        auto now = link(name);
        if (now.ok()) {
            EXPECT_EQ(now->master, 0) << name << " is still in the bridge after DetachAdapter";
            EXPECT_EQ(now->alias, kReapAlias);
        }
        for (int i = 0; i < 200 && link(name).ok(); ++i) usleep(10'000);
        EXPECT_EQ(link(name).error().code, ENODEV) << name << " was not deleted within 2 s";
    }
    Status change(const netlink::LinkInfo& l, const LinkChange& c) { return netlink::change_link(*sock_, l, c); }

    static constexpr const char* kBridge2 = "vsbr-lab";
    std::string dir_;
    std::optional<netlink::RouteSocket> sock_;
    int bridge_ifindex_ = 0;
    std::unique_ptr<PortStore> store_;
    std::unique_ptr<PortSet> set_;
};

}  // namespace

TEST_F(PortSetTest, AttachAdapterCreatesPersistentTapInTheBridgeAndUp) {
    auto r = set_->attach_adapter(req("web"));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->added);
    const PortRecord& p = r->port->record;
    EXPECT_EQ(p.ifname, "vstap0");
    EXPECT_EQ(p.mac, stable_mac("web", 0));
    auto l = link(p.ifname);
    ASSERT_TRUE(l.ok());
    EXPECT_EQ(l->kind, "tun");
    EXPECT_EQ(l->master, bridge_ifindex_);
    EXPECT_TRUE(l->up);
    EXPECT_EQ(l->mac, host_side_mac(p.mac));
    ASSERT_TRUE(store_->flush().ok());
    auto file = read_file(dir_ + "/ports");
    ASSERT_TRUE(file.ok());
    EXPECT_NE(file->find("vstap0\tDefault\tweb\t" + p.mac.to_string()), std::string::npos);
}

TEST_F(PortSetTest, SecondAdapterOfTheSameVmGetsTheNextStableMac) {
    auto a = set_->attach_adapter(req("web"));
    auto b = set_->attach_adapter(req("web"));
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(b->port->record.mac, stable_mac("web", 1));
    EXPECT_NE(a->port->record.ifname, b->port->record.ifname);
}

TEST_F(PortSetTest, TapOwnerCanOpenItAndAnotherUidCannot) {
    auto r = req("qemu");
    r.ifname = "tap-a";
    r.owner = kNobody;
    ASSERT_TRUE(set_->attach_adapter(r).ok());
    EXPECT_EQ(open_tap_as("tap-a", kNobody), 0);
    EXPECT_EQ(open_tap_as("tap-a", kNobody - 1), EPERM);
}

TEST_F(PortSetTest, SameVmAndMacReturnsTheSamePort) {
    auto r = req("web");
    r.mac = *Mac::parse("52:54:00:aa:bb:cc");
    auto a = set_->attach_adapter(r);
    auto b = set_->attach_adapter(r);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_TRUE(a->added);
    EXPECT_FALSE(b->added);
    EXPECT_EQ(a->port, b->port);
    EXPECT_EQ(store_->size(), 1u);
}

TEST_F(PortSetTest, MacOfAnotherVmIsExists) {
    auto r = req("web");
    r.mac = *Mac::parse("52:54:00:aa:bb:cc");
    ASSERT_TRUE(set_->attach_adapter(r).ok());
    r.vm = "db";
    auto b = set_->attach_adapter(r);
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.error().code, EEXIST);
    EXPECT_NE(b.error().message.find("52:54:00:aa:bb:cc"), std::string::npos);
}

TEST_F(PortSetTest, TakenNameIsExists) {
    auto r = req("web");
    r.ifname = kBridge;
    auto a = set_->attach_adapter(r);
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.error().code, EEXIST);
    EXPECT_TRUE(link(kBridge).ok()) << "the bridge must survive a refused attach";
}

// Names and MACs are unique across switches, and the limit counts them all:
// the store answers for every set.
TEST_F(PortSetTest, AnotherSwitchCannotTakeANameOrMacAndSharesTheLimit) {
    add_bridge(kBridge2);
    PortSet lab(nullptr, "Lab", kBridge2, *sock_, *store_);
    auto r = req("web");
    r.mac = *Mac::parse("52:54:00:aa:bb:cc");
    r.ifname = "tap-a";
    ASSERT_TRUE(set_->attach_adapter(r).ok());
    auto same_mac = req("db");
    same_mac.mac = r.mac;
    auto a = lab.attach_adapter(same_mac);
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.error().code, EEXIST);
    auto same_name = req("db");
    same_name.ifname = "tap-a";
    auto b = lab.attach_adapter(same_name);
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.error().code, EEXIST);
    // The stable MAC of a VM skips one taken on another switch.
    auto c = lab.attach_adapter(req("web"));
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(store_->size(), 2u);
    EXPECT_EQ(store_->find("tap-a")->set, set_.get());
    EXPECT_EQ(store_->find(c->port->record.ifname)->set, &lab);
    EXPECT_EQ(store_->list().size(), 2u);
    ASSERT_TRUE(store_->flush().ok());
    auto file = read_file(dir_ + "/ports");
    ASSERT_TRUE(file.ok());
    EXPECT_NE(file->find("\tLab\tweb\t"), std::string::npos) << *file;
    ASSERT_TRUE(lab.remove_all().ok());
}

TEST_F(PortSetTest, DisconnectTurnsTheTapsCarrierOffAndConnectBackOn) {
    auto r = set_->attach_adapter(req("web"));
    ASSERT_TRUE(r.ok());
    std::string name = r->port->record.ifname;
    Fd qemu = open_tap(name);
    EXPECT_TRUE(link(name)->carrier);
    ASSERT_TRUE(set_->set_connected(name, false).ok());
    EXPECT_FALSE(link(name)->carrier);
    EXPECT_FALSE(set_->find(name)->record.connected);
    ASSERT_TRUE(set_->set_connected(name, true).ok());
    EXPECT_TRUE(link(name)->carrier);
}

TEST_F(PortSetTest, DetachDeletesTheTapButOnlyUnplugsAForeignInterface) {
    auto r = set_->attach_adapter(req("web"));
    ASSERT_TRUE(r.ok());
    std::string tap = r->port->record.ifname;
    add_veth("veth-h", "veth-v");
    auto f = set_->attach_interface("veth-h", "db", std::nullopt);
    ASSERT_TRUE(f.ok()) << f.error().message;
    EXPECT_EQ(link("veth-h")->master, bridge_ifindex_);

    ASSERT_TRUE(set_->detach(tap).ok());
    expect_detached_then_deleted(tap);
    ASSERT_TRUE(set_->detach("veth-h").ok());
    auto v = link("veth-h");
    ASSERT_TRUE(v.ok()) << "a foreign interface must not be deleted";
    EXPECT_EQ(v->master, 0);
    EXPECT_EQ(store_->size(), 0u);
    auto again = set_->detach("veth-h");
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ENODEV);
}

TEST_F(PortSetTest, DisconnectingAVethTakesThePeersCarrier) {
    add_veth("veth-h", "veth-v");
    ASSERT_TRUE(set_->attach_interface("veth-h", "db", std::nullopt).ok());
    EXPECT_TRUE(link("veth-v")->carrier);
    ASSERT_TRUE(set_->set_connected("veth-h", false).ok());
    EXPECT_FALSE(link("veth-v")->carrier);
    ASSERT_TRUE(set_->set_connected("veth-h", true).ok());
    EXPECT_TRUE(link("veth-v")->carrier);
}

TEST_F(PortSetTest, AttachInterfaceRefusesMissingBridgeAndForeignMaster) {
    auto a = set_->attach_interface("nothere0", "", std::nullopt);
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.error().code, ENODEV);
    auto b = set_->attach_interface(kBridge, "", std::nullopt);
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.error().code, EINVAL);
}

TEST_F(PortSetTest, RestoreReplugsSurvivorsAndForgetsVanishedPorts) {
    auto a = set_->attach_adapter(req("web"));
    auto b = set_->attach_adapter(req("db"));
    ASSERT_TRUE(a.ok() && b.ok());
    std::string keep = a->port->record.ifname, gone = b->port->record.ifname;
    ASSERT_TRUE(set_->set_connected(keep, false).ok());
    stop();  // the daemon stops; the TAPs stay
    auto l = link(keep);
    ASSERT_TRUE(change(*l, LinkChange{.master = 0}).ok());
    delete_link(gone.c_str());

    make(kMaxPorts);
    ASSERT_TRUE(store_->restore().ok());
    ASSERT_EQ(store_->size(), 1u);
    const Port* p = set_->find(keep);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->record.vm, "web");
    EXPECT_FALSE(p->record.connected);
    EXPECT_EQ(link(keep)->master, bridge_ifindex_);
    ASSERT_TRUE(store_->flush().ok());
    auto file = read_file(dir_ + "/ports");
    EXPECT_EQ(file->find(gone), std::string::npos);
}

TEST_F(PortSetTest, PortLimitIsRefusedCleanly) {
    stop();
    make(2);
    ASSERT_TRUE(set_->attach_adapter(req("a")).ok());
    ASSERT_TRUE(set_->attach_adapter(req("b")).ok());
    auto c = set_->attach_adapter(req("c"));
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, E2BIG);
    EXPECT_FALSE(link("vstap2").ok()) << "nothing may be left of a refused attach";
}

TEST_F(PortSetTest, RemoveAllDeletesTapsAndUnplugsTheRest) {
    ASSERT_TRUE(set_->attach_adapter(req("web")).ok());
    add_veth("veth-h", "veth-v");
    ASSERT_TRUE(set_->attach_interface("veth-h", "db", std::nullopt).ok());
    ASSERT_TRUE(set_->remove_all().ok());
    EXPECT_EQ(store_->size(), 0u);
    EXPECT_FALSE(link("vstap0").ok());
    EXPECT_EQ(link("veth-h")->master, 0);
}

TEST_F(PortSetTest, PortsFileIsWrittenLazilyAndCompletelyOnAStop) {
    ASSERT_TRUE(set_->attach_adapter(req("web")).ok());
    ASSERT_TRUE(set_->attach_adapter(req("db")).ok());
    // No loop runs here, so the save timer never fires: nothing written yet.
    EXPECT_FALSE(read_file(dir_ + "/ports").ok());
    stop();  // a clean stop
    auto file = read_file(dir_ + "/ports");
    ASSERT_TRUE(file.ok());
    auto records = parse_ports_file(*file);
    ASSERT_TRUE(records.ok());
    EXPECT_EQ(records->size(), 2u);
}

TEST_F(PortSetTest, RestoreAdoptsPortsTheFileLostFromTheirAlias) {
    AdapterRequest r = req("web server");
    r.owner = kNobody;
    auto a = set_->attach_adapter(r);
    ASSERT_TRUE(a.ok());
    const PortRecord want = a->port->record;
    ASSERT_TRUE(set_->set_connected(want.ifname, false).ok());
    add_veth("veth-h", "veth-v");
    ASSERT_TRUE(set_->attach_interface("veth-h", "db", std::nullopt).ok());
    ASSERT_TRUE(set_->detach("veth-h").ok());
    EXPECT_EQ(link("veth-h")->alias, "") << "a detached foreign interface is no longer ours";
    stop();
    // A kill -9 before the lazy write: the file knows nothing.
    ASSERT_EQ(unlink((dir_ + "/ports").c_str()), 0);

    make(kMaxPorts);
    ASSERT_TRUE(store_->restore().ok());
    ASSERT_EQ(store_->size(), 1u);
    const Port* p = set_->find(want.ifname);
    ASSERT_NE(p, nullptr);
    PortRecord expected = want;
    expected.connected = false;
    EXPECT_EQ(p->record, expected);
    ASSERT_TRUE(set_->detach(want.ifname).ok());
    expect_detached_then_deleted(want.ifname);  // an adopted TAP is still the daemon's to delete
}

TEST_F(PortSetTest, AnInterfaceWithSomeoneElsesAliasIsNotAdopted) {
    add_veth("veth-h", "veth-v");
    auto l = link("veth-h");
    ASSERT_TRUE(change(*l, LinkChange{.master = bridge_ifindex_, .alias = "uplink to the lab"}).ok());
    ASSERT_TRUE(store_->restore().ok());
    EXPECT_EQ(store_->size(), 0u);
}

TEST_F(PortSetTest, PortDeletedBehindTheDaemonsBackIsForgottenAndReported) {
    // The observer feeds the store on the thread's default loop, as in the daemon.
    sd_event* raw = nullptr;
    ASSERT_GE(sd_event_default(&raw), 0);
    UniqueHandle<sd_event, sd_event_unref> loop(raw);
    auto observer = netlink::Observer::create(loop.get());
    ASSERT_TRUE(observer.ok());
    auto sub = (*observer)->watch_links([&](const netlink::LinkEvent& ev) { store_->on_link(ev); },
                                        [&] { store_->on_links_overrun(); });
    std::vector<PortRecord> vanished;
    std::vector<PortEvent> events;
    set_->set_listener([&](PortEvent ev, const PortRecord& p) {
        events.push_back(ev);
        if (ev == PortEvent::vanished) vanished.push_back(p);
    });
    auto a = set_->attach_adapter(req("web"));
    auto b = set_->attach_adapter(req("db"));
    ASSERT_TRUE(a.ok() && b.ok());
    std::string gone = a->port->record.ifname, kept = b->port->record.ifname;
    ASSERT_TRUE(set_->detach(kept).ok());  // our own detach is not "vanished"
    auto c = set_->attach_adapter(req("db"));
    ASSERT_TRUE(c.ok());
    kept = c->port->record.ifname;
    delete_link(gone.c_str());  // as `ip link del` would

    for (int i = 0; i < 50 && vanished.empty(); ++i) ASSERT_GE(sd_event_run(loop.get(), 100'000), 0);
    ASSERT_EQ(vanished.size(), 1u);
    EXPECT_EQ(vanished[0].ifname, gone);
    EXPECT_EQ(vanished[0].vm, "web");
    EXPECT_EQ(set_->find(gone), nullptr);
    EXPECT_NE(set_->find(kept), nullptr);
    EXPECT_EQ(store_->size(), 1u);
    EXPECT_EQ(events, (std::vector<PortEvent>{PortEvent::attached, PortEvent::attached, PortEvent::detached,
                                              PortEvent::attached, PortEvent::vanished}));
}
