#!/usr/bin/env python3
"""A DHCP client that asks the way Windows 10/11 does, for dhcp_peers.sh.

DISCOVER and REQUEST are broadcast from 0.0.0.0:68 on IFACE with the
broadcast flag set (Windows cannot receive unicast before it has an
address), client identifier type 1 + MAC (option 61), host name (12),
vendor class "MSFT 5.0" (60), client FQDN (81, RFC 4702, flags S=1: "the
server should update A") and Windows' parameter request list (55). Prints
one line per reply, "OFFER key=value ..." / "ACK ...", with yiaddr, whether
it came to the broadcast address, the echoed client identifier (61) and
the options present; exits 1 without an ACK within the timeout.

Usage: dhcp_windows.py IFACE MAC HOSTNAME
"""
import os
import random
import socket
import struct
import sys
import time

IFACE, MAC, HOSTNAME = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", "")), sys.argv[3]
PRL = bytes([1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252])
CLIENT_ID = bytes([1]) + MAC
XID = random.getrandbits(32)
IP_PKTINFO = 8  # <linux/in.h>; not exported by Python 3.11


def message(msg_type, extra=b""):
    hdr = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, XID, 0, 0x8000,
                      bytes(4), bytes(4), bytes(4), bytes(4), MAC + bytes(10), bytes(64), bytes(128))
    opts = bytes([53, 1, msg_type])
    opts += bytes([61, len(CLIENT_ID)]) + CLIENT_ID
    opts += bytes([12, len(HOSTNAME)]) + HOSTNAME.encode()
    opts += bytes([60, 8]) + b"MSFT 5.0"
    fqdn = bytes([0x01, 0, 0]) + HOSTNAME.encode()  # S=1, RCODE1/2 = 0, ASCII name (E=0)
    opts += bytes([81, len(fqdn)]) + fqdn
    opts += extra
    opts += bytes([55, len(PRL)]) + PRL + bytes([255])
    return hdr + b"\x63\x82\x53\x63" + opts


def options(data):
    out, i = {}, 240
    while i < len(data):
        code = data[i]
        if code == 255:
            break
        if code == 0:
            i += 1
            continue
        n = data[i + 1]
        out[code] = data[i + 2:i + 2 + n]
        i += 2 + n
    return out


def describe(kind, data, to_broadcast):
    o = options(data)
    fields = {
        "yiaddr": socket.inet_ntoa(data[16:20]),
        "broadcast": int(to_broadcast),
        "client_id": o[61].hex() if 61 in o else "-",
        "server_id": socket.inet_ntoa(o[54]) if 54 in o else "-",
        "options": ",".join(str(c) for c in sorted(o)),
    }
    return kind + " " + " ".join("%s=%s" % kv for kv in fields.items())


def main():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, IFACE.encode())
    s.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
    s.bind(("0.0.0.0", 68))
    s.settimeout(1.0)

    def exchange(msg_type, want, extra=b""):
        for _ in range(5):
            s.sendto(message(msg_type, extra), ("255.255.255.255", 67))
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline:
                try:
                    data, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
                except socket.timeout:
                    break
                if len(data) < 240 or struct.unpack("!I", data[4:8])[0] != XID:
                    continue
                o = options(data)
                if o.get(53, b"\0")[0] != want:
                    continue
                dst = None
                for level, kind, val in anc:
                    if level == socket.IPPROTO_IP and kind == IP_PKTINFO:
                        dst = socket.inet_ntoa(val[8:12])
                return data, dst == "255.255.255.255"
        return None, False

    offer, bcast = exchange(1, 2)
    if offer is None:
        print("no OFFER", flush=True)
        return 1
    print(describe("OFFER", offer, bcast), flush=True)
    o = options(offer)
    extra = bytes([50, 4]) + offer[16:20] + bytes([54, 4]) + o[54]
    ack, bcast = exchange(3, 5, extra)
    if ack is None:
        print("no ACK", flush=True)
        return 1
    print(describe("ACK", ack, bcast), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
