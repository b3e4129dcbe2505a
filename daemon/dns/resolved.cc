#include "daemon/dns/resolved.h"

#include "daemon/bus/guard.h"
#include "daemon/log.h"

namespace vswitch::dns {

namespace {

using MessagePtr = UniqueHandle<sd_bus_message, sd_bus_message_unref>;

constexpr const char* kBusService = "org.freedesktop.DBus";
constexpr const char* kBusPath = "/org/freedesktop/DBus";
constexpr const char* kBusInterface = "org.freedesktop.DBus";
constexpr const char* kNoSuchLink = "org.freedesktop.resolve1.NoSuchLink";
constexpr const char* kOwnerMatch =
    "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
    "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='org.freedesktop.resolve1'";

// A call to resolve1.Manager that never starts resolved through bus
// activation: a host that does not run it keeps not running it.
Result<MessagePtr> new_call(sd_bus* bus, const char* method, int32_t ifindex) {
    sd_bus_message* raw = nullptr;
    int r = sd_bus_message_new_method_call(bus, &raw, kResolvedService, kResolvedPath,
                                           kResolvedManager, method);
    if (r < 0) return errno_error(r, std::string("building ") + method);
    MessagePtr m(raw);
    if ((r = sd_bus_message_set_auto_start(raw, 0)) < 0 ||
        (r = sd_bus_message_append(raw, "i", ifindex)) < 0)
        return errno_error(r, std::string("building ") + method);
    return m;
}

// SetLinkDNS(i ifindex, a(iay) addresses)
Result<MessagePtr> build_set_link_dns(sd_bus* bus, const ResolvedLinkSettings& s) {
    auto m = new_call(bus, "SetLinkDNS", s.ifindex);
    if (!m) return m;
    sd_bus_message* raw = m->get();
    int r = sd_bus_message_open_container(raw, 'a', "(iay)");
    for (const auto& server : s.servers) {
        if (r >= 0) r = sd_bus_message_open_container(raw, 'r', "iay");
        if (r >= 0) r = sd_bus_message_append(raw, "i", server.family);
        if (r >= 0)
            r = sd_bus_message_append_array(raw, 'y', server.address.data(), server.address.size());
        if (r >= 0) r = sd_bus_message_close_container(raw);
    }
    if (r >= 0) r = sd_bus_message_close_container(raw);
    if (r < 0) return errno_error(r, "building SetLinkDNS");
    return m;
}

// SetLinkDomains(i ifindex, a(sb) domains): b true = routing-only "~domain".
Result<MessagePtr> build_set_link_domains(sd_bus* bus, const ResolvedLinkSettings& s) {
    auto m = new_call(bus, "SetLinkDomains", s.ifindex);
    if (!m) return m;
    sd_bus_message* raw = m->get();
    int r = sd_bus_message_open_container(raw, 'a', "(sb)");
    for (const auto& d : s.domains)
        if (r >= 0) r = sd_bus_message_append(raw, "(sb)", d.name.c_str(), int(d.routing_only));
    if (r >= 0) r = sd_bus_message_close_container(raw);
    if (r < 0) return errno_error(r, "building SetLinkDomains");
    return m;
}

// SetLinkDefaultRoute(i ifindex, b enable)
Result<MessagePtr> build_set_link_default_route(sd_bus* bus, const ResolvedLinkSettings& s) {
    auto m = new_call(bus, "SetLinkDefaultRoute", s.ifindex);
    if (!m) return m;
    if (int r = sd_bus_message_append(m->get(), "b", int(s.default_route)); r < 0)
        return errno_error(r, "building SetLinkDefaultRoute");
    return m;
}

// Owns what sd_bus_call() may put into an sd_bus_error.
struct BusError {
    sd_bus_error e = SD_BUS_ERROR_NULL;
    BusError() = default;
    BusError(const BusError&) = delete;
    BusError& operator=(const BusError&) = delete;
    ~BusError() { sd_bus_error_free(&e); }
};

std::string error_text(const sd_bus_error* e) {
    std::string s = e->name ? e->name : "unknown error";
    if (e->message && *e->message) s += std::string(": ") + e->message;
    return s;
}

std::string describe(const ResolvedLinkSettings& s) {
    return "bridge '" + s.bridge + "' (switch '" + s.switch_name + "')";
}

// "DNS 172.27.160.1, domains ~vswitch.internal, DefaultRoute no"
std::string summary(const ResolvedLinkSettings& s) {
    std::string out = "DNS";
    for (const auto& server : s.servers) {
        if (server.family == kResolvedFamilyInet && server.address.size() == 4) {
            const auto& a = server.address;
            out += " " + Ipv4(a[0], a[1], a[2], a[3]).to_string();
        }
    }
    out += ", domains";
    for (const auto& d : s.domains) out += std::string(" ") + (d.routing_only ? "~" : "") + d.name;
    if (s.domains.empty()) out += " none";
    return out + ", DefaultRoute " + (s.default_route ? "yes" : "no");
}

}  // namespace

ResolvedClient::ResolvedClient(Key, sd_bus* bus, std::vector<ResolvedLinkSettings> links)
    : bus_(bus) {
    for (auto& s : links) {
        auto l = std::make_unique<Link>();
        l->client = this;
        int32_t ifindex = s.ifindex;
        l->settings = std::move(s);
        links_[ifindex] = std::move(l);
    }
}

Result<std::unique_ptr<ResolvedClient>> ResolvedClient::create(
    sd_bus* bus, std::vector<ResolvedLinkSettings> links) {
    auto c = std::make_unique<ResolvedClient>(Key(), bus, std::move(links));
    if (auto s = c->watch(); !s)
        return s.error().context("watching for systemd-resolved on the bus");
    if (sd_event* event = sd_bus_get_event(bus)) {
        // Before the bus's own exit handler (attached at NORMAL) closes it.
        ResolvedClient* self = c.get();
        auto exit = event::add_exit(event, "reverting the systemd-resolved links", SD_EVENT_PRIORITY_IMPORTANT,
                                    [self] { self->revert_leaving(); });
        if (!exit) return exit.error();
        c->exit_ = std::move(*exit);
    }
    return c;
}

ResolvedClient::~ResolvedClient() {
    revert_leaving();
}

// Runs when the event loop exits, before sd-bus's own exit handler closes
// the connection (which is before the Manager and this client are
// destroyed); from the destructor only when the loop never ran.
void ResolvedClient::revert_leaving() {
    if (owner_.empty() || sd_bus_is_open(bus_) <= 0) return;
    for (const auto& [ifindex, link] : links_) revert_link(ifindex, true);
    owner_.clear();
}

void ResolvedClient::refresh(std::vector<ResolvedLinkSettings> links) {
    std::map<int32_t, std::unique_ptr<Link>> next;
    std::vector<Link*> fresh;
    for (auto& s : links) {
        auto it = links_.find(s.ifindex);
        if (it != links_.end() && it->second->settings == s) {
            next[s.ifindex] = std::move(it->second);
            links_.erase(it);
            continue;
        }
        auto l = std::make_unique<Link>();
        l->client = this;
        int32_t ifindex = s.ifindex;
        l->settings = std::move(s);
        fresh.push_back(l.get());
        next[ifindex] = std::move(l);
    }
    // What is left is gone or changed: reverted first, so a renumbered
    // bridge keeps nothing of its old settings. resolved handles the calls
    // in the order sent.
    if (!owner_.empty())
        for (const auto& [ifindex, link] : links_) revert_link(ifindex, false);
    links_ = std::move(next);
    for (Link* l : fresh) register_link(*l);
}

void ResolvedClient::revert_all() {
    // Waited for (bounded), like when leaving: Teardown deletes the bridges
    // next, and resolved must see the revert before the link disappears.
    if (!owner_.empty())
        for (const auto& [ifindex, link] : links_) revert_link(ifindex, true);
    links_.clear();
}

// The match goes out before GetNameOwner on the same connection, and the bus
// answers in order: a resolved that appears in between is seen either way.
Status ResolvedClient::watch() {
    sd_bus_slot* slot = nullptr;
    int r = sd_bus_add_match_async(bus_, &slot, kOwnerMatch, on_name_owner_changed,
                                   on_match_installed, this);
    if (r < 0) return errno_error(r, "adding a match for NameOwnerChanged");
    match_.reset(slot);
    slot = nullptr;
    r = sd_bus_call_method_async(bus_, &slot, kBusService, kBusPath, kBusInterface, "GetNameOwner",
                                 on_get_name_owner, this, "s", kResolvedService);
    if (r < 0) return errno_error(r, "asking for the owner of " + std::string(kResolvedService));
    owner_query_.reset(slot);
    return {};
}

void ResolvedClient::on_owner(std::string_view owner) {
    if (owner == owner_) return;
    owner_ = std::string(owner);
    ++generation_;  // replies from an earlier resolved no longer count
    for (auto& [ifindex, link] : links_) {
        link->retry.disarm();
        link->retries_left = kResolvedNoSuchLinkRetries;
    }
    if (owner_.empty()) {
        log::debug(
            "systemd-resolved left the system bus; its bridges are registered again when it "
            "returns");
        return;
    }
    log::debug("systemd-resolved is on the system bus as " + owner_ + ", registering " +
               std::to_string(links_.size()) + " bridge(s)");
    for (auto& [ifindex, link] : links_) register_link(*link);
}

// Three calls, sent in order on one connection: resolved handles them in
// that order, so the last reply tells whether the link is fully set.
void ResolvedClient::register_link(Link& link) {
    if (owner_.empty()) return;
    link.failed = false;
    const auto& s = link.settings;
    auto dns = build_set_link_dns(bus_, s);
    auto domains = build_set_link_domains(bus_, s);
    auto route = build_set_link_default_route(bus_, s);
    for (auto* m : {&dns, &domains, &route}) {
        if (!*m) {
            log::warning(m->error()
                                 .context("registering " + describe(s) + " with systemd-resolved")
                                 .message +
                             ", ignoring",
                         {{"VSWITCH_SWITCH", s.switch_name}});
            link.failed = true;
            return;
        }
    }
    send(&link, s.ifindex, "SetLinkDNS", dns->get());
    send(&link, s.ifindex, "SetLinkDomains", domains->get());
    send(&link, s.ifindex, "SetLinkDefaultRoute", route->get());
}

void ResolvedClient::revert_link(int32_t ifindex, bool wait) {
    auto m = new_call(bus_, "RevertLink", ifindex);
    if (!m) {
        log::warning(
            m.error()
                .context("reverting link " + std::to_string(ifindex) + " in systemd-resolved")
                .message +
            ", ignoring");
        return;
    }
    if (!wait) {
        send(nullptr, ifindex, "RevertLink", m->get());
        return;
    }
    // Waiting (leaving or tearing down), bounded: resolved asks the
    // bus for the caller's credentials after the call arrived, and a caller
    // that disconnected by then is unknown, so the call was lost (seen).
    BusError error;
    sd_bus_message* raw_reply = nullptr;
    int r = sd_bus_call(bus_, m->get(), kResolvedLeavingTimeoutUsec, &error.e, &raw_reply);
    MessagePtr reply(raw_reply);
    if (r < 0 && !sd_bus_error_has_name(&error.e, kNoSuchLink)) {
        std::string what = "RevertLink for link " + std::to_string(ifindex) + " while leaving";
        log::debug((sd_bus_error_is_set(&error.e) ? what + ": " + error_text(&error.e)
                                                  : errno_error(r, what).message) +
                   ", ignoring");
    }
}

void ResolvedClient::send(Link* link, int32_t ifindex, const char* method,
                          sd_bus_message* message) {
    prune_calls();
    Call& c = calls_.emplace_back();
    c.client = this;
    c.ifindex = ifindex;
    c.method = method;
    c.generation = generation_;
    sd_bus_slot* slot = nullptr;
    // Timeout 0: sd-bus's default (25 s); a slow resolved only delays a log line.
    int r = sd_bus_call_async(bus_, &slot, message, on_call_reply, &c, 0);
    if (r < 0) {
        calls_.pop_back();
        if (link && !link->failed) {
            link->failed = true;
            log::warning(errno_error(r, std::string("sending ") + method + " for " +
                                            describe(link->settings) + " to systemd-resolved")
                                 .message +
                             ", ignoring",
                         {{"VSWITCH_SWITCH", link->settings.switch_name}});
        }
        return;
    }
    c.slot.reset(slot);
}

// Answered calls are dropped before each new call goes out, never from
// inside their own reply callback.
void ResolvedClient::prune_calls() {
    for (auto it = calls_.begin(); it != calls_.end();)
        it = it->done ? calls_.erase(it) : std::next(it);
}

void ResolvedClient::on_reply(Call& call, sd_bus_message* reply) {
    call.done = true;
    if (call.generation != generation_) return;
    auto it = links_.find(call.ifindex);
    Link* link = it == links_.end() ? nullptr : it->second.get();
    const sd_bus_error* e = sd_bus_message_get_error(reply);

    if (call.method == "RevertLink") {
        // A bridge already gone is as reverted as it gets.
        if (e && !sd_bus_error_has_name(e, kNoSuchLink))
            log::warning("systemd-resolved refused RevertLink for link " +
                         std::to_string(call.ifindex) + ": " + error_text(e) + ", ignoring");
        return;
    }
    if (!link) return;  // refreshed away meanwhile
    const auto& s = link->settings;
    if (!e) {
        if (call.method == "SetLinkDefaultRoute" && !link->failed)
            log::info("registered " + describe(s) + " with systemd-resolved: " + summary(s),
                      {{"VSWITCH_SWITCH", s.switch_name}, {"VSWITCH_BRIDGE", s.bridge}});
        return;
    }
    if (sd_bus_error_has_name(e, kNoSuchLink) && link->retries_left > 0) {
        schedule_retry(*link);
        return;
    }
    if (link->failed) return;
    link->failed = true;
    log::warning("systemd-resolved refused " + call.method + " for " + describe(s) + ": " +
                     error_text(e) + ", ignoring",
                 {{"VSWITCH_SWITCH", s.switch_name}, {"VSWITCH_BRIDGE", s.bridge}});
}

// All three calls of an attempt fail alike: the first arms the timer, the
// others find it armed.
void ResolvedClient::schedule_retry(Link& link) {
    if (link.retry.armed()) return;
    if (!link.retry) {
        sd_event* event = sd_bus_get_event(bus_);
        Link* l = &link;
        auto t = event ? event::Timer::create(event, "retrying systemd-resolved for " + describe(link.settings),
                                              [l] { l->client->register_link(*l); })
                       : Result<event::Timer>(make_error(ENOTCONN, "the bus has no event loop"));
        if (!t) {
            log::debug(t.error().context("arming the systemd-resolved retry timer").message + ", ignoring");
            return;
        }
        link.retry = std::move(*t);
    }
    link.retry.arm_in(kResolvedRetryDelayUsec);
    --link.retries_left;
    log::debug("systemd-resolved does not know " + describe(link.settings) + " yet, retrying");
}

int ResolvedClient::on_match_installed(sd_bus_message* m, void*, sd_bus_error*) noexcept {
    return bus::guarded([&] {
        // Without the match a restarted resolved goes unnoticed; the
        // registration at start still stands.
        if (const sd_bus_error* e = sd_bus_message_get_error(m))
            log::warning("watching for systemd-resolved on the bus: " + error_text(e) +
                         ", ignoring");
        return 0;
    });
}

int ResolvedClient::on_name_owner_changed(sd_bus_message* m, void* userdata,
                                          sd_bus_error*) noexcept {
    return bus::guarded([&] {
        const char *name = nullptr, *old_owner = nullptr, *new_owner = nullptr;
        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0) return 0;
        if (std::string_view(name) != kResolvedService) return 0;
        static_cast<ResolvedClient*>(userdata)->on_owner(new_owner);
        return 0;
    });
}

int ResolvedClient::on_get_name_owner(sd_bus_message* m, void* userdata, sd_bus_error*) noexcept {
    return bus::guarded([&] {
        auto* self = static_cast<ResolvedClient*>(userdata);
        if (const sd_bus_error* e = sd_bus_message_get_error(m)) {
            log::debug(std::string("systemd-resolved is not on the system bus (") + error_text(e) +
                       "); its bridges are registered when it appears");
            return 0;
        }
        const char* owner = nullptr;
        if (sd_bus_message_read(m, "s", &owner) >= 0 && owner) self->on_owner(owner);
        return 0;
    });
}

int ResolvedClient::on_call_reply(sd_bus_message* m, void* userdata, sd_bus_error*) noexcept {
    return bus::guarded([&] {
        auto* call = static_cast<Call*>(userdata);
        call->client->on_reply(*call, m);
        return 0;
    });
}

}  // namespace vswitch::dns
