#!/usr/bin/env python3
"""Bounded abuse of a DNS server, and a probe, for tests/integration/dns_fair.sh.

Every mode stops by itself (a duration and a count bound it) and prints one
line of key=value results on stdout.

  tcp-idle GW SECONDS SLOTS MAX_TOTAL
      keeps SLOTS TCP connections open to GW:53, sending nothing; each one
      the server closes is opened again 0.2 s later, MAX_TOTAL in all.
  tcp-slowloris GW SECONDS SLOTS MAX_TOTAL
      the same, but each connection trickles a query in, one byte at once
      and one more every 4 s. Reports how long the server let a connection
      live after its first byte (max_hold_s).
  tcp-lifetime GW MAX_SECONDS
      one connection asking ext.example A every second; reports after how
      many seconds the server closed it (closed_after_s, -1: not closed).
  udp-flood GW SECONDS RATE ZONE
      RATE queries a second for distinct names under ZONE.
"""
import os
import selectors
import socket
import struct
import sys
import time


def query(qid, name, qtype=1):
    labels = b"".join(bytes([len(p)]) + p.encode() for p in name.rstrip(".").split("."))
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + labels + b"\0" + struct.pack("!HH", qtype, 1)


def framed(msg):
    return struct.pack("!H", len(msg)) + msg


def tcp_abuse(gw, seconds, slots, max_total, slowloris):
    sel = selectors.DefaultSelector()
    payload = framed(query(0x5107, "slow.example"))
    now = time.monotonic()
    end = now + seconds
    conns = {}  # sock -> {"first": t of first byte, "sent": bytes sent, "next": t of next byte}
    reopen_at = [now] * slots  # when each free slot may connect again
    opened = closed_by_server = refused = 0
    max_hold = 0.0
    max_open = 0

    def close(sock, by_server):
        nonlocal closed_by_server, max_hold
        info = conns.pop(sock)
        sel.unregister(sock)
        sock.close()
        if by_server:
            closed_by_server += 1
            if info["first"] is not None:
                max_hold = max(max_hold, time.monotonic() - info["first"])
        reopen_at.append(time.monotonic() + 0.2)

    while True:
        now = time.monotonic()
        if now >= end:
            break
        # Open what may be opened.
        ready = sorted(t for t in reopen_at if t <= now)
        for t in ready:
            if opened >= max_total:
                break
            reopen_at.remove(t)
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect((gw, 53))
            except BlockingIOError:
                pass
            except OSError:
                s.close()
                refused += 1
                reopen_at.append(now + 0.2)
                continue
            opened += 1
            conns[s] = {"first": None, "sent": 0, "next": now}
            sel.register(s, selectors.EVENT_READ)
        max_open = max(max_open, len(conns))
        if slowloris:
            for s, info in list(conns.items()):
                if info["sent"] < len(payload) - 1 and now >= info["next"]:
                    try:
                        s.send(payload[info["sent"]:info["sent"] + 1])
                    except (BlockingIOError, InterruptedError):
                        continue  # not connected yet
                    except OSError:
                        close(s, True)
                        continue
                    if info["first"] is None:
                        info["first"] = now
                    info["sent"] += 1
                    info["next"] = now + 4.0
        for key, _ in sel.select(timeout=0.05):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if not data:
                close(s, True)
    still_open = len(conns)
    for s in list(conns):
        close(s, False)
    print("opened=%d closed_by_server=%d still_open=%d max_open=%d connect_failed=%d max_hold_s=%.2f"
          % (opened, closed_by_server, still_open, max_open, refused, max_hold), flush=True)


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def tcp_lifetime(gw, max_seconds):
    t0 = time.monotonic()
    s = socket.create_connection((gw, 53), timeout=3)
    answers = 0
    closed_after = -1.0
    qid = 1
    while time.monotonic() - t0 < max_seconds:
        try:
            s.sendall(framed(query(qid, "ext.example")))
            head = recv_exact(s, 2)
            if head is None or recv_exact(s, struct.unpack("!H", head)[0]) is None:
                closed_after = time.monotonic() - t0
                break
            answers += 1
        except socket.timeout:
            continue  # no answer: the server stopped reading; wait for its close
        except OSError:
            closed_after = time.monotonic() - t0
            break
        qid += 1
        time.sleep(1)
    s.close()
    print("closed_after_s=%.2f answers=%d" % (closed_after, answers), flush=True)


def udp_flood(gw, seconds, rate, zone):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setblocking(False)
    start = time.monotonic()
    sent = replies = 0
    tag = os.getpid()
    while True:
        now = time.monotonic()
        if now - start >= seconds:
            break
        due = int((now - start) * rate)
        while sent < due:
            try:
                s.sendto(query(sent & 0xffff, "q%d-%d.%s" % (tag, sent, zone)), (gw, 53))
            except (BlockingIOError, InterruptedError):
                break
            sent += 1
        try:
            while True:
                s.recv(4096)
                replies += 1
        except (BlockingIOError, InterruptedError):
            pass
        time.sleep(0.002)
    print("sent=%d replies=%d" % (sent, replies), flush=True)


def main():
    mode, gw = sys.argv[1], sys.argv[2]
    if mode in ("tcp-idle", "tcp-slowloris"):
        tcp_abuse(gw, float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), mode == "tcp-slowloris")
    elif mode == "tcp-lifetime":
        tcp_lifetime(gw, float(sys.argv[3]))
    elif mode == "udp-flood":
        udp_flood(gw, float(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
