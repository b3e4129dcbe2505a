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
ip netns exec "$NS_UP" "$PYTHON" "$here/../tests/integration/dns_upstream.py" "$VSI_INTERNET_ADDR" \
  "$VSI_TMP/upstream.log" >"$VSI_TMP/upstream.out" 2>&1 &
vsi_track_pid $!
for ((i = 0; i < 100; i++)); do grep -q listening "$VSI_TMP/upstream.out" 2>/dev/null && break; sleep 0.05; done
echo "nameserver $VSI_INTERNET_ADDR" >"$VSI_RESOLV"

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

dnsperf_run "$VSI_TMP/warm.out" "$VSI_TMP/q-cached" -n 1
pid=$VSI_DAEMON_PID
kind=${KIND:-cached}
perf record -o /tmp/dnsprof.data -g -p $pid -- sleep 4 >/dev/null 2>&1 & pp=$!
dnsperf_run /tmp/dnsprof.out "$VSI_TMP/q-$kind" -l 3 -q 64
wait $pp || true
grep -E "Queries per second" /tmp/dnsprof.out
