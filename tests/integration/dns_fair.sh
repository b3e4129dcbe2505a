#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# One guest cannot deny DNS to another (issue 13, items 5 and 6). From one VM
# namespace, bounded in count and time: (a) hundreds of idle TCP connections,
# (b) a slowloris (one byte every 4 s), (c) a flood of names under a zone the
# upstream never answers; meanwhile a second VM's `dig +tcp` and its 20 UDP
# lookups of names the upstream does answer succeed. (d) A busy TCP
# connection is closed at its lifetime; (e) the refusals are logged once per
# episode, not per packet; (f) each shows in the switch's Statistics.
# Usage: dns_fair.sh VSWITCHD VSWITCHCTL
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/bus_lib.sh
source "$(dirname "$0")/bus_lib.sh"
vsi_require_root
command -v dig >/dev/null || { echo "dig (dnsutils) missing: skipping" >&2; exit 77; }
vsi_init dns_fair "$1"
CTL=$(readlink -f "$2")
vsi_topology
vsi_daemon_dirs
vsb_start_bus dnsfair open

readonly UPSTREAM=$VSI_INTERNET_ADDR
readonly NS_VM2=vsi-$VSI_NAME-$$-vm2
# daemon/dns/limits.h: kTcpQueryReadTimeoutUsec and kTcpLifetimeUsec.
readonly QUERY_READ_S=2
readonly LIFETIME_S=20
qlog=$VSI_TMP/upstream-queries
vsi_dns_upstream "$qlog"

vsi_start_daemon
subnet=$(vsi_subnet)
gw=$(vsi_subnet_host "$subnet" 1)
vsi_add_vm vm0 "$(vsi_subnet_host "$subnet" 100)/20" "$gw"
vsi_add_vm vm1 "$(vsi_subnet_host "$subnet" 101)/20" "$gw" "$NS_VM2"

abuse() { # NS MODE ARGS...: the abuse tool in a VM namespace
  local ns=$1
  shift
  ip netns exec "$ns" "$PYTHON" "$VSI_LIB_DIR/dns_abuse.py" "$1" "$gw" "${@:2}"
}
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }
# vm2_tcp_digs N: N `dig +tcp` from the second VM, one line of their answers.
vm2_tcp_digs() {
  local i out=()
  for ((i = 0; i < $1; i++)); do
    out+=("$(ip netns exec "$NS_VM2" dig +tcp +time=2 +tries=1 +short "@$gw" ext.example A 2>&1 | tr '\n' ' ' | sed 's/ $//')")
    sleep 0.3
  done
  printf '%s|' "${out[@]}"
}

vsi_assert_eq "the second VM's first TCP query" 192.0.2.10 \
  "$(ip netns exec "$NS_VM2" dig +tcp +time=2 +tries=1 +short "@$gw" ext.example A 2>&1)"

# --- (d) started first: a busy TCP connection of the second VM -----------------
abuse "$NS_VM2" tcp-lifetime $((LIFETIME_S + 8)) >"$VSI_TMP/lifetime.out" 2>&1 &
lifetime_pid=$!
vsi_track_pid $lifetime_pid
sleep 0.5  # connected before the attacks begin

# --- (a) idle connections -------------------------------------------------------------
abuse "$NS_VM" tcp-idle 6 200 2000 >"$VSI_TMP/idle.out" 2>&1 &
attack=$!
vsi_track_pid $attack
sleep 1.5
digs=$(vm2_tcp_digs 3)
wait $attack || vsi_fail "idle attack failed: $(cat "$VSI_TMP/idle.out")"
idle=$(cat "$VSI_TMP/idle.out")
vsi_assert_eq "the second VM's dig +tcp during 200 idle connections of the first (attacker: $idle)" \
  "192.0.2.10|192.0.2.10|192.0.2.10|" "$digs"
[ "$(field max_open "$idle")" -ge 100 ] || vsi_fail "the idle attack never held 100 connections: $idle"
vsi_pass "200 idle TCP connections from one VM ($idle): the other's dig +tcp answered 3/3"

# --- (b) slowloris --------------------------------------------------------------------
abuse "$NS_VM" tcp-slowloris 6 64 1000 >"$VSI_TMP/slow.out" 2>&1 &
attack=$!
vsi_track_pid $attack
sleep 1.5
digs=$(vm2_tcp_digs 3)
wait $attack || vsi_fail "slowloris failed: $(cat "$VSI_TMP/slow.out")"
slow=$(cat "$VSI_TMP/slow.out")
vsi_assert_eq "the second VM's dig +tcp during a slowloris of the first (attacker: $slow)" \
  "192.0.2.10|192.0.2.10|192.0.2.10|" "$digs"
hold=$(field max_hold_s "$slow")
awk -v h="$hold" -v b="$QUERY_READ_S" 'BEGIN { exit !(h > 0 && h < b + 1.5) }' ||
  vsi_fail "a trickled query should be cut off ${QUERY_READ_S}s after its first byte, was held ${hold}s ($slow)"
vsi_pass "slowloris of 64 connections ($slow): cut off after ${hold}s, the other's dig +tcp answered 3/3"

# --- (c) a flood of names the upstream never answers ----------------------------------
abuse "$NS_VM" udp-flood 6 2000 blackhole.test >"$VSI_TMP/flood.out" 2>&1 &
attack=$!
vsi_track_pid $attack
sleep 1.5
ok=0
for ((i = 1; i <= 20; i++)); do
  a=$(ip netns exec "$NS_VM2" dig +time=2 +tries=1 +short "@$gw" "n$i-$$.ok.test" A 2>&1 || true)
  [ "$a" = 192.0.2.100 ] && ok=$((ok + 1))
done
wait $attack || vsi_fail "flood failed: $(cat "$VSI_TMP/flood.out")"
flood=$(cat "$VSI_TMP/flood.out")
[ "$ok" -ge 19 ] || vsi_fail "the second VM's lookups during the first's flood ($flood): $ok/20 answered, expected >= 19"
reached=$(grep -c '^blackhole$' "$qlog" || true)
[ "$reached" -ge 100 ] || vsi_fail "the flood should have kept the pending table busy: only $reached queries reached upstream"
vsi_pass "flood of silent names from one VM ($flood, $reached reached upstream): the other's lookups answered $ok/20"

# --- (d) the lifetime -------------------------------------------------------------------
wait $lifetime_pid || vsi_fail "lifetime probe failed: $(cat "$VSI_TMP/lifetime.out")"
life=$(cat "$VSI_TMP/lifetime.out")
after=$(field closed_after_s "$life")
awk -v a="$after" -v l="$LIFETIME_S" 'BEGIN { exit !(a >= l - 0.5 && a <= l + 3) }' ||
  vsi_fail "a busy TCP connection should be closed at its ${LIFETIME_S}s lifetime ($life)"
[ "$(field answers "$life")" -ge $((LIFETIME_S - 3)) ] || vsi_fail "the busy connection was not served until its lifetime: $life"
vsi_pass "a TCP connection asking every second is closed at its lifetime ($life)"

# --- (e) logged per episode -------------------------------------------------------------
tcp_lines=$(grep -c 'DNS over TCP connection from .*refused' "$VSI_TMP/daemon.err" || true)
fwd_lines=$(grep -c 'DNS forwarding for .*refused' "$VSI_TMP/daemon.err" || true)
if [ "$tcp_lines" -lt 1 ] || [ "$tcp_lines" -gt 2 ]; then
  vsi_fail "TCP refusals should be logged once per episode (two attacks, one or two episodes), saw $tcp_lines lines"
fi
vsi_assert_eq "log lines for the refused forwards" 1 "$fwd_lines"
vsi_pass "refusals logged once per episode ($tcp_lines for TCP, $fwd_lines for forwards)"

# --- (f) the counters -----------------------------------------------------------
stats=$("$CTL" stats --json | "$PYTHON" -c 'import json,sys; d=json.load(sys.stdin)["Default"]
print(" ".join("%s=%d" % (k, d[k]) for k in ["dns.tcp.guest-share-refused", "dns.tcp.slow-query-timeouts",
    "dns.tcp.lifetime-ended", "dns.pending.evicted", "dns.pending.guest-share-refused", "dns.upstream.attempt-timeouts"]))')
for k in dns.tcp.slow-query-timeouts dns.tcp.lifetime-ended dns.upstream.attempt-timeouts; do
  vsi_assert_match "Statistics counts $k" "$k=[1-9]" "$stats"
done
vsi_assert_match "Statistics counts TCP or forward refusals" "(dns\.tcp\.guest-share-refused|dns\.pending\.(evicted|guest-share-refused))=[1-9]" "$stats"
vsi_pass "the limits' work shows in Statistics ($stats)"
