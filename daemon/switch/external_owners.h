// Who else configures a NIC: NetworkManager (Device.Managed) and
// systemd-networkd (Link.AdministrativeState), asked over the system bus
// (DBUS_SYSTEM_BUS_ADDRESS in tests), each without activating the service
// and with a short timeout. A manager that is not running, or that does not
// know the NIC, leaves its fact unset. Used by the external switch's
// refusal checks (libvswitch/external/refusal.h) before anything moves.
#pragma once

#include "libvswitch/external/refusal.h"

namespace vswitch {

void ask_network_managers(external::NicFacts& facts);

}  // namespace vswitch
