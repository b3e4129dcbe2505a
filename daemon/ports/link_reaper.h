// LinkReaper: deletes the TAPs of detached ports off the caller's path. The
// kernel takes 10-20 ms to release a net device (unregister waits for every
// reference and an RCU barrier); DetachAdapter unplugs the port at once
// (out of the bridge, in one quick RTM_SETLINK) and leaves the deletion to
// this thread, which has a netlink socket of its own. Until the kernel has
// released it, the name stays reserved: pending() says so, and the ports
// refuse to reuse it (Exists, "still being deleted").
//
// A detached TAP carries kReapAlias as its interface alias from the moment
// it is unplugged, so a TAP a kill -9 kept from its deletion is deleted at
// the next start (PortStore::restore) or by --teardown: nothing is left
// behind.
//
// Threads: remove() and pending() on the loop thread; the worker only
// deletes and hands the outcome back through an eventfd, and the loop
// thread calls done(ifname, status). The worker starts with the first
// removal (an idle daemon has no extra thread); the destructor lets it
// finish the deletion under way and stops it, the rest keeping their mark.
#pragma once

#include <systemd/sd-event.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "daemon/event/event.h"
#include "daemon/netlink/link.h"
#include "libvswitch/base/fd.h"
#include "libvswitch/base/result.h"

namespace vswitch::ports {

inline constexpr std::string_view kReapAlias = "vswitch: detached, being deleted";

class LinkReaper {
public:
    class Key {
        friend class LinkReaper;
        Key() = default;
    };
    using DoneFn = std::function<void(const std::string& ifname, const Status& status)>;

    static Result<std::unique_ptr<LinkReaper>> create(sd_event* event, DoneFn done);
    ~LinkReaper();
    LinkReaper(const LinkReaper&) = delete;
    LinkReaper& operator=(const LinkReaper&) = delete;

    // Queues the deletion of link (by its index, so a new interface that
    // took the name meanwhile is not hit).
    Status remove(const netlink::LinkInfo& link);
    bool pending(std::string_view ifname) const { return pending_.find(ifname) != pending_.end(); }
    size_t pending_count() const { return pending_.size(); }

    LinkReaper(Key, DoneFn done) : done_(std::move(done)) {}

private:
    void run();
    void on_done();

    DoneFn done_;
    Fd efd_;
    event::Source io_;
    std::set<std::string, std::less<>> pending_;  // loop thread only

    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<netlink::LinkInfo> todo_;
    std::vector<std::pair<std::string, Status>> finished_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace vswitch::ports
