#include "libvswitch/base/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libvswitch/base/fd.h"

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
