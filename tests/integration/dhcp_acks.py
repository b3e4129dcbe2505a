#!/usr/bin/env python3
"""Records every DHCPACK that crosses an interface, as seen on the wire:
one line "MAC ADDRESS" (chaddr, yiaddr) per ACK, flushed at once, so that a
test can compare what clients were told with what a server kept. Reads
IPv4 frames with an AF_PACKET socket (no tcpdump needed); creates READY_FILE
once it listens; runs until killed.

Usage (inside the namespace, as root): dhcp_acks.py IFACE OUT READY_FILE
"""
import socket
import struct
import sys

ETH_P_IP = 0x0800
IFACE, OUT, READY = sys.argv[1], sys.argv[2], sys.argv[3]

s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.bind((IFACE, ETH_P_IP))
open(READY, "w").close()
with open(OUT, "w", buffering=1) as out:
    while True:
        frame = s.recv(65535)
        ip = frame[14:]
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        udp = ip[(ip[0] & 15) * 4:]
        if len(udp) < 8 or struct.unpack("!H", udp[0:2])[0] != 67:
            continue
        bootp = udp[8:]
        # op 2 (BOOTREPLY), the magic cookie, then the options for 53 = 5.
        if len(bootp) < 240 or bootp[0] != 2 or bootp[236:240] != b"\x63\x82\x53\x63":
            continue
        i, kind = 240, None
        while i < len(bootp) and bootp[i] != 255:
            if bootp[i] == 0:
                i += 1
                continue
            if i + 1 >= len(bootp):
                break
            code, n = bootp[i], bootp[i + 1]
            if code == 53 and n == 1 and i + 2 < len(bootp):
                kind = bootp[i + 2]
            i += 2 + n
        if kind != 5:
            continue
        mac = ":".join("%02x" % b for b in bootp[28:34])
        out.write("%s %s\n" % (mac, socket.inet_ntoa(bootp[16:20])))
