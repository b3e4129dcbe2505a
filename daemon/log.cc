#include "daemon/log.h"

#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>
#include <systemd/sd-journal.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace vswitch::log {

namespace {

Level g_max = Level::info;

// systemd sets JOURNAL_STREAM=<dev>:<inode> of the stream it connected to
// stderr; only then is the native journal protocol the right channel.
bool stderr_is_journal() {
    static const bool is = [] {
        const char* e = std::getenv("JOURNAL_STREAM");
        if (!e) return false;
        unsigned long long dev = 0, ino = 0;
        if (std::sscanf(e, "%llu:%llu", &dev, &ino) != 2) return false;
        struct stat st {};
        if (::fstat(STDERR_FILENO, &st) < 0) return false;
        return st.st_dev == dev && st.st_ino == ino;
    }();
    return is;
}

}  // namespace

bool parse_level(std::string_view s, Level& out) {
    static const std::pair<std::string_view, Level> names[] = {
        {"err", Level::err},       {"error", Level::err},   {"3", Level::err},
        {"warning", Level::warning}, {"4", Level::warning}, {"notice", Level::notice},
        {"5", Level::notice},      {"info", Level::info},   {"6", Level::info},
        {"debug", Level::debug},   {"7", Level::debug},
    };
    for (const auto& [name, level] : names) {
        if (s == name) {
            out = level;
            return true;
        }
    }
    return false;
}

void set_max_level(Level level) { g_max = level; }
Level max_level() { return g_max; }
bool enabled(Level level) { return int(level) <= int(g_max); }

void write(Level level, std::string_view message, std::initializer_list<Field> fields) {
    if (!enabled(level)) return;
    if (stderr_is_journal()) {
        std::vector<std::string> items;
        items.reserve(fields.size() + 3);
        items.push_back("MESSAGE=" + std::string(message));
        items.push_back("PRIORITY=" + std::to_string(int(level)));
        items.push_back("SYSLOG_IDENTIFIER=vswitchd");
        for (const auto& [k, v] : fields) items.push_back(std::string(k) + "=" + v);
        std::vector<struct iovec> iov(items.size());
        for (size_t i = 0; i < items.size(); ++i) {
            iov[i].iov_base = items[i].data();
            iov[i].iov_len = items[i].size();
        }
        if (sd_journal_sendv(iov.data(), int(iov.size())) >= 0) return;
    }
    std::string line = "vswitchd: ";
    line += message;
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace vswitch::log
