#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# bench/dns.sh VSWITCHD [SECONDS]: queries per second and latency of the
# switch's DNS server, from a VM namespace over UDP, for three kinds of
# answer: a local name (the host's), a name answered from the cache, and
# the first asks of distinct names forwarded to the test upstream (a python
# server, so that row measures mostly the upstream). One client keeps up to
# 16 queries in flight. Prints qps and p50/p99 in microseconds per row.
# (dnsmasq is not compared: it is not installed on the build machine.)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/../tests/integration/lib.sh"
vsi_require_root
vsi_init bench-dns "$1"
SECONDS_PER_ROW=${2:-3}

vsi_topology
vsi_daemon_dirs
ip netns exec "$NS_UP" "$PYTHON" "$here/../tests/integration/dns_upstream.py" "$VSI_INTERNET_ADDR" \
  "$VSI_TMP/q.log" >"$VSI_TMP/up.out" 2>&1 &
vsi_track_pid $!
for ((i = 0; i < 100; i++)); do grep -q listening "$VSI_TMP/up.out" 2>/dev/null && break; sleep 0.05; done
echo "nameserver $VSI_INTERNET_ADDR" >"$VSI_RESOLV"
VSI_LOG_LEVEL=notice vsi_start_daemon
subnet=$(vsi_subnet)
gw=$(vsi_subnet_host "$subnet" 1)
vsi_add_vm vm0 "$(vsi_subnet_host "$subnet" 100)/20" "$gw"
host_label=$(hostname | cut -d. -f1 | tr '[:upper:]' '[:lower:]')

ip netns exec "$NS_VM" "$PYTHON" - "$gw" "$SECONDS_PER_ROW" "$host_label.vswitch.internal" <<'PY'
import os, random, select, socket, statistics, struct, sys, time

server, seconds, local = sys.argv[1], float(sys.argv[2]), sys.argv[3]
WINDOW = 16

def query(qid, name):
    q = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + q + struct.pack("!HH", 1, 1)

def run(label, names):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((server, 53))
    s.setblocking(False)
    sent, lat, lost, i = {}, [], 0, 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or sent:
        now = time.perf_counter()
        while len(sent) < WINDOW and now < end:
            qid = random.getrandbits(16)
            if qid in sent:
                continue
            s.send(query(qid, names(i)))
            sent[qid] = now
            i += 1
        r, _, _ = select.select([s], [], [], 0.5)
        if not r:
            lost += len(sent)
            sent.clear()
            continue
        while True:
            try:
                reply = s.recv(4096)
            except BlockingIOError:
                break
            t0 = sent.pop(struct.unpack("!H", reply[:2])[0], None)
            if t0 is not None:
                lat.append(time.perf_counter() - t0)
    lat.sort()
    us = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1e6
    print("%-10s %8.0f qps   p50 %6.0f us   p99 %6.0f us   (%d answers, %d lost)"
          % (label, len(lat) / seconds, us(0.5), us(0.99), len(lat), lost))

run("local", lambda i: local)
run("cached", lambda i: "ext.example")
run("forwarded", lambda i: "n%d.ext.example" % i)
PY
