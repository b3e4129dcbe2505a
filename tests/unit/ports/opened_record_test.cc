// OpenAdapter's ports (issue 19) in the ports file and the interface alias.
#include <gtest/gtest.h>

#include "libvswitch/ports/port_record.h"

using namespace vswitch;
using namespace vswitch::ports;

TEST(OpenedPortRecord, RoundTripsThroughTheFileAndTheAlias) {
    PortRecord p;
    p.ifname = "vstap3";
    p.switch_name = "Default";
    p.vm = "web";
    p.mac = *parse_port_mac("52:54:00:0f:0e:c3");
    p.created = true;
    p.opened = true;
    p.owner = 1000;  // the opener
    std::string text = format_ports_file({p});
    EXPECT_NE(text.find("\tcreated,opened\t1000\t"), std::string::npos) << text;
    auto back = parse_ports_file(text);
    ASSERT_TRUE(back.ok()) << back.error().message;
    ASSERT_EQ(back->size(), 1u);
    EXPECT_EQ((*back)[0], p);
    auto alias = parse_port_alias(format_port_alias(p));
    ASSERT_TRUE(alias.has_value());
    EXPECT_TRUE(alias->opened);
    EXPECT_EQ(alias->owner, std::optional<uint32_t>(1000));
}
