// Fuzzes Message::parse and the parse/build symmetry: whatever parses must
// build, the build must parse, and (when the text fields fit) give back the
// same message.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "libvswitch/dhcp/message.h"

using namespace vswitch::dhcp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    DropReason reason = DropReason::count;
    auto m = Message::parse(std::span<const uint8_t>(data, size), &reason);
    if (!m) {
        if (reason == DropReason::count || m.error().message.empty()) std::abort();
        return 0;
    }
    (void)check_request(*m);
    (void)m->options.client_fqdn();
    (void)m->options.domain_search();
    (void)m->options.max_message_size();
    for (size_t max : {size_t{0}, kDefaultMaxPayload, size_t{1472}, kMaxMessageSize}) {
        auto bytes = m->build(max);
        if (bytes.size() < kBootpMinSize) std::abort();
        auto again = Message::parse(bytes);
        if (!again) std::abort();
        // sname/file longer than their field minus the NUL are cut on build.
        if (max == kMaxMessageSize && m->sname.size() < 64 && m->file.size() < 128 &&
            !(*again == *m))
            std::abort();
    }
    return 0;
}
