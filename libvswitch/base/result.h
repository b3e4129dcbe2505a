// Result<T> and Error: errors are values.
//
// An Error carries an errno-style code (EINVAL, EBADMSG, E2BIG, ENOENT...)
// and a human message. Callers that know more add context in front:
//   return r.error().context("creating bridge 'vswitch0'");
// gives "creating bridge 'vswitch0': File exists".
#pragma once

#include <cerrno>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace vswitch {

struct Error {
    int code = EINVAL;
    std::string message;

    // Prefixes what was being done: "<what>: <message>".
    [[nodiscard]] Error context(std::string_view what) const {
        std::string m(what);
        if (!message.empty()) {
            m += ": ";
            m += message;
        }
        return Error{code, std::move(m)};
    }
};

// An error with a message of our own.
inline Error make_error(int code, std::string message) {
    return Error{code, std::move(message)};
}

// An error from a failed system call: "<what>: <strerror(err)>".
// err may be given positive or negative (netlink and sd-* return -errno).
Error errno_error(int err, std::string_view what);

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
    Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

    bool ok() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }  // *make() moves, as std::optional
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const { return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

    bool ok() const noexcept { return ok_; }
    explicit operator bool() const noexcept { return ok_; }
    const Error& error() const { return error_; }

private:
    Error error_{};
    bool ok_ = true;
};

using Status = Result<void>;

inline Status ok_status() { return {}; }

}  // namespace vswitch
