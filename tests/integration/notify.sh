#!/bin/bash
# What systemd hears from vswitchd (Type=notify, WatchdogSec=): the daemon
# runs in a namespace with a NOTIFY_SOCKET of this test's own and
# WATCHDOG_USEC=2 s, on a private bus with the project's policy.
#   - READY=1 comes only once the switch, DHCP, DNS and the bus name serve:
#     the listener freezes the daemon at READY=1 and checks them all;
#   - STATUS= names the subnet on the bridge;
#   - WATCHDOG=1 comes at intervals < WatchdogSec/2, and stops while the
#     loop is stalled (a frozen daemon is the one systemd would kill);
#   - STOPPING=1 on SIGTERM, then exit status 0.
# Usage: notify.sh VSWITCHD
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bus_lib.sh"
vsi_require_root
vsi_init notify "$1"

readonly WATCHDOG_PERIOD_USEC=2000000
readonly WATCHDOG_HALF_S=1.0  # WatchdogSec/2
readonly OBSERVE_S=4          # of pings after READY=1
readonly STALL_S=1.5          # a stalled loop: frozen this long

vsi_ns_add "$NS_HOST"
vsi_daemon_dirs
vsb_start_bus notify policy

# Run by notify_record.py with the daemon frozen right after READY=1.
cat >"$VSI_TMP/on-ready.sh" <<EOF
set -u
fail() { echo "at READY=1: \$*" >&2; exit 1; }
owner=\$(dbus-send --system --print-reply=literal --dest=org.freedesktop.DBus / \
  org.freedesktop.DBus.GetConnectionUnixProcessID string:org.vswitch1 2>&1) ||
  fail "org.vswitch1 has no owner (\$owner)"
[ "\$(echo \$owner | awk '{print \$2}')" = "\$DAEMON_PID" ] || fail "org.vswitch1 is owned by '\$owner', not \$DAEMON_PID"
gw=\$(ip -n $NS_HOST -4 -o addr show dev vswitch0 | awk '{print \$4}' | cut -d/ -f1)
[ -n "\$gw" ] || fail "vswitch0 has no address"
socks=\$(ip netns exec $NS_HOST ss -Hlnup; ip netns exec $NS_HOST ss -Hlntp)
# Sockets bound to the bridge show as ADDR%vswitch0:PORT.
echo "\$socks" | grep -Eq "^UNCONN.*:67 .*pid=\$DAEMON_PID," || fail "no DHCP socket on :67"
echo "\$socks" | grep -Eq "^UNCONN.*\$gw(%vswitch0)?:53 .*pid=\$DAEMON_PID," || fail "no DNS socket on \$gw:53/udp"
echo "\$socks" | grep -Eq "^LISTEN.*\$gw(%vswitch0)?:53 .*pid=\$DAEMON_PID," || fail "no DNS listener on \$gw:53/tcp"
echo "at READY=1: bus name owned by \$DAEMON_PID, DHCP on :67, DNS on \$gw:53"
EOF

notes=$VSI_TMP/notify.log
sock=$VSI_TMP/notify.sock
"$PYTHON" "$VSI_LIB_DIR/notify_record.py" "$sock" 60 --on-ready "sh $VSI_TMP/on-ready.sh" \
  >"$notes" 2>"$VSI_TMP/listener.err" &
listener=$!
vsi_track_pid "$listener"
for ((i = 0; i < 100; i++)); do [ -S "$sock" ] && break; sleep 0.05; done
[ -S "$sock" ] || vsi_fail "the notify listener did not bind $sock"

vsi_daemon_args
NOTIFY_SOCKET=$sock WATCHDOG_USEC=$WATCHDOG_PERIOD_USEC ip netns exec "$NS_HOST" "$VSWITCHD" "${VSI_ARGS[@]}" \
  </dev/null >>"$VSI_TMP/daemon.out" 2>>"$VSI_TMP/daemon.err" &
VSI_DAEMON_PID=$!

for ((i = 0; i < VSI_READY_TIMEOUT_S * 20; i++)); do
  grep -q ' ON_READY_RC=' "$notes" && break
  kill -0 "$VSI_DAEMON_PID" 2>/dev/null || vsi_fail "vswitchd exited before READY=1"
  sleep 0.05
done
grep -q ' ON_READY_RC=' "$notes" || vsi_fail "no READY=1 within ${VSI_READY_TIMEOUT_S}s: $(cat "$notes")"
cat "$VSI_TMP/listener.err"
vsi_assert_eq "checks with the daemon frozen at READY=1" "ON_READY_RC=0" \
  "$(awk '/ ON_READY_RC=/ {print $3}' "$notes")"
vsi_assert_eq "READY=1 came from the daemon's own pid" "$VSI_DAEMON_PID" "$(awk '$3 == "READY=1" {print $2}' "$notes")"
vsi_pass "READY=1 only once the switch, DHCP, DNS and the bus name serve"

vsi_assert_eq "READY=1 sent once" 1 "$(grep -c ' READY=1$' "$notes")"
# The STATUS= sent with READY=1 (later ones may report other things).
status=$(awk '$3 == "READY=1" { ready = 1 } ready && $3 ~ /^STATUS=/ { sub(/^STATUS=/, "", $3); $1 = $2 = ""; sub(/^  /, ""); print; exit }' "$notes")
subnet=$(vsi_subnet)
[ -n "$subnet" ] || vsi_fail "vswitch0 has no subnet route"
vsi_assert_match "STATUS= names the subnet on vswitch0" "Default $subnet on vswitch0" "$status"
vsi_pass "STATUS=$status"

monotonic() { "$PYTHON" -c 'import time; print(f"{time.monotonic():.3f}")'; }
sleep "$OBSERVE_S"
stall_from=$(monotonic)
kill -STOP "$VSI_DAEMON_PID"
sleep "$STALL_S"
stall_to=$(monotonic)
kill -CONT "$VSI_DAEMON_PID"
sleep 1
vsi_stop_daemon TERM
vsi_assert_eq "exit status after SIGTERM" 0 "$VSI_DAEMON_RC"
wait "$listener" || vsi_fail "the listener saw no STOPPING=1: $(tail -n 5 "$notes")"

# The frozen loop leaves a hole in the pings as long as the stall. Measured
# as the longest gap around it, so that a listener slowed down by a loaded
# machine (it timestamps on receipt) cannot fake or hide one.
stall_gap=$(awk -v a="$stall_from" -v b="$stall_to" '
  $3 == "WATCHDOG=1" && $1 > a - 1 && $1 < b + 1 { if (n++ && $1 - last > max) max = $1 - last; last = $1 }
  END { printf "%.3f\n", max }' "$notes")
awk -v g="$stall_gap" -v s="$STALL_S" 'BEGIN { exit !(g >= s - 0.5) }' ||
  vsi_fail "WATCHDOG=1 went on while the daemon was frozen for ${STALL_S}s (longest gap ${stall_gap}s)"

# Ping intervals from the thaw after READY=1 to the stall; the stall itself
# is not counted.
read -r pings max_gap < <(awk -v stop="$stall_from" '
  $3 ~ /^ON_READY_RC=/ { last = $1; ready = 1 }  # thawed after the checks
  ready && $3 == "WATCHDOG=1" && $1 <= stop { n++; gap = $1 - last; if (gap > max) max = gap; last = $1 }
  END { printf "%d %.3f\n", n, max }' "$notes")
echo "watchdog: $pings pings in ${OBSERVE_S}s after READY=1, longest gap ${max_gap}s (WatchdogSec/2 = ${WATCHDOG_HALF_S}s)"
[ "$pings" -ge $((OBSERVE_S * 2)) ] || vsi_fail "only $pings WATCHDOG=1 in ${OBSERVE_S}s with WatchdogSec=2s"
awk -v g="$max_gap" -v h="$WATCHDOG_HALF_S" 'BEGIN { exit !(g < h) }' ||
  vsi_fail "a gap of ${max_gap}s between WATCHDOG=1 pings, not under WatchdogSec/2 = ${WATCHDOG_HALF_S}s"
vsi_pass "WATCHDOG=1 every <${WATCHDOG_HALF_S}s from the event loop; none for ${stall_gap}s while it was frozen ${STALL_S}s"

vsi_assert_eq "STOPPING=1 once, after SIGTERM" 1 "$(grep -c ' STOPPING=1$' "$notes")"
last_line=$(awk '$3 != "WATCHDOG=1"' "$notes" | tail -n 1 | cut -d' ' -f3-)
vsi_assert_eq "the last notification" "STOPPING=1" "$last_line"
vsi_pass "STOPPING=1 on SIGTERM, exit 0"
