// daemon/ctl/managed_objects.cc against GetManagedObjects replies built by
// hand, on an sd-bus connection over a socketpair: no bus daemon, no root.
#include "daemon/ctl/managed_objects.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

#include "libvswitch/base/handle.h"
#include "tests/unit/ctl/fixtures.h"

using namespace vswitch;
using namespace vswitch::ctl;
using namespace vswitch::ctl::testing;

namespace {

using BusPtr = UniqueHandle<sd_bus, sd_bus_close_unref>;
using MessagePtr = UniqueHandle<sd_bus_message, sd_bus_message_unref>;

// Writes a{oa{sa{sv}}} into a message, then seals it for reading.
class ReplyWriter {
public:
    explicit ReplyWriter(sd_bus* bus) {
        sd_bus_message* raw = nullptr;
        check(sd_bus_message_new_signal(bus, &raw, "/org/vswitch1",
                                        "org.freedesktop.DBus.ObjectManager", "Test"));
        m_.reset(raw);
        check(sd_bus_message_open_container(raw, 'a', "{oa{sa{sv}}}"));
    }

    ReplyWriter& object(const char* path) {
        end_object();
        check(sd_bus_message_open_container(m_.get(), 'e', "oa{sa{sv}}"));
        check(sd_bus_message_append(m_.get(), "o", path));
        check(sd_bus_message_open_container(m_.get(), 'a', "{sa{sv}}"));
        in_object_ = true;
        return *this;
    }
    ReplyWriter& interface(const char* name) {
        end_interface();
        check(sd_bus_message_open_container(m_.get(), 'e', "sa{sv}"));
        check(sd_bus_message_append(m_.get(), "s", name));
        check(sd_bus_message_open_container(m_.get(), 'a', "{sv}"));
        in_interface_ = true;
        return *this;
    }
    ReplyWriter& s(const char* name, const std::string& v) {
        check(sd_bus_message_append(m_.get(), "{sv}", name, "s", v.c_str()));
        return *this;
    }
    ReplyWriter& b(const char* name, bool v) {
        check(sd_bus_message_append(m_.get(), "{sv}", name, "b", int(v)));
        return *this;
    }
    ReplyWriter& i(const char* name, int32_t v) {
        check(sd_bus_message_append(m_.get(), "{sv}", name, "i", v));
        return *this;
    }
    ReplyWriter& paths(const char* name, const std::vector<std::string>& v) {
        open_variant(name, "ao");
        check(sd_bus_message_open_container(m_.get(), 'a', "o"));
        for (const auto& p : v) check(sd_bus_message_append(m_.get(), "o", p.c_str()));
        return close_variant(1);
    }
    ReplyWriter& problems(const char* name, const std::vector<ProblemRow>& v) {
        open_variant(name, "a(sss)");
        check(sd_bus_message_open_container(m_.get(), 'a', "(sss)"));
        for (const auto& p : v)
            check(sd_bus_message_append(m_.get(), "(sss)", p.kind.c_str(), p.message.c_str(),
                                        p.fix.c_str()));
        return close_variant(1);
    }
    // A dictionary: Statistics, or one a newer daemon might add elsewhere.
    ReplyWriter& stats(const char* name, const StatisticsRow& v = {{"rx", 1}, {"tx", 2}}) {
        open_variant(name, "a{st}");
        check(sd_bus_message_open_container(m_.get(), 'a', "{st}"));
        for (const auto& [key, value] : v) check(sd_bus_message_append(m_.get(), "{st}", key.c_str(), value));
        return close_variant(1);
    }

    sd_bus_message* finish() {
        end_object();
        check(sd_bus_message_close_container(m_.get()));
        check(sd_bus_message_seal(m_.get(), 1, 0));
        return m_.get();
    }

    ReplyWriter& sw(const SwitchRow& s) {
        return object(s.object.c_str())
            .interface("org.freedesktop.DBus.Peer")
            .interface("org.vswitch1.Switch")
            .s("Name", s.name)
            .s("Type", s.type)
            .s("Bridge", s.bridge)
            .s("Subnet", s.subnet)
            .s("Gateway", s.gateway)
            .s("Domain", s.domain)
            .paths("Ports", {"/org/vswitch1/port/tap_2dweb"});
    }
    ReplyWriter& port(const PortRow& p) {
        return object(p.object.c_str())
            .interface("org.vswitch1.Port")
            .s("Interface", p.ifname)
            .s("Switch", p.sw)
            .s("VM", p.vm)
            .s("MAC", p.mac)
            .s("Address", p.address)
            .s("Hostname", p.hostname)
            .b("Connected", p.connected)
            .s("Origin", p.origin)
            .interface("org.freedesktop.DBus.Properties");
    }

private:
    static void check(int r) {
        if (r < 0) throw std::runtime_error("building the test reply: " + std::to_string(r));
    }
    void open_variant(const char* name, const char* sig) {
        check(sd_bus_message_open_container(m_.get(), 'e', "sv"));
        check(sd_bus_message_append(m_.get(), "s", name));
        check(sd_bus_message_open_container(m_.get(), 'v', sig));
    }
    ReplyWriter& close_variant(int inner) {
        for (int n = 0; n < inner + 2; ++n) check(sd_bus_message_close_container(m_.get()));
        return *this;
    }
    void end_interface() {
        if (!in_interface_) return;
        check(sd_bus_message_close_container(m_.get()));
        check(sd_bus_message_close_container(m_.get()));
        in_interface_ = false;
    }
    void end_object() {
        end_interface();
        if (!in_object_) return;
        check(sd_bus_message_close_container(m_.get()));
        check(sd_bus_message_close_container(m_.get()));
        in_object_ = false;
    }

    MessagePtr m_;
    bool in_object_ = false, in_interface_ = false;
};

// An sd-bus connection that talks to nobody: enough to build messages.
class ManagedObjectsTest : public ::testing::Test {
protected:
    void SetUp() override {
        int fds[2];
        ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
        peer_ = fds[1];
        sd_bus* raw = nullptr;
        ASSERT_GE(sd_bus_new(&raw), 0);
        bus_.reset(raw);
        ASSERT_GE(sd_bus_set_fd(raw, fds[0], fds[0]), 0);  // the bus owns fds[0]
        ASSERT_GE(sd_bus_start(raw), 0);
    }
    void TearDown() override {
        bus_.reset();
        if (peer_ >= 0) close(peer_);
    }

    BusPtr bus_;
    int peer_ = -1;
};

}  // namespace

TEST_F(ManagedObjectsTest, ReadsWhatItKnowsAndSkipsTheRest) {
    ReplyWriter w(bus_.get());
    w.sw(default_switch())
        .problems("Problems", default_switch().problems)
        .stats("Statistics", *default_switch().statistics);
    w.interface("org.vswitch1.Future").s("Name", "x").stats("Counters");
    w.port(web_port()).port(db_port());
    auto props = read_managed_objects(w.finish());
    ASSERT_TRUE(props.ok()) << props.error().message;
    ASSERT_EQ(props->size(), 3u);  // the switch and two ports; Peer, Properties, Future skipped
    auto o = build_objects(*props);
    ASSERT_TRUE(o.ok()) << o.error().message;
    SwitchRow want = default_switch();
    want.leases = 0;
    EXPECT_EQ(o->switches, std::vector<SwitchRow>{want});
    EXPECT_EQ(o->ports, (std::vector<PortRow>{web_port(), db_port()}));
}

TEST_F(ManagedObjectsTest, NoObjects) {
    ReplyWriter w(bus_.get());
    auto props = read_managed_objects(w.finish());
    ASSERT_TRUE(props.ok()) << props.error().message;
    EXPECT_TRUE(props->empty());
}

TEST_F(ManagedObjectsTest, ADaemonWithoutProblemsStillWorks) {
    ReplyWriter w(bus_.get());
    w.sw(lab_switch());
    auto props = read_managed_objects(w.finish());
    ASSERT_TRUE(props.ok()) << props.error().message;
    auto o = build_objects(*props);
    ASSERT_TRUE(o.ok()) << o.error().message;
    EXPECT_EQ(o->switches, std::vector<SwitchRow>{lab_switch()});
}

TEST_F(ManagedObjectsTest, AKnownPropertyOfAnotherTypeIsNamed) {
    ReplyWriter w(bus_.get());
    w.object("/org/vswitch1/switch/Default")
        .interface("org.vswitch1.Switch")
        .s("Name", "Default")
        .i("Subnet", 20);
    auto props = read_managed_objects(w.finish());
    ASSERT_FALSE(props.ok());
    EXPECT_EQ(props.error().code, EBADMSG);
    EXPECT_EQ(props.error().message,
              "property org.vswitch1.Switch.Subnet of /org/vswitch1/switch/Default has type 'i', "
              "expected 's'");
}

TEST_F(ManagedObjectsTest, ProblemsOfAnotherShapeAreNamed) {
    ReplyWriter w(bus_.get());
    w.object("/org/vswitch1/switch/Default")
        .interface("org.vswitch1.Switch")
        .paths("Problems", {"/x"});
    auto props = read_managed_objects(w.finish());
    ASSERT_FALSE(props.ok());
    EXPECT_EQ(props.error().message,
              "property org.vswitch1.Switch.Problems of /org/vswitch1/switch/Default has type "
              "'ao', expected 'a(sss)'");
}

TEST_F(ManagedObjectsTest, AReplyOfAnotherSignatureIsAnError) {
    sd_bus_message* raw = nullptr;
    ASSERT_GE(sd_bus_message_new_signal(bus_.get(), &raw, "/org/vswitch1", "a.b", "C"), 0);
    MessagePtr m(raw);
    ASSERT_GE(sd_bus_message_append(raw, "a(so)", 1, "Default", "/org/vswitch1/switch/Default"), 0);
    ASSERT_GE(sd_bus_message_seal(raw, 1, 0), 0);
    auto props = read_managed_objects(raw);
    ASSERT_FALSE(props.ok());
    EXPECT_NE(props.error().message.find("reading GetManagedObjects (the object dictionary)"),
              std::string::npos)
        << props.error().message;
}
