// Helpers for the firewall's privileged tests: the guard that keeps them
// off the machine's own network, and a way to run `nft`/`ip` and read what
// they print.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace vswitch::firewall::fwtest {

// The network namespace of a process, or 0 when it cannot be read (here
// /proc/1/ns/net is often hidden even from root).
inline ino_t netns_of(const std::string& pid) {
    struct stat st {};
    if (::stat(("/proc/" + pid + "/ns/net").c_str(), &st) != 0) return 0;
    return st.st_ino;
}

// The runner execs us right after unshare --net, so our parent (meson, a
// shell) is in the namespace we left; PID 1's is the machine's own.
inline bool in_own_netns() {
    ino_t self = netns_of("self");
    if (self == 0) return false;
    ino_t parent = netns_of(std::to_string(::getppid()));
    ino_t init = netns_of("1");
    if (parent == 0 && init == 0) return false;  // nothing to compare with: refuse
    return self != parent && self != init;
}

inline constexpr const char* kNotIsolated =
    "privileged tests must run in a private network namespace (unshare --net); "
    "this process shares its parent's or PID 1's";

// Output of a shell command, stderr included.
inline std::string run(const std::string& command) {
    std::string out;
    FILE* p = ::popen((command + " 2>&1").c_str(), "r");
    if (!p) return "popen failed";
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
    return out;
}

// Runs a shell command; true when it exits 0.
inline bool succeeds(const std::string& command) {
    return std::system(("(" + command + ") >/dev/null 2>&1").c_str()) == 0;
}

inline size_t count(const std::string& haystack, const std::string& needle) {
    size_t n = 0;
    for (size_t pos = haystack.find(needle); pos != std::string::npos;
         pos = haystack.find(needle, pos + 1)) {
        ++n;
    }
    return n;
}

}  // namespace vswitch::firewall::fwtest
