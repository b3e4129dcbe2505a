// vswitchd's command line (getopt_long): every option in both spellings,
// and a clear usage error for each mistake.
#include <gtest/gtest.h>

#include "daemon/options.h"

using namespace vswitch;

namespace {

Result<Options> parse(std::vector<std::string> args) {
    args.insert(args.begin(), "vswitchd");
    return parse_options(args);
}

}  // namespace

TEST(Options, DefaultsAndEveryOption) {
    auto d = parse({});
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->action, Options::Action::run);
    EXPECT_EQ(d->resolv_conf, "/etc/resolv.conf");
    auto o = parse({"--config", "/tmp/x/vswitchd.conf", "--state-dir=/tmp/s", "--runtime-dir", "/tmp/r",
                    "--boot-id", "0f4c6e1a-9d2b-4c3e-8a7f-5b6d7e8f9a0b", "--resolv-conf=/tmp/resolv",
                    "--log-level", "debug"});
    ASSERT_TRUE(o.ok()) << o.error().message;
    EXPECT_EQ(o->config_path, "/tmp/x/vswitchd.conf");
    EXPECT_EQ(o->switches_dir, "/tmp/x/switches.d");
    EXPECT_EQ(o->state_dir, "/tmp/s");
    EXPECT_EQ(o->runtime_dir, "/tmp/r");
    EXPECT_EQ(o->boot_id, "0f4c6e1a-9d2b-4c3e-8a7f-5b6d7e8f9a0b");
    EXPECT_EQ(o->resolv_conf, "/tmp/resolv");
    EXPECT_EQ(o->log_level, log::Level::debug);
    EXPECT_EQ(parse({"--teardown"})->action, Options::Action::teardown);
    EXPECT_EQ(parse({"--check-config"})->action, Options::Action::check_config);
    EXPECT_EQ(parse({"-h"})->action, Options::Action::help);
    EXPECT_EQ(parse({"--version"})->action, Options::Action::version);
    EXPECT_EQ(parse({"--config", "vswitchd.conf"})->switches_dir, "./switches.d");
}

TEST(Options, UsageErrorsSayWhatIsWrong) {
    auto msg = [](std::vector<std::string> a) {
        auto r = parse(std::move(a));
        EXPECT_FALSE(r.ok());
        return r ? std::string() : r.error().message;
    };
    EXPECT_EQ(msg({"--config"}), "option '--config' needs a value");
    EXPECT_EQ(msg({"--state-dir="}), "option '--state-dir' needs a non-empty value");
    EXPECT_EQ(msg({"--teardown=yes"}), "option '--teardown' takes no value");
    EXPECT_EQ(msg({"--frobnicate"}), "unknown option '--frobnicate' (see --help)");
    EXPECT_EQ(msg({"stray"}), "unknown option 'stray' (see --help)");
    EXPECT_EQ(msg({"--log-level", "loud"}),
              "invalid --log-level 'loud' (expected err, warning, notice, info or debug)");
    // Parsing twice in one process works (getopt's state is reset).
    EXPECT_TRUE(parse({"--teardown"}).ok());
}
