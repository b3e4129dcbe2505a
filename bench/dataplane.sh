#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# What vswitch costs on the data plane: iperf3 TCP between a VM namespace and
# an upstream namespace through vswitch0 and the daemon's NAT, in both
# directions (up: the VM sends; down: iperf3 -R, upstream sends to the VM
# over the connection the VM opened), against the very same path with table
# inet vswitch removed (plain bridging + forwarding, the limit here). Both
# are measured in one run, interleaved (the mode that goes first alternates
# per repetition), so the machine's load drifts over both alike. Prints a
# table of medians with their range, the ratio (target >= 0.95) and the
# load average at the start and the end.
#
# Usage (as root): bench/dataplane.sh [VSWITCHD]
#   VSWITCHD          default: build-release/, build/ or build-demo/daemon/vswitchd
#   BENCH_SECONDS     length of one measurement (default 5)
#   BENCH_REPEATS     measurements per cell (default 5)
#   BENCH_STREAMS     parallel streams to try (default "1 4")
#   BENCH_DIRECTIONS  "up down" (default), or one of them
# Everything runs in network namespaces it creates and removes.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=${BENCH_SECONDS:-5}
repeats=${BENCH_REPEATS:-5}
streams_list=${BENCH_STREAMS:-1 4}
directions=${BENCH_DIRECTIONS:-up down}
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
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

# measure MODE DIRECTION STREAMS: one iperf3 run; appends
# "MODE DIRECTION STREAMS BITS/S".
measure() {
  local mode=$1 dir=$2 streams=$3 json bps reverse=()
  [ "$dir" = down ] && reverse=(-R)
  json=$VSI_TMP/iperf3-$mode-$dir-$streams.json
  if ! timeout -k 2 $((seconds + OMIT_SECONDS + 15)) ip netns exec "$NS_VM" \
    iperf3 -c "$VSI_INTERNET_ADDR" -p "$IPERF_PORT" -t "$seconds" -O "$OMIT_SECONDS" -P "$streams" "${reverse[@]}" -J \
    >"$json" 2>&1; then
    vsi_fail "iperf3 ($mode, $dir, $streams streams) failed: $(head -c 400 "$json")"
  fi
  bps=$("$PYTHON" -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]))' "$json")
  echo "$mode $dir $streams $bps" >>"$results"
  printf '  %-5s %-4s %s stream(s): %6.2f Gbit/s\n' "$mode" "$dir" "$streams" "$(echo "$bps" | awk '{print $1 / 1e9}')" >&2
}

cells=$(($(wc -w <<<"$streams_list") * $(wc -w <<<"$directions") * 2 * repeats))
echo "vswitch data plane: iperf3 TCP, VM ns -> vswitch0 -> upstream ns, ${repeats} x ${seconds} s per cell" \
  "($cells runs, about $((cells * (seconds + OMIT_SECONDS + 1))) s)" >&2
echo "subnet $subnet, VM $vm_addr, server $VSI_INTERNET_ADDR; 'plain' = same path, table inet vswitch removed" >&2
for ((r = 1; r <= repeats; r++)); do
  # Alternate which mode goes first, so neither always runs on a warmer cache.
  if ((r % 2)); then modes="nat plain"; else modes="plain nat"; fi
  for mode in $modes; do
    set_mode "$mode"
    for dir in $directions; do
      for streams in $streams_list; do measure "$mode" "$dir" "$streams"; done
    done
  done
done
set_mode nat

echo
"$PYTHON" - "$results" "$TARGET_RATIO" "$load_start" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    mode, direction, streams, bps = line.split()
    runs.setdefault((mode, direction, int(streams)), []).append(int(bps) / 1e9)
target = float(sys.argv[2])
print(f"{'direction':>9}  {'streams':>7}  {'through vswitch (NAT)':>26}  {'table removed':>26}  {'ratio':>6}")
worst = None
for direction in sorted({d for _, d, _ in runs}, reverse=True):
    for streams in sorted({s for _, d, s in runs if d == direction}):
        nat, plain = runs[("nat", direction, streams)], runs[("plain", direction, streams)]
        n, p = statistics.median(nat), statistics.median(plain)
        ratio = n / p if p else 0.0
        worst = ratio if worst is None else min(worst, ratio)
        cell = lambda v, m: f"{m:6.2f} Gbit/s ({min(v):.2f}-{max(v):.2f})"
        print(f"{direction:>9}  {streams:>7}  {cell(nat, n):>26}  {cell(plain, p):>26}  {ratio:6.3f}")
verdict = "meets" if worst >= target else "BELOW"
print(f"medians of {len(nat)} runs (min-max); worst ratio {worst:.3f} {verdict} the target {target}; "
      f"load {sys.argv[3]} at the start, {sys.argv[4]} at the end")
PY

vsi_stop_daemon TERM
vsi_run_daemon --teardown
