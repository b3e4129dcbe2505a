#include "libvswitch/ctl/json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/unit/ctl/fixtures.h"

using namespace vswitch::ctl;
using namespace vswitch::ctl::testing;

namespace {

const char* const kWebJson =
    R"({"interface":"tap-web","switch":"Default","vm":"web","mac":"52:54:00:0f:0e:c2",)"
    R"("address":"172.27.160.37","hostname":"web-guest","connected":true,"origin":"daemon",)"
    R"("object":"/org/vswitch1/port/tap_2dweb"})";
const char* const kDbJson =
    R"({"interface":"vm-db","switch":"Default","vm":"","mac":"52:54:00:00:0d:b0",)"
    R"("address":"","hostname":"","connected":false,"origin":"attached",)"
    R"("object":"/org/vswitch1/port/vm_2ddb"})";

}  // namespace

TEST(VswitchctlJson, NoSwitchesIsAnEmptyArray) {
    EXPECT_EQ(status_json(StatusView{}), "[]");
    EXPECT_EQ(list_json({}), "[]");
    EXPECT_EQ(leases_json({}), "[]");
}

TEST(VswitchctlJson, StatusIsCompactWithKeysInTheirOrder) {
    EXPECT_EQ(
        status_json(one_switch(2)),
        std::string(R"([{"name":"Default","type":"nat","bridge":"vswitch0",)"
                    R"("subnet":"172.27.160.0/20","gateway":"172.27.160.1",)"
                    R"("domain":"vswitch.internal","interface":"","leases":1,)"
                    R"("object":"/org/vswitch1/switch/Default",)"
                    R"("problems":[{"kind":"foreign-forward-drop:ip/filter/FORWARD",)"
                    R"("message":"chain ip filter FORWARD (hook forward, another )"
                    R"(program's) drops new connections from VMs on 'vswitch0' )"
                    R"j((policy drop)","fix":"iptables -I DOCKER-USER -i vswitch0 -j ACCEPT"}],)j"
                    R"("firewall_repairs":2,"statistics":{"dhcp.acks":3,)"
                    R"("dhcp.dropped.zero-mac":2,"dns.queries":10,"dns.refused":0},"ports":[)") +
            kWebJson + "," + kDbJson + "]}]");
}

TEST(VswitchctlJson, SwitchWithoutPortsOrProblemsHasEmptyArrays) {
    StatusView v{{lab_switch()}, {web_port()}, std::nullopt};
    EXPECT_EQ(status_json(v),
              R"([{"name":"lab","type":"internal","bridge":"vs-lab","subnet":"172.18.96.0/20",)"
              R"("gateway":"172.18.96.1","domain":"lab.vswitch.internal","interface":"","leases":0,)"
              R"("object":"/org/vswitch1/switch/lab","problems":[],"firewall_repairs":-1,)"
              R"("statistics":null,"ports":[]}])");
}

TEST(VswitchctlJson, StatsMapsEachSwitchToItsCountersOrNull) {
    EXPECT_EQ(stats_json({}), "{}");
    EXPECT_EQ(stats_json({default_switch(), lab_switch()}),
              R"({"Default":{"dhcp.acks":3,"dhcp.dropped.zero-mac":2,"dns.queries":10,)"
              R"("dns.refused":0},"lab":null})");
}

TEST(VswitchctlJson, ABridgeMemberSaysItsOrigin) {
    EXPECT_EQ(list_json({member_port()}),
              R"([{"interface":"vm-guest","switch":"Default","vm":"","mac":"0a:3e:12:34:56:78",)"
              R"("address":"172.27.160.99","hostname":"guest1","connected":true,"origin":"bridge",)"
              R"("object":"/org/vswitch1/port/vm_2dguest"}])");
}

TEST(VswitchctlJson, ListHasEveryPortConnectedOrNot) {
    EXPECT_EQ(list_json({web_port(), db_port()}),
              std::string("[") + kWebJson + "," + kDbJson + "]");
}

TEST(VswitchctlJson, LeasesWithAndWithoutHostName) {
    EXPECT_EQ(leases_json({named_lease(), anonymous_lease()}),
              R"([{"switch":"Default","mac":"52:54:00:0f:0e:c2","address":"172.27.160.37",)"
              R"("hostname":"web-guest","expiry_usec":1767225600000000},)"
              R"({"switch":"Default","mac":"6e:c3:40:97:1e:72","address":"172.27.160.200",)"
              R"("hostname":"","expiry_usec":1767229200000000}])");
}

TEST(VswitchctlJson, Attach) {
    EXPECT_EQ(
        attach_json("vstap0", "52:54:00:ea:54:4e", "/org/vswitch1/port/vstap0"),
        R"({"interface":"vstap0","mac":"52:54:00:ea:54:4e","object":"/org/vswitch1/port/vstap0"})");
}

// RFC 8259 §7: quote and backslash escaped, control characters as \uXXXX
// (or their short forms), UTF-8 passed through as is.
TEST(VswitchctlJson, EscapesQuotesBackslashesAndControls) {
    PortRow p = web_port();
    p.vm = kOddVm;
    p.hostname = "a\nb\tc\x1f";
    std::string out = list_json({p});
    EXPECT_NE(out.find(R"("vm":"we\"ird\\vm\u0001 )"
                       "\xc3\xbc\""),
              std::string::npos)
        << out;
    EXPECT_NE(out.find(R"("hostname":"a\nb\tc\u001f")"), std::string::npos) << out;
    auto back = nlohmann::json::parse(out);
    EXPECT_EQ(back[0]["vm"], kOddVm);
    EXPECT_EQ(back[0]["hostname"], p.hostname);
}

TEST(VswitchctlJson, EscapesInEveryOutput) {
    StatusView v = one_switch();
    v.switches[0].problems[0].message = "say \"no\"";
    EXPECT_NE(status_json(v).find(R"("message":"say \"no\"")"), std::string::npos);
    LeaseRow l = named_lease();
    l.hostname = "back\\slash";
    EXPECT_NE(leases_json({l}).find(R"("hostname":"back\\slash")"), std::string::npos);
    EXPECT_NE(attach_json("t\"ap", "", "").find(R"("interface":"t\"ap")"), std::string::npos);
}

// The hand-written escaper wrote \u0008 and \u000c; nlohmann writes the
// short forms, which every JSON reader takes as the same string. The daemon
// refuses control characters in VM names and sanitises host names, so no
// output seen so far carries either.
TEST(VswitchctlJson, BackspaceAndFormFeedUseTheShortEscapes) {
    EXPECT_EQ(attach_json("\b\f", "", ""), R"({"interface":"\b\f","mac":"","object":""})");
}

// D-Bus strings are valid UTF-8, so this only guards a row built
// elsewhere: a bad byte becomes U+FFFD instead of an exception.
TEST(VswitchctlJson, InvalidUtf8BecomesAReplacementCharacter) {
    EXPECT_EQ(attach_json("a\xff", "", ""),
              "{\"interface\":\"a\xef\xbf\xbd\",\"mac\":\"\",\"object\":\"\"}");
}
