#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# bench/dns.sh VSWITCHD: vswitchd's DNS server against dnsmasq configured as
# libvirt configures it (bench/lib_ref.sh, with domain vswitch.internal:
# domain=, expand-hosts, local=/vswitch.internal/; cache on at its default
# size), same topology, same run, one after the other on the same bridge
# address. dnsperf runs in a VM namespace on the bridge. Both servers hold
# RECORDS (4000) local names:
#   vswitchd  4000 DHCP leases with host names, read from its lease file at
#             start (each lease's host name is a name in the zone)
#   dnsmasq   4000 addn-hosts entries (as libvirt writes <dns><host>)
# and forward to the test upstream (tests/integration/dns_upstream.py in the
# upstream namespace) through the same resolv.conf. Per server:
#   local    dnsperf over the 4000 local names (A), as fast as it goes
#            (BENCH_OUTSTANDING, 64, queries in flight) for BENCH_SECONDS (5):
#            QPS, average latency, lost, and the server's CPU time (utime +
#            stime) per answered query: dnsperf shares the 2 cores, so on
#            this machine QPS can be bounded by the client; CPU per query
#            is not. BENCH_REPEATS (1) runs of each; the run with the
#            median QPS is reported, and every run's QPS is listed;
#   cached   the same over 4 names forwarded once to upstream and then
#            answered from the cache (warmed first, TTL 300 s);
#   p50/p99  latency of each kind at a fixed BENCH_RATE (2000) queries/s;
#   RSS      VmRSS after the runs, with the 4000 names loaded, and its
#            anonymous (heap, stacks) and file-backed (code, libraries) parts;
#            beside it that of rss-floor (bench/rss_floor.cc): vswitchd's
#            libraries loaded and nothing else.
# BENCH_CPU_CAP=PCT runs both servers under the same CPU quota, PCT % of one
# CPU (bench/lib_ref.sh): on 2 cores dnsperf needs one of them, and uncapped
# the QPS of both servers meets dnsperf's own limit.
# Log levels: vswitchd at info (its default), dnsmasq at its default (no
# log-queries, as libvirt runs it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/../tests/integration/lib.sh"
# shellcheck source=bench/lib_ref.sh
. "$here/lib_ref.sh"
vsi_require_root
"$here/../contrib/install-deps.sh" --bench >/dev/null
vsi_init bench-dns "${1:?usage: bench/dns.sh VSWITCHD}"

SECS=${BENCH_SECONDS:-5}
OUTSTANDING=${BENCH_OUTSTANDING:-64}
RATE=${BENCH_RATE:-2000}
REPEATS=${BENCH_REPEATS:-1}
RECORDS=4000
readonly SUBNET=172.20.0.0/16 DOMAIN=vswitch.internal LEASE_S=86400
readonly CACHED_NAMES=(ext.example other.example third.example fourth.example)

vsb_cpu_cap_init "${BENCH_CPU_CAP:-}"
vsi_topology
vsi_daemon_dirs
vsi_dns_upstream "$VSI_TMP/upstream.log"

# RECORDS names vm0000..vm3999 at 172.20.1.0 onwards, as vswitchd leases and
# as dnsmasq addn-hosts lines; the query files.
net=$(vsi_ip2int "${SUBNET%/*}")
mkdir -p "$VSI_STATE"
awk -v n="$RECORDS" -v base=$((net + 256)) -v expiry=$(($(date +%s) + LEASE_S)) \
  -v leases="$VSI_STATE/Default.leases" -v hosts="$VSI_TMP/addnhosts" -v q="$VSI_TMP/q-local" -v dom="$DOMAIN" '
  BEGIN {
    print "vswitch-leases 1" >leases
    for (i = 0; i < n; i++) {
      a = base + i
      ip = sprintf("%d.%d.%d.%d", int(a / 16777216), int(a / 65536) % 256, int(a / 256) % 256, a % 256)
      mac = sprintf("52:54:00:01:%02x:%02x", int(i / 256), i % 256)
      name = sprintf("vm%04d", i)
      printf "lease %s %s 01:%s %d %s\n", ip, mac, mac, expiry, name >leases
      printf "%s %s\n", ip, name >hosts
      printf "%s.%s A\n", name, dom >q
    } }'
for n in "${CACHED_NAMES[@]}"; do echo "$n A"; done >"$VSI_TMP/q-cached"

printf '[Switch]\nSubnet=%s\nDomain=%s\n' "$SUBNET" "$DOMAIN" >"$VSI_CONF"
vsi_start_daemon
vsb_cpu_cap "$VSI_DAEMON_PID"
gateway=$(vsi_subnet_host "$SUBNET" 1)
vsi_add_vm vm0 "$(vsi_subnet_host "$SUBNET" 65000)/16" "$gateway"

# dnsperf_run OUT FILE [ARGS...]: dnsperf from the VM namespace to the gateway.
dnsperf_run() {
  local out=$1 file=$2
  shift 2
  ip netns exec "$NS_VM" timeout $((SECS + 30)) dnsperf -s "$gateway" -d "$file" "$@" >"$out" 2>&1 || true
}

# measure SERVER PID: fills R[SERVER.*] from dnsperf runs against the gateway.
declare -A R
measure() {
  local s=$1 pid=$2 kind f c0 c1
  # Warm: every name once (the local check also proves the names are there).
  dnsperf_run "$VSI_TMP/warm-$s.out" "$VSI_TMP/q-cached" -n 1
  dnsperf_run "$VSI_TMP/check-$s.out" "$VSI_TMP/q-local" -n 1
  R[$s.check]=$(sed -n 's/^ *Response codes: *//p' "$VSI_TMP/check-$s.out")
  for kind in local cached; do
    f=$VSI_TMP/q-$kind
    # REPEATS runs; the one with the median QPS is reported, all QPS below.
    : >"$VSI_TMP/runs-$s-$kind"
    for ((r = 1; r <= REPEATS; r++)); do
      c0=$(vsb_cpu_ticks "$pid")
      dnsperf_run "$VSI_TMP/max-$s-$kind-$r.out" "$f" -l "$SECS" -q "$OUTSTANDING"
      c1=$(vsb_cpu_ticks "$pid")
      echo "$(awk '/Queries per second:/ {printf "%d", $4}' "$VSI_TMP/max-$s-$kind-$r.out") $r $((c1 - c0))" \
        >>"$VSI_TMP/runs-$s-$kind"
    done
    read -r _ r ticks < <(sort -n "$VSI_TMP/runs-$s-$kind" | sed -n "$(((REPEATS + 1) / 2))p")
    out=$VSI_TMP/max-$s-$kind-$r.out
    R[$s.$kind.runs]=$(sort -n "$VSI_TMP/runs-$s-$kind" | awk '{printf "%s%d", (NR > 1 ? " " : ""), $1}')
    R[$s.$kind.cpu]=$(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" \
      -v n="$(awk '/Queries completed:/ {print $3}' "$out")" \
      'BEGIN {printf "%.1f", n ? t / hz * 1e6 / n : 0}')
    R[$s.$kind.qps]=$(awk '/Queries per second:/ {printf "%d", $4}' "$out")
    R[$s.$kind.avg]=$(awk '/Average Latency/ {printf "%.3f", $4 * 1000}' "$out")
    R[$s.$kind.lost]=$(awk '/Queries lost:/ {print $3}' "$out")
    dnsperf_run "$VSI_TMP/lat-$s-$kind.out" "$f" -l "$SECS" -Q "$RATE" -v
    awk '$1 == ">" && $NF ~ /^[0-9.]+$/ {printf "%.3f\n", $NF * 1000}' "$VSI_TMP/lat-$s-$kind.out" \
      >"$VSI_TMP/lat-$s-$kind"
    R[$s.$kind.p]="$(vsb_percentile "$VSI_TMP/lat-$s-$kind" 50)/$(vsb_percentile "$VSI_TMP/lat-$s-$kind" 99)"
  done
}

# --- vswitchd -----------------------------------------------------------------------
vsi_log "bench/dns: vswitchd"
measure vswitchd "$VSI_DAEMON_PID"
R[vswitchd.rss]=$(vsb_rss_parts "$VSI_DAEMON_PID")
vsi_stop_daemon TERM # the bridge and its address stay for dnsmasq

# --- dnsmasq as libvirt runs it -------------------------------------------------------
vsi_log "bench/dns: dnsmasq"
cp "$VSI_TMP/addnhosts" "$VSI_TMP/dnsmasq.conf.addnhosts"
vsb_dnsmasq_conf "$VSI_TMP/dnsmasq.conf" vswitch0 "$(vsi_subnet_host "$SUBNET" 2)" \
  "$(vsi_subnet_host "$SUBNET" 65533)" 255.255.0.0 65532 "$DOMAIN"
vsb_start_dnsmasq "$NS_HOST" "$VSI_TMP/dnsmasq.conf" 53
vsb_cpu_cap "$VSB_PID"
sleep 0.5
measure dnsmasq "$VSB_PID"
R[dnsmasq.rss]=$(vsb_rss_parts "$VSB_PID")
vsi_kill_pid "$VSB_PID"

R[floor.rss]=$(vsb_rss_floor "$VSWITCHD")

if [ -n "${BENCH_OUT:-}" ]; then mkdir -p "$BENCH_OUT" && cp -r "$VSI_TMP"/. "$BENCH_OUT"/; fi
printf '\nbench/dns %s, %s, %s cores, load %s; %s local names, dnsperf -q %s for %s s, latency at %s q/s%s\n' \
  "$(date -u '+%F %H:%M UTC')" "$(uname -r)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" \
  "$RECORDS" "$OUTSTANDING" "$SECS" "$RATE" "$(vsb_cpu_cap_label)"
printf '%-9s | %-9s | %-44s | %-44s | %s\n' server "log level" "local: QPS, avg ms, lost, p50/p99 ms, CPU us/q" \
  "cached: QPS, avg ms, lost, p50/p99 ms, CPU us/q" "RSS KiB (anon + file)"
for s in vswitchd dnsmasq; do
  lvl=info
  [ "$s" = dnsmasq ] && lvl=default
  printf '%-9s | %-9s | %-44s | %-44s | %s\n' "$s" "$lvl" \
    "${R[$s.local.qps]}, ${R[$s.local.avg]}, ${R[$s.local.lost]}, ${R[$s.local.p]}, ${R[$s.local.cpu]}" \
    "${R[$s.cached.qps]}, ${R[$s.cached.avg]}, ${R[$s.cached.lost]}, ${R[$s.cached.p]}, ${R[$s.cached.cpu]}" \
    "${R[$s.rss]}"
done
printf '%-9s | %-9s | %-44s | %-44s | %s\n' "lib floor" - "(vswitchd's libraries, loaded, nothing else)" "" "${R[floor.rss]}"
awk -v vl="${R[vswitchd.local.qps]:-0}" -v dl="${R[dnsmasq.local.qps]:-0}" \
  -v vc="${R[vswitchd.cached.qps]:-0}" -v dc="${R[dnsmasq.cached.qps]:-0}" \
  -v vlc="${R[vswitchd.local.cpu]}" -v dlc="${R[dnsmasq.local.cpu]}" \
  -v vcc="${R[vswitchd.cached.cpu]}" -v dcc="${R[dnsmasq.cached.cpu]}" \
  -v vr="${R[vswitchd.rss]%% *}" -v dr="${R[dnsmasq.rss]%% *}" \
  'BEGIN { printf "ratios vswitchd / dnsmasq: local QPS %.2fx, cached QPS %.2fx (target >= 1.5); queries per CPU second: local %.2fx, cached %.2fx; RSS %.2fx (target <= 1)\n",
           dl ? vl / dl : 0, dc ? vc / dc : 0, vlc ? dlc / vlc : 0, vcc ? dcc / vcc : 0, dr ? vr / dr : 0 }'
if [ "$REPEATS" -gt 1 ]; then
  for s in vswitchd dnsmasq; do
    echo "$s: QPS of the $REPEATS runs: local ${R[$s.local.runs]}; cached ${R[$s.cached.runs]}"
  done
fi
for s in vswitchd dnsmasq; do echo "$s: one query per local name: ${R[$s.check]:-no answers}"; done
echo "upstream saw $(grep -c . "$VSI_TMP/upstream.log" 2>/dev/null || echo 0) queries in all (cache warm-up: one per name and server)"
