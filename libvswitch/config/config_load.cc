// load_config: the only part of the configuration code that touches the
// disk. It reads the files, hands their text to the pure parser, and checks
// what no single file can: that switches do not collide.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>

#include "libvswitch/base/file.h"
#include "libvswitch/base/handle.h"
#include "libvswitch/config/config.h"
#include "libvswitch/config/config_internal.h"

namespace vswitch {

namespace {

using config_detail::error_at;
using config_detail::SwitchOrigin;

constexpr std::string_view kSwitchFileSuffix = ".switch";

struct LoadedSwitch {
    SwitchConfig config;
    SwitchOrigin origin;
};

// The file's text, or an error in the "<path>:<line>: <reason>" shape that
// keeps the errno code (ENOENT tells a missing main file apart).
Result<std::string> read_config_file(const std::string& path) {
    auto text = read_file(path, kMaxConfigFileSize);
    if (text) return text;
    int code = text.error().code;
    if (code == E2BIG)
        return error_at(path, 1, E2BIG,
                        "file is larger than " + std::to_string(kMaxConfigFileSize) + " bytes");
    return error_at(path, 1, code, errno_error(code, "cannot read file").message);
}

std::string join_path(const std::string& dir, std::string_view name) {
    std::string p = dir;
    if (!p.empty() && p.back() != '/') p += '/';
    p += name;
    return p;
}

bool is_lower_equal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               auto low = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
               return low(x) == low(y);
           });
}

// Paths of the *.switch regular files in dir (symlinks followed), sorted by
// name so the order of switches does not depend on the file system. Hidden
// files are skipped, as editors leave them behind ("~" backups do not end
// in ".switch" and are skipped by the suffix test).
Result<std::vector<std::string>> list_switch_files(const std::string& dir) {
    UniqueHandle<DIR, ::closedir> d(::opendir(dir.c_str()));
    if (!d) {
        int code = errno;
        if (code == ENOENT) return std::vector<std::string>{};
        return error_at(dir, 1, code, errno_error(code, "cannot open directory").message);
    }
    std::vector<std::string> paths;
    for (;;) {
        errno = 0;
        const dirent* e = ::readdir(d.get());
        if (!e) {
            if (errno != 0)
                return error_at(dir, 1, errno, errno_error(errno, "cannot list directory").message);
            break;
        }
        std::string_view name = e->d_name;
        if (name.empty() || name.front() == '.') continue;
        if (name.size() <= kSwitchFileSuffix.size() || !name.ends_with(kSwitchFileSuffix)) continue;
        std::string path = join_path(dir, name);
        struct stat st {};
        if (::stat(path.c_str(), &st) < 0) {
            int code = errno;
            return error_at(path, 1, code, errno_error(code, "cannot read file").message);
        }
        if (!S_ISREG(st.st_mode)) continue;
        paths.push_back(std::move(path));
    }
    if (paths.size() > kMaxSwitchFiles)
        return error_at(dir, 1, E2BIG,
                        "too many .switch files (" + std::to_string(paths.size()) + "; at most " +
                            std::to_string(kMaxSwitchFiles) + ")");
    std::sort(paths.begin(), paths.end());
    return paths;
}

std::string where(const LoadedSwitch& s, size_t line) {
    return s.config.source + ":" + std::to_string(line);
}

// b is refused if it collides with a, which was loaded before it.
Status check_pair(const LoadedSwitch& a, const LoadedSwitch& b) {
    const SwitchConfig& x = a.config;
    const SwitchConfig& y = b.config;
    if (is_lower_equal(x.name, y.name)) {
        std::string m = "switch name '" + y.name + "' is already declared";
        if (x.name != y.name) m += " (as '" + x.name + "')";
        m += " in " + where(a, a.origin.name_line);
        return error_at(y.source, b.origin.name_line, EEXIST, m);
    }
    if (x.bridge == y.bridge) {
        std::string m = "Bridge '" + y.bridge + "'";
        if (b.origin.bridge_from_name) m += " (derived from Name=)";
        m += " is already used by switch '" + x.name + "' (" + where(a, a.origin.bridge_line) + ")";
        return error_at(y.source, b.origin.bridge_line, EEXIST, m);
    }
    if (x.subnet && y.subnet && x.subnet->overlaps(*y.subnet))
        return error_at(y.source, b.origin.subnet_line, EEXIST,
                        "Subnet " + y.subnet->to_string() + " overlaps Subnet " +
                            x.subnet->to_string() + " of switch '" + x.name + "' (" +
                            where(a, a.origin.subnet_line) + ")");
    return config_detail::check_external_pair(x, a.origin, y, b.origin);
}

}  // namespace

Result<Config> load_config(const std::string& main_path, const std::string& switches_dir) {
    std::vector<LoadedSwitch> all(1);
    if (auto text = read_config_file(main_path); text) {
        auto c = config_detail::parse_switch(*text, main_path, true, &all[0].origin);
        if (!c) return c.error();
        all[0].config = std::move(*c);
    } else if (text.error().code == ENOENT) {
        all[0].config.source = main_path;  // built-in defaults stand for the file
    } else {
        return text.error();
    }

    auto paths = list_switch_files(switches_dir);
    if (!paths) return paths.error();
    for (const auto& path : *paths) {
        auto text = read_config_file(path);
        if (!text) return text.error();
        LoadedSwitch s;
        auto c = config_detail::parse_switch(*text, path, false, &s.origin);
        if (!c) return c.error();
        s.config = std::move(*c);
        for (const auto& earlier : all)
            if (auto st = check_pair(earlier, s); !st) return st.error();
        all.push_back(std::move(s));
    }

    Config config;
    config.default_switch = std::move(all[0].config);
    for (size_t i = 1; i < all.size(); ++i)
        config.extra_switches.push_back(std::move(all[i].config));
    return config;
}

}  // namespace vswitch
