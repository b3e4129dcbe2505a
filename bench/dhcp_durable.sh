#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# bench/dhcp_durable.sh VSWITCHD OTHER_VSWITCHD: what the group commit of new
# bindings (a journal write + fdatasync per read loop, before the ACKs go)
# costs, against another build (the parent commit's, with leases saved once
# a second only). The state directory is in the run's scratch dir under /tmp,
# the disk the integration tests use. Both builds run in the same namespaces,
# interleaved A B B A ... BENCH_REPEATS (2) times each, every server held to
# BENCH_CPU_CAP (50) % of one CPU (bench/lib_ref.sh; 0 = uncapped). Per run:
#   first lease  ISC dhclient in a new VM namespace, start → BOUND, median of
#                BENCH_FIRST_RUNS (5) fresh clients;
#   RA p50/p99   REQUEST→ACK at BENCH_LAT_RATE (200) DORA/s for 3 s
#                (perfdhcp -x t): the ACK now waits for the fdatasync;
#   CPU µs/DORA  the server's utime + stime over that run, per ACK;
#   max DORA/s   perfdhcp at rising rates (BENCH_RATES), BENCH_STEP_S (2) s
#                each on a fresh server with new MACs: the highest rate with
#                < 1 % loss (1 - ACKs / DISCOVERs);
#   capacity     ACKs/s when offered more than any server takes
#                (BENCH_OVERLOAD, 10000/s, for BENCH_STEP_S s, fresh server):
#                less sensitive than the 1 % rule to one slow fdatasync.
# Then kea-dhcp4 (memfile, as Debian ships it) once, under the same cap, for
# the "2x Kea" target. Prints medians [min-max] side by side.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/../tests/integration/lib.sh"
# shellcheck source=tests/integration/dhcp_lib.sh
. "$here/../tests/integration/dhcp_lib.sh"
# shellcheck source=bench/lib_ref.sh
. "$here/lib_ref.sh"
vsi_require_root
"$here/../contrib/install-deps.sh" --bench >/dev/null
vsi_init bench-durable "${1:?usage: bench/dhcp_durable.sh VSWITCHD OTHER_VSWITCHD}"
BINARIES=("$VSWITCHD" "$(readlink -f "${2:?usage: bench/dhcp_durable.sh VSWITCHD OTHER_VSWITCHD}")")

REPEATS=${BENCH_REPEATS:-2}
FIRST_RUNS=${BENCH_FIRST_RUNS:-5}
LAT_RATE=${BENCH_LAT_RATE:-200}
STEP_S=${BENCH_STEP_S:-2}
read -r -a RATES <<<"${BENCH_RATES:-500 1000 1500 2000 2500 3000 4000 5000 6000 8000}"
OVERLOAD=${BENCH_OVERLOAD:-10000}
CAP=${BENCH_CPU_CAP:-50}
[ "$CAP" = 0 ] && CAP=
readonly LEASE_S=3600 MAX_LOSS_PERMILLE=10 SETTLE_S=1

vsb_cpu_cap_init "$CAP"
vsi_topology
vsi_daemon_dirs
printf '[Switch]\nPrefixLength=16\nLeaseTimeSec=%s\n' "$LEASE_S" >"$VSI_CONF"
vsi_start_daemon
subnet=$(vsi_subnet)
gateway=$(vsi_subnet_host "$subnet" 1)
NS_PERF=vsi-bench-durable-$$-perf
vsi_add_vm vperf "$(vsi_subnet_host "$subnet" 65534)/16" "$gateway" "$NS_PERF"
vsi_stop_daemon TERM

# A build that knows them (issue 13 on) gets the keys that let perfdhcp in:
# one port with thousands of clients, sending as a relay. Older builds
# neither know nor need them.
write_config() { # BINARY
  printf '[Switch]\nPrefixLength=16\nLeaseTimeSec=%s\nMaxLeasesPerPort=65536\nTrustRelayFrom=vperf\n' "$LEASE_S" >"$VSI_CONF"
  "$1" --check-config --config "$VSI_CONF" >/dev/null 2>&1 ||
    printf '[Switch]\nPrefixLength=16\nLeaseTimeSec=%s\n' "$LEASE_S" >"$VSI_CONF"
}

start_vswitchd() { # BINARY: fresh, no leases, capped
  VSWITCHD=$1
  write_config "$1"
  rm -f "$VSI_STATE"/*.leases "$VSI_STATE"/*.leases.journal
  vsi_start_daemon
  vsb_cpu_cap "$VSI_DAEMON_PID"
  SERVER_PID=$VSI_DAEMON_PID
  sleep "$SETTLE_S"
}

FIRST_N=0
first_lease() { # ms from starting dhclient in a new VM namespace to BOUND
  FIRST_N=$((FIRST_N + 1))
  local ns=vsi-bench-durable-$$-f$FIRST_N out=$VSI_TMP/first-$FIRST_N.out hook start pid i
  vsd_vm "$ns" "vf$FIRST_N"
  hook=$(vsd_hook dhclient "$out")
  start=$(date +%s%N)
  vsd_isolated "$ns" timeout 30 dhclient -sf "$hook" -lf "$VSI_TMP/f$FIRST_N.leases" \
    -pf "$VSI_TMP/f$FIRST_N.pid" -1 -d eth0 >"$VSI_TMP/first-$FIRST_N.log" 2>&1 &
  pid=$!
  vsi_track_pid "$pid"
  for ((i = 0; i < 3000; i++)); do grep -q '^BOUND ' "$out" 2>/dev/null && break; sleep 0.005; done
  if grep -q '^BOUND ' "$out" 2>/dev/null; then echo $((($(date +%s%N) - start) / 1000000)); else echo 99999; fi
  vsi_kill_pid "$pid"
  ip -n "$NS_HOST" link del "vf$FIRST_N" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
}

MACS=16
perf() { # OUT RATE SECONDS [EXTRA...]: new client MACs every call
  local out=$1 rate=$2 secs=$3
  shift 3
  MACS=$((MACS + 1))
  ip netns exec "$NS_PERF" timeout $((secs + 30)) perfdhcp -4 -l eth0 -b "mac=02:00:$(printf '%02x' $((MACS % 256))):00:00:00" \
    -R 1000000 -r "$rate" -p "$secs" -W 1000000 "$@" >"$out" 2>&1 || true
}
perf_counts() { # OUT: "<DISCOVERs sent> <ACKs received>"
  awk '/Statistics for: DISCOVER-OFFER/{s=1} /Statistics for: REQUEST-ACK/{s=2}
       s==1 && /^sent packets/{d=$3} s==2 && /^received packets/{a=$3}
       END {print d+0, a+0}' "$1"
}
perf_delays() { # OUT SECTION FILE: ms of each exchange of SECTION
  awk -v sec="$2" '/^\*\*\*Timestamps for packets: /{s = index($0, sec) > 0; next}
       s && /^sent \/ received:/{printf "%.3f\n", ($6 - $4) * 1000}' "$1" >"$3"
}

# max_rate START_FN ARG STOP_FN: the highest rate of RATES with < 1 % loss.
max_rate() {
  local start=$1 arg=$2 stop=$3 best=0 rate d a loss
  for rate in "${RATES[@]}"; do
    "$start" "$arg"
    perf "$VSI_TMP/step.out" "$rate" "$STEP_S"
    "$stop"
    read -r d a < <(perf_counts "$VSI_TMP/step.out")
    loss=$(((d - a) * 1000 / (d > 0 ? d : 1)))
    if [ "$d" -eq 0 ] || [ "$loss" -ge "$MAX_LOSS_PERMILLE" ]; then break; fi
    best=$((a / STEP_S))
  done
  echo "$best"
}
stop_vswitchd() { vsi_stop_daemon TERM; }
# capacity START_FN ARG STOP_FN: ACKs/s at OVERLOAD DISCOVERs/s.
capacity() {
  local d a
  "$1" "$2"
  perf "$VSI_TMP/over.out" "$OVERLOAD" "$STEP_S"
  "$3"
  read -r d a < <(perf_counts "$VSI_TMP/over.out")
  echo $((a / STEP_S))
}

results=$VSI_TMP/results
: >"$results"
VSWITCHD=${BINARIES[0]}
start_vswitchd "$VSWITCHD"
first_lease >/dev/null # warm-up, not counted
stop_vswitchd
order=()
for ((r = 0; r < REPEATS; r++)); do if [ $((r % 2)) = 1 ]; then order+=(1 0); else order+=(0 1); fi; done
for i in "${order[@]}"; do
  bin=${BINARIES[$i]}
  vsi_log "bench/dhcp_durable: ${bin}"
  start_vswitchd "$bin"
  : >"$VSI_TMP/first"
  for ((k = 0; k < FIRST_RUNS; k++)); do first_lease >>"$VSI_TMP/first"; done
  cpu0=$(vsb_cpu_ticks "$SERVER_PID")
  perf "$VSI_TMP/lat.out" "$LAT_RATE" 3 -x t
  cpu1=$(vsb_cpu_ticks "$SERVER_PID")
  stop_vswitchd
  perf_delays "$VSI_TMP/lat.out" REQUEST-ACK "$VSI_TMP/ra"
  read -r d a < <(perf_counts "$VSI_TMP/lat.out")
  cpu=$(awk -v t=$((cpu1 - cpu0)) -v hz="$(getconf CLK_TCK)" -v a="$a" 'BEGIN {printf "%.0f", a ? t / hz * 1e6 / a : 0}')
  max=$(max_rate start_vswitchd "$bin" stop_vswitchd)
  cap=$(capacity start_vswitchd "$bin" stop_vswitchd)
  echo "$i $(cut -d' ' -f1 /proc/loadavg) $(vsb_percentile "$VSI_TMP/first" 50) $(vsb_percentile "$VSI_TMP/ra" 50) \
$(vsb_percentile "$VSI_TMP/ra" 99) $cpu $max $cap" >>"$results"
  vsi_log "run: $bin: $(tail -n 1 "$results")"
done

# Kea under the same cap, once.
first=$(vsi_subnet_host "$subnet" 2)
last=$(vsi_subnet_host "$subnet" 65533)
start_kea() {
  vsb_kea_conf "$VSI_TMP/kea.conf" vswitch0 "$subnet" "$first" "$last" "$gateway" "$LEASE_S"
  vsb_start_kea "$NS_HOST" "$VSI_TMP/kea.conf"
  SERVER_PID=$VSB_PID
  vsb_cpu_cap "$SERVER_PID"
  sleep "$SETTLE_S"
}
stop_kea() { vsi_kill_pid "$SERVER_PID"; }
kea_max=$(max_rate start_kea - stop_kea)
kea_cap=$(capacity start_kea - stop_kea)

printf '\nbench/dhcp_durable %s, %s, %s cores, state dir on %s%s\n' "$(date -u '+%F %H:%M UTC')" "$(uname -r)" \
  "$(nproc)" "$(df -T "$VSI_STATE" | awk 'NR == 2 {print $2 " (" $1 ")"}')" "$(vsb_cpu_cap_label)"
python3 - "$results" "$kea_max" "$kea_cap" "${BINARIES[@]}" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    rows.setdefault(int(f[0]), []).append([float(x) for x in f[1:]])
kea, kea_cap = float(sys.argv[2]), float(sys.argv[3])
names = sys.argv[4:]
cols = [(1, "first lease ms"), (2, "RA p50 ms"), (3, "RA p99 ms"), (4, "CPU us/DORA"), (5, "max DORA/s"),
        (6, "capacity ACK/s")]
def cell(vals):
    return f"{statistics.median(vals):g} [{min(vals):g}-{max(vals):g}]"
print(f"{'':18}" + "".join(f"{'A' if i == 0 else 'B':>26}" for i in range(len(names))))
for k, label in cols:
    print(f"{label:18}" + "".join(f"{cell([r[k] for r in rows.get(i, [])]):>26}" for i in range(len(names))))
loads = [r[0] for v in rows.values() for r in v]
print(f"{'load (1 min)':18}{min(loads):g}-{max(loads):g}; median [min-max] of {len(rows[0])} runs each, interleaved")
print(f"kea               max DORA/s {kea:g}, capacity {kea_cap:g} ACK/s")
for i, n in enumerate(names):
    m = statistics.median([r[5] for r in rows[i]])
    c = statistics.median([r[6] for r in rows[i]])
    print(f"{'A' if i == 0 else 'B'} = {n}: max rate {m / kea if kea else 0:.2f}x kea's, "
          f"capacity {c / kea_cap if kea_cap else 0:.2f}x kea's")
PY
