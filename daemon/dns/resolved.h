// Registration of the switches' bridges with systemd-resolved over D-Bus, so
// that the host resolves VM names: the bridge's DNS server (the gateway), the
// routing-only domain ~Domain and DefaultRoute=false, set per link with
// org.freedesktop.resolve1.Manager's SetLinkDNS / SetLinkDomains /
// SetLinkDefaultRoute and undone with RevertLink.
#pragma once

#include <systemd/sd-bus.h>

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libvswitch/dns/resolved_link.h"
#include "daemon/event/event.h"
#include "libvswitch/base/handle.h"
#include "libvswitch/base/result.h"

namespace vswitch::dns {

inline constexpr const char* kResolvedService = "org.freedesktop.resolve1";
inline constexpr const char* kResolvedPath = "/org/freedesktop/resolve1";
inline constexpr const char* kResolvedManager = "org.freedesktop.resolve1.Manager";

// resolved learns a new bridge from rtnetlink, which may lag behind our
// call: a "NoSuchLink" answer is retried this often, this far apart.
inline constexpr unsigned kResolvedNoSuchLinkRetries = 20;
inline constexpr uint64_t kResolvedRetryDelayUsec = 100'000;
// Leaving, each RevertLink waits this long at most for its answer.
inline constexpr uint64_t kResolvedLeavingTimeoutUsec = 500'000;

// ResolvedClient owns the match on NameOwnerChanged for
// org.freedesktop.resolve1, the method calls in flight and one retry timer
// per link, all on a bus connection it borrows (it must die before the bus).
// The Manager drives it: create() once DNS serves, refresh() with the new
// settings when a switch's bridge or subnet changes, revert_all() on
// Teardown; resolved's (re)appearance on the bus drives the registration.
// Every call is asynchronous: the event loop never waits on resolved.
class ResolvedClient {
public:
    // Only create() can make a Key, so construction always goes through it
    // (and std::make_unique can still reach the constructor).
    class Key {
        friend class ResolvedClient;
        Key() = default;
    };
    ResolvedClient(Key, sd_bus* bus, std::vector<ResolvedLinkSettings> links);
    // bus must be attached to an sd-event loop. Fails only when the match or
    // the first GetNameOwner cannot be queued; resolved's absence is no error.
    static Result<std::unique_ptr<ResolvedClient>> create(sd_bus* bus,
                                                          std::vector<ResolvedLinkSettings> links);
    // When the event loop exits (and at the latest here), reverts what is
    // registered: the daemon no longer answers on the gateway, and resolved
    // must not route ~Domain to a silent server.
    ~ResolvedClient();
    ResolvedClient(const ResolvedClient&) = delete;
    ResolvedClient& operator=(const ResolvedClient&) = delete;

    // The switches changed (renumbered, bridge recreated, removed): links
    // that are gone or differ are reverted, new and changed ones registered.
    void refresh(std::vector<ResolvedLinkSettings> links);
    // Teardown: RevertLink on every link, each answered (or timed out)
    // before this returns and the bridges go away.
    void revert_all();


private:
    using SlotPtr = UniqueHandle<sd_bus_slot, sd_bus_slot_unref>;

    struct Link {
        ResolvedClient* client = nullptr;  // for the retry timer's callback
        ResolvedLinkSettings settings;
        unsigned retries_left = kResolvedNoSuchLinkRetries;
        bool failed = false;  // this attempt failed and said so: log once
        event::Timer retry;
    };
    // One method call in flight; its slot dies with it (a reply that comes
    // after the client is gone is never delivered).
    struct Call {
        ResolvedClient* client = nullptr;
        int32_t ifindex = 0;
        std::string method;
        uint64_t generation = 0;  // resolved instance the call went to
        SlotPtr slot;
        bool done = false;
    };

    Status watch();
    void on_owner(std::string_view owner);
    void register_link(Link& link);
    void revert_link(int32_t ifindex, bool wait);  // wait: blocking, bounded
    void send(Link* link, int32_t ifindex, const char* method, sd_bus_message* message);
    void on_reply(Call& call, sd_bus_message* reply);
    void schedule_retry(Link& link);
    void prune_calls();
    void revert_leaving();

    static int on_match_installed(sd_bus_message* m, void* userdata, sd_bus_error*) noexcept;
    static int on_name_owner_changed(sd_bus_message* m, void* userdata, sd_bus_error*) noexcept;
    static int on_get_name_owner(sd_bus_message* m, void* userdata, sd_bus_error*) noexcept;
    static int on_call_reply(sd_bus_message* m, void* userdata, sd_bus_error*) noexcept;

    sd_bus* bus_;  // borrowed: the daemon's system bus connection
    std::map<int32_t, std::unique_ptr<Link>> links_;  // by ifindex
    std::string owner_;        // resolved's unique name; "" while it is not on the bus
    uint64_t generation_ = 0;  // bumped whenever the owner changes
    SlotPtr match_;
    SlotPtr owner_query_;
    std::list<Call> calls_;
    event::Source exit_;  // reverts the links when the loop exits
};

}  // namespace vswitch::dns
