#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# bench/dns.sh VSWITCHD: vswitchd's DNS server against dnsmasq configured as
# libvirt configures it (bench/lib_ref.sh, with domain vswitch.internal:
# domain=, expand-hosts, local=/vswitch.internal/; cache on at its default
# size), same topology, same run, on the same bridge address, interleaved
# A B B A (BENCH_REPEATS rounds, 2 by default: the order alternates, so a
# drift of the machine's load over the run falls on both). dnsperf runs in
# a VM namespace on the bridge. Both servers hold RECORDS (4000) local names:
#   vswitchd  4000 DHCP leases with host names, read from its lease file at
#             start (each lease's host name is a name in the zone)
#   dnsmasq   4000 addn-hosts entries (as libvirt writes <dns><host>)
# and forward through the same resolv.conf to an upstream in the upstream
# namespace: a second dnsmasq with no cache and no upstream of its own,
# answering every name under cached.test. and ok.test. from its
# configuration with TTL 300 (C, so it outruns both servers; the Python
# test upstream of the integration tests does not). Per server and round,
# three kinds of query:
#   local     dnsperf over the 4000 local names (A);
#   cached    over CACHED (1000) names, forwarded once to warm the cache
#             and then answered from it;
#   uncached  over names never asked before (a fresh prefix per run under
#             ok.test.), each forwarded upstream: the forwarder's own cost;
# each as fast as it goes (BENCH_OUTSTANDING, 64, queries in flight) for
# BENCH_SECONDS (5): QPS, lost, and the server's CPU time (utime + stime)
# per answered query.
# With BENCH_CPU_CAP=PCT every kind runs twice per round: with both servers
# under the same CPU quota (PCT % of one CPU, bench/lib_ref.sh), and
# uncapped; the tables print the two side by side. On 2 cores dnsperf and
# the upstream need CPU of their own, so uncapped QPS is partly theirs;
# capped QPS and CPU per query are the server's.
# Then, uncapped, p50/p99 latency of each kind at a fixed BENCH_RATE (2000)
# queries/s, and RSS after the runs (VmRSS with its anonymous and
# file-backed parts; beside it rss-floor, bench/rss_floor.cc: vswitchd's
# libraries loaded and nothing else).
# Figures are medians over the rounds with their range [min-max]; the load
# average is printed at the start and at the end.
# BENCH_KINDS limits the kinds ("uncached" for a quick look at the
# forwarder). Log levels: vswitchd at info (its default), dnsmasq at its
# default (no log-queries, as libvirt runs it).
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
REPEATS=${BENCH_REPEATS:-2}
read -r -a KINDS <<<"${BENCH_KINDS:-local cached uncached}"
RECORDS=4000
CACHED=1000
readonly SUBNET=172.20.0.0/16 DOMAIN=vswitch.internal LEASE_S=86400
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

vsb_cpu_cap_init "${BENCH_CPU_CAP:-}"
modes=(uncapped)
[ -n "$VSB_CGROUP" ] && modes=(capped uncapped)
vsi_topology
vsi_daemon_dirs

# The upstream: dnsmasq answering from its configuration, nothing cached,
# nothing forwarded.
ip netns exec "$NS_UP" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
  --no-poll --listen-address="$VSI_INTERNET_ADDR" --bind-interfaces --except-interface=lo --port=53 \
  --cache-size=0 --local-ttl=300 --address=/ok.test/192.0.2.100 --address=/cached.test/192.0.2.50 \
  --log-facility="$VSI_TMP/upstream.log" --pid-file= </dev/null >"$VSI_TMP/upstream.out" 2>&1 &
vsi_track_pid $!
vsb_wait_udp "$NS_UP" 53
echo "nameserver $VSI_INTERNET_ADDR" >"$VSI_RESOLV"

# RECORDS names vm0000..vm3999 at 172.20.1.0 onwards, as vswitchd leases and
# as dnsmasq addn-hosts lines; the query files.
net=$(vsi_ip2int "${SUBNET%/*}")
mkdir -p "$VSI_STATE"
awk -v n="$RECORDS" -v base=$((net + 256)) -v expiry=$(($(date +%s) + LEASE_S)) \
  -v leases="$VSI_TMP/leases" -v hosts="$VSI_TMP/addnhosts" -v q="$VSI_TMP/q-local" -v dom="$DOMAIN" '
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
seq -f 'c%04g.cached.test A' 0 $((CACHED - 1)) >"$VSI_TMP/q-cached"
printf '[Switch]\nSubnet=%s\nDomain=%s\n' "$SUBNET" "$DOMAIN" >"$VSI_CONF"
gateway=$(vsi_subnet_host "$SUBNET" 1)

# dnsperf_run OUT FILE [ARGS...]: dnsperf from the VM namespace to the gateway.
dnsperf_run() {
  local out=$1 file=$2
  shift 2
  ip netns exec "$NS_VM" timeout $((SECS + 30)) dnsperf -s "$gateway" -d "$file" "$@" >"$out" 2>&1 || true
}

# Server sessions: start_SERVER sets PID and leaves it serving on the
# gateway; stop_SERVER ends it (the bridge and its address stay).
vm_added=
start_vswitchd() {
  cp "$VSI_TMP/leases" "$VSI_STATE/Default.leases"
  rm -f "$VSI_STATE/Default.leases.journal"
  vsi_start_daemon
  PID=$VSI_DAEMON_PID
  if [ -z "$vm_added" ]; then
    vsi_add_vm vm0 "$(vsi_subnet_host "$SUBNET" 65000)/16" "$gateway"
    vm_added=1
  fi
}
stop_vswitchd() { vsi_stop_daemon TERM; }
start_dnsmasq() {
  cp "$VSI_TMP/addnhosts" "$VSI_TMP/dnsmasq.conf.addnhosts"
  vsb_dnsmasq_conf "$VSI_TMP/dnsmasq.conf" vswitch0 "$(vsi_subnet_host "$SUBNET" 2)" \
    "$(vsi_subnet_host "$SUBNET" 65533)" 255.255.0.0 65532 "$DOMAIN"
  vsb_start_dnsmasq "$NS_HOST" "$VSI_TMP/dnsmasq.conf" 53
  PID=$VSB_PID
  sleep 0.5
}
stop_dnsmasq() { vsi_kill_pid "$VSB_PID"; }

# measure SERVER ROUND: one session of SERVER; appends "QPS CPU-us/q LOST"
# to $VSI_TMP/res-SERVER-MODE-KIND per mode and kind, and on the last round
# the latency percentiles and RSS to R[].
declare -A R
measure() {
  local s=$1 round=$2 mode kind f c0 c1 out n
  "start_$s"
  # Warm: every cached name once (the local check proves the names are there).
  dnsperf_run "$VSI_TMP/warm-$s.out" "$VSI_TMP/q-cached" -n 1
  dnsperf_run "$VSI_TMP/check-$s.out" "$VSI_TMP/q-local" -n 1
  R[$s.check]=$(sed -n 's/^ *Response codes: *//p' "$VSI_TMP/check-$s.out")
  for mode in "${modes[@]}"; do
    if [ "$mode" = capped ]; then vsb_cpu_cap "$PID"; else vsb_cpu_uncap "$PID"; fi
    for kind in "${KINDS[@]}"; do
      f=$VSI_TMP/q-$kind
      if [ "$kind" = uncached ]; then
        # More distinct names than any run can ask: none repeats.
        f=$VSI_TMP/q-uncached-$s-$round-$mode
        seq -f "u%06g.r$round$mode.$s.ok.test A" 0 $((SECS * 60000)) >"$f"
      fi
      out=$VSI_TMP/max-$s-$mode-$kind-$round.out
      c0=$(vsb_cpu_ticks "$PID")
      dnsperf_run "$out" "$f" -l "$SECS" -q "$OUTSTANDING"
      c1=$(vsb_cpu_ticks "$PID")
      n=$(awk '/Queries completed:/ {print $3}' "$out")
      awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v n="${n:-0}" \
        '/Queries per second:/ {q = $4} /Queries lost:/ {l = $3}
         END {printf "%d %.1f %s\n", q, n ? t / hz * 1e6 / n : 0, l}' "$out" >>"$VSI_TMP/res-$s-$mode-$kind"
      [ "$kind" = uncached ] && rm -f "$f"
    done
  done
  if [ "$round" = "$REPEATS" ]; then
    for kind in "${KINDS[@]}"; do
      f=$VSI_TMP/q-$kind
      if [ "$kind" = uncached ]; then
        f=$VSI_TMP/q-uncached-$s-lat
        seq -f "u%06g.lat.$s.ok.test A" 0 $((SECS * RATE + 1000)) >"$f"
      fi
      dnsperf_run "$VSI_TMP/lat-$s-$kind.out" "$f" -l "$SECS" -Q "$RATE" -v
      awk '$1 == ">" && $NF ~ /^[0-9.]+$/ {printf "%.3f\n", $NF * 1000}' "$VSI_TMP/lat-$s-$kind.out" \
        >"$VSI_TMP/lat-$s-$kind"
      R[$s.$kind.p]="$(vsb_percentile "$VSI_TMP/lat-$s-$kind" 50)/$(vsb_percentile "$VSI_TMP/lat-$s-$kind" 99)"
    done
    R[$s.rss]=$(vsb_rss_parts "$PID")
  fi
  "stop_$s"
}

# A B B A ...
for ((round = 1; round <= REPEATS; round++)); do
  if ((round % 2)); then order=(vswitchd dnsmasq); else order=(dnsmasq vswitchd); fi
  for s in "${order[@]}"; do
    vsi_log "bench/dns: round $round, $s"
    measure "$s" "$round"
  done
done
R[floor.rss]=$(vsb_rss_floor "$VSWITCHD")

# stat FILE COLUMN: "median [min-max]" of one column of a result file.
stat() {
  awk -v c="$2" '{print $c}' "$1" | sort -g | awk '{v[NR] = $1}
    END { if (!NR) { print "n/a"; exit }
          m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
          printf "%g [%g-%g]", m, v[1], v[NR] }'
}
median() { awk -v c="$2" '{print $c}' "$1" | sort -g | awk '{v[NR] = $1} END {print NR ? (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) : 0}'; }

if [ -n "${BENCH_OUT:-}" ]; then mkdir -p "$BENCH_OUT" && cp -r "$VSI_TMP"/. "$BENCH_OUT"/; fi
printf '\nbench/dns %s, %s, %s cores, load %s at the start, %s at the end; %s local names, %s cached, dnsperf -q %s for %s s, %s rounds A B B A%s\n' \
  "$(date -u '+%F %H:%M UTC')" "$(uname -r)" "$(nproc)" "$load_start" "$(cut -d' ' -f1-3 /proc/loadavg)" \
  "$RECORDS" "$CACHED" "$OUTSTANDING" "$SECS" "$REPEATS" "$(vsb_cpu_cap_label)"
echo "QPS and CPU µs per answered query: median [min-max] over the rounds"
printf '%-9s | %-8s | %-9s | %-28s | %-22s | %s\n' server mode kind QPS "CPU us/q" lost
for kind in "${KINDS[@]}"; do
  for mode in "${modes[@]}"; do
    for s in vswitchd dnsmasq; do
      f=$VSI_TMP/res-$s-$mode-$kind
      printf '%-9s | %-8s | %-9s | %-28s | %-22s | %s\n' "$s" "$mode" "$kind" "$(stat "$f" 1)" "$(stat "$f" 2)" \
        "$(awk '{printf "%s%s", (NR > 1 ? " " : ""), $3}' "$f")"
    done
  done
done
echo
echo "ratios vswitchd / dnsmasq (median QPS; queries per CPU second):"
for kind in "${KINDS[@]}"; do
  line="  $kind:"
  for mode in "${modes[@]}"; do
    line+=$(awk -v vq="$(median "$VSI_TMP/res-vswitchd-$mode-$kind" 1)" -v dq="$(median "$VSI_TMP/res-dnsmasq-$mode-$kind" 1)" \
      -v vc="$(median "$VSI_TMP/res-vswitchd-$mode-$kind" 2)" -v dc="$(median "$VSI_TMP/res-dnsmasq-$mode-$kind" 2)" -v m="$mode" \
      'BEGIN { printf " %s QPS %.2fx, per CPU second %.2fx;", m, dq ? vq / dq : 0, vc ? dc / vc : 0 }')
  done
  echo "$line"
done
echo
printf '%-9s | %-9s | %s\n' server "log level" "p50/p99 ms at $RATE q/s (uncapped): $(printf '%s ' "${KINDS[@]}")| RSS KiB (anon + file)"
for s in vswitchd dnsmasq; do
  lvl=info
  [ "$s" = dnsmasq ] && lvl=default
  lat=
  for kind in "${KINDS[@]}"; do lat+="$kind ${R[$s.$kind.p]:-n/a}  "; done
  printf '%-9s | %-9s | %s| %s\n' "$s" "$lvl" "$lat" "${R[$s.rss]}"
done
printf '%-9s | %-9s | %s\n' "lib floor" - "(vswitchd's libraries, loaded, nothing else): ${R[floor.rss]}"
for s in vswitchd dnsmasq; do echo "$s: one query per local name: ${R[$s.check]:-no answers}"; done
