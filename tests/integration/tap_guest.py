#!/usr/bin/env python3
"""A guest on a TAP of the daemon's, as QEMU would be one.

Usage: tap_guest.py IFNAME MAC ADDR GATEWAY TIMEOUT_S

Waits until IFNAME exists and is plugged into a bridge (opening a TAP that
does not exist would make a new one, unplugged), opens it, asks for the
gateway's MAC (ARP) and pings it (ICMP echo), every 20 ms until the first
reply. Prints the milliseconds from start to the reply and exits 0; exits 1
at the timeout. Run it in the namespace of the TAP (ip netns exec)."""
import fcntl
import os
import select
import socket
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
RETRY_S = 0.02


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def arp(op, src_mac, src_ip, dst_mac, dst_ip, eth_dst):
    body = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, src_mac, src_ip, dst_mac, dst_ip)
    return eth_dst + src_mac + b"\x08\x06" + body


def echo(src_mac, dst_mac, src_ip, dst_ip, seq):
    icmp = struct.pack("!BBHHH", 8, 0, 0, 0x7A5, seq) + b"vswitch-heal"
    icmp = icmp[:2] + struct.pack("!H", checksum(icmp)) + icmp[4:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), seq, 0x4000, 64, 1, 0, src_ip, dst_ip)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return dst_mac + src_mac + b"\x08\x00" + ip + icmp


def main():
    ifname, mac_text, addr_text, gw_text, timeout = sys.argv[1:6]
    mac = bytes.fromhex(mac_text.replace(":", ""))
    addr, gw = socket.inet_aton(addr_text), socket.inet_aton(gw_text)
    start = time.monotonic()
    deadline = start + float(timeout)
    while not os.path.exists("/sys/class/net/%s/master" % ifname):
        if time.monotonic() > deadline:
            print("%s never appeared in a bridge" % ifname, file=sys.stderr)
            return 1
        time.sleep(0.005)
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", ifname.encode(), IFF_TAP | IFF_NO_PI))
    gw_mac = None
    seq = 0
    next_send = 0.0
    while time.monotonic() < deadline:
        now = time.monotonic()
        if now >= next_send:
            seq += 1
            if gw_mac is None:
                os.write(fd, arp(1, mac, addr, b"\0" * 6, gw, b"\xff" * 6))
            else:
                os.write(fd, echo(mac, gw_mac, addr, gw, seq))
            next_send = now + RETRY_S
        ready, _, _ = select.select([fd], [], [], max(0.0, next_send - time.monotonic()))
        if not ready:
            continue
        frame = os.read(fd, 65536)
        if len(frame) < 14:
            continue
        ethertype = frame[12:14]
        if ethertype == b"\x08\x06" and len(frame) >= 42:
            op, sha, spa, tpa = struct.unpack("!6xH6s4s6x4s", frame[14:42])
            if op == 2 and spa == gw:
                gw_mac = sha
                next_send = 0.0
            elif op == 1 and tpa == addr:  # the gateway asks for us
                os.write(fd, arp(2, mac, addr, sha, spa, sha))
        elif ethertype == b"\x08\x00" and len(frame) >= 34 + 8:
            ihl = (frame[14] & 0x0F) * 4
            proto, src = frame[23], frame[26:30]
            icmp = frame[14 + ihl:]
            if proto == 1 and src == gw and len(icmp) >= 8 and icmp[0] == 0:
                print(int((time.monotonic() - start) * 1000))
                return 0
    print("no echo reply from %s within %s s (gateway MAC %s)" % (gw_text, timeout, gw_mac and gw_mac.hex()),
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
