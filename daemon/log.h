// Logging for the daemon (libvswitch never logs). One line per decision.
// When stderr is connected to the journal (JOURNAL_STREAM), entries go to
// the journal with structured fields (VSWITCH_SWITCH=, VSWITCH_PORT=, ...);
// otherwise "vswitchd: <message>" lines on stderr.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace vswitch::log {

enum class Level { err = 3, warning = 4, notice = 5, info = 6, debug = 7 };

// Parses "err", "warning", "notice", "info", "debug" (also syslog numbers).
bool parse_level(std::string_view s, Level& out);
void set_max_level(Level level);
Level max_level();
bool enabled(Level level);

using Field = std::pair<const char*, std::string>;  // {"VSWITCH_SWITCH", "Default"}

void write(Level level, std::string_view message, std::initializer_list<Field> fields = {});

inline void error(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::err, m, f); }
inline void warning(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::warning, m, f); }
inline void notice(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::notice, m, f); }
inline void info(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::info, m, f); }
inline void debug(std::string_view m, std::initializer_list<Field> f = {}) {
    if (enabled(Level::debug)) write(Level::debug, m, f);
}

}  // namespace vswitch::log
