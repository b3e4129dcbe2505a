#include "libvswitch/ctl/objects.h"

#include <gtest/gtest.h>

#include "tests/unit/ctl/fixtures.h"

using namespace vswitch;
using namespace vswitch::ctl;
using namespace vswitch::ctl::testing;

namespace {

ObjectProperties switch_object(const SwitchRow& s, bool with_problems = true) {
    ObjectProperties o{s.object, std::string(kSwitchInterface), {}};
    o.properties = {{"Name", s.name},     {"Type", s.type},       {"Bridge", s.bridge},
                    {"Subnet", s.subnet}, {"Gateway", s.gateway}, {"Domain", s.domain}};
    if (with_problems) o.properties.emplace_back("Problems", s.problems);
    if (s.statistics) o.properties.emplace_back("Statistics", *s.statistics);
    return o;
}

ObjectProperties port_object(const PortRow& p) {
    return {p.object,
            std::string(kPortInterface),
            {{"Interface", p.ifname},
             {"Switch", p.sw},
             {"VM", p.vm},
             {"MAC", p.mac},
             {"Address", p.address},
             {"Hostname", p.hostname},
             {"Connected", p.connected},
             {"Origin", p.origin}}};
}

SwitchRow without_leases(SwitchRow s) {
    s.leases = 0;  // counted from ListLeases, not a property
    return s;
}

}  // namespace

TEST(VswitchctlObjects, SignaturesOfWhatIsRead) {
    EXPECT_EQ(property_signature(kSwitchInterface, "Subnet"), "s");
    EXPECT_EQ(property_signature(kSwitchInterface, "Problems"), "a(sss)");
    EXPECT_EQ(property_signature(kSwitchInterface, "Statistics"), "a{st}");
    EXPECT_EQ(property_signature(kPortInterface, "Connected"), "b");
    EXPECT_EQ(property_signature(kSwitchInterface, "Ports"), std::nullopt);  // not shown
    EXPECT_EQ(property_signature(kPortInterface, "Subnet"), std::nullopt);
    EXPECT_EQ(property_signature("org.freedesktop.DBus.Peer", "Name"), std::nullopt);
    EXPECT_TRUE(known_interface(kPortInterface));
    EXPECT_FALSE(known_interface("org.vswitch1.Manager"));
    EXPECT_FALSE(known_interface("org.freedesktop.DBus.Properties"));
}

TEST(VswitchctlObjects, BuildsSwitchAndPortRows) {
    auto o = build_objects(
        {port_object(db_port()), switch_object(default_switch()), port_object(web_port())});
    ASSERT_TRUE(o.ok()) << o.error().message;
    ASSERT_EQ(o->switches.size(), 1u);
    EXPECT_EQ(o->switches[0], without_leases(default_switch()));
    ASSERT_EQ(o->ports.size(), 2u);
    EXPECT_EQ(o->ports[0], web_port());
    EXPECT_EQ(o->ports[1], db_port());
}

// ListPorts' order is by interface name; the object paths sort otherwise
// ("vm-db" < "vm0", but "vm_2ddb" > "vm0").
TEST(VswitchctlObjects, PortsSortByInterfaceNameNotByPath) {
    PortRow vm0 = db_port();
    vm0.ifname = "vm0";
    vm0.object = "/org/vswitch1/port/vm0";
    auto o = build_objects({port_object(vm0), port_object(db_port())});
    ASSERT_TRUE(o.ok());
    EXPECT_EQ(o->ports[0].ifname, "vm-db");
    EXPECT_EQ(o->ports[1].ifname, "vm0");
}

TEST(VswitchctlObjects, ADaemonWithoutProblemsHasNone) {
    auto o = build_objects({switch_object(default_switch(), false)});
    ASSERT_TRUE(o.ok()) << o.error().message;
    EXPECT_TRUE(o->switches[0].problems.empty());
}

TEST(VswitchctlObjects, UnknownPropertiesAndInterfacesArePassedOver) {
    auto sw = switch_object(lab_switch());
    sw.properties.emplace_back("Uptime", uint64_t(7));
    ObjectProperties other{"/org/vswitch1/switch/lab", "org.vswitch1.Future", {{"Name", true}}};
    auto o = build_objects({sw, other});
    ASSERT_TRUE(o.ok()) << o.error().message;
    EXPECT_EQ(o->switches, std::vector<SwitchRow>{lab_switch()});
}

TEST(VswitchctlObjects, MissingIdentityIsAnErrorNamingIt) {
    auto sw = switch_object(lab_switch());
    sw.properties.erase(sw.properties.begin());  // Name
    auto o = build_objects({sw});
    ASSERT_FALSE(o.ok());
    EXPECT_EQ(o.error().code, EBADMSG);
    EXPECT_EQ(o.error().message,
              "object /org/vswitch1/switch/lab has no property org.vswitch1.Switch.Name");
    auto port = port_object(web_port());
    port.properties.erase(port.properties.begin() + 1);  // Switch
    o = build_objects({port});
    ASSERT_FALSE(o.ok());
    EXPECT_EQ(o.error().message,
              "object /org/vswitch1/port/tap_2dweb has no property org.vswitch1.Port.Switch");
}

TEST(VswitchctlObjects, AValueOfAnotherTypeIsAnErrorNamingIt) {
    auto port = port_object(web_port());
    port.properties[6].second = std::string("yes");  // Connected
    auto o = build_objects({port});
    ASSERT_FALSE(o.ok());
    EXPECT_EQ(o.error().code, EBADMSG);
    EXPECT_EQ(o.error().message,
              "property org.vswitch1.Port.Connected of /org/vswitch1/port/tap_2dweb has type "
              "'s', expected 'b'");
}

TEST(VswitchctlObjects, SwitchesFollowListSwitches) {
    SwitchRow a = lab_switch(), b = default_switch(), c = lab_switch();
    a.object = "/org/vswitch1/switch/Alpha";
    c.object = "/org/vswitch1/switch/new";  // appeared after ListSwitches
    std::vector<SwitchRow> rows{c, a, b};
    order_switches(rows, {b.object, "/org/vswitch1/switch/gone", a.object});
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].object, b.object);
    EXPECT_EQ(rows[1].object, a.object);
    EXPECT_EQ(rows[2].object, c.object);
}
