#include "daemon/dns/hosts_writer.h"

#include "daemon/log.h"
#include "libvswitch/base/file.h"

namespace vswitch::dns {

namespace {

uint64_t usec(std::chrono::milliseconds ms) { return uint64_t(std::chrono::microseconds(ms).count()); }

}  // namespace

Result<std::unique_ptr<HostsWriter>> HostsWriter::create(sd_event* event, std::string path, TextFn text) {
    auto w = std::make_unique<HostsWriter>(Key(), std::move(path), std::move(text));
    HostsWriter* self = w.get();
    auto t = event::Throttle::create(event, "writing the hosts file", {usec(kHostsDelay), usec(kHostsInterval)},
                                     [self] {
                                         if (auto s = self->flush(); !s)
                                             log::warning(s.error().message + ", retrying at the next change");
                                     });
    if (!t) return t.error().context("hosts file '" + w->path_ + "'");
    w->throttle_ = std::move(*t);
    return w;
}

HostsWriter::~HostsWriter() {
    if (!throttle_.pending()) return;
    if (auto s = flush(); !s) log::warning(s.error().message + ", ignoring");
}

void HostsWriter::changed() { throttle_.request(); }

Status HostsWriter::flush() {
    throttle_.cancel();
    std::string text = text_();
    if (written_ && text == last_) {
        ++unchanged_;
        return {};
    }
    if (auto s = write_file_atomic(path_, text); !s) return s.error().context("writing hosts file '" + path_ + "'");
    throttle_.ran();
    written_ = true;
    last_ = std::move(text);
    ++writes_;
    return {};
}

}  // namespace vswitch::dns
