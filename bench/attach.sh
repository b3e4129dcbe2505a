#!/bin/bash
# bench/attach.sh VSWITCHD [N]: N (default 1000) AttachAdapter calls over
# D-Bus, then N DetachAdapter calls, against the real vswitchd in a throwaway
# namespace on a private dbus-daemon. Prints total time and p50/p99 per call.
#
# Each call is one `busctl call` process, so the numbers include starting a
# client and connecting to the bus; the same statistics for Peer.Ping (a call
# the daemon answers without doing anything) are printed as the baseline:
# the daemon's own cost of a call is roughly the difference.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tests/integration/lib.sh"
. "$here/../tests/integration/bus_lib.sh"
vsi_require_root
vsi_init bench-attach "$1"
N=${2:-1000}

vsi_ns_add "$NS_HOST"
vsi_daemon_dirs
vsb_start_bus bench policy
VSI_LOG_LEVEL=notice vsi_start_daemon

python3 - "$N" <<'PY'
import statistics, subprocess, sys, time

n = int(sys.argv[1])
base = ["busctl", "--system", "call", "org.vswitch1", "/org/vswitch1"]

def run(args):
    t0 = time.perf_counter()
    out = subprocess.run(base + args, capture_output=True, text=True, check=True).stdout
    return time.perf_counter() - t0, out

def report(name, times):
    times = sorted(times)
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))] * 1000
    print(f"{name:14} {len(times):5} calls  total {sum(times):7.2f} s  "
          f"p50 {p(0.50):6.2f} ms  p99 {p(0.99):6.2f} ms")

ping = [run(["org.freedesktop.DBus.Peer", "Ping"])[0] for _ in range(min(n, 200))]
attach, names = [], []
for i in range(n):
    t, out = run(["org.vswitch1.Manager", "AttachAdapter", "sssa{sv}", "Default", f"bench{i}", "", "0"])
    attach.append(t)
    names.append(out.split('"')[1])
detach = [run(["org.vswitch1.Manager", "DetachAdapter", "s", name])[0] for name in names]
report("Ping (base)", ping)
report("AttachAdapter", attach)
report("DetachAdapter", detach)
b = statistics.median(ping) * 1000
print(f"daemon-side p50 estimate: attach {statistics.median(attach) * 1000 - b:.2f} ms, "
      f"detach {statistics.median(detach) * 1000 - b:.2f} ms")
PY
