// The one way our D-Bus handlers run: sd-bus calls C function pointers, so
// no exception (std::bad_alloc from a string) may leave a handler. guarded()
// turns one into a negative errno, which sd-bus sends as an error reply, and
// logs it (the first at error level, later ones at debug level, so a handler
// that keeps failing cannot flood the journal).
#pragma once

#include <cerrno>
#include <exception>
#include <new>

namespace vswitch::bus {

// Logs an exception a handler let out; `what` is its text.
void log_handler_failure(const char* what) noexcept;

template <class F>
int guarded(F&& body) noexcept {
    try {
        return body();
    } catch (const std::bad_alloc&) {
        log_handler_failure("out of memory");
        return -ENOMEM;
    } catch (const std::exception& e) {
        log_handler_failure(e.what());
        return -EIO;
    } catch (...) {
        log_handler_failure("unknown exception");
        return -EIO;
    }
}

}  // namespace vswitch::bus
