// libnss_vswitch.so.2: glibc's "hosts: files vswitch dns" answers VM names
// from the daemon's /run/vswitch/hosts (written atomically on every name
// change), with no round trip to the daemon: when it is down the file is
// missing or stale, and a lookup costs one failed open(2).
//
// Loaded into arbitrary processes, so: C linkage, no exceptions (built with
// -fno-exceptions), no libstdc++ at run time, one malloc'd buffer per call
// freed on every path, nothing global. The layouts written into the
// caller's buffer follow glibc's contract: too small a buffer is
// NSS_STATUS_TRYAGAIN with *errnop = ERANGE, and glibc retries larger.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <nss.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <string_view>

#include "libvswitch/nss/hosts_lookup.h"
#include "vswitch-config.h"

using namespace vswitch::nss;

namespace {

// tests/unit/nss builds this file with a path of its own.
#ifndef VSWITCH_NSS_HOSTS_PATH
#define VSWITCH_NSS_HOSTS_PATH VSWITCH_RUNTIME_DIR "/hosts"
#endif
constexpr const char* kHostsPath = VSWITCH_NSS_HOSTS_PATH;

// The file's text, or empty (missing, not a regular file, over the limit,
// unreadable): all of which mean "not found".
class HostsText {
public:
    HostsText() {
        int fd = open(kHostsPath, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) return;
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
            size_t(st.st_size) <= kMaxHostsFileBytes) {
            size_t want = size_t(st.st_size);
            data_ = static_cast<char*>(malloc(want + 1));  // +1: sees growth past the limit
            if (data_ != nullptr) {
                while (size_ <= want) {
                    ssize_t n = read(fd, data_ + size_, want + 1 - size_);
                    if (n < 0 && errno == EINTR) continue;
                    if (n <= 0) break;
                    size_ += size_t(n);
                }
                if (size_ > want) size_ = 0;  // grew while read: the daemon renames, never appends
            }
        }
        close(fd);
    }
    ~HostsText() { free(data_); }
    HostsText(const HostsText&) = delete;
    HostsText& operator=(const HostsText&) = delete;
    std::string_view text() const { return {data_ == nullptr ? "" : data_, size_}; }

private:
    char* data_ = nullptr;
    size_t size_ = 0;
};

// A bump allocator over the caller's buffer.
class Buffer {
public:
    Buffer(char* buf, size_t len) : p_(buf), left_(len) {}
    void* take(size_t n, size_t align) {
        size_t pad = (align - reinterpret_cast<uintptr_t>(p_) % align) % align;
        if (pad > left_ || n > left_ - pad) return nullptr;
        char* r = p_ + pad;
        p_ += pad + n;
        left_ -= pad + n;
        return r;
    }
    char* copy(std::string_view s) {
        char* r = static_cast<char*>(take(s.size() + 1, 1));
        if (r == nullptr) return nullptr;
        memcpy(r, s.data(), s.size());
        r[s.size()] = '\0';
        return r;
    }

private:
    char* p_;
    size_t left_;
};

nss_status not_found(int* errnop, int* h_errnop, int h_error = HOST_NOT_FOUND) {
    *errnop = ENOENT;
    *h_errnop = h_error;
    return NSS_STATUS_NOTFOUND;
}

nss_status too_small(int* errnop, int* h_errnop) {
    *errnop = ERANGE;
    *h_errnop = NETDB_INTERNAL;
    return NSS_STATUS_TRYAGAIN;
}

nss_status unsupported(int* errnop, int* h_errnop) {
    *errnop = EAFNOSUPPORT;
    *h_errnop = NO_DATA;
    return NSS_STATUS_UNAVAIL;
}

// Fills a hostent: name = names[0], aliases = the rest, the addresses.
bool fill_hostent(Buffer& buf, const HostLine& line, int family, const HostAddress* addresses,
                  size_t count, hostent* host) {
    char* name = buf.copy(line.names[0]);
    auto** aliases = static_cast<char**>(buf.take(sizeof(char*) * line.name_count, alignof(char*)));
    auto** list = static_cast<char**>(buf.take(sizeof(char*) * (count + 1), alignof(char*)));
    if (name == nullptr || aliases == nullptr || list == nullptr) return false;
    for (size_t i = 1; i < line.name_count; ++i)
        if ((aliases[i - 1] = buf.copy(line.names[i])) == nullptr) return false;
    aliases[line.name_count - 1] = nullptr;
    size_t size = family == AF_INET6 ? 16 : 4;
    for (size_t i = 0; i < count; ++i) {
        list[i] = static_cast<char*>(buf.take(size, alignof(uint32_t)));
        if (list[i] == nullptr) return false;
        memcpy(list[i], addresses[i].bytes.data(), size);
    }
    list[count] = nullptr;
    host->h_name = name;
    host->h_aliases = aliases;
    host->h_addrtype = family;
    host->h_length = int(size);
    host->h_addr_list = list;
    return true;
}

nss_status by_name(const char* name, int af, hostent* host, char* buffer, size_t buflen,
                   int* errnop, int* h_errnop, int32_t* ttlp, char** canonp) {
    if (af != AF_INET && af != AF_INET6) return unsupported(errnop, h_errnop);
    std::string_view query;
    if (name == nullptr || !normalize_query(name, query)) return not_found(errnop, h_errnop);
    HostsText file;
    NameMatch match = find_by_name(file.text(), query, af);
    if (!match.found) return not_found(errnop, h_errnop);
    if (match.address_count == 0) return not_found(errnop, h_errnop, NO_DATA);
    Buffer buf(buffer, buflen);
    if (!fill_hostent(buf, match.first, af, match.addresses.data(), match.address_count, host))
        return too_small(errnop, h_errnop);
    if (ttlp != nullptr) *ttlp = 0;
    if (canonp != nullptr) *canonp = host->h_name;
    *h_errnop = NETDB_SUCCESS;
    return NSS_STATUS_SUCCESS;
}

nss_status by_address(const void* addr, socklen_t len, int af, hostent* host, char* buffer,
                      size_t buflen, int* errnop, int* h_errnop, int32_t* ttlp) {
    if (af != AF_INET && af != AF_INET6) return unsupported(errnop, h_errnop);
    HostAddress want;
    want.family = af;
    if (addr == nullptr || len != socklen_t(want.size())) {
        *errnop = EINVAL;
        *h_errnop = NO_RECOVERY;
        return NSS_STATUS_UNAVAIL;
    }
    memcpy(want.bytes.data(), addr, want.size());
    HostsText file;
    HostLine line;
    if (!find_by_address(file.text(), want, line)) return not_found(errnop, h_errnop);
    Buffer buf(buffer, buflen);
    if (!fill_hostent(buf, line, af, &want, 1, host)) return too_small(errnop, h_errnop);
    if (ttlp != nullptr) *ttlp = 0;
    *h_errnop = NETDB_SUCCESS;
    return NSS_STATUS_SUCCESS;
}

}  // namespace

extern "C" {

nss_status _nss_vswitch_gethostbyname4_r(const char* name, gaih_addrtuple** pat, char* buffer,
                                         size_t buflen, int* errnop, int* h_errnop,
                                         int32_t* ttlp) noexcept {
    std::string_view query;
    if (name == nullptr || !normalize_query(name, query)) return not_found(errnop, h_errnop);
    HostsText file;
    NameMatch match = find_by_name(file.text(), query, 0);
    if (!match.found) return not_found(errnop, h_errnop);
    if (match.address_count == 0) return not_found(errnop, h_errnop, NO_DATA);
    Buffer buf(buffer, buflen);
    char* canonical = buf.copy(match.first.names[0]);
    if (canonical == nullptr) return too_small(errnop, h_errnop);
    gaih_addrtuple* first = nullptr;
    gaih_addrtuple* prev = nullptr;
    for (size_t i = 0; i < match.address_count; ++i) {
        auto* t =
            static_cast<gaih_addrtuple*>(buf.take(sizeof(gaih_addrtuple), alignof(gaih_addrtuple)));
        if (t == nullptr) return too_small(errnop, h_errnop);
        memset(t, 0, sizeof *t);
        t->name = i == 0 ? canonical : nullptr;
        t->family = match.addresses[i].family;
        memcpy(t->addr, match.addresses[i].bytes.data(), match.addresses[i].size());
        if (prev != nullptr)
            prev->next = t;
        else
            first = t;
        prev = t;
    }
    // glibc may hand in a tuple of its own to fill first (nss-resolve and
    // nss-myhostname do the same).
    if (*pat != nullptr)
        memcpy(*pat, first, sizeof(gaih_addrtuple));
    else
        *pat = first;
    if (ttlp != nullptr) *ttlp = 0;
    *h_errnop = NETDB_SUCCESS;
    return NSS_STATUS_SUCCESS;
}

nss_status _nss_vswitch_gethostbyname3_r(const char* name, int af, hostent* host, char* buffer,
                                         size_t buflen, int* errnop, int* h_errnop, int32_t* ttlp,
                                         char** canonp) noexcept {
    return by_name(name, af, host, buffer, buflen, errnop, h_errnop, ttlp, canonp);
}

nss_status _nss_vswitch_gethostbyname2_r(const char* name, int af, hostent* host, char* buffer,
                                         size_t buflen, int* errnop, int* h_errnop) noexcept {
    return by_name(name, af, host, buffer, buflen, errnop, h_errnop, nullptr, nullptr);
}

nss_status _nss_vswitch_gethostbyname_r(const char* name, hostent* host, char* buffer,
                                        size_t buflen, int* errnop, int* h_errnop) noexcept {
    return by_name(name, AF_INET, host, buffer, buflen, errnop, h_errnop, nullptr, nullptr);
}

nss_status _nss_vswitch_gethostbyaddr2_r(const void* addr, socklen_t len, int af, hostent* host,
                                         char* buffer, size_t buflen, int* errnop, int* h_errnop,
                                         int32_t* ttlp) noexcept {
    return by_address(addr, len, af, host, buffer, buflen, errnop, h_errnop, ttlp);
}

nss_status _nss_vswitch_gethostbyaddr_r(const void* addr, socklen_t len, int af, hostent* host,
                                        char* buffer, size_t buflen, int* errnop,
                                        int* h_errnop) noexcept {
    return by_address(addr, len, af, host, buffer, buflen, errnop, h_errnop, nullptr);
}

}  // extern "C"
