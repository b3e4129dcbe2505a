#!/usr/bin/env python3
"""A test upstream DNS server for tests/integration/dns_*.sh.

Answers A questions from a fixed table over UDP and TCP on ADDR:53 and
appends one line per query it receives to LOG ("udp ext.example. 1"), so a
test can count what reached upstream. tc.example. is answered truncated
(TC=1, no records) over UDP and in full over TCP. Every name under
ok.test. is answered with 192.0.2.100 (distinct names, so none is cached);
names under src.ok.test. also log the query's source port and id
("src PORT ID", for the forwarder's port and id randomness); no name
under blackhole.test. is ever answered (a silent upstream, for
tests/integration/dns_fair.sh), and those are counted in LOG only as
"blackhole" lines, one per query, to keep a flood cheap.

Usage: dns_upstream.py ADDR LOG
"""
import socket
import struct
import sys
import threading

TABLE = {
    "ext.example.": ["192.0.2.10"],
    "other.example.": ["192.0.2.11"],
    "third.example.": ["192.0.2.12"],
    "fourth.example.": ["192.0.2.13"],
    "www.example.test.": ["203.0.113.10"],  # contrib/demo.sh's web server
    "tc.example.": ["192.0.2.%d" % i for i in range(20, 60)],
}
TTL = 300
TRUNCATED_OVER_UDP = "tc.example."
ANSWERED_ZONE = ".ok.test."
ANSWERED_ZONE_ADDR = "192.0.2.100"
SILENT_ZONE = ".blackhole.test."
SOURCE_ZONE = ".src.ok.test."

log_lock = threading.Lock()


def parse_question(msg):
    pos, labels = 12, []
    while True:
        n = msg[pos]
        pos += 1
        if n == 0:
            break
        labels.append(msg[pos:pos + n].decode("ascii", "replace").lower())
        pos += n
    qtype, qclass = struct.unpack("!HH", msg[pos:pos + 4])
    return ".".join(labels) + ".", qtype, qclass, msg[12:pos + 4]


def answer(msg, transport, log, peer=None):
    """The reply to send, or None to stay silent."""
    qid, flags = struct.unpack("!HH", msg[:4])
    name, qtype, _, question = parse_question(msg)
    if peer is not None and name.endswith(SOURCE_ZONE):
        with log_lock, open(log, "a") as f:
            f.write("src %d %d\n" % (peer[1], qid))
    if name.endswith(SILENT_ZONE):
        with log_lock, open(log, "a") as f:
            f.write("blackhole\n")
        return None
    with log_lock, open(log, "a") as f:
        f.write("%s %s %d\n" % (transport, name, qtype))
    rd = flags & 0x0100
    addrs = TABLE.get(name)
    if addrs is None and name.endswith(ANSWERED_ZONE):
        addrs = [ANSWERED_ZONE_ADDR]
    rcode = 0 if addrs is not None else 3
    records = []
    truncated = transport == "udp" and name == TRUNCATED_OVER_UDP
    if addrs and qtype == 1 and not truncated:
        for a in addrs:
            records.append(b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, TTL, 4) + socket.inet_aton(a))
    out_flags = 0x8000 | rd | 0x0080 | rcode | (0x0200 if truncated else 0)
    header = struct.pack("!HHHHHH", qid, out_flags, 1, len(records), 0, 0)
    return header + question + b"".join(records)


def serve_udp(s, log):
    while True:
        msg, peer = s.recvfrom(4096)
        try:
            reply = answer(msg, "udp", log, peer)
            if reply is not None:
                s.sendto(reply, peer)
        except Exception as e:  # a broken query is the test's, not ours
            print("udp: %s" % e, file=sys.stderr)


def recv_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def serve_tcp_conn(conn, log):
    with conn:
        while True:
            head = recv_exact(conn, 2)
            if head is None:
                return
            msg = recv_exact(conn, struct.unpack("!H", head)[0])
            if msg is None:
                return
            reply = answer(msg, "tcp", log)
            if reply is None:
                continue
            conn.sendall(struct.pack("!H", len(reply)) + reply)


def serve_tcp(s, log):
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve_tcp_conn, args=(conn, log), daemon=True).start()


def main():
    addr, log = sys.argv[1], sys.argv[2]
    open(log, "w").close()
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((addr, 53))
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind((addr, 53))
    tcp.listen(16)
    threading.Thread(target=serve_udp, args=(udp, log), daemon=True).start()
    t = threading.Thread(target=serve_tcp, args=(tcp, log), daemon=True)
    t.start()
    print("listening", flush=True)
    t.join()


if __name__ == "__main__":
    main()
