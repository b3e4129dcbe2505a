#!/usr/bin/env python3
"""DHCP clients that name themselves: N clients (random MACs), each with the
host name vmNNNN (option 12), do DISCOVER/OFFER/REQUEST/ACK through a relay
address, then every client renews once (REQUEST with ciaddr, RFC 2131
4.3.2 RENEWING). Measures the server's CPU time per ACK in each phase from
/proc/PID/schedstat (nanoseconds on a CPU) and counts how often the hosts
file in RUNDIR was replaced (inotify IN_MOVED_TO of "hosts", the rename of
an atomic write; the queue holds 16384 events, plenty for 2 per write) during each phase. Prints one JSON object.

BENCH_HOSTNAMES=0 leaves option 12 out: the same clients without names.

Usage (inside the client namespace, as root: it binds UDP port 67 to act as
the relay): dhcp_names.py SERVER GIADDR N PID RUNDIR
"""
import ctypes
import json
import os
import random
import select
import socket
import struct
import sys
import time

SERVER, GIADDR, N, PID, RUNDIR = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
BATCH = 200
TRIES = 5
MAGIC = b"\x63\x82\x53\x63"
DISCOVER, OFFER, REQUEST, ACK, NAK = 1, 2, 3, 5, 6
IN_MOVED_FROM = 0x40
IN_MOVED_TO = 0x80
IN_NONBLOCK = 0o4000
IN_Q_OVERFLOW = 0x4000


def cpu_ns():
    with open(f"/proc/{PID}/schedstat") as f:
        return int(f.read().split()[0])


class HostsWatch:
    """Counts replacements of RUNDIR/hosts."""

    def __init__(self, directory):
        self.libc = ctypes.CDLL("libc.so.6", use_errno=True)
        self.fd = self.libc.inotify_init1(IN_NONBLOCK)
        # IN_MOVED_FROM too, though only IN_MOVED_TO is counted: inotify
        # merges an event into an identical one still unread, so renames
        # that only ever queue IN_MOVED_TO "hosts" would count as one.
        mask = IN_MOVED_FROM | IN_MOVED_TO
        if self.fd < 0 or self.libc.inotify_add_watch(self.fd, directory.encode(), mask) < 0:
            raise OSError(ctypes.get_errno(), "inotify on " + directory)

    def drain(self):
        n = 0
        while True:
            try:
                buf = os.read(self.fd, 65536)
            except BlockingIOError:
                return n
            off = 0
            while off + 16 <= len(buf):
                _wd, mask, _cookie, length = struct.unpack_from("iIII", buf, off)
                name = buf[off + 16:off + 16 + length].rstrip(b"\0")
                if mask & IN_MOVED_TO and name == b"hosts":
                    n += 1
                if mask & IN_Q_OVERFLOW:
                    raise OSError("inotify queue overflowed: raise fs.inotify.max_queued_events")
                off += 16 + length


def packet(kind, mac, xid, hostname, ciaddr="0.0.0.0", requested=None, server_id=None):
    head = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 1, xid, 0, 0,
                       socket.inet_aton(ciaddr), b"\0" * 4, b"\0" * 4, socket.inet_aton(GIADDR),
                       mac + b"\0" * 10, b"", b"")
    opts = bytes([53, 1, kind]) + (bytes([12, len(hostname)]) + hostname if hostname else b"")
    if requested:
        opts += bytes([50, 4]) + socket.inet_aton(requested)
    if server_id:
        opts += bytes([54, 4]) + socket.inet_aton(server_id)
    opts += bytes([55, 4, 1, 3, 6, 15, 255])
    return head + MAGIC + opts


def parse(data):
    """(xid, type, yiaddr, server id) of a reply, or None."""
    if len(data) < 240 or data[0] != 2 or data[236:240] != MAGIC:
        return None
    xid = struct.unpack_from("!I", data, 4)[0]
    yiaddr = socket.inet_ntoa(data[16:20])
    kind, sid, i = None, None, 240
    while i < len(data) and data[i] != 255:
        if data[i] == 0:
            i += 1
            continue
        if i + 1 >= len(data):
            break
        code, length = data[i], data[i + 1]
        val = data[i + 2:i + 2 + length]
        if code == 53 and length == 1:
            kind = val[0]
        elif code == 54 and length == 4:
            sid = socket.inet_ntoa(val)
        i += 2 + length
    return xid, kind, yiaddr, sid


def exchange(sock, requests, want):
    """Sends {xid: bytes}, resends what got no answer; {xid: reply}."""
    got = {}
    for _ in range(TRIES):
        for xid, pkt in requests.items():
            if xid not in got:
                sock.sendto(pkt, (SERVER, 67))
        deadline = time.monotonic() + 1.0
        while len(got) < len(requests) and time.monotonic() < deadline:
            r, _, _ = select.select([sock], [], [], max(0.0, deadline - time.monotonic()))
            if not r:
                break
            while True:
                try:
                    data = sock.recv(2048)
                except BlockingIOError:
                    break
                p = parse(data)
                if p and p[0] in requests and p[1] in want:
                    got[p[0]] = p
        if len(got) == len(requests):
            break
    return got


def main():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.bind((GIADDR, 67))
    sock.setblocking(False)
    rng = random.Random(os.getpid() ^ int(time.time()))
    clients = []
    for i in range(N):
        mac = bytes([0x52, 0x54, 0x00] + [rng.randrange(256) for _ in range(3)])
        name = b"vm%04d" % i if os.environ.get("BENCH_HOSTNAMES", "1") != "0" else b""
        clients.append({"mac": mac, "name": name, "xid": rng.randrange(1 << 32)})
    watch = HostsWatch(RUNDIR)
    watch.drain()

    out = {"clients": N}
    t0, c0 = time.monotonic(), cpu_ns()
    acks = 0
    for b in range(0, N, BATCH):
        batch = clients[b:b + BATCH]
        offers = exchange(sock, {c["xid"]: packet(DISCOVER, c["mac"], c["xid"], c["name"]) for c in batch},
                          (OFFER,))
        reqs = {}
        for c in batch:
            o = offers.get(c["xid"])
            if not o:
                continue
            c["ip"], c["server"] = o[2], o[3]
            reqs[c["xid"]] = packet(REQUEST, c["mac"], c["xid"], c["name"], requested=c["ip"], server_id=c["server"])
        got = exchange(sock, reqs, (ACK, NAK))
        acks += sum(1 for p in got.values() if p[1] == ACK)
    t1 = time.monotonic()
    # The CPU time and the writes of a phase include what it left for later
    # (a throttled write runs within a second).
    time.sleep(1.2)
    c1 = cpu_ns()
    out.update(dora_acks=acks, dora_s=round(t1 - t0, 3),
               dora_cpu_us_per_ack=round((c1 - c0) / 1000 / max(acks, 1), 1),
               dora_hosts_writes=watch.drain())

    t0, c0 = time.monotonic(), cpu_ns()
    renewed = 0
    leased = [c for c in clients if "ip" in c]
    for b in range(0, len(leased), BATCH):
        batch = leased[b:b + BATCH]
        for c in batch:
            c["xid"] = rng.randrange(1 << 32)
        got = exchange(sock, {c["xid"]: packet(REQUEST, c["mac"], c["xid"], c["name"], ciaddr=c["ip"]) for c in batch},
                       (ACK, NAK))
        renewed += sum(1 for p in got.values() if p[1] == ACK)
    t1 = time.monotonic()
    time.sleep(1.2)
    c1 = cpu_ns()
    out.update(renew_acks=renewed, renew_s=round(t1 - t0, 3),
               renew_cpu_us_per_ack=round((c1 - c0) / 1000 / max(renewed, 1), 1),
               renew_hosts_writes=watch.drain())
    print(json.dumps(out))


if __name__ == "__main__":
    main()
