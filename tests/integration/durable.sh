#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# Durability (issue 13).
#   crash   5 trials: perfdhcp starts a burst of 500 new clients (a relay at
#           a static address in the VM namespace) and the daemon is killed
#           with SIGKILL at a random moment of it; every DHCPACK that crossed
#           the wire (dhcp_acks.py on the relay's interface) must be in the
#           lease file after the restart, with its MAC, and a second burst of
#           new clients after the restart must not be given any address
#           ACKed before the crash (no duplicate).
#   full    the state directory on a tiny tmpfs (this script runs in a
#           private mount namespace): with the disk full the daemon restarts
#           (same boot: nothing to write; new boot: the subnet cannot be
#           stored) and serves DHCP, raising subnet-not-stored and
#           leases-not-stored; once space is back the leases reach the file
#           and the problem is gone.
#   minors  a lease with MAC 00:00:00:00:00:00 is not restored; a garbage
#           subnet file is logged, once; each corrupt lease file is kept
#           apart (.corrupt-1, .corrupt-2).
# Usage: durable.sh VSWITCHD
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
source "$here/lib.sh"
vsi_require_root
command -v perfdhcp >/dev/null || vsi_fail "perfdhcp is not installed (kea-admin; contrib/install-deps.sh --test)"
if [ -z "${VSI_DURABLE_MNTNS:-}" ]; then
  # A private mount namespace for the tmpfs state directory; it goes with us.
  exec unshare --mount --propagation private env VSI_DURABLE_MNTNS=1 "$0" "$@"
fi
# The crash burst takes CLIENTS / CRASH_RATE = 1.25 s; the kill comes
# 0.2-1.0 s after its start.
readonly CLIENTS=500 TRIALS=5 AFTER=200 RATE=1000 CRASH_RATE=400
vsi_init durable "$1"
vsi_topology
vsi_daemon_dirs
# perfdhcp is one port with thousands of clients, and a relay: both allowed.
printf '[Switch]\nPrefixLength=16\nLeaseTimeSec=3600\nMaxLeasesPerPort=65536\nTrustRelayFrom=vdur\n' >"$VSI_CONF"
VSI_LOG_LEVEL=${VSI_LOG_LEVEL:-warning} vsi_start_daemon
subnet=$(vsi_subnet)
gateway=$(vsi_subnet_host "$subnet" 1)
relay=$(vsi_subnet_host "$subnet" 65534)
vsi_add_vm vdur "$relay/16" "$gateway"
leases=$VSI_STATE/Default.leases

# acks_start OUT: the wire recorder on the relay's interface.
ACKS_PID=
acks_start() {
  rm -f "$VSI_TMP/acks.ready"
  ip netns exec "$NS_VM" "$PYTHON" "$here/dhcp_acks.py" eth0 "$1" "$VSI_TMP/acks.ready" &
  ACKS_PID=$!
  vsi_track_pid "$ACKS_PID"
  for ((i = 0; i < 100; i++)); do [ -e "$VSI_TMP/acks.ready" ] && return 0; sleep 0.05; done
  vsi_fail "dhcp_acks.py did not start"
}
# perf MACBYTE CLIENTS SECONDS: a burst of new clients 02:00:MACBYTE:xx:xx:xx.
perf() {
  ip netns exec "$NS_VM" timeout $(($3 + 20)) perfdhcp -4 -l eth0 -b "mac=02:00:$1:00:00:00" -R "$2" -n "$2" \
    -r "$RATE" -p "$3" -W 1000000 >>"$VSI_TMP/perfdhcp.out" 2>&1 || true
}
# perf_bg MACBYTE: the crash burst, in the background; sets PERF_PID (perfdhcp
# itself: ip netns exec execs it).
PERF_PID=
perf_bg() {
  ip netns exec "$NS_VM" perfdhcp -4 -l eth0 -b "mac=02:00:$1:00:00:00" -R "$CLIENTS" -n "$CLIENTS" \
    -r "$CRASH_RATE" -p 10 -W 1000000 >>"$VSI_TMP/perfdhcp.out" 2>&1 &
  PERF_PID=$!
  vsi_track_pid "$PERF_PID"
}
# perf_few MACBYTE: 20 clients, each with several tries (100 exchanges in 2 s).
perf_few() {
  ip netns exec "$NS_VM" timeout 20 perfdhcp -4 -l eth0 -b "mac=02:00:$1:00:00:00" -R 20 -r 50 -p 2 \
    -W 1000000 >>"$VSI_TMP/perfdhcp.out" 2>&1 || true
}
lease_pairs() { awk '$1 == "lease" {print $3, $2}' "$leases" | sort; }

# --- crash: kill -9 during a burst ---------------------------------------------

total_acked=0
for ((t = 1; t <= TRIALS; t++)); do
  acks=$VSI_TMP/acks-$t
  acks_start "$acks"
  perf_bg "$(printf '%02x' $((16 + t)))"
  sleep "0.$((200 + RANDOM % 800))"
  vsi_stop_daemon KILL
  sleep 0.2 # replies already sent are on the wire
  vsi_kill_pid "$ACKS_PID"
  vsi_kill_pid "$PERF_PID"
  sort -u "$acks" -o "$acks"
  n_acked=$(wc -l <"$acks")
  total_acked=$((total_acked + n_acked))
  VSI_LOG_LEVEL=${VSI_LOG_LEVEL:-warning} vsi_start_daemon
  missing=$(comm -23 "$acks" <(lease_pairs) | head -n 5)
  vsi_assert_eq "trial $t: ACKed bindings ($n_acked) missing from the lease file after kill -9" "" "$missing"
  # New clients after the restart: none may get an address ACKed to another.
  after=$VSI_TMP/after-$t
  acks_start "$after"
  perf "$(printf '%02x' $((64 + t)))" "$AFTER" 3
  sleep 0.2
  vsi_kill_pid "$ACKS_PID"
  [ -s "$after" ] || vsi_fail "trial $t: no ACK after the restart: $(tail -5 "$VSI_TMP/perfdhcp.out")"
  dup=$(join -1 2 -2 2 <(sort -k2 "$acks") <(sort -k2 "$after") | awk '$2 != $3' | head -n 5)
  vsi_assert_eq "trial $t: addresses ACKed before the crash given to another client after it" "" "$dup"
  n_file=$(grep -c '^lease ' "$leases")
  n_addr=$(awk '$1 == "lease" {print $2}' "$leases" | sort -u | wc -l)
  vsi_assert_eq "trial $t: distinct addresses in the lease file" "$n_file" "$n_addr"
  vsi_log "trial $t: $n_acked ACKed before kill -9, all kept; $(wc -l <"$after") ACKs after, no duplicate"
done
[ "$total_acked" -ge $((TRIALS * 50)) ] || vsi_fail "only $total_acked ACKs in $TRIALS bursts: the kills came too early to test anything"
vsi_pass "kill -9 during $TRIALS bursts of $CLIENTS clients: all $total_acked ACKed bindings kept, no address given twice"
vsi_stop_daemon TERM

# --- minors ---------------------------------------------------------------------

now=$(date +%s)
zero_ip=$(vsi_subnet_host "$subnet" 300)
keep_ip=$(vsi_subnet_host "$subnet" 301)
{
  echo "vswitch-leases 1"
  echo "lease $zero_ip 00:00:00:00:00:00 01:00:00:00:00:00:00 $((now + 3600)) -"
  echo "lease $keep_ip 52:54:00:aa:00:01 01:52:54:00:aa:00:01 $((now + 3600)) keeper"
} >"$leases"
rm -f "$leases.journal"
echo "this is not a subnet file" >"$VSI_STATE/Default.subnet"
: >"$VSI_TMP/daemon.err"
VSI_LOG_LEVEL=info vsi_start_daemon
vsi_assert_eq "the subnet after a garbage subnet file (same boot: drawn the same)" "$subnet" "$(vsi_subnet)"
vsi_assert_eq "log lines about the garbage subnet file" 1 "$(grep -c "stored subnet file .* is unreadable" "$VSI_TMP/daemon.err")"
grep -q "^subnet=$subnet" "$VSI_STATE/Default.subnet" || vsi_fail "the subnet file was not rewritten: $(cat "$VSI_STATE/Default.subnet")"
grep -q "1 leases not restored" "$VSI_TMP/daemon.err" || vsi_fail "no warning about the zero-MAC lease"
grep -q " 00:00:00:00:00:00 " "$leases" && vsi_fail "the zero-MAC lease was restored: $(cat "$leases")"
grep -q "^lease $keep_ip " "$leases" || vsi_fail "the good lease beside the zero-MAC one was lost"
vsi_stop_daemon TERM
vsi_pass "a zero-MAC lease is not restored; a garbage subnet file is logged once and redrawn"

for k in 1 2; do
  printf 'vswitch-leases 1\ngarbage %s\n' "$k" >"$leases"
  vsi_start_daemon
  vsi_stop_daemon TERM
done
grep -q "garbage 1" "$leases.corrupt-1" || vsi_fail "the first corrupt lease file is not kept as .corrupt-1"
grep -q "garbage 2" "$leases.corrupt-2" || vsi_fail "the second corrupt lease file is not kept as .corrupt-2"
vsi_pass "each corrupt lease file is kept apart (.corrupt-1, .corrupt-2)"

# --- full: a state directory with no space left ---------------------------------

VSI_STATE=$VSI_TMP/tiny
mkdir -p "$VSI_STATE"
mount -t tmpfs -o size=256k,mode=0755 vsi-durable "$VSI_STATE"
VSI_CLEANUP_CMDS+=("umount '$VSI_STATE'")
leases=$VSI_STATE/Default.leases
vsi_start_daemon
perf_few a0
vsi_stop_daemon TERM
before=$(grep -c '^lease ' "$leases")
[ "$before" -ge 15 ] || vsi_fail "only $before leases before the disk filled: $(tail -5 "$VSI_TMP/perfdhcp.out")"
dd if=/dev/zero of="$VSI_STATE/fill" bs=4k 2>/dev/null || true
echo x >"$VSI_STATE/probe" 2>/dev/null && vsi_fail "the tmpfs is not full"
: >"$VSI_TMP/daemon.err"
vsi_start_daemon # the same boot: nothing to write
acks_start "$VSI_TMP/acks-full"
perf_few a1
vsi_kill_pid "$ACKS_PID"
n=$(sort -u "$VSI_TMP/acks-full" | wc -l)
[ "$n" -ge 15 ] || vsi_fail "only $n ACKs with the disk full"
for ((i = 0; i < 30; i++)); do grep -q "cannot store the leases" "$VSI_TMP/daemon.err" && break; sleep 0.1; done
grep -q "cannot store the leases of switch Default" "$VSI_TMP/daemon.err" ||
  vsi_fail "no leases-not-stored problem with the disk full"
vsi_stop_daemon TERM
vsi_assert_eq "exit status of a clean stop with the disk full" 0 "$VSI_DAEMON_RC"
vsi_pass "with the state directory full the daemon restarts and serves ($n ACKs), raising leases-not-stored"

VSI_BOOT_ID=$VSI_BOOT_ID_B vsi_start_daemon # a new boot: a new subnet to store
grep -q "cannot store the subnet of switch Default" "$VSI_TMP/daemon.err" ||
  vsi_fail "no subnet-not-stored problem for a new boot on a full disk"
acks_start "$VSI_TMP/acks-full2"
ip -n "$NS_VM" addr flush dev eth0
new_subnet=$(vsi_subnet)
ip -n "$NS_VM" addr add "$(vsi_subnet_host "$new_subnet" 65534)/16" dev eth0
perf_few a2
vsi_kill_pid "$ACKS_PID"
n2=$(sort -u "$VSI_TMP/acks-full2" | wc -l)
[ "$n2" -ge 15 ] || vsi_fail "only $n2 ACKs in a new boot with the disk full"
rm -f "$VSI_STATE/fill"
for ((i = 0; i < 100; i++)); do grep -q "problem 'leases-not-stored' is gone" "$VSI_TMP/daemon.err" && break; sleep 0.1; done
grep -q "problem 'leases-not-stored' is gone" "$VSI_TMP/daemon.err" || vsi_fail "leases-not-stored stayed after space came back"
missing=$(sort -u "$VSI_TMP/acks-full2" | comm -23 - <(lease_pairs) | head -n 5)
vsi_assert_eq "leases ACKed while the disk was full, missing from the file once space came back" "" "$missing"
vsi_stop_daemon TERM
vsi_pass "a new boot on a full disk serves ($n2 ACKs) with subnet-not-stored; once space is back the leases are written and the problem is gone"
