// UniqueHandle<T, free_fn>: a std::unique_ptr with a stateless deleter for
// C library objects (nftnl_rule_free, ldns_pkt_free, nl_socket_free,
// sd_event_source_disable_unref, ...).
#pragma once

#include <memory>

namespace vswitch {

template <auto Free>
struct HandleDeleter {
    template <class T>
    void operator()(T* p) const noexcept {
        if (p) Free(p);
    }
};

template <class T, auto Free>
using UniqueHandle = std::unique_ptr<T, HandleDeleter<Free>>;

}  // namespace vswitch
