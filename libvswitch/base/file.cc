#include "libvswitch/base/file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <vector>

#include "libvswitch/base/fd.h"
#include "libvswitch/base/handle.h"

namespace vswitch {

Result<std::string> read_file(const std::string& path, size_t max_size) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd) return errno_error(errno, "opening '" + path + "'");
    std::string out;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno_error(errno, "reading '" + path + "'");
        }
        if (n == 0) break;
        if (out.size() + size_t(n) > max_size)
            return make_error(E2BIG, "reading '" + path + "': file larger than " +
                                         std::to_string(max_size) + " bytes");
        out.append(buf, size_t(n));
    }
    return out;
}

Status write_file_atomic(const std::string& path, std::string_view content, unsigned mode) {
    std::string dir = ".";
    if (auto slash = path.rfind('/'); slash != std::string::npos) dir = slash == 0 ? "/" : path.substr(0, slash);
    std::string tmp = path + ".tmp" + std::to_string(::getpid());
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, mode));
    if (!fd) return errno_error(errno, "creating '" + tmp + "'");
    const char* p = content.data();
    size_t left = content.size();
    while (left > 0) {
        ssize_t n = ::write(fd.get(), p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            ::unlink(tmp.c_str());
            return errno_error(e, "writing '" + tmp + "'");
        }
        p += n;
        left -= size_t(n);
    }
    if (::fchmod(fd.get(), mode) < 0 || ::fsync(fd.get()) < 0) {
        int e = errno;
        ::unlink(tmp.c_str());
        return errno_error(e, "syncing '" + tmp + "'");
    }
    fd.reset();
    if (::rename(tmp.c_str(), path.c_str()) < 0) {
        int e = errno;
        ::unlink(tmp.c_str());
        return errno_error(e, "renaming '" + tmp + "' to '" + path + "'");
    }
    Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dfd) ::fsync(dfd.get());  // best effort: the rename is already visible
    return {};
}

Result<std::string> move_aside_corrupt(const std::string& path, size_t keep) {
    size_t slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
    std::string prefix = (slash == std::string::npos ? path : path.substr(slash + 1)) + ".corrupt-";
    std::vector<uint64_t> numbers;
    {
        UniqueHandle<DIR, ::closedir> d(::opendir(dir.c_str()));
        if (!d) return errno_error(errno, "listing directory '" + dir + "'");
        while (const dirent* e = ::readdir(d.get())) {
            std::string_view name(e->d_name);
            if (!name.starts_with(prefix)) continue;
            name.remove_prefix(prefix.size());
            uint64_t n = 0;
            auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), n);
            if (ec == std::errc() && end == name.data() + name.size()) numbers.push_back(n);
        }
    }
    std::sort(numbers.begin(), numbers.end());
    uint64_t next = numbers.empty() ? 1 : numbers.back() + 1;
    std::string aside = path + ".corrupt-" + std::to_string(next);
    if (::rename(path.c_str(), aside.c_str()) < 0)
        return errno_error(errno, "moving '" + path + "' aside to '" + aside + "'");
    // The new one counts: keep - 1 of the older ones stay.
    size_t older = keep > 0 ? keep - 1 : 0;
    for (size_t i = 0; i + older < numbers.size(); ++i)
        (void)::unlink((path + ".corrupt-" + std::to_string(numbers[i])).c_str());
    return aside;
}

Status make_directories(const std::string& path, unsigned mode) {
    if (path.empty()) return make_error(EINVAL, "empty directory path");
    for (size_t i = 1; i <= path.size(); ++i) {
        if (i != path.size() && path[i] != '/') continue;
        std::string part = path.substr(0, i);
        if (::mkdir(part.c_str(), mode) < 0 && errno != EEXIST)
            return errno_error(errno, "creating directory '" + part + "'");
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) < 0) return errno_error(errno, "checking directory '" + path + "'");
    if (!S_ISDIR(st.st_mode)) return make_error(ENOTDIR, "'" + path + "' is not a directory");
    return {};
}

}  // namespace vswitch
