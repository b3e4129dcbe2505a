// The one way our D-Bus handlers run: sd-bus calls C function pointers, so
// no exception (std::bad_alloc from a string) may leave a handler. guarded()
// turns one into a negative errno, which sd-bus sends as an error reply.
#pragma once

#include <cerrno>
#include <new>

namespace vswitch::bus {

template <class F>
int guarded(F&& body) noexcept {
    try {
        return body();
    } catch (const std::bad_alloc&) {
        return -ENOMEM;
    } catch (...) {
        return -EIO;
    }
}

}  // namespace vswitch::bus
