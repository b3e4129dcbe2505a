#!/usr/bin/env python3
"""Packets for guards.sh (issue 17), from inside a guest namespace.

  guard_probe.py offers IFACE MAC SECONDS
      broadcasts one DHCPDISCOVER from 0.0.0.0:68 on IFACE (broadcast flag
      set, so every server broadcasts its OFFER) and prints the server
      identifier (option 54) of each OFFER heard within SECONDS, one per line.
  guard_probe.py ra IFACE PREFIX
      sends one ICMPv6 Router Advertisement (RFC 4861 §4.2: hop limit 255,
      router lifetime 1800 s, a Prefix Information option for PREFIX/64 with
      the autonomous flag) from IFACE's link-local address to ff02::1.
"""
import random
import socket
import struct
import sys
import time


def offers(iface, mac_text, seconds):
    mac = bytes.fromhex(mac_text.replace(":", ""))
    xid = random.getrandbits(32)
    hdr = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, xid, 0, 0x8000, bytes(4), bytes(4),
                      bytes(4), bytes(4), mac + bytes(10), bytes(64), bytes(128))
    msg = hdr + b"\x63\x82\x53\x63" + bytes([53, 1, 1, 55, 3, 1, 3, 6, 255])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
    s.bind(("0.0.0.0", 68))
    s.sendto(msg, ("255.255.255.255", 67))
    end = time.monotonic() + seconds
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return
        s.settimeout(left)
        try:
            data, _ = s.recvfrom(2048)
        except socket.timeout:
            return
        if len(data) < 240 or struct.unpack("!I", data[4:8])[0] != xid:
            continue
        i, server, kind = 240, None, None
        while i + 1 < len(data) and data[i] != 255:
            if data[i] == 0:
                i += 1
                continue
            code, n = data[i], data[i + 1]
            val = data[i + 2:i + 2 + n]
            if code == 53 and n == 1:
                kind = val[0]
            if code == 54 and n == 4:
                server = socket.inet_ntoa(val)
            i += 2 + n
        if kind == 2 and server:
            print(server, flush=True)


def ra(iface, prefix):
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
    # type 134, code 0, checksum (the kernel fills it for raw ICMPv6), cur
    # hop limit 64, flags 0, router lifetime 1800, reachable 0, retrans 0
    body = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 1800, 0, 0)
    # Prefix Information (type 3, length 4 = 32 bytes): /64, L and A flags
    pfx = socket.inet_pton(socket.AF_INET6, prefix)
    body += struct.pack("!BBBBIII", 3, 4, 64, 0xC0, 86400, 14400, 0) + pfx
    ifindex = socket.if_nametoindex(iface)
    s.sendto(body, ("ff02::1", 0, 0, ifindex))


if __name__ == "__main__":
    if sys.argv[1] == "offers":
        offers(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    elif sys.argv[1] == "ra":
        ra(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: guard_probe.py offers IFACE MAC SECONDS | ra IFACE PREFIX")
