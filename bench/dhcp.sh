#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# bench/dhcp.sh VSWITCHD: vswitchd's DHCP server against dnsmasq configured
# as libvirt configures it, and against kea-dhcp4 (memfile, as Debian ships
# it), on the same bridge in throwaway namespaces, one after the other with
# identical settings, in one run. Per server:
#   first lease  ISC dhclient in a new VM namespace: start → BOUND, median of
#                BENCH_FIRST_RUNS (7) fresh clients, fresh server (after
#                one unmeasured run, so that no server pays for cold caches
#                of dhclient, ip and unshare);
#   latency      perfdhcp at BENCH_LAT_RATE (200) DORA/s for BENCH_LAT_S (5) s:
#                p50/p99 of DISCOVER→OFFER and REQUEST→ACK (perfdhcp -x t),
#                and the server's CPU time (utime + stime) per completed DORA
#                during that run: less sensitive than rates to a loaded machine;
#   max rate     perfdhcp at rising rates (BENCH_RATES), BENCH_STEP_S (3) s
#                each, every step on a freshly started server with no leases
#                and new client MACs; the highest rate whose loss
#                (1 - ACKs / DISCOVERs sent) stays under 1 %;
# Client MACs are random (perfdhcp -M over a fresh list of random MACs per
# run, eight times as many as the run can ask for), not perfdhcp's -b
# sequence: dnsmasq hashes a MAC to its first candidate address, and
# sequential MACs that differ in their last bytes hash alike, so every new
# client walked the same run of taken addresses.
#   RSS          VmRSS after 4000 perfdhcp clients hold a lease (perfdhcp's
#                avalanche scenario: every client retransmits until it has one;
#                dnsmasq, which fsyncs its lease file per change and cannot
#                take 4000 new clients in bounded time, reads them from it);
#                beside it that of rss-floor (bench/rss_floor.cc): vswitchd's
#                libraries loaded and nothing else.
# Each server gets SETTLE_S (1 s) after it says it is up before the first
# packet: kea-dhcp4 logs DHCP4_STARTED ~0.2 s before it receives.
# Servers, all logging at the level they ship with:
#   vswitchd         --log-level info (its default; one line per lease)
#   dnsmasq          as libvirt runs it (bench/lib_ref.sh): its config,
#                    --leasefile-ro with a --dhcp-script helper per lease
#                    change, default logging (every DHCP packet), ping before
#                    offer ON as libvirt has it
#   dnsmasq-noping   the same plus no-ping: dnsmasq's own speed without the
#                    ping (not what libvirt ships; shown so that the ratios
#                    are taken against the strongest dnsmasq)
#   dnsmasq-leasefile  extra row, not how libvirt runs it: dnsmasq with its
#                    own lease file, rewritten whole and fsynced on every
#                    change, ping on (this bench's "dnsmasq" row before)
#   kea              kea-dhcp4, memfile with persist on, logger at INFO
# BENCH_OUT=DIR keeps every perfdhcp output and server log there.
# BENCH_CPU_CAP=PCT runs every server under the same CPU quota, PCT % of one
# CPU (bench/lib_ref.sh): on 2 cores perfdhcp needs one of them, and
# uncapped the servers' highest rates meet perfdhcp's own limit.
# The subnet is a /16 (PrefixLength=16) so that no step exhausts a pool.
# perfdhcp runs in a VM namespace with a static address and sends as a relay
# (giaddr = its address), which all three servers answer.
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
vsi_init bench-dhcp "${1:?usage: bench/dhcp.sh VSWITCHD}"

FIRST_RUNS=${BENCH_FIRST_RUNS:-7}
LAT_RATE=${BENCH_LAT_RATE:-200}
LAT_S=${BENCH_LAT_S:-5}
STEP_S=${BENCH_STEP_S:-3}
read -r -a RATES <<<"${BENCH_RATES:-50 100 250 500 1000 1500 2000 3000 4000 6000 8000}"
RSS_LEASES=4000
RSS_TIMEOUT_S=120
LEASE_S=3600
readonly MAX_LOSS_PERMILLE=10 # < 1 %
SERVERS=(vswitchd dnsmasq dnsmasq-noping dnsmasq-leasefile kea)

vsb_cpu_cap_init "${BENCH_CPU_CAP:-}"
vsi_topology
vsi_daemon_dirs
# perfdhcp is one port holding thousands of leases, as a relay (no guest is
# one unless TrustRelayFrom= names its port).
printf '[Switch]\nPrefixLength=16\nLeaseTimeSec=%s\nMaxLeasesPerPort=65536\nTrustRelayFrom=vperf\n' "$LEASE_S" >"$VSI_CONF"
vsi_start_daemon
subnet=$(vsi_subnet)
gateway=$(vsi_subnet_host "$subnet" 1)
mask=255.255.0.0
first=$(vsi_subnet_host "$subnet" 2)
last=$(vsi_subnet_host "$subnet" 65533)
NS_PERF=vsi-bench-dhcp-$$-perf
vsi_add_vm vperf "$(vsi_subnet_host "$subnet" 65534)/16" "$gateway" "$NS_PERF"
vsi_stop_daemon TERM # the bridge, its address and the table stay

# --- the servers ---------------------------------------------------------------

SERVER_PID=
readonly SETTLE_S=1
start_server() { # NAME: a fresh instance with no leases
  case $1 in
    vswitchd)
      rm -f "$VSI_STATE"/*.leases "$VSI_STATE"/*.leases.journal
      vsi_start_daemon
      SERVER_PID=$VSI_DAEMON_PID ;;
    dnsmasq | dnsmasq-noping | dnsmasq-leasefile)
      dnsmasq_conf "$1"
      vsb_start_dnsmasq "$NS_HOST" "$VSI_TMP/$1.conf" 67
      SERVER_PID=$VSB_PID ;;
    kea)
      vsb_kea_conf "$VSI_TMP/kea.conf" vswitch0 "$subnet" "$first" "$last" "$gateway" "$LEASE_S"
      vsb_start_kea "$NS_HOST" "$VSI_TMP/kea.conf"
      SERVER_PID=$VSB_PID ;;
  esac
  vsb_cpu_cap "$SERVER_PID"
  sleep "$SETTLE_S"
}

dnsmasq_conf() { # NAME: the configuration of that dnsmasq row
  local mode=libvirt
  [ "$1" = dnsmasq-leasefile ] && mode=leasefile
  vsb_dnsmasq_conf "$VSI_TMP/$1.conf" vswitch0 "$first" "$last" "$mask" 65532 "" "$mode"
  [ "$1" = dnsmasq-noping ] && echo no-ping >>"$VSI_TMP/$1.conf"
  return 0
}

stop_server() { # NAME
  if [ "$1" = vswitchd ]; then vsi_stop_daemon TERM; else vsi_kill_pid "$SERVER_PID"; fi
  SERVER_PID=
}

# --- measurements ----------------------------------------------------------------

# first_lease TAG: ms from starting dhclient in a new VM namespace to BOUND.
FIRST_N=0
first_lease() {
  FIRST_N=$((FIRST_N + 1))
  local ns=vsi-bench-dhcp-$$-f$FIRST_N out=$VSI_TMP/first-$FIRST_N.out hook start pid i
  vsd_vm "$ns" "vf$FIRST_N"
  hook=$(vsd_hook dhclient "$out")
  start=$(date +%s%N)
  vsd_isolated "$ns" timeout 30 dhclient -sf "$hook" -lf "$VSI_TMP/f$FIRST_N.leases" \
    -pf "$VSI_TMP/f$FIRST_N.pid" -1 -d eth0 >"$VSI_TMP/first-$FIRST_N.log" 2>&1 &
  pid=$!
  vsi_track_pid "$pid"
  for ((i = 0; i < 3000; i++)); do grep -q '^BOUND ' "$out" 2>/dev/null && break; sleep 0.005; done
  if grep -q '^BOUND ' "$out" 2>/dev/null; then
    echo $((($(date +%s%N) - start) / 1000000))
  else
    echo 99999
  fi
  vsi_kill_pid "$pid"
  ip -n "$NS_HOST" link del "vf$FIRST_N" 2>/dev/null || true
}

# random_macs FILE N: N random locally administered unicast MACs, one a line.
random_macs() {
  od -An -v -tx1 -N $((5 * $2)) /dev/urandom | tr -s ' \n' '\n\n' | grep . |
    awk '{b[++n] = $1} n == 5 {printf "02:%s:%s:%s:%s:%s\n", b[1], b[2], b[3], b[4], b[5]; n = 0}' >"$1"
}

# perf OUT RATE SECONDS [CLIENTS] [EXTRA...]: perfdhcp from the perf
# namespace with client MACs drawn from a new list of random MACs (new
# clients per run); CLIENTS > 0 also stops after that many DISCOVERs.
PERF_N=0
perf() {
  local out=$1 rate=$2 secs=$3 clients=${4:-0} macs
  shift 4 || shift $#
  local limit=() n=$((rate * secs))
  [ "$clients" -gt 0 ] && { limit=(-n "$clients"); n=$clients; }
  PERF_N=$((PERF_N + 1))
  macs=$VSI_TMP/macs-$PERF_N
  random_macs "$macs" $((n * 8 < 1000 ? 1000 : n * 8))
  ip netns exec "$NS_PERF" timeout $((secs + 30)) perfdhcp -4 -l eth0 -M "$macs" \
    "${limit[@]}" -r "$rate" -p "$secs" -W 1000000 "$@" >"$out" 2>&1 || true
  rm -f "$macs"
}

# perf_counts OUT: "<DISCOVERs sent> <ACKs received>"
perf_counts() {
  awk '/Statistics for: DISCOVER-OFFER/{s=1} /Statistics for: REQUEST-ACK/{s=2}
       s==1 && /^sent packets/{d=$3} s==2 && /^received packets/{a=$3}
       END {print d+0, a+0}' "$1"
}

# perf_delays OUT SECTION FILE: the ms of each successful exchange of SECTION.
perf_delays() {
  awk -v sec="$2" '/^\*\*\*Timestamps for packets: /{s = index($0, sec) > 0; next}
       s && /^sent \/ received:/{printf "%.3f\n", ($6 - $4) * 1000}' "$1" >"$3"
}

declare -A R
vsi_start_daemon
first_lease >/dev/null # warm-up, not counted
vsi_stop_daemon TERM
for s in "${SERVERS[@]}"; do
  vsi_log "bench/dhcp: $s"
  start_server "$s"
  R[$s.rss0]=$(vsb_rss_kb "$SERVER_PID")
  # A new VM's first lease, on a server that has not seen it.
  : >"$VSI_TMP/first-$s"
  for ((k = 0; k < FIRST_RUNS; k++)); do first_lease >>"$VSI_TMP/first-$s"; done
  R[$s.first]=$(vsb_percentile "$VSI_TMP/first-$s" 50)
  # Latency at a moderate fixed rate.
  cpu0=$(vsb_cpu_ticks "$SERVER_PID")
  perf "$VSI_TMP/lat-$s.out" "$LAT_RATE" "$LAT_S" 0 -x t
  cpu1=$(vsb_cpu_ticks "$SERVER_PID")
  perf_delays "$VSI_TMP/lat-$s.out" DISCOVER-OFFER "$VSI_TMP/do-$s"
  perf_delays "$VSI_TMP/lat-$s.out" REQUEST-ACK "$VSI_TMP/ra-$s"
  read -r d a < <(perf_counts "$VSI_TMP/lat-$s.out")
  R[$s.lat]=$(printf '%s/%s ms, %s/%s ms' "$(vsb_percentile "$VSI_TMP/do-$s" 50)" \
    "$(vsb_percentile "$VSI_TMP/do-$s" 99)" "$(vsb_percentile "$VSI_TMP/ra-$s" 50)" \
    "$(vsb_percentile "$VSI_TMP/ra-$s" 99)")
  R[$s.cpu]=$(awk -v t=$((cpu1 - cpu0)) -v hz="$(getconf CLK_TCK)" -v a="$a" \
    'BEGIN {printf "%.0f", a ? t / hz * 1e6 / a : 0}')
  R[$s.latloss]=$(awk -v d="$d" -v a="$a" 'BEGIN {printf "%.1f", d ? 100 * (d - a) / d : 100}')
  stop_server "$s"
  # RSS after RSS_LEASES leases. dnsmasq cannot take 4000 new clients in
  # bounded time (it rewrites its whole lease file on every change, so each
  # lease costs more than the last; with its ping also 3 s per new client):
  # it reads them from its lease file at start instead, the same tables.
  if [[ $s == dnsmasq* ]]; then
    dnsmasq_conf "$s"
    vsb_dnsmasq_leases "$VSI_TMP/$s.conf" "$RSS_LEASES" "$first" "$LEASE_S"
    vsb_start_dnsmasq "$NS_HOST" "$VSI_TMP/$s.conf" 67 keep
    SERVER_PID=$VSB_PID
    sleep "$SETTLE_S"
    R[$s.rss]="$(vsb_rss_parts "$SERVER_PID"), ($(grep -c . "$VSI_TMP/$s.conf.leases") leases restored)"
    stop_server "$s"
  else
    start_server "$s"
    ip netns exec "$NS_PERF" timeout "$RSS_TIMEOUT_S" perfdhcp -4 -l eth0 -b mac=02:00:02:00:00:00 \
      -R "$RSS_LEASES" --scenario avalanche >"$VSI_TMP/rss-$s.out" 2>&1 || true
    sleep 1.5 # let every server write its leases out
    read -r d a < <(perf_counts "$VSI_TMP/rss-$s.out")
    R[$s.rss]="$(vsb_rss_parts "$SERVER_PID"), ($a leases)"
    stop_server "$s"
  fi
  # The highest rate with < 1 % loss, each step on a fresh server.
  R[$s.max]="< ${RATES[0]}"
  R[$s.steps]=
  i=0
  for rate in "${RATES[@]}"; do
    i=$((i + 1))
    start_server "$s"
    cpu0=$(vsb_cpu_ticks "$SERVER_PID")
    perf "$VSI_TMP/step-$s-$rate.out" "$rate" "$STEP_S" 0
    cpu1=$(vsb_cpu_ticks "$SERVER_PID")
    stop_server "$s"
    read -r d a < <(perf_counts "$VSI_TMP/step-$s-$rate.out")
    loss=$(((d - a) * 1000 / (d > 0 ? d : 1)))
    R[$s.steps]+="$rate:$((a / STEP_S))/s,$(awk -v l="$loss" -v t=$((cpu1 - cpu0)) -v hz="$(getconf CLK_TCK)" -v a="$a" \
      'BEGIN {printf "%.1f%%,%.0fus", l / 10, a ? t / hz * 1e6 / a : 0}') "
    if [ "$d" -eq 0 ] || [ "$loss" -ge "$MAX_LOSS_PERMILLE" ]; then break; fi
    R[$s.max]=$((a / STEP_S))
  done
done

R[floor.rss]=$(vsb_rss_floor "$VSWITCHD")

if [ -n "${BENCH_OUT:-}" ]; then mkdir -p "$BENCH_OUT" && cp -r "$VSI_TMP"/. "$BENCH_OUT"/; fi
printf '\nbench/dhcp %s, %s, %s cores, load %s%s\n' "$(date -u '+%F %H:%M UTC')" "$(uname -r)" "$(nproc)" \
  "$(cut -d' ' -f1-3 /proc/loadavg)" "$(vsb_cpu_cap_label)"
printf '%-17s | %-9s | %-14s | %-40s | %-11s | %-11s | %s\n' server "log level" "first lease ms" \
  "p50/p99 DO, RA at $LAT_RATE/s (loss%)" "CPU us/DORA" "max DORA/s" "RSS KiB idle / $RSS_LEASES leases (anon + file)"
declare -A LOGLEVEL=([vswitchd]="info" [dnsmasq]="default" [dnsmasq-noping]="default" [dnsmasq-leasefile]="default" [kea]="INFO")
for s in "${SERVERS[@]}"; do
  printf '%-17s | %-9s | %-14s | %-40s | %-11s | %-11s | %s\n' "$s" "${LOGLEVEL[$s]}" "${R[$s.first]}" \
    "${R[$s.lat]} (${R[$s.latloss]})" "${R[$s.cpu]}" "${R[$s.max]}" "${R[$s.rss0]} / ${R[$s.rss]}"
done
printf '%-17s | %-9s | %-14s | %-40s | %-11s | %-11s | %s\n' "lib floor" - - "(vswitchd's libraries, loaded, nothing else)" - - \
  "${R[floor.rss]}"
echo "rate steps (offered rate: ACKs/s, loss, server CPU us per ACK):"
for s in "${SERVERS[@]}"; do printf '  %-17s %s\n' "$s" "${R[$s.steps]}"; done
echo "(dnsmasq-leasefile: dnsmasq with its own fsynced lease file, not how libvirt runs it; not among the references below)"
# Ratios against the best reference (dnsmasq as libvirt runs it, without
# ping, or kea) per column.
num() { sed -n 's/^\([0-9.]*\).*/\1/p' <<<"$1"; }
best_max=0 best_first=999999 best_rss=999999999
for s in dnsmasq dnsmasq-noping kea; do
  m=$(num "${R[$s.max]}"); [ -n "$m" ] && [ "$m" -gt "$best_max" ] && best_max=$m
  f=$(num "${R[$s.first]}"); [ -n "$f" ] && [ "$f" -lt "$best_first" ] && best_first=$f
  if [ "$s" != kea ]; then r=$(num "${R[$s.rss]}"); [ -n "$r" ] && [ "$r" -lt "$best_rss" ] && best_rss=$r; fi
done
v_max=$(num "${R[vswitchd.max]}")
v_first=$(num "${R[vswitchd.first]}")
v_rss=$(num "${R[vswitchd.rss]}")
awk -v vm="${v_max:-0}" -v bm="$best_max" -v vf="$v_first" -v bf="$best_first" -v vr="$v_rss" -v br="$best_rss" \
  'BEGIN { printf "ratios vswitchd / best reference: max rate %.2fx (target >= 2), first lease %.2fx faster, RSS %.2fx of dnsmasq'\''s (target <= 1)\n",
           bm ? vm / bm : 0, vf ? bf / vf : 0, br ? vr / br : 0 }'
