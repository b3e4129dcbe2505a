// Shared between the text parser (config.cc) and the loader (config_load.cc);
// not part of the public API.
#pragma once

#include <cstddef>
#include <string_view>

#include "libvswitch/base/result.h"
#include "libvswitch/config/config.h"

namespace vswitch::config_detail {

// Lines where the values that must be unique across switches were set, so a
// conflict between two files can point at both. A value left at its default
// points at the line that implied it (Name= for a derived bridge) or line 1.
struct SwitchOrigin {
    size_t name_line = 1;
    size_t bridge_line = 1;
    size_t subnet_line = 1;
    bool bridge_from_name = false;  // Bridge= unset in a .switch file
};

// The one parser behind parse_main_config (main_file) and parse_switch_file.
Result<SwitchConfig> parse_switch(std::string_view text, std::string_view path, bool main_file,
                                  SwitchOrigin* origin);

// "<path>:<line>: <reason>", the shape of every configuration error.
Error error_at(std::string_view path, size_t line, int code, std::string_view reason);

}  // namespace vswitch::config_detail
