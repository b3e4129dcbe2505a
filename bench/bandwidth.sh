#!/bin/bash
# bench/bandwidth.sh VSWITCHD VSWITCHCTL [RUNS]: iperf3 -t 3 TCP goodput
# guest -> upstream and upstream -> guest (-R) through the switch,
# uncapped, at MaximumBandwidth=100M and =1G; prints the median of RUNS
# (default 3) runs of each. Same topology as tests/integration/bandwidth.sh.
set -euo pipefail
lib=$(cd "$(dirname "$0")/../tests/integration" && pwd)
# shellcheck source=tests/integration/lib.sh
source "$lib/lib.sh"
# shellcheck source=tests/integration/bus_lib.sh
source "$lib/bus_lib.sh"
vsi_require_root
vsi_init bwbench "$1"
CTL=$(readlink -f "$2")
RUNS=${3:-3}
NS_A=vsi-bwbench-$$-a
vsi_topology
vsi_daemon_dirs
vsb_start_bus bwbench open
vsi_start_daemon
subnet=$(vsi_subnet)
ip netns add "$NS_A"; VSI_NAMESPACES+=("$NS_A"); ip -n "$NS_A" link set lo up
ip -n "$NS_HOST" link add pa type veth peer name eth0 netns "$NS_A"
ip -n "$NS_A" link set eth0 up
ip -n "$NS_A" addr add "$(vsi_subnet_host "$subnet" 50)/${subnet#*/}" dev eth0
ip -n "$NS_A" route add default via "$(vsi_subnet_host "$subnet" 1)"
vsb_send /org/vswitch1 org.vswitch1.Manager.AttachInterface Default pa vm-a 02:00:00:17:0b:0a >/dev/null
ip netns exec "$NS_UP" iperf3 -s -B "$VSI_UPSTREAM_ADDR" >/dev/null 2>&1 &
vsi_track_pid $!
sleep 0.3
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
run() {
  ip netns exec "$NS_A" timeout 10 iperf3 -c "$VSI_UPSTREAM_ADDR" -t 3 -J "$@" |
    $PYTHON -c 'import json,sys; print(round(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6, 1))'
}
for limit in 0 100M 1G; do
  "$CTL" set pa MaximumBandwidth=$limit
  for dir in up down; do
    args=(); [ $dir = down ] && args=(-R)
    all=$(for ((i = 0; i < RUNS; i++)); do run "${args[@]}"; done)
    printf 'MaximumBandwidth=%-4s %-4s median %7s Mbit/s goodput (runs: %s)\n' "$limit" "$dir" \
      "$(median <<<"$all")" "$(echo $all)"
  done
done
