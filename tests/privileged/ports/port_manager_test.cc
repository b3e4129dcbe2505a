// PortManager against the real kernel, inside the private network namespace
// the runner gives this binary: TAPs, their owner, the bridge, carrier,
// detach, restore after a "restart", and the port limit.
#include "daemon/ports/port_manager.h"

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
    auto links = LinkControl::create();
    auto p = links->get(peer);
    ASSERT_TRUE(p.ok());
    ASSERT_TRUE(links->change(*p, LinkChange{.up = true}).ok());
}

void delete_link(const char* name) {
    auto links = LinkControl::create();
    if (auto l = links->get(name)) (void)links->remove(*l);
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

class PortManagerTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/vswitch-ports-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        add_bridge(kBridge);
        auto l = LinkControl::create();
        ASSERT_TRUE(l.ok());
        links_.emplace(std::move(*l));
        auto b = links_->get(kBridge);
        ASSERT_TRUE(b.ok());
        bridge_ifindex_ = b->ifindex;
        pm_ = make_manager();
    }
    void TearDown() override {
        pm_.reset();
        for (const char* n : {kBridge, "vstap0", "vstap1", "vstap2", "tap-a", "tap-b", "veth-h"})
            delete_link(n);
        std::filesystem::remove_all(dir_);
    }
    std::unique_ptr<PortManager> make_manager(size_t max_ports = kMaxPorts) {
        auto pm = PortManager::create(
            dir_,
            [](std::string_view sw) -> std::optional<std::string> {
                if (sw == "Default") return std::string(kBridge);
                return std::nullopt;
            },
            max_ports);
        EXPECT_TRUE(pm.ok());
        return pm ? std::move(*pm) : nullptr;
    }
    AdapterRequest req(std::string vm) {
        AdapterRequest r;
        r.switch_name = "Default";
        r.vm = std::move(vm);
        return r;
    }

    std::string dir_;
    std::optional<LinkControl> links_;
    int bridge_ifindex_ = 0;
    std::unique_ptr<PortManager> pm_;
};

}  // namespace

TEST_F(PortManagerTest, AttachAdapterCreatesPersistentTapInTheBridgeAndUp) {
    auto r = pm_->attach_adapter(req("web"));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->added);
    const PortRecord& p = *r->port;
    EXPECT_EQ(p.ifname, "vstap0");
    EXPECT_EQ(p.mac, stable_mac("web", 0));
    auto l = links_->get(p.ifname);
    ASSERT_TRUE(l.ok());
    EXPECT_EQ(l->kind, "tun");
    EXPECT_EQ(l->master, bridge_ifindex_);
    EXPECT_TRUE(l->up);
    EXPECT_EQ(l->mac, host_side_mac(p.mac));
    ASSERT_TRUE(pm_->flush().ok());
    auto file = read_file(dir_ + "/ports");
    ASSERT_TRUE(file.ok());
    EXPECT_NE(file->find("vstap0\tDefault\tweb\t" + p.mac.to_string()), std::string::npos);
}

TEST_F(PortManagerTest, SecondAdapterOfTheSameVmGetsTheNextStableMac) {
    auto a = pm_->attach_adapter(req("web"));
    auto b = pm_->attach_adapter(req("web"));
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(b->port->mac, stable_mac("web", 1));
    EXPECT_NE(a->port->ifname, b->port->ifname);
}

TEST_F(PortManagerTest, TapOwnerCanOpenItAndAnotherUidCannot) {
    auto r = req("qemu");
    r.ifname = "tap-a";
    r.owner = kNobody;
    ASSERT_TRUE(pm_->attach_adapter(r).ok());
    EXPECT_EQ(open_tap_as("tap-a", kNobody), 0);
    EXPECT_EQ(open_tap_as("tap-a", kNobody - 1), EPERM);
}

TEST_F(PortManagerTest, SameVmAndMacReturnsTheSamePort) {
    auto r = req("web");
    r.mac = *Mac::parse("52:54:00:aa:bb:cc");
    auto a = pm_->attach_adapter(r);
    auto b = pm_->attach_adapter(r);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_TRUE(a->added);
    EXPECT_FALSE(b->added);
    EXPECT_EQ(a->port, b->port);
    EXPECT_EQ(pm_->size(), 1u);
}

TEST_F(PortManagerTest, MacOfAnotherVmIsExists) {
    auto r = req("web");
    r.mac = *Mac::parse("52:54:00:aa:bb:cc");
    ASSERT_TRUE(pm_->attach_adapter(r).ok());
    r.vm = "db";
    auto b = pm_->attach_adapter(r);
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.error().code, EEXIST);
    EXPECT_NE(b.error().message.find("52:54:00:aa:bb:cc"), std::string::npos);
}

TEST_F(PortManagerTest, TakenNameIsExistsAndUnknownSwitchIsEnoent) {
    auto r = req("web");
    r.ifname = kBridge;
    auto a = pm_->attach_adapter(r);
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.error().code, EEXIST);
    EXPECT_TRUE(links_->get(kBridge).ok()) << "the bridge must survive a refused attach";
    r = req("web");
    r.switch_name = "Nope";
    auto b = pm_->attach_adapter(r);
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.error().code, ENOENT);
    EXPECT_NE(b.error().message.find("'Nope'"), std::string::npos);
}

TEST_F(PortManagerTest, DisconnectTurnsTheTapsCarrierOffAndConnectBackOn) {
    auto r = pm_->attach_adapter(req("web"));
    ASSERT_TRUE(r.ok());
    std::string name = r->port->ifname;
    Fd qemu = open_tap(name);
    EXPECT_TRUE(links_->get(name)->carrier);
    ASSERT_TRUE(pm_->set_connected(name, false).ok());
    EXPECT_FALSE(links_->get(name)->carrier);
    EXPECT_FALSE(pm_->find(name)->connected);
    ASSERT_TRUE(pm_->set_connected(name, true).ok());
    EXPECT_TRUE(links_->get(name)->carrier);
}

TEST_F(PortManagerTest, DetachDeletesTheTapButOnlyUnplugsAForeignInterface) {
    auto r = pm_->attach_adapter(req("web"));
    ASSERT_TRUE(r.ok());
    std::string tap = r->port->ifname;
    add_veth("veth-h", "veth-v");
    auto f = pm_->attach_interface("Default", "veth-h", "db", std::nullopt);
    ASSERT_TRUE(f.ok()) << f.error().message;
    EXPECT_EQ(links_->get("veth-h")->master, bridge_ifindex_);

    ASSERT_TRUE(pm_->detach(tap).ok());
    EXPECT_EQ(links_->get(tap).error().code, ENODEV);
    ASSERT_TRUE(pm_->detach("veth-h").ok());
    auto v = links_->get("veth-h");
    ASSERT_TRUE(v.ok()) << "a foreign interface must not be deleted";
    EXPECT_EQ(v->master, 0);
    EXPECT_EQ(pm_->size(), 0u);
    auto again = pm_->detach("veth-h");
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ENODEV);
}

TEST_F(PortManagerTest, DisconnectingAVethTakesThePeersCarrier) {
    add_veth("veth-h", "veth-v");
    ASSERT_TRUE(pm_->attach_interface("Default", "veth-h", "db", std::nullopt).ok());
    EXPECT_TRUE(links_->get("veth-v")->carrier);
    ASSERT_TRUE(pm_->set_connected("veth-h", false).ok());
    EXPECT_FALSE(links_->get("veth-v")->carrier);
    ASSERT_TRUE(pm_->set_connected("veth-h", true).ok());
    EXPECT_TRUE(links_->get("veth-v")->carrier);
}

TEST_F(PortManagerTest, AttachInterfaceRefusesMissingBridgeAndForeignMaster) {
    auto a = pm_->attach_interface("Default", "nothere0", "", std::nullopt);
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.error().code, ENODEV);
    auto b = pm_->attach_interface("Default", kBridge, "", std::nullopt);
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.error().code, EINVAL);
}

TEST_F(PortManagerTest, RestoreReplugsSurvivorsAndForgetsVanishedPorts) {
    auto a = pm_->attach_adapter(req("web"));
    auto b = pm_->attach_adapter(req("db"));
    ASSERT_TRUE(a.ok() && b.ok());
    std::string keep = a->port->ifname, gone = b->port->ifname;
    ASSERT_TRUE(pm_->set_connected(keep, false).ok());
    pm_.reset();  // the daemon stops; the TAPs stay
    auto l = links_->get(keep);
    ASSERT_TRUE(links_->change(*l, LinkChange{.master = 0}).ok());
    delete_link(gone.c_str());

    pm_ = make_manager();
    ASSERT_TRUE(pm_->restore().ok());
    ASSERT_EQ(pm_->size(), 1u);
    const PortRecord* p = pm_->find(keep);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->vm, "web");
    EXPECT_FALSE(p->connected);
    EXPECT_EQ(links_->get(keep)->master, bridge_ifindex_);
    ASSERT_TRUE(pm_->flush().ok());
    auto file = read_file(dir_ + "/ports");
    EXPECT_EQ(file->find(gone), std::string::npos);
}

TEST_F(PortManagerTest, PortLimitIsRefusedCleanly) {
    pm_ = make_manager(2);
    ASSERT_TRUE(pm_->attach_adapter(req("a")).ok());
    ASSERT_TRUE(pm_->attach_adapter(req("b")).ok());
    auto c = pm_->attach_adapter(req("c"));
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, E2BIG);
    EXPECT_FALSE(links_->get("vstap2").ok()) << "nothing may be left of a refused attach";
}

TEST_F(PortManagerTest, RemoveAllDeletesTapsAndUnplugsTheRest) {
    ASSERT_TRUE(pm_->attach_adapter(req("web")).ok());
    add_veth("veth-h", "veth-v");
    ASSERT_TRUE(pm_->attach_interface("Default", "veth-h", "db", std::nullopt).ok());
    ASSERT_TRUE(pm_->remove_all().ok());
    EXPECT_EQ(pm_->size(), 0u);
    EXPECT_FALSE(links_->get("vstap0").ok());
    EXPECT_EQ(links_->get("veth-h")->master, 0);
}

TEST_F(PortManagerTest, PortsFileIsWrittenLazilyAndCompletelyOnAStop) {
    ASSERT_TRUE(pm_->attach_adapter(req("web")).ok());
    ASSERT_TRUE(pm_->attach_adapter(req("db")).ok());
    // No loop runs here, so the save timer never fires: nothing written yet.
    EXPECT_FALSE(read_file(dir_ + "/ports").ok());
    pm_.reset();  // a clean stop
    auto file = read_file(dir_ + "/ports");
    ASSERT_TRUE(file.ok());
    auto records = parse_ports_file(*file);
    ASSERT_TRUE(records.ok());
    EXPECT_EQ(records->size(), 2u);
}

TEST_F(PortManagerTest, RestoreAdoptsPortsTheFileLostFromTheirAlias) {
    AdapterRequest r = req("web server");
    r.owner = kNobody;
    auto a = pm_->attach_adapter(r);
    ASSERT_TRUE(a.ok());
    const PortRecord want = *a->port;
    ASSERT_TRUE(pm_->set_connected(want.ifname, false).ok());
    add_veth("veth-h", "veth-v");
    ASSERT_TRUE(pm_->attach_interface("Default", "veth-h", "db", std::nullopt).ok());
    ASSERT_TRUE(pm_->detach("veth-h").ok());
    EXPECT_EQ(links_->get("veth-h")->alias, "") << "a detached foreign interface is no longer ours";
    pm_.reset();
    // A kill -9 before the lazy write: the file knows nothing.
    ASSERT_EQ(unlink((dir_ + "/ports").c_str()), 0);

    pm_ = make_manager();
    ASSERT_TRUE(pm_->restore().ok());
    ASSERT_EQ(pm_->size(), 1u);
    const PortRecord* p = pm_->find(want.ifname);
    ASSERT_NE(p, nullptr);
    PortRecord expected = want;
    expected.connected = false;
    EXPECT_EQ(*p, expected);
    ASSERT_TRUE(pm_->detach(want.ifname).ok());
    EXPECT_FALSE(links_->get(want.ifname).ok()) << "an adopted TAP is still the daemon's to delete";
}

TEST_F(PortManagerTest, AnInterfaceWithSomeoneElsesAliasIsNotAdopted) {
    add_veth("veth-h", "veth-v");
    auto l = links_->get("veth-h");
    ASSERT_TRUE(links_->change(*l, LinkChange{.master = bridge_ifindex_, .alias = "uplink to the lab"}).ok());
    ASSERT_TRUE(pm_->restore().ok());
    EXPECT_EQ(pm_->size(), 0u);
}

TEST_F(PortManagerTest, PortDeletedBehindTheDaemonsBackIsForgottenAndReported) {
    std::vector<PortRecord> vanished;
    std::vector<PortEvent> events;
    pm_->add_listener([&](PortEvent ev, const PortRecord& p) {
        events.push_back(ev);
        if (ev == PortEvent::vanished) vanished.push_back(p);
    });
    auto a = pm_->attach_adapter(req("web"));
    auto b = pm_->attach_adapter(req("db"));
    ASSERT_TRUE(a.ok() && b.ok());
    std::string gone = a->port->ifname, kept = b->port->ifname;
    ASSERT_TRUE(pm_->detach(kept).ok());  // our own detach is not "vanished"
    auto c = pm_->attach_adapter(req("db"));
    ASSERT_TRUE(c.ok());
    kept = c->port->ifname;
    delete_link(gone.c_str());  // as `ip link del` would

    // The watch runs on the thread's default loop, as in the daemon.
    sd_event* raw = nullptr;
    ASSERT_GE(sd_event_default(&raw), 0);
    UniqueHandle<sd_event, sd_event_unref> loop(raw);
    for (int i = 0; i < 50 && vanished.empty(); ++i) ASSERT_GE(sd_event_run(loop.get(), 100'000), 0);
    ASSERT_EQ(vanished.size(), 1u);
    EXPECT_EQ(vanished[0].ifname, gone);
    EXPECT_EQ(vanished[0].vm, "web");
    EXPECT_EQ(pm_->find(gone), nullptr);
    EXPECT_NE(pm_->find(kept), nullptr);
    EXPECT_EQ(pm_->size(), 1u);
    EXPECT_EQ(events, (std::vector<PortEvent>{PortEvent::attached, PortEvent::attached, PortEvent::detached,
                                              PortEvent::attached, PortEvent::vanished}));
}
