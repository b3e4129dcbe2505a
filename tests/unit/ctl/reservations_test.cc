// vswitchctl reserve / unreserve / reservations: the command line and the
// output, text and JSON.
#include <gtest/gtest.h>

#include "libvswitch/ctl/command_line.h"
#include "libvswitch/ctl/json.h"
#include "libvswitch/ctl/text.h"

using namespace vswitch::ctl;

TEST(VswitchctlReservations, VerbsTakeTheirArguments) {
    auto c = parse_command_line({"reserve", "Default", "web server", "0.0.0.42"});
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->verb, "reserve");
    EXPECT_EQ(c->args, (std::vector<std::string>{"Default", "web server", "0.0.0.42"}));
    EXPECT_TRUE(parse_command_line({"unreserve", "Default", "web"}).ok());
    EXPECT_TRUE(parse_command_line({"reservations"}).ok());
    EXPECT_TRUE(parse_command_line({"--json", "reservations", "Default"}).ok());
    EXPECT_EQ(parse_command_line({"reserve", "Default", "web"}).error().message,
              "'reserve' takes 3 argument(s), got 2");
    EXPECT_FALSE(parse_command_line({"unreserve", "Default"}).ok());
    EXPECT_FALSE(parse_command_line({"reserve", "Default", "web", "0.0.0.42", "--mac", "x"}).ok());
}

TEST(VswitchctlReservations, TextAndJson) {
    std::vector<ReservationRow> rows{{"Default", "52:54:00:12:34:56", "172.27.160.42", "config"},
                                     {"Default", "web server", "172.27.160.77", "runtime"}};
    EXPECT_EQ(reservations_text(rows),
              "SWITCH   KEY                ADDRESS        ORIGIN\n"
              "Default  52:54:00:12:34:56  172.27.160.42  config\n"
              "Default  web server         172.27.160.77  runtime\n"
              "\n2 reservation(s) listed.\n");
    EXPECT_EQ(
        reservations_json(rows),
        R"([{"switch":"Default","key":"52:54:00:12:34:56","address":"172.27.160.42","origin":"config"},)"
        R"({"switch":"Default","key":"web server","address":"172.27.160.77","origin":"runtime"}])");
    EXPECT_EQ(reservations_json({}), "[]");
}
