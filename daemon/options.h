// vswitchd's command line (DESIGN.md "Names and paths"): every path the
// daemon uses can be moved, so it runs and is tested anywhere.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "daemon/log.h"
#include "libvswitch/base/result.h"

namespace vswitch {

struct Options {
    enum class Action { run, check_config, teardown, version, help };

    Action action = Action::run;
    std::string config_path;     // --config; switches.d sits beside it
    std::string switches_dir;    // derived: dirname(config_path)/switches.d
    std::string state_dir;       // --state-dir
    std::string runtime_dir;     // --runtime-dir
    std::optional<std::string> boot_id;  // --boot-id, else the kernel's
    std::string resolv_conf;     // --resolv-conf
    log::Level log_level = log::Level::info;
};

// Parses argv. Errors are usage errors: the message says which option and why.
Result<Options> parse_options(const std::vector<std::string>& args);

const char* usage_text();

}  // namespace vswitch
