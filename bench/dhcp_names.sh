#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# bench/dhcp_names.sh VSWITCHD [OTHER_VSWITCHD]: the cost of DHCP clients that
# name themselves, the path where a lease becomes a DNS name and a hosts-file
# line. BENCH_CLIENTS (4000) clients with random MACs and host names vmNNNN
# do a DORA each through a relay address (bench/dhcp_names.py, in a VM
# namespace), then every one renews once. Per run:
#   µs/ACK      the daemon's CPU time (schedstat) per ACK, DORA phase and
#               renewal phase apart;
#   writes      how often /run/vswitch/hosts was replaced (inotify) in each
#               phase: with a write per changed name this is a disk write
#               and an fsync per lease;
#   s           the phase's wall time (bounded by the Python client, so not
#               a capacity: that is bench/dhcp.sh's job).
# BENCH_HOSTNAMES=0: the same clients without host names (the plain path).
# With a second binary (the previous commit's build, say), runs alternate
# A B B A ... BENCH_REPEATS (3) times each, in the same namespaces, each on
# a fresh state directory; medians and ranges are printed side by side with
# the load average. Both run at --log-level info (their default).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/../tests/integration/lib.sh"
vsi_require_root
vsi_init bench-names "${1:?usage: bench/dhcp_names.sh VSWITCHD [OTHER_VSWITCHD]}"

CLIENTS=${BENCH_CLIENTS:-4000}
REPEATS=${BENCH_REPEATS:-3}
BINARIES=("$VSWITCHD")
[ $# -ge 2 ] && BINARIES+=("$(readlink -f "$2")")

vsi_topology
vsi_daemon_dirs
# One port, thousands of leases, through a relay address: trusted by name
# by a build that knows the keys (issue 13 on); older ones need none.
write_config() { # BINARY
  printf '[Switch]\nPrefixLength=16\nLeaseTimeSec=3600\nMaxLeasesPerPort=65536\nTrustRelayFrom=vnames\n' >"$VSI_CONF"
  "$1" --check-config --config "$VSI_CONF" >/dev/null 2>&1 ||
    printf '[Switch]\nPrefixLength=16\nLeaseTimeSec=3600\n' >"$VSI_CONF"
}
write_config "$VSWITCHD"
vsi_start_daemon
subnet=$(vsi_subnet)
gateway=$(vsi_subnet_host "$subnet" 1)
relay=$(vsi_subnet_host "$subnet" 65534)
vsi_add_vm vnames "$relay/16" "$gateway"
vsi_stop_daemon TERM # the bridge, its address and the table stay

results=$VSI_TMP/results
: >"$results"
order=()
for ((r = 0; r < REPEATS; r++)); do
  if [ ${#BINARIES[@]} = 2 ] && [ $((r % 2)) = 1 ]; then order+=(1 0); else order+=(0 1); fi
done
[ ${#BINARIES[@]} = 1 ] && order=($(for ((r = 0; r < REPEATS; r++)); do echo 0; done))
for i in "${order[@]}"; do
  [ "$i" -lt ${#BINARIES[@]} ] || continue
  VSWITCHD=${BINARIES[$i]}
  write_config "$VSWITCHD"
  rm -f "$VSI_STATE"/*.leases "$VSI_STATE"/*.leases.journal "$VSI_STATE/ports"
  vsi_start_daemon
  out=$(ip netns exec "$NS_VM" env BENCH_HOSTNAMES="${BENCH_HOSTNAMES:-1}" python3 "$here/dhcp_names.py" "$gateway" "$relay" "$CLIENTS" \
    "$VSI_DAEMON_PID" "$VSI_RUN")
  vsi_stop_daemon TERM
  echo "$i $(cut -d' ' -f1 /proc/loadavg) $out" >>"$results"
  echo "run: ${BINARIES[$i]}: $out" >&2
done

python3 - "$results" "${BINARIES[@]}" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    i, load, js = line.split(" ", 2)
    rows.setdefault(int(i), []).append((float(load), json.loads(js)))
keys = [("dora_acks", "DORA ACKs"), ("dora_cpu_us_per_ack", "CPU µs/ACK, DORA"),
        ("dora_hosts_writes", "hosts writes, DORA"), ("dora_s", "DORA phase, s"),
        ("renew_acks", "renewal ACKs"), ("renew_cpu_us_per_ack", "CPU µs/renewal"),
        ("renew_hosts_writes", "hosts writes, renewals"), ("renew_s", "renewal phase, s")]
def cell(vals):
    m = statistics.median(vals)
    return f"{m:g} [{min(vals):g}-{max(vals):g}]"
names = sys.argv[2:]
print(f"{'':28}" + "".join(f"{'A' if i == 0 else 'B':>32}" for i in range(len(names))))
for k, label in keys:
    print(f"{label:28}" + "".join(f"{cell([r[1][k] for r in rows.get(i, [])]):>32}" for i in range(len(names))))
loads = [l for r in rows.values() for l, _ in r]
print(f"{'load average (1 min)':28}{min(loads):g}-{max(loads):g}; median [min-max] of {len(next(iter(rows.values())))} runs each, interleaved")
for i, n in enumerate(names):
    print(f"{'A' if i == 0 else 'B'} = {n}")
PY
