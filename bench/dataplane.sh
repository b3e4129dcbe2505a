#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# What vswitch costs on the data plane: iperf3 TCP from a VM namespace through
# vswitch0 and the daemon's NAT to an upstream namespace, against the very
# same path with table inet vswitch removed (plain bridging + forwarding, the
# limit here). Both are measured in one run, interleaved, so the machine's
# load drifts over both alike. Prints a table and the ratio (target >= 0.95).
#
# Usage (as root): bench/dataplane.sh [VSWITCHD]
#   VSWITCHD          default: build-release/, build/ or build-demo/daemon/vswitchd
#   BENCH_SECONDS     length of one measurement (default 5)
#   BENCH_REPEATS     measurements per cell (default 3)
#   BENCH_STREAMS     parallel streams to try (default "1 4")
# Everything runs in network namespaces it creates and removes.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=${BENCH_SECONDS:-5}
repeats=${BENCH_REPEATS:-3}
streams_list=${BENCH_STREAMS:-1 4}
readonly TARGET_RATIO=0.95
readonly IPERF_PORT=5201
# The first second of each run is TCP slow start; iperf3 leaves it out.
readonly OMIT_SECONDS=1

if [ "$(id -u)" != 0 ]; then
  echo "dataplane.sh: must run as root (it creates network namespaces)" >&2
  exit 1
fi
command -v iperf3 >/dev/null || { echo "dataplane.sh: iperf3 is not installed (apt-get install iperf3)" >&2; exit 1; }

vswitchd=${1:-${VSWITCHD:-}}
if [ -z "$vswitchd" ]; then
  for candidate in build-release build build-demo; do
    if [ -x "$top/$candidate/daemon/vswitchd" ]; then vswitchd=$top/$candidate/daemon/vswitchd; break; fi
  done
fi
[ -n "$vswitchd" ] || { echo "dataplane.sh: no vswitchd found; build one (meson setup build && ninja -C build) or pass its path" >&2; exit 1; }

# shellcheck source=tests/integration/lib.sh
source "$top/tests/integration/lib.sh"
vsi_init bench "$vswitchd"
VSI_LOG_LEVEL=warning
results=$VSI_TMP/results

vsi_topology
vsi_daemon_dirs
vsi_start_daemon
subnet=$(vsi_subnet)
[ -n "$subnet" ] || vsi_fail "vswitchd is ready but vswitch0 has no subnet"
gateway=$(vsi_subnet_host "$subnet" 1)
vm_addr=$(vsi_subnet_host "$subnet" 100)
vsi_add_vm vm0 "$vm_addr/20" "$gateway"
# Without the table there is no NAT: upstream needs a way back to the subnet.
ip -n "$NS_UP" route add "$subnet" via "$VSI_HOST_UPLINK_ADDR"

ip netns exec "$NS_UP" iperf3 -s -B "$VSI_INTERNET_ADDR" -p "$IPERF_PORT" >"$VSI_TMP/iperf3-server.log" 2>&1 &
vsi_track_pid $!
for ((i = 0; i < 50; i++)); do
  ip netns exec "$NS_UP" ss -Hltn "sport = :$IPERF_PORT" | grep -q . && break
  sleep 0.1
done
out=$(ip netns exec "$NS_VM" ping -c 1 -W 2 "$VSI_INTERNET_ADDR" 2>&1) ||
  vsi_fail "the VM cannot reach $VSI_INTERNET_ADDR: $out"

# nat: the daemon runs and owns its table. plain: the daemon stopped (so it
# cannot put the table back) and the table deleted; bridge and routes stay.
set_mode() {
  case $1 in
    nat)
      [ -n "$VSI_DAEMON_PID" ] || vsi_start_daemon
      vsi_assert_eq "table inet vswitch in nat mode" 1 "$(vsi_vswitch_table_count)"
      ;;
    plain)
      [ -z "$VSI_DAEMON_PID" ] || vsi_stop_daemon TERM
      if [ "$(vsi_vswitch_table_count)" = 1 ]; then vsi_nft delete table inet vswitch; fi
      vsi_nft delete table bridge vswitch 2>/dev/null || true  # the port guards (issue 17)
      vsi_assert_eq "tables in plain mode" 0 "$(vsi_table_count)"
      ;;
  esac
}

# measure MODE STREAMS: one iperf3 run; appends "MODE STREAMS BITS/S".
measure() {
  local mode=$1 streams=$2 json bps
  json=$VSI_TMP/iperf3-$mode-$streams.json
  if ! timeout -k 2 $((seconds + OMIT_SECONDS + 15)) ip netns exec "$NS_VM" \
    iperf3 -c "$VSI_INTERNET_ADDR" -p "$IPERF_PORT" -t "$seconds" -O "$OMIT_SECONDS" -P "$streams" -J \
    >"$json" 2>&1; then
    vsi_fail "iperf3 ($mode, $streams streams) failed: $(head -c 400 "$json")"
  fi
  bps=$("$PYTHON" -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]))' "$json")
  echo "$mode $streams $bps" >>"$results"
  printf '  %-5s %s stream(s): %6.2f Gbit/s\n' "$mode" "$streams" "$(echo "$bps" | awk '{print $1 / 1e9}')" >&2
}

cells=$(($(wc -w <<<"$streams_list") * 2 * repeats))
echo "vswitch data plane: iperf3 TCP, VM ns -> vswitch0 -> upstream ns, ${repeats} x ${seconds} s per cell" \
  "($cells runs, about $((cells * (seconds + OMIT_SECONDS + 1))) s)" >&2
echo "subnet $subnet, VM $vm_addr, server $VSI_INTERNET_ADDR; 'plain' = same path, table inet vswitch removed" >&2
for ((r = 1; r <= repeats; r++)); do
  # Alternate which mode goes first, so neither always runs on a warmer cache.
  if ((r % 2)); then modes="nat plain"; else modes="plain nat"; fi
  for mode in $modes; do
    set_mode "$mode"
    for streams in $streams_list; do measure "$mode" "$streams"; done
  done
done
set_mode nat

echo
"$PYTHON" - "$results" "$TARGET_RATIO" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    mode, streams, bps = line.split()
    runs.setdefault((mode, int(streams)), []).append(int(bps) / 1e9)
target = float(sys.argv[2])
print(f"{'streams':>7}  {'through vswitch (NAT)':>24}  {'table removed':>24}  {'ratio':>6}")
worst = None
for streams in sorted({s for _, s in runs}):
    nat, plain = runs[("nat", streams)], runs[("plain", streams)]
    n, p = statistics.median(nat), statistics.median(plain)
    ratio = n / p if p else 0.0
    worst = ratio if worst is None else min(worst, ratio)
    cell = lambda v, m: f"{m:6.2f} Gbit/s ({min(v):.2f}-{max(v):.2f})"
    print(f"{streams:>7}  {cell(nat, n):>24}  {cell(plain, p):>24}  {ratio:6.3f}")
verdict = "meets" if worst >= target else "BELOW"
print(f"medians of {len(nat)} runs (min-max); worst ratio {worst:.3f} {verdict} the target {target}")
PY

vsi_stop_daemon TERM
vsi_run_daemon --teardown
