// HostsWriter owns the hosts file of the runtime directory and decides when
// it is written: through a Throttle (the lease file's policy: kHostsDelay
// after the first change, at most once per kHostsInterval), and only when
// its text differs from what was last written, so a burst of renewals that
// change no name costs no write and no fsync. The Manager owns it and
// tells it when any switch's names changed; it asks the Manager for the
// text when it is due. A clean stop writes what is pending.
#pragma once

#include <systemd/sd-event.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "daemon/event/throttle.h"
#include "libvswitch/base/result.h"

namespace vswitch::dns {

inline constexpr std::chrono::milliseconds kHostsDelay{20};
inline constexpr std::chrono::milliseconds kHostsInterval{1000};

class HostsWriter {
public:
    using TextFn = std::function<std::string()>;
    class Key {
        friend class HostsWriter;
        Key() = default;
    };
    HostsWriter(Key, std::string path, TextFn text) : path_(std::move(path)), text_(std::move(text)) {}
    static Result<std::unique_ptr<HostsWriter>> create(sd_event* event, std::string path, TextFn text);
    ~HostsWriter();  // writes what is pending
    HostsWriter(const HostsWriter&) = delete;
    HostsWriter& operator=(const HostsWriter&) = delete;

    // Some name changed: the file is written when the throttle allows.
    void changed();
    // Writes now if the text differs from the file's (or it was never written).
    Status flush();

    uint64_t writes() const { return writes_; }      // files written
    uint64_t unchanged() const { return unchanged_; }  // runs that found nothing to write

private:
    std::string path_;
    TextFn text_;
    event::Throttle throttle_;
    bool written_ = false;
    std::string last_;
    uint64_t writes_ = 0;
    uint64_t unchanged_ = 0;
};

}  // namespace vswitch::dns
