#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# Port forwards (issue 16), measured:
#   1. forwarded TCP throughput, iperf3 from the upstream namespace to a
#      server in a VM through the host's uplink address: through a forward
#      (a map element of inet vswitch) against a hand-written single DNAT
#      rule to the same server, in the same run, interleaved (target >= 0.95);
#   2. AddPortForward p50/p99 over 1000 forwards on one D-Bus connection
#      (each one in the nft table and fsynced before its reply), and the
#      same for RemovePortForward;
#   3. the time from AddPortForward's reply to the first forwarded
#      connection succeeding, over 50 forwards.
#
# Usage (as root): bench/forwards.sh [VSWITCHD]
#   BENCH_SECONDS  length of one iperf3 run (default 5)
#   BENCH_REPEATS  runs per mode (default 3)
#   BENCH_COUNT    forwards for the D-Bus timings (default 1000)
# Everything runs in network namespaces it creates and removes.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=${BENCH_SECONDS:-5}
repeats=${BENCH_REPEATS:-3}
count=${BENCH_COUNT:-1000}
readonly TARGET_RATIO=0.95
readonly IPERF_PORT=5201 FWD_PORT=15201 RULE_PORT=15202 OMIT_SECONDS=1

[ "$(id -u)" = 0 ] || { echo "forwards.sh: must run as root (it creates network namespaces)" >&2; exit 1; }
command -v iperf3 >/dev/null || { echo "forwards.sh: iperf3 is not installed" >&2; exit 1; }
/usr/bin/python3 -c 'from gi.repository import Gio' 2>/dev/null ||
  { echo "forwards.sh: python3-gi is not installed" >&2; exit 1; }
vswitchd=${1:-${VSWITCHD:-}}
if [ -z "$vswitchd" ]; then
  for candidate in build-release build build-demo; do
    if [ -x "$top/$candidate/daemon/vswitchd" ]; then vswitchd=$top/$candidate/daemon/vswitchd; break; fi
  done
fi
[ -n "$vswitchd" ] || { echo "forwards.sh: no vswitchd found; build one or pass its path" >&2; exit 1; }

# shellcheck source=tests/integration/lib.sh
source "$top/tests/integration/lib.sh"
# shellcheck source=tests/integration/bus_lib.sh
source "$top/tests/integration/bus_lib.sh"
vsi_init bfwd "$vswitchd"
VSI_LOG_LEVEL=warning
results=$VSI_TMP/results
vsi_topology
vsi_daemon_dirs
vsb_start_bus bfwd open
vsi_start_daemon
subnet=$(vsi_subnet)
gateway=$(vsi_subnet_host "$subnet" 1)
vm=$(vsi_subnet_host "$subnet" 100)
vsi_add_vm vm0 "$vm/20" "$gateway"
HOST=$VSI_HOST_UPLINK_ADDR
py() { ip netns exec "$NS_UP" /usr/bin/python3 "$top/bench/forwards.py" "$@"; }

ip netns exec "$NS_VM" iperf3 -s -p "$IPERF_PORT" >"$VSI_TMP/iperf3-server.log" 2>&1 &
vsi_track_pid $!
ip netns exec "$NS_VM" /usr/bin/python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8000)); s.listen(512)
while True: s.accept()[0].close()' &
vsi_track_pid $!
for ((i = 0; i < 50; i++)); do
  ip netns exec "$NS_VM" ss -Hltn | grep -q ":$IPERF_PORT " && ip netns exec "$NS_VM" ss -Hltn | grep -q ':8000 ' && break
  sleep 0.1
done

# The forward, and beside it the hand-written rule: a table of its own whose
# one DNAT runs just before vswitch's (priority -101); the same target, so
# the flow takes the same accept in vswitch's forward chain.
py adds "$FWD_PORT" 1 "$vm" "$IPERF_PORT" >/dev/null
vsi_nft -f - <<NFT
table ip bench_dnat {
  chain prerouting {
    type nat hook prerouting priority -101; policy accept;
    ip daddr $HOST tcp dport $RULE_PORT dnat to $vm:$IPERF_PORT
  }
}
NFT
VSI_CLEANUP_CMDS+=("ip netns exec '$NS_HOST' nft delete table ip bench_dnat 2>/dev/null")

measure() { # MODE PORT
  local json=$VSI_TMP/iperf3-$1.json bps
  timeout -k 2 $((seconds + OMIT_SECONDS + 15)) ip netns exec "$NS_UP" \
    iperf3 -c "$HOST" -p "$2" -t "$seconds" -O "$OMIT_SECONDS" -J >"$json" 2>&1 ||
    vsi_fail "iperf3 ($1) failed: $(head -c 400 "$json")"
  bps=$("$PYTHON" -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]))' "$json")
  echo "$1 $bps" >>"$results"
  printf '  %-7s %6.2f Gbit/s\n' "$1" "$(echo "$bps" | awk '{print $1 / 1e9}')" >&2
}
echo "forwarded TCP: iperf3 upstream ns -> $HOST -> VM $vm:$IPERF_PORT, ${repeats} x ${seconds} s per mode; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for ((r = 1; r <= repeats; r++)); do
  if ((r % 2)); then order="forward rule"; else order="rule forward"; fi
  for mode in $order; do
    if [ "$mode" = forward ]; then measure forward "$FWD_PORT"; else measure rule "$RULE_PORT"; fi
  done
done
"$PYTHON" - "$results" "$TARGET_RATIO" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    mode, bps = line.split()
    runs.setdefault(mode, []).append(int(bps) / 1e9)
f, r = statistics.median(runs["forward"]), statistics.median(runs["rule"])
cell = lambda v, m: f"{m:.2f} Gbit/s ({min(v):.2f}-{max(v):.2f})"
print(f"through the forward (map): {cell(runs['forward'], f)}; hand-written DNAT rule: {cell(runs['rule'], r)}; "
      f"ratio {f / r:.3f} ({'meets' if f / r >= float(sys.argv[2]) else 'BELOW'} {sys.argv[2]}), medians of {len(runs['rule'])}")
PY

echo "D-Bus: $count forwards (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
py adds 20000 "$count" "$vm" 8000
rules=$(vsi_nft list table inet vswitch | grep -c 'comment "')
echo "rules in inet vswitch with $((count + 1)) forwards: $rules"
py removes 20000 "$count"
py first 40000 50 "$HOST" "$vm" 8000
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
vsi_stop_daemon TERM
vsi_run_daemon --teardown
