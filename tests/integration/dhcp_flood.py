#!/usr/bin/env python3
"""DHCP load from inside a guest namespace, over a raw packet socket, each
request from its own random (locally administered) MAC, as the guests of a
nested container host or an attacker would send them. Bounded in count and
time. Replies are asked for by broadcast (flag set), so no ARP is needed.

  dhcp_flood.py IFACE discover COUNT RATE    DISCOVERs only, RATE a second
  dhcp_flood.py IFACE dora COUNT SECONDS     whole DORAs, 32 in flight;
                                             prints "acked A naked N unanswered U"
  dhcp_flood.py IFACE relay GIADDR           one relayed DISCOVER (giaddr set);
                                             prints "replies R" after 2 s
  dhcp_flood.py IFACE interleave ROUNDS      DORAs until the pool is full, then
                                             ROUNDS x (a DISCOVER from a leased
                                             client, one from a new client);
                                             prints "leased L leased-offers O new-offers N"
"""
import os
import random
import select
import socket
import struct
import sys
import time

ETH_P_IP = 0x0800
COOKIE = b"\x63\x82\x53\x63"
DISCOVER, OFFER, REQUEST, ACK, NAK = 1, 2, 3, 5, 6


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(mac, xid, mtype, options=b"", giaddr=b"\0" * 4, hops=0, sport=68):
    bootp = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, hops, xid, 0, 0x8000,
                        b"\0" * 4, b"\0" * 4, b"\0" * 4, giaddr, mac, b"", b"")
    payload = bootp + COOKIE + bytes([53, 1, mtype]) + options + b"\xff"
    payload += b"\0" * max(0, 300 - len(payload))
    udp = struct.pack("!HHHH", sport, 67, 8 + len(payload), 0) + payload  # no UDP checksum (RFC 768)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, b"\0" * 4, b"\xff" * 4)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\xff" * 6 + mac + struct.pack("!H", ETH_P_IP) + ip + udp


def parse_reply(data):
    """(xid, type, yiaddr, server id) of a DHCP reply in an Ethernet frame, else None."""
    if len(data) < 14 + 20 + 8 + 240 or data[12:14] != b"\x08\x00" or data[23] != 17:
        return None
    ihl = (data[14] & 15) * 4
    u = 14 + ihl
    dport = struct.unpack("!H", data[u + 2:u + 4])[0]
    b = data[u + 8:]
    if dport not in (67, 68) or len(b) < 240 or b[0] != 2 or b[236:240] != COOKIE:
        return None
    xid = struct.unpack("!I", b[4:8])[0]
    yiaddr = b[16:20]
    mtype, sid, i = None, None, 240
    while i < len(b) and b[i] != 255:
        if b[i] == 0:
            i += 1
            continue
        if i + 1 >= len(b):
            break
        code, n = b[i], b[i + 1]
        val = b[i + 2:i + 2 + n]
        if code == 53 and n == 1:
            mtype = val[0]
        elif code == 54 and n == 4:
            sid = val
        i += 2 + n
    return xid, mtype, yiaddr, sid


def open_socket(iface):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
    s.bind((iface, 0))
    s.setblocking(False)
    return s


def random_mac():
    return bytes([0x02] + [random.randrange(256) for _ in range(5)])


def drain(s, handle):
    while True:
        try:
            data = s.recv(4096)
        except BlockingIOError:
            return
        r = parse_reply(data)
        if r:
            handle(r)


def discover(iface, count, rate):
    s = open_socket(iface)
    start = time.monotonic()
    for i in range(count):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        s.send(frame(random_mac(), random.getrandbits(32), DISCOVER))
        drain(s, lambda r: None)
    print("sent %d" % count)


def dora(iface, count, seconds):
    s = open_socket(iface)
    deadline = time.monotonic() + seconds
    pending = {}  # xid -> [mac, state, sent at]
    acked = naked = unanswered = started = 0

    def handle(r):
        nonlocal acked, naked
        xid, mtype, yiaddr, sid = r
        c = pending.get(xid)
        if not c:
            return
        if c[1] == DISCOVER and mtype == OFFER and sid:
            opts = bytes([50, 4]) + yiaddr + bytes([54, 4]) + sid
            s.send(frame(c[0], xid, REQUEST, opts))
            c[1], c[2] = REQUEST, time.monotonic()
        elif c[1] == REQUEST and mtype in (ACK, NAK):
            del pending[xid]
            if mtype == ACK:
                acked += 1
            else:
                naked += 1

    while time.monotonic() < deadline and (started < count or pending):
        now = time.monotonic()
        for xid in [x for x, c in pending.items() if now - c[2] > 2.0]:
            del pending[xid]
            unanswered += 1
        while started < count and len(pending) < 32:
            xid = random.getrandbits(32)
            pending[xid] = [random_mac(), DISCOVER, now]
            s.send(frame(pending[xid][0], xid, DISCOVER))
            started += 1
        select.select([s], [], [], 0.05)
        drain(s, handle)
    unanswered += len(pending) + (count - started)
    print("acked %d naked %d unanswered %d" % (acked, naked, unanswered))


def relay(iface, giaddr):
    s = open_socket(iface)
    xid = random.getrandbits(32)
    s.send(frame(random_mac(), xid, DISCOVER, giaddr=socket.inet_aton(giaddr), hops=1, sport=67))
    replies = 0
    deadline = time.monotonic() + 2

    def handle(r):
        nonlocal replies
        replies += r[0] == xid

    while time.monotonic() < deadline:
        select.select([s], [], [], 0.1)
        drain(s, handle)
    print("replies %d" % replies)


def ask(s, mac, mtype, options=b"", wait=1.0, xid=None):
    """Sends one request; the first reply to it (xid, type, yiaddr, sid) or None."""
    xid = xid if xid is not None else random.getrandbits(32)
    s.send(frame(mac, xid, mtype, options))
    deadline = time.monotonic() + wait
    got = []
    while time.monotonic() < deadline and not got:
        select.select([s], [], [], 0.05)
        drain(s, lambda r: got.append(r) if r[0] == xid else None)
    return got[0] if got else None


def interleave(iface, rounds):
    s = open_socket(iface)
    leased = []
    while len(leased) < 4096:
        mac = random_mac()
        offer = ask(s, mac, DISCOVER)
        if not offer or offer[1] != OFFER:
            break
        ack = ask(s, mac, REQUEST, bytes([50, 4]) + offer[2] + bytes([54, 4]) + offer[3], xid=offer[0])
        if ack and ack[1] == ACK:
            leased.append(mac)
    old = new = 0
    for _ in range(rounds):
        r = ask(s, leased[0], DISCOVER, wait=0.3) if leased else None
        old += bool(r and r[1] == OFFER)
        r = ask(s, random_mac(), DISCOVER, wait=0.05)
        new += bool(r and r[1] == OFFER)
    print("leased %d leased-offers %d new-offers %d" % (len(leased), old, new))


def main():
    iface, mode = sys.argv[1], sys.argv[2]
    random.seed(os.urandom(8))
    if mode == "discover":
        discover(iface, int(sys.argv[3]), float(sys.argv[4]))
    elif mode == "dora":
        dora(iface, int(sys.argv[3]), float(sys.argv[4]))
    elif mode == "interleave":
        interleave(iface, int(sys.argv[3]))
    elif mode == "relay":
        relay(iface, sys.argv[3])
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
