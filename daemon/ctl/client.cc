#include "daemon/ctl/client.h"

#include <cstring>

#include "daemon/ctl/managed_objects.h"

namespace vswitch::ctl {

namespace {

// Frees the sd_bus_error on every path out.
struct BusError {
    sd_bus_error e = SD_BUS_ERROR_NULL;
    ~BusError() { sd_bus_error_free(&e); }
};

Error read_error(int r, const char* what) {
    return make_error(-r, std::string("reading ") + what + ": " + std::strerror(-r));
}

}  // namespace

Error bus_error(const sd_bus_error& e, int r, const std::string& what) {
    if (sd_bus_error_is_set(&e)) return make_error(EIO, e.message ? e.message : e.name);
    return make_error(-r, what + ": " + std::strerror(-r));
}

Result<MessagePtr> Client::call(const std::string& path, const char* interface, const char* member,
                                sd_bus_message* request) {
    BusError e;
    sd_bus_message* raw = nullptr;
    int r = request ? sd_bus_call(bus_, request, 0, &e.e, &raw)
                    : sd_bus_call_method(bus_, kService, path.c_str(), interface, member, &e.e,
                                         &raw, "");
    MessagePtr reply(raw);
    if (r < 0) return bus_error(e.e, r, std::string("calling ") + member);
    return reply;
}

Result<std::string> Client::get_string(const std::string& path, const char* interface,
                                       const char* property) {
    BusError e;
    char* raw = nullptr;
    int r =
        sd_bus_get_property_string(bus_, kService, path.c_str(), interface, property, &e.e, &raw);
    if (r < 0) return bus_error(e.e, r, std::string("reading ") + property);
    UniqueHandle<char, free> v(raw);
    return std::string(v.get());
}

Result<Objects> Client::objects() {
    auto reply = call(kRootPath, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects");
    if (!reply) return reply.error();
    auto props = read_managed_objects(reply->get());
    if (!props) return props.error();
    return build_objects(*props);
}

Result<std::optional<uint64_t>> Client::firewall_repairs() {
    BusError e;
    sd_bus_message* raw = nullptr;
    int r = sd_bus_get_property(bus_, kService, kRootPath, kManagerInterface, "FirewallRepairs",
                                &e.e, &raw, "t");
    MessagePtr reply(raw);
    if (r < 0) {
        if (sd_bus_error_has_names(&e.e, SD_BUS_ERROR_UNKNOWN_PROPERTY,
                                   SD_BUS_ERROR_UNKNOWN_INTERFACE))
            return std::optional<uint64_t>();
        return bus_error(e.e, r, "reading FirewallRepairs");
    }
    uint64_t v = 0;
    if ((r = sd_bus_message_read(raw, "t", &v)) < 0) return read_error(r, "FirewallRepairs");
    return std::optional<uint64_t>(v);
}

Result<std::vector<SwitchRef>> Client::list_switches() {
    auto reply = call(kRootPath, kManagerInterface, "ListSwitches");
    if (!reply) return reply.error();
    std::vector<SwitchRef> out;
    int r = sd_bus_message_enter_container(reply->get(), 'a', "(so)");
    const char *name = nullptr, *obj = nullptr;
    while (r >= 0 && (r = sd_bus_message_read(reply->get(), "(so)", &name, &obj)) > 0)
        out.push_back(SwitchRef{name, obj});
    if (r < 0) return read_error(r, "ListSwitches");
    return out;
}

Result<std::vector<LeaseRow>> Client::leases(const std::string& switch_name,
                                             const std::string& object) {
    // kSwitchInterface views a literal, so data() is NUL-terminated.
    auto reply = call(object, kSwitchInterface.data(), "ListLeases");
    if (!reply) return reply.error();
    std::vector<LeaseRow> out;
    int r = sd_bus_message_enter_container(reply->get(), 'a', "(ssst)");
    const char *mac = nullptr, *addr = nullptr, *host = nullptr;
    uint64_t expiry = 0;
    while (r >= 0 &&
           (r = sd_bus_message_read(reply->get(), "(ssst)", &mac, &addr, &host, &expiry)) > 0)
        out.push_back(LeaseRow{switch_name, mac, addr, host, expiry});
    if (r < 0) return read_error(r, "ListLeases");
    return out;
}

Result<std::vector<ReservationRow>> Client::reservations(const std::string& switch_name,
                                                         const std::string& object) {
    auto reply = call(object, kSwitchInterface.data(), "ListReservations");
    if (!reply) return reply.error();
    std::vector<ReservationRow> out;
    int r = sd_bus_message_enter_container(reply->get(), 'a', "(sss)");
    const char *key = nullptr, *addr = nullptr, *origin = nullptr;
    while (r >= 0 && (r = sd_bus_message_read(reply->get(), "(sss)", &key, &addr, &origin)) > 0)
        out.push_back(ReservationRow{switch_name, key, addr, origin});
    if (r < 0) return read_error(r, "ListReservations");
    return out;
}

}  // namespace vswitch::ctl
