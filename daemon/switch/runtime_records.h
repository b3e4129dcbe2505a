// Loading what a switch keeps beside its configuration (forwards and
// reservations added over D-Bus): the file is the truth; a file that does
// not parse is moved aside and raised as a problem, serving goes on with
// the configured records; a stored record that a configured one now
// contradicts is dropped with a warning.
#pragma once

#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/log.h"
#include "libvswitch/base/result.h"
#include "libvswitch/health/problems.h"

namespace vswitch {

struct RuntimeRecordsKind {
    std::string_view what;     // "forwards file" in messages
    std::string_view problem;  // the Problems kind raised for a corrupt file
    std::string_view hint;     // its fix
};

template <class T>
std::vector<T> load_runtime_records(const std::string& sw, const std::string& path,
                                    Result<std::vector<T>> loaded, const std::vector<T>& configured,
                                    Status (*check)(std::span<const T>), health::Problems& problems,
                                    const RuntimeRecordsKind& kind) {
    std::vector<T> kept;
    if (!loaded) {
        if (loaded.error().code == ENOENT) return kept;
        // Keep the evidence and say so where an admin looks.
        std::string aside = path + ".corrupt";
        std::string moved =
            std::rename(path.c_str(), aside.c_str()) == 0 ? "; moved to '" + aside + "'" : "";
        problems.raise(std::string(kind.problem), loaded.error().message + moved, std::string(kind.hint));
        return kept;
    }
    std::vector<T> all = configured;
    for (auto& r : *loaded) {
        all.push_back(r);
        if (auto st = check(all); !st) {
            // A configured one took its place since: the file's goes.
            log::warning("switch '" + sw + "': " + std::string(kind.what) + " '" + path + "': " +
                             st.error().message + ", ignoring its entry",
                         {{"VSWITCH_SWITCH", sw}});
            all.pop_back();
            continue;
        }
        kept.push_back(std::move(r));
    }
    return kept;
}

}  // namespace vswitch
