#include "daemon/ports/link_reaper.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

namespace vswitch::ports {

Result<std::unique_ptr<LinkReaper>> LinkReaper::create(sd_event* event, DoneFn done) {
    auto r = std::make_unique<LinkReaper>(Key(), std::move(done));
    r->efd_ = Fd(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!r->efd_) return errno_error(errno, "creating the eventfd of the TAP deletions");
    LinkReaper* self = r.get();
    auto io = event::add_io(event, r->efd_.get(), EPOLLIN, "TAP deletions done", [self](uint32_t) { self->on_done(); });
    if (!io) return io.error();
    r->io_ = std::move(*io);
    return r;
}

LinkReaper::~LinkReaper() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        stop_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
}

Status LinkReaper::remove(const netlink::LinkInfo& link) {
    if (!thread_.joinable()) {
        try {
            thread_ = std::thread([this] { run(); });
        } catch (const std::system_error& e) {
            return make_error(e.code().value(), std::string("starting the TAP deletion thread: ") + e.what());
        }
    }
    pending_.insert(link.name);
    {
        std::lock_guard<std::mutex> lock(mu_);
        todo_.push_back(link);
    }
    cv_.notify_one();
    return {};
}

void LinkReaper::run() {
    auto sock = netlink::RouteSocket::open();
    for (;;) {
        netlink::LinkInfo link;
        {
            std::unique_lock<std::mutex> lock(mu_);
            cv_.wait(lock, [this] { return stop_ || !todo_.empty(); });
            if (stop_) return;
            link = std::move(todo_.front());
            todo_.pop_front();
        }
        Status s = sock ? netlink::remove_link(*sock, link) : Status(sock.error());
        // Gone already (someone else deleted it): as deleted as it gets.
        if (!s && s.error().code == ENODEV) s = {};
        {
            std::lock_guard<std::mutex> lock(mu_);
            finished_.emplace_back(link.name, std::move(s));
        }
        uint64_t one = 1;
        (void)!write(efd_.get(), &one, sizeof one);
    }
}

void LinkReaper::on_done() {
    uint64_t n = 0;
    (void)!read(efd_.get(), &n, sizeof n);
    std::vector<std::pair<std::string, Status>> done;
    {
        std::lock_guard<std::mutex> lock(mu_);
        done.swap(finished_);
    }
    for (auto& [name, status] : done) {
        pending_.erase(name);
        if (done_) done_(name, status);
    }
}

}  // namespace vswitch::ports
