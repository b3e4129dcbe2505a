// The port guards' properties of org.vswitch1.Port (issue 17): DhcpGuard,
// RouterGuard, MacSpoofing, IpSpoofing, Isolated, each "b", readable by
// anyone, writable by root (PortSet::set_security applies and saves the
// change before the reply; PropertiesChanged when the value changed).
// port_object.cc lists them in its vtable with these handlers.
#pragma once

#include <systemd/sd-bus.h>

namespace vswitch::bus {

int get_port_security(sd_bus* bus, const char* path, const char* interface, const char* property,
                      sd_bus_message* reply, void* userdata, sd_bus_error* error);
int set_port_security(sd_bus* bus, const char* path, const char* interface, const char* property,
                      sd_bus_message* value, void* userdata, sd_bus_error* error);

// MaximumBandwidth "t" (bit/s, 0 none): the same rules, ERANGE outside
// the limits of libvswitch/ports/bandwidth.h (InvalidArgument).
int get_port_bandwidth(sd_bus* bus, const char* path, const char* interface, const char* property,
                       sd_bus_message* reply, void* userdata, sd_bus_error* error);
int set_port_bandwidth(sd_bus* bus, const char* path, const char* interface, const char* property,
                       sd_bus_message* value, void* userdata, sd_bus_error* error);

}  // namespace vswitch::bus
