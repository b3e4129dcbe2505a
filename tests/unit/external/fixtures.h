// A NIC as the daemon records it before a switch-over: what dhclient left
// on a wired LAN adapter (an IPv4 lease with its lifetime, the default route
// with dhclient's metric), a static IPv6 address, a policy-table route of a
// VPN-style setup, and the kernel's own routes, which never move.
#pragma once

#include "libvswitch/external/snapshot.h"

namespace vswitch::external::testing {

inline IpAddress ip(const char* s) {
    return *IpAddress::parse(s);
}

inline NicSnapshot recorded_lan_nic() {
    NicSnapshot n;
    n.name = "enp3s0";
    n.ifindex = 2;
    n.mac = *Mac::parse("52:54:00:12:34:56");
    n.mtu = 1500;
    n.up = true;
    n.taken_at_sec = 1000;
    AddressRecord v4;
    v4.local = ip("192.0.2.57");
    v4.prefix_length = 24;
    v4.broadcast = ip("192.0.2.255");
    v4.flags = 0;  // dynamic: not permanent
    v4.valid_lft = 600;
    v4.preferred_lft = 600;
    AddressRecord label = v4;
    label.local = ip("192.0.2.58");
    label.flags = 0x01 | 0x80;  // secondary, permanent
    label.label = "enp3s0:1";
    label.valid_lft = label.preferred_lft = kForever;
    AddressRecord v6;
    v6.local = ip("2001:db8:1::57");
    v6.prefix_length = 64;
    v6.flags = 0x80 | 0x200;  // permanent, noprefixroute
    AddressRecord ll;
    ll.local = ip("fe80::5054:ff:fe12:3456");
    ll.prefix_length = 64;
    ll.scope = 253;
    ll.flags = 0x80;
    n.addresses = {v4, label, v6, ll};

    RouteRecord def;
    def.family = 2;
    def.gateway = ip("192.0.2.1");
    def.priority = 100;
    def.protocol = 16;   // RTPROT_DHCP
    RouteRecord prefix;  // the kernel's, from the address
    prefix.family = 2;
    prefix.dst = ip("192.0.2.0");
    prefix.dst_len = 24;
    prefix.protocol = 2;
    prefix.scope = 253;
    prefix.pref_src = ip("192.0.2.57");
    RouteRecord local;  // table local
    local.family = 2;
    local.table = 255;
    local.dst = ip("192.0.2.57");
    local.dst_len = 32;
    local.protocol = 2;
    local.type = 2;
    RouteRecord policy;
    policy.family = 2;
    policy.table = 100;
    policy.dst = ip("198.51.100.0");
    policy.dst_len = 24;
    policy.gateway = ip("192.0.2.254");
    policy.protocol = 4;  // RTPROT_STATIC
    RouteRecord v6def;
    v6def.family = 10;
    v6def.gateway = ip("fe80::1");
    v6def.priority = 1024;
    v6def.protocol = 3;  // RTPROT_BOOT
    RouteRecord v6mc;
    v6mc.family = 10;
    v6mc.table = 255;
    v6mc.dst = ip("ff00::");
    v6mc.dst_len = 8;
    v6mc.protocol = 2;
    v6mc.type = 5;
    n.routes = {def, prefix, local, policy, v6def, v6mc};
    return n;
}

}  // namespace vswitch::external::testing
