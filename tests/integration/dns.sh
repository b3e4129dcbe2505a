#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# The switch's DNS server, seen from a VM with dig and kdig: local names
# (the host's → gateway, PTR, NXDOMAIN/NODATA with SOA), forwarding to a
# test upstream in the upstream namespace (cache with falling TTL, TCP with
# several queries on one connection, truncated UDP fetched over TCP,
# SERVFAIL within the bound, failover past a dead upstream), nothing served
# on the uplink, and the hosts file in the runtime directory.
# Usage: dns.sh VSWITCHD
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
vsi_require_root
command -v dig >/dev/null || { echo "dig (dnsutils) missing: skipping" >&2; exit 77; }
command -v kdig >/dev/null || { echo "kdig (knot-dnsutils) missing: skipping" >&2; exit 77; }
vsi_init dns "$1"
vsi_topology
vsi_daemon_dirs

readonly UPSTREAM=$VSI_INTERNET_ADDR
readonly DEAD_UPSTREAM=203.0.113.99  # on upstream's inet0 subnet, nobody there
# The daemon's upper bound for a forward (kForwardTimeoutUsec) plus slack.
readonly SERVFAIL_BOUND_MS=4500
qlog=$VSI_TMP/upstream-queries
vsi_dns_upstream "$qlog"

vsi_start_daemon
subnet=$(vsi_subnet)
gw=$(vsi_subnet_host "$subnet" 1)
vsi_add_vm vm0 "$(vsi_subnet_host "$subnet" 100)/20" "$gw"

vmdig() { ip netns exec "$NS_VM" dig +time=6 +tries=1 "@$gw" "$@"; }
upstream_count() { grep -c "^$1 $2 1\$" "$qlog" || true; }

host_label=$(hostname | cut -d. -f1 | tr '[:upper:]' '[:lower:]')
fqdn=$host_label.vswitch.internal

# --- local names ---------------------------------------------------------------
vsi_assert_eq "A of the host's name $fqdn" "$gw" "$(vmdig +short "$fqdn" A)"
vsi_assert_eq "PTR of the gateway" "$fqdn." "$(vmdig +short -x "$gw")"
vsi_pass "the host's name $fqdn resolves to the gateway $gw and back (PTR)"

out=$(vmdig nosuchvm.vswitch.internal A)
vsi_assert_match "status of an unknown local name" 'status: NXDOMAIN' "$out"
vsi_assert_match "SOA with the NXDOMAIN" 'AUTHORITY SECTION:[[:space:]]+vswitch\.internal\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+SOA' "$out"
vsi_assert_match "authoritative answer" 'flags: qr aa' "$out"
out=$(vmdig "$fqdn" AAAA)
vsi_assert_match "status of AAAA for a local name" 'status: NOERROR' "$out"
vsi_assert_match "no records for AAAA" 'ANSWER: 0,' "$out"
vsi_assert_match "SOA with the NODATA" 'IN[[:space:]]+SOA' "$out"
vsi_pass "unknown local name: NXDOMAIN with SOA; AAAA of a local name: NODATA with SOA"

# --- opcodes other than QUERY: NOTIMP, the question kept ------------------------
for opcode in notify update status; do
  out=$(vmdig +opcode=$opcode vswitch.internal SOA || true)
  vsi_assert_match "$opcode is not implemented" "opcode: ${opcode^^}, status: NOTIMP" "$out"
  [ $opcode = status ] && continue
  vsi_assert_match "$opcode's reply keeps its question" '(QUERY|ZONE): 1,.*(QUESTION|ZONE) SECTION:.*vswitch\.internal\.[[:space:]]+IN[[:space:]]+SOA' "$out"
  vsi_assert_match "$opcode's reply answers EDNS with EDNS" 'OPT PSEUDOSECTION' "$out"
done
vsi_pass "NOTIFY, UPDATE and STATUS: NOTIMP, with the question echoed"

# --- forwarding and cache -------------------------------------------------------
vsi_assert_eq "forwarded A of ext.example" 192.0.2.10 "$(vmdig +short ext.example A)"
vsi_assert_eq "queries upstream saw for ext.example" 1 "$(upstream_count udp ext.example.)"
sleep 2
out=$(vmdig +noall +answer ext.example A)
ttl=$(awk '$1 == "ext.example." {print $2}' <<<"$out")
vsi_assert_match "second answer for ext.example" '192\.0\.2\.10' "$out"
vsi_assert_eq "queries upstream saw after the second ask" 1 "$(upstream_count udp ext.example.)"
if [ -z "$ttl" ] || [ "$ttl" -ge 300 ]; then vsi_fail "cached TTL should be below upstream's 300, saw '$ttl'"; fi
vsi_pass "ext.example forwarded once, then answered from the cache with TTL $ttl < 300"

# --- TCP: several queries on one connection ------------------------------------
out=$(ip netns exec "$NS_VM" kdig +tcp +keepopen +short +timeout=6 "@$gw" other.example A "$fqdn" A third.example A 2>&1)
vsi_assert_eq "answers over one TCP connection (kdig +keepopen)" "192.0.2.11 $gw 192.0.2.12" "$(tr '\n' ' ' <<<"$out" | sed 's/ $//')"
out=$(ip netns exec "$NS_VM" dig +tcp +keepopen +time=6 +tries=1 +short "@$gw" ext.example A "$fqdn" A 2>&1)
vsi_assert_eq "answers over TCP (dig +keepopen)" "192.0.2.10 $gw" "$(tr '\n' ' ' <<<"$out" | sed 's/ $//')"
vsi_pass "DNS over TCP: pipelined local, cached and forwarded answers on one connection"

# --- truncation -----------------------------------------------------------------
out=$(vmdig +noall +answer tc.example A)
vsi_assert_eq "records of tc.example (40 upstream, fetched over TCP)" 40 "$(grep -c 'IN[[:space:]]A[[:space:]]' <<<"$out" || true)"
vsi_assert_eq "UDP queries upstream saw for tc.example" 1 "$(upstream_count udp tc.example.)"
vsi_assert_eq "TCP queries upstream saw for tc.example" 1 "$(upstream_count tcp tc.example.)"
vsi_pass "a truncated upstream answer is fetched again over TCP (40 records)"

# --- source ports and ids (RFC 5452) -------------------------------------------
# 1200 distinct names, 64 at a time: the forwarder draws each query's socket
# from a pool of random ports, each retired after 512 queries, and each id
# at random. Upstream logs the port and id of each one.
seq 1 1200 | sed 's/.*/q&.src.ok.test A/' >"$VSI_TMP/src-names"
ip netns exec "$NS_VM" "$PYTHON" - "$gw" "$VSI_TMP/src-names" <<'PY' >"$VSI_TMP/src-answers"
import socket, struct, sys, os, select
gw, names = sys.argv[1], [l.split()[0] for l in open(sys.argv[2])]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.connect((gw, 53))
def q(i, n):
    wire = b"".join(bytes([len(p)]) + p.encode() for p in n.split(".")) + b"\0"
    return struct.pack("!HHHHHH", i, 0x0100, 1, 0, 0, 0) + wire + struct.pack("!HH", 1, 1)
answered, sent = 0, 0
while answered < len(names):
    while sent < len(names) and sent - answered < 64:
        s.send(q(sent, names[sent])); sent += 1
    if not select.select([s], [], [], 5)[0]: break
    r = s.recv(4096)
    if struct.unpack("!H", r[2:4])[0] & 0xf == 0 and struct.unpack("!H", r[6:8])[0] == 1: answered += 1
print(answered)
PY
vsi_assert_eq "answers to 1200 distinct names" 1200 "$(cat "$VSI_TMP/src-answers")"
read -r ports busiest ids < <(awk '$1 == "src" { n[$2]++; id[$3] = 1 } END { m = 0; for (p in n) if (n[p] > m) m = n[p]; print length(n), m, length(id) }' "$qlog")
[ "$ports" -ge 16 ] || vsi_fail "1200 forwards left from only $ports source ports"
[ "$busiest" -le 512 ] || vsi_fail "one source port carried $busiest forwards (a socket retires after 512)"
[ "$ids" -ge 1150 ] || vsi_fail "1200 forwards carried only $ids distinct ids"
vsi_pass "1200 forwards: $ports random source ports (at most $busiest queries on one), $ids distinct ids"

# --- failures and failover (resolv.conf re-read as it changes) -----------------
printf 'nameserver %s\n' "$DEAD_UPSTREAM" >"$VSI_RESOLV.new" && mv "$VSI_RESOLV.new" "$VSI_RESOLV"
t0=$(date +%s%N)
out=$(vmdig +time=10 down.example A)
ms=$((($(date +%s%N) - t0) / 1000000))
vsi_assert_match "status with the only upstream dead" 'status: SERVFAIL' "$out"
[ "$ms" -le "$SERVFAIL_BOUND_MS" ] || vsi_fail "SERVFAIL took ${ms} ms, bound ${SERVFAIL_BOUND_MS} ms"
vsi_pass "upstream down: SERVFAIL after ${ms} ms (bound ${SERVFAIL_BOUND_MS} ms)"

printf 'nameserver %s\nnameserver %s\n' "$DEAD_UPSTREAM" "$UPSTREAM" >"$VSI_RESOLV.new" && mv "$VSI_RESOLV.new" "$VSI_RESOLV"
vsi_assert_eq "A of fourth.example with the first upstream dead" 192.0.2.13 "$(vmdig +time=10 +short fourth.example A)"
vsi_pass "the first upstream dead, the second answers"

# --- the host asks its own switch ---------------------------------------------------
# Over lo from the gateway address: must not be masqueraded to the uplink
# address (which is outside the subnet and would be REFUSED).
out=$(ip netns exec "$NS_HOST" dig +time=6 +tries=1 +short "@$gw" "$fqdn" A 2>&1)
vsi_assert_eq "the host's own query to $gw for $fqdn" "$gw" "$out"
vsi_pass "the host itself resolves $fqdn through the gateway (its query keeps its source)"

# --- nothing on the uplink -----------------------------------------------------
if out=$(ip netns exec "$NS_UP" dig +time=2 +tries=1 "@$VSI_HOST_UPLINK_ADDR" ext.example A 2>&1); then
  vsi_fail "a query to the uplink address $VSI_HOST_UPLINK_ADDR:53 was answered: $out"
fi
vsi_assert_match "dig to the uplink over UDP" 'timed out|no servers could be reached' "$out"
if out=$(ip netns exec "$NS_UP" dig +tcp +time=2 +tries=1 "@$VSI_HOST_UPLINK_ADDR" ext.example A 2>&1); then
  vsi_fail "a TCP query to the uplink address $VSI_HOST_UPLINK_ADDR:53 was answered: $out"
fi
ip -n "$NS_UP" route add "$subnet" via "$VSI_HOST_UPLINK_ADDR"
if out=$(ip netns exec "$NS_UP" dig +time=2 +tries=1 "@$gw" ext.example A 2>&1); then
  vsi_fail "a query from outside the subnet to $gw was answered: $out"
fi
vsi_pass "no DNS answer on the uplink address, nor to a client outside the subnet"

# --- hosts file -------------------------------------------------------------------
grep -qxF "$gw $fqdn $host_label" "$VSI_RUN/hosts" ||
  vsi_fail "hosts file: expected the line '$gw $fqdn $host_label', saw: $(cat "$VSI_RUN/hosts")"
vsi_pass "$VSI_RUN/hosts lists $gw $fqdn $host_label"
