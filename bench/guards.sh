#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# What the port guards (issue 17) cost on the data plane: iperf3 TCP from a
# VM namespace through vswitch0 and the NAT to an upstream namespace, and
# small UDP packets (64-byte payload, as fast as iperf3 sends) the same way,
# with the VM's port
#   off   every guard off (no entry in bridge vswitch: no guard chain runs);
#   on    every guard on (DhcpGuard, RouterGuard, MacSpoofing=no,
#         IpSpoofing=no: the MAC and address set lookups run per frame);
#   on+N  every guard on, with N more guarded ports configured (TAPs of
#         vswitchctl attach, MacSpoofing=no each): the cost must stay flat.
# Prints a table and the on/off ratio (target >= 0.95), and the load
# average before and after (the machine is shared).
#
# Usage (as root): bench/guards.sh [VSWITCHD VSWITCHCTL]
#   BENCH_SECONDS  length of one measurement (default 5)
#   BENCH_PORTS    extra guarded ports for on+N (default 1000)
# Everything runs in network namespaces it creates and removes.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=${BENCH_SECONDS:-5}
extra=${BENCH_PORTS:-1000}
readonly TARGET_RATIO=0.95
readonly IPERF_PORT=5201
readonly OMIT_SECONDS=1
readonly VM_MAC=02:00:00:17:be:01

[ "$(id -u)" = 0 ] || { echo "guards.sh: must run as root (it creates network namespaces)" >&2; exit 1; }
command -v iperf3 >/dev/null || { echo "guards.sh: iperf3 is not installed (apt-get install iperf3)" >&2; exit 1; }
vswitchd=${1:-$top/build-release/daemon/vswitchd}
ctl=$(readlink -f "${2:-$top/build-release/daemon/ctl/vswitchctl}")

# shellcheck source=tests/integration/lib.sh
source "$top/tests/integration/lib.sh"
# shellcheck source=tests/integration/bus_lib.sh
source "$top/tests/integration/bus_lib.sh"
vsi_init bguards "$vswitchd"
VSI_LOG_LEVEL=warning
results=$VSI_TMP/results
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

vsi_topology
vsi_daemon_dirs
vsb_start_bus bguards open
vsi_start_daemon
subnet=$(vsi_subnet)
gateway=$(vsi_subnet_host "$subnet" 1)
vm_addr=$(vsi_subnet_host "$subnet" 100)
vsi_ns_add "$NS_VM"
ip -n "$NS_HOST" link add vm0 type veth peer name eth0 netns "$NS_VM"
ip -n "$NS_VM" link set eth0 address "$VM_MAC"
ip -n "$NS_VM" addr add "$vm_addr/20" dev eth0
ip -n "$NS_VM" link set eth0 up
ip -n "$NS_VM" route add default via "$gateway"
out=$(vsb_send /org/vswitch1 org.vswitch1.Manager.AttachInterface Default vm0 bench-vm "$VM_MAC")
[[ $out == *port* ]] || vsi_fail "AttachInterface vm0: $out"
# IpSpoofing=no allows the port's lease or reservation: a reservation here.
"$ctl" reserve Default "$VM_MAC" "$vm_addr" >/dev/null

ip netns exec "$NS_UP" iperf3 -s -B "$VSI_INTERNET_ADDR" -p "$IPERF_PORT" >"$VSI_TMP/iperf3-server.log" 2>&1 &
vsi_track_pid $!
for ((i = 0; i < 50; i++)); do
  ip netns exec "$NS_UP" ss -Hltn "sport = :$IPERF_PORT" | grep -q . && break
  sleep 0.1
done

set_guards() { # on|off
  local v=yes inv=no
  [ "$1" = on ] || { v=no; inv=yes; }
  "$ctl" set vm0 DhcpGuard=$v RouterGuard=$v MacSpoofing=$inv IpSpoofing=$inv
  local map
  map=$(vsi_nft list map bridge vswitch ports 2>/dev/null || true)
  if [ "$1" = on ]; then
    [[ $map == *'"vm0" : jump guard_midr'* ]] || vsi_fail "vm0 is not fully guarded: $map"
  else
    [[ $map != *'"vm0"'* ]] || vsi_fail "vm0 still guarded: $map"
  fi
  ip netns exec "$NS_VM" ping -c 1 -W 2 "$VSI_INTERNET_ADDR" >/dev/null || vsi_fail "the VM is offline with guards $1"
}

# measure MODE: one TCP and one small-UDP run; appends "MODE tcp|udp VALUE".
measure() {
  local mode=$1 json
  json=$VSI_TMP/tcp-$mode.json
  timeout -k 2 $((seconds + 20)) ip netns exec "$NS_VM" iperf3 -c "$VSI_INTERNET_ADDR" -p "$IPERF_PORT" \
    -t "$seconds" -O "$OMIT_SECONDS" -J >"$json" 2>&1 || vsi_fail "iperf3 TCP ($mode): $(head -c 300 "$json")"
  echo "$mode tcp $("$PYTHON" -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]))' "$json")" >>"$results"
  json=$VSI_TMP/udp-$mode.json
  timeout -k 2 $((seconds + 20)) ip netns exec "$NS_VM" iperf3 -c "$VSI_INTERNET_ADDR" -p "$IPERF_PORT" \
    -u -b 0 -l 64 -t "$seconds" -J >"$json" 2>&1 || vsi_fail "iperf3 UDP ($mode): $(head -c 300 "$json")"
  # Packets the server received per second (sent minus lost).
  echo "$mode udp $("$PYTHON" -c '
import json,sys
s = json.load(open(sys.argv[1]))["end"]["sum"]
print(int((s["packets"] - s["lost_packets"]) / s["seconds"]))' "$json")" >>"$results"
  echo "  $mode: $(tail -n 2 "$results" | awk '{printf "%s %s  ", $2, $3}')" >&2
}

for mode in off on off on; do
  set_guards "$mode"
  measure "$mode"
done
start=$(vsi_now_ms)
for ((i = 0; i < extra; i++)); do "$ctl" attach "bench-$i" >/dev/null; done
attach_ms=$(($(vsi_now_ms) - start))
ports=$(vsi_nft list map bridge vswitch ports | grep -o 'jump guard' | wc -l || true)
echo "  $extra more ports attached in $attach_ms ms; $ports ports in bridge vswitch's map" >&2
set_guards on
measure "on+$extra"
measure "on+$extra"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

"$PYTHON" - "$results" "$TARGET_RATIO" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    mode, kind, v = line.split()
    runs.setdefault((mode, kind), []).append(int(v))
target = float(sys.argv[2])
modes = []
for mode, _ in runs:
    if mode not in modes:
        modes.append(mode)
print(f"{'guards':>10}  {'TCP Gbit/s':>11}  {'64 B UDP kpps':>14}")
for m in modes:
    t, u = statistics.median(runs[(m, "tcp")]) / 1e9, statistics.median(runs[(m, "udp")]) / 1e3
    print(f"{m:>10}  {t:11.2f}  {u:14.1f}")
off_t = statistics.median(runs[("off", "tcp")])
for m in modes:
    if m == "off":
        continue
    r = statistics.median(runs[(m, "tcp")]) / off_t
    ru = statistics.median(runs[(m, "udp")]) / statistics.median(runs[("off", "udp")])
    print(f"{m} / off: TCP {r:.3f} ({'meets' if r >= target else 'BELOW'} {target}), small UDP {ru:.3f}")
PY
vsi_stop_daemon TERM
vsi_run_daemon --teardown
