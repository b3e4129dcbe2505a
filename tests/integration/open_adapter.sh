#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# Unprivileged attach (issue 19): OpenAdapter hands a member of AllowGroup=
# a non-persistent TAP as a file descriptor; `vswitchctl qemu` execs real
# QEMU (TCG) on it as that user, whose iPXE takes a DHCP lease through the
# switch; the port goes when the last descriptor closes (100 callers that
# exit leave no TAP and no port); a caller outside the group gets
# AccessDenied; a member cannot detach or reconnect another user's port but
# can its own, nor AttachAdapter or Teardown; --multi-queue gives a
# multi-queue TAP; an opened port survives kill -9 of the daemon and still
# goes with its descriptor afterwards; and under the shipped bus policy the
# group vswitch may call OpenAdapter while others are refused by the bus.
# Usage: open_adapter.sh VSWITCHD VSWITCHCTL
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/bus_lib.sh
source "$(dirname "$0")/bus_lib.sh"
vsi_require_root
for c in qemu-system-x86_64 gdbus dbus-daemon setpriv; do
  command -v "$c" >/dev/null || { echo "FAIL: $c is missing (contrib/install-deps.sh --test)" >&2; exit 1; }
done
readonly GROUP_GID=64123  # AllowGroup= by number: no entry in the machine's /etc/group
# Callers: dbus-daemon refuses a uid the user database does not know, so
# two of Debian's fixed system accounts (base-passwd: bin 2, sys 3) play
# alice and bob; nothing else of theirs is touched.
readonly ALICE=2 BOB=3
readonly QEMU_TIMEOUT_S=60 DHCP_TIMEOUT_S=40
getent passwd "$ALICE" "$BOB" >/dev/null || { echo "FAIL: no users $ALICE and $BOB" >&2; exit 1; }
vsi_init open_adapter "$1"
CTL=$(readlink -f "$2")
t_start=$(vsi_now_ms)
vsi_topology
vsi_daemon_dirs
echo "AllowGroup=$GROUP_GID" >>"$VSI_CONF"
vsb_start_bus open_adapter open
vsi_start_daemon
E=org.vswitch1.Error
M=/org/vswitch1
OA=org.vswitch1.Manager.OpenAdapter
PROPSET=org.freedesktop.DBus.Properties.Set

as_user() {  # UID [GROUP] CMD...: as UID, with GROUP as its one supplementary group
  local uid=$1 groups=--clear-groups
  shift
  if [ "${1:-}" = in-group ]; then groups=--groups=$GROUP_GID; shift; fi
  setpriv --reuid="$uid" --regid="$uid" "$groups" "$@"
}
send_as() {  # UID in-group|- PATH METHOD ARGS...: gdbus as that user; prints reply or error
  local uid=$1 g=$2
  shift 2
  [ "$g" = in-group ] || g=
  as_user "$uid" $g gdbus call --system --dest org.vswitch1 --object-path "$1" --method "$2" -- "${@:3}" 2>&1 || true
}
taps() { ip -n "$NS_HOST" -o link show type tun 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | tr '\n' ' '; }
ports() { busctl --system call org.vswitch1 $M org.vswitch1.Manager ListPorts; }
# A holder: `vswitchctl qemu` as ALICE with a "QEMU" that keeps the fd.
hold() {  # VM LOG [OPTIONS...]: starts the holder; sets HOLDER (pid of the exec'd sleep)
  # setpriv itself in the background (not a function): $! is the process
  # that execs vswitchctl, then sh, then sleep.
  setpriv --reuid="$ALICE" --regid="$ALICE" --groups="$GROUP_GID" \
    "$CTL" qemu "$1" "${@:3}" -- sh -c 'echo "$@" >&2; exec sleep 300' holder >/dev/null 2>"$2" &
  HOLDER=$!
  vsi_track_pid "$HOLDER"
  for ((i = 0; i < 100; i++)); do grep -q -- '-netdev' "$2" 2>/dev/null && break; sleep 0.05; done
  grep -q -- '-netdev tap,fd=' "$2" || vsi_fail "vswitchctl qemu $1 did not run the holder: $(cat "$2")"
  HOLD_TAP=$(sed -n "s/.* on TAP '\([^']*\)'.*/\1/p" "$2")
}

# --- AccessDenied outside the group ----------------------------------------
out=$(send_as 65534 - $M $OA Default x "" "{}")
[[ $out == *"Error:$E.AccessDenied:"*"uid 65534"* ]] || vsi_fail "OpenAdapter as nobody: $out"
out=$(send_as "$BOB" - $M $OA Default x "" "{}")
[[ $out == *"Error:$E.AccessDenied:"*"group '$GROUP_GID'"* ]] || vsi_fail "OpenAdapter outside the group: $out"
out=$(as_user "$BOB" "$CTL" qemu x -- true 2>&1) && vsi_fail "vswitchctl qemu outside the group ran: $out"
[[ $out == *"only root and members of the group"* ]] || vsi_fail "vswitchctl qemu outside the group: $out"
vsi_assert_eq "TAPs after refused calls" "" "$(taps)"
vsi_pass "OpenAdapter outside AllowGroup=$GROUP_GID -> $E.AccessDenied (gdbus and vswitchctl qemu), no TAP made"
out=$(send_as "$ALICE" in-group $M $OA Nope x "" "{}")
[[ $out == *"Error:$E.NoSuchSwitch:"* ]] || vsi_fail "OpenAdapter on switch Nope: $out"
out=$(send_as "$ALICE" in-group $M $OA Default x "" "{'ifname': <'mine'>}")
[[ $out == *"Error:$E.InvalidArgument:"*"unknown option 'ifname'"* ]] || vsi_fail "OpenAdapter with ifname: $out"
out=$(send_as "$ALICE" in-group $M org.vswitch1.Manager.AttachAdapter Default x "" "{}")
[[ $out == *"Error:$E.AccessDenied:"*"only root"* ]] || vsi_fail "AttachAdapter by a member: $out"
out=$(send_as "$ALICE" in-group $M org.vswitch1.Manager.Teardown)
[[ $out == *"Error:$E.AccessDenied:"*"only root"* ]] || vsi_fail "Teardown by a member: $out"
vsi_pass "OpenAdapter: NoSuchSwitch, InvalidArgument for an option it does not take; a member still may not AttachAdapter or Teardown"

# --- a member's port: non-persistent, its owner, only its own ---------------
hold alice-vm "$VSI_TMP/hold1.log"
tap=$HOLD_TAP
[ -n "$tap" ] || vsi_fail "no TAP name from vswitchctl qemu: $(cat "$VSI_TMP/hold1.log")"
details=$(ip -n "$NS_HOST" -d link show dev "$tap")
vsi_assert_match "$tap is in vswitch0" "master vswitch0" "$details"
vsi_assert_match "$tap is a TAP with a vnet header, not persistent" "tun type tap .*vnet_hdr on persist off" "$details"
vsi_assert_match "ListPorts lists $tap for alice-vm" "\"$tap\" \"Default\" \"alice-vm\"" "$(ports)"
pobj=/org/vswitch1/port/$(python3 -c 'import sys; print("".join(c if c.isalnum() else "_%02x" % ord(c) for c in sys.argv[1]))' "$tap")
vsi_pass "alice's vswitchctl qemu: TAP $tap (vnet_hdr, persist off) plugged into vswitch0"

out=$(send_as "$BOB" in-group $M org.vswitch1.Manager.DetachAdapter "$tap")
[[ $out == *"Error:$E.AccessDenied:"*"uid that opened it ($ALICE)"* ]] || vsi_fail "bob detaching alice's port: $out"
out=$(send_as "$BOB" in-group "$pobj" $PROPSET org.vswitch1.Port Connected "<false>")
[[ $out == *"Error:$E.AccessDenied:"* ]] || vsi_fail "bob disconnecting alice's port: $out"
vsi_link_exists "$tap" || vsi_fail "$tap went after bob's refused calls"
vsi_pass "bob (same group) cannot detach or disconnect alice's $tap -> AccessDenied"
out=$(send_as "$ALICE" in-group "$pobj" $PROPSET org.vswitch1.Port Connected "<false>")
[[ $out != *Error* ]] || vsi_fail "alice disconnecting her port: $out"
vsi_assert_match "carrier of $tap after alice's Connected=false" "NO-CARRIER" "$(ip -n "$NS_HOST" link show dev "$tap")"
out=$(send_as "$ALICE" in-group $M org.vswitch1.Manager.DetachAdapter "$tap")
[[ $out != *Error* ]] || vsi_fail "alice detaching her port: $out"
vsi_link_exists "$tap" && vsi_fail "$tap still exists after alice detached it"
vsi_assert_no_match "ListPorts after alice's detach" "\"$tap\"" "$(ports)"
vsi_kill_pid "$HOLDER"
vsi_pass "alice disconnects and detaches her own $tap"
hold alice-mq "$VSI_TMP/hold-mq.log" --multi-queue
vsi_assert_match "$HOLD_TAP with --multi-queue" "multi_queue" "$(ip -n "$NS_HOST" -d link show dev "$HOLD_TAP")"
vsi_kill_pid "$HOLDER"
for ((i = 0; i < 50; i++)); do vsi_link_exists "$HOLD_TAP" || break; sleep 0.05; done
vsi_pass "vswitchctl qemu --multi-queue: $HOLD_TAP is multi_queue"

# --- the port goes with the last descriptor, kill -9 of the daemon between ---
hold alice-vm2 "$VSI_TMP/hold2.log"
tap=$HOLD_TAP
busctl --system monitor --match "type='signal',member='PortDetached'" >"$VSI_TMP/signals.log" 2>&1 &
mon=$!
vsi_track_pid "$mon"
sleep 0.3
vsi_stop_daemon KILL
vsi_start_daemon
vsi_assert_match "ListPorts after kill -9 and restart" "\"$tap\" \"Default\" \"alice-vm2\"" "$(ports)"
out=$(send_as "$BOB" in-group $M org.vswitch1.Manager.DetachAdapter "$tap")
[[ $out == *"Error:$E.AccessDenied:"*"($ALICE)"* ]] || vsi_fail "bob detaching alice's port after the restart: $out"
vsi_kill_pid "$HOLDER"
for ((i = 0; i < 50; i++)); do vsi_link_exists "$tap" || break; sleep 0.05; done
vsi_link_exists "$tap" && vsi_fail "$tap survived its holder"
for ((i = 0; i < 50; i++)); do [[ $(ports) == *"\"$tap\""* ]] || break; sleep 0.05; done
vsi_assert_no_match "ListPorts after the holder exited" "\"$tap\"" "$(ports)"
for ((i = 0; i < 50; i++)); do grep -q "\"$tap\"" "$VSI_TMP/signals.log" && break; sleep 0.05; done
grep -q "\"$tap\"" "$VSI_TMP/signals.log" || vsi_fail "no PortDetached for $tap: $(cat "$VSI_TMP/signals.log")"
vsi_kill_pid "$mon"
vsi_pass "an opened port survives kill -9 of the daemon (owner $ALICE kept) and goes with its holder: TAP deleted, port forgotten, PortDetached"

# --- 100 callers that exit leave nothing ------------------------------------
t0=$(vsi_now_ms)
fails=0
for ((n = 0; n < 100; n += 10)); do
  pids=()
  for ((k = n; k < n + 10; k++)); do
    as_user "$ALICE" in-group "$CTL" qemu "burst$k" -- true >/dev/null 2>>"$VSI_TMP/burst.log" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
done
t_burst=$(($(vsi_now_ms) - t0))
vsi_assert_eq "vswitchctl qemu ... -- true failures of 100" 0 "$fails"
vsi_assert_eq "'-- true' runs" 100 "$(grep -c "running true" "$VSI_TMP/burst.log")"
for ((i = 0; i < 100; i++)); do
  [ -z "$(taps)" ] && [[ $(ports) != *burst* ]] && break
  sleep 0.05
done
vsi_assert_eq "TAPs after 100 callers exited" "" "$(taps)"
vsi_assert_no_match "ListPorts after 100 callers exited" "burst" "$(ports)"
vsi_pass "100 OpenAdapter calls whose callers exit (10 at a time, ${t_burst} ms): no TAP, no port left"

# --- real QEMU as alice: its iPXE gets a lease through the switch -----------
qdir=$VSI_TMP/qemu
mkdir -p "$qdir"
chown "$ALICE" "$qdir"
serial=$qdir/serial.log
t_qemu=$(vsi_now_ms)
setpriv --reuid="$ALICE" --regid="$ALICE" --groups="$GROUP_GID" timeout -k 5 "$QEMU_TIMEOUT_S" "$CTL" qemu ipxe-vm -- qemu-system-x86_64 \
  -accel tcg -m 64 -nodefaults -no-user-config -display none -machine graphics=off \
  -serial "file:$serial" -boot n </dev/null >"$qdir/qemu.log" 2>&1 &
qpid=$!
vsi_track_pid "$qpid"
for ((i = 0; i < 100; i++)); do grep -q "on TAP" "$qdir/qemu.log" 2>/dev/null && break; sleep 0.05; done
qmac=$(sed -n "s/.*(MAC \([0-9a-f:]*\)).*/\1/p" "$qdir/qemu.log")
qtap=$(sed -n "s/.* on TAP '\([^']*\)'.*/\1/p" "$qdir/qemu.log")
[ -n "$qmac" ] || vsi_fail "vswitchctl qemu printed no MAC: $(cat "$qdir/qemu.log")"
qemu_user=$(ps -o uid= -p "$qpid" | tr -d ' ')
vsi_assert_eq "QEMU's uid" "$ALICE" "$qemu_user"
deadline=$(($(date +%s) + DHCP_TIMEOUT_S))
lease=
while [ -z "$lease" ]; do
  lease=$(busctl --system call org.vswitch1 /org/vswitch1/switch/Default org.vswitch1.Switch ListLeases |
    grep -o "\"$qmac\" \"[0-9.]*\"" || true)
  [ -n "$lease" ] && break
  kill -0 "$qpid" 2>/dev/null || vsi_fail "QEMU exited before its DHCP: $(tail -5 "$qdir/qemu.log"; tail -c 600 "$serial" 2>/dev/null)"
  [ "$(date +%s)" -lt "$deadline" ] || vsi_fail "no lease for $qmac within ${DHCP_TIMEOUT_S}s: $(tail -c 600 "$serial")"
  sleep 0.2
done
t_lease=$(($(vsi_now_ms) - t_qemu))
vsi_pass "QEMU as uid $ALICE on $qtap (vswitchctl qemu, no sudo): its iPXE got the lease $lease in ${t_lease} ms"
vsi_kill_pid "$qpid"
for ((i = 0; i < 100; i++)); do vsi_link_exists "$qtap" || break; sleep 0.05; done
vsi_link_exists "$qtap" && vsi_fail "$qtap survived QEMU"
vsi_pass "QEMU gone: $qtap gone with it ($(( ($(vsi_now_ms) - t_start) / 1000 )) s in all)"

# --- the shipped policy: group vswitch may call OpenAdapter, others not ------
# A second bus under systemd/org.vswitch1.conf, whose dbus-daemon sees a
# group "vswitch" (gid GROUP_GID, member alice) through a copy of
# /etc/group bind-mounted in its own mount namespace; the machine has none.
grep -v '^vswitch:' /etc/group >"$VSI_TMP/group"
echo "vswitch:x:$GROUP_GID:$(getent passwd "$ALICE" | cut -d: -f1)" >>"$VSI_TMP/group"
mkdir -p "$VSI_TMP/bin"
cat >"$VSI_TMP/bin/dbus-daemon" <<WRAP
#!/bin/sh
# unshare and sh exec: the PID vsb_start_bus records is dbus-daemon's.
exec unshare -m --propagation private sh -c 'mount --bind "$VSI_TMP/group" /etc/group && exec $(command -v dbus-daemon) "\$@"' sh "\$@"
WRAP
chmod 755 "$VSI_TMP/bin/dbus-daemon"
vsi_stop_daemon
PATH=$VSI_TMP/bin:$PATH vsb_start_bus policy policy
vsi_start_daemon
out=$(as_user "$ALICE" in-group "$CTL" qemu policy-vm -- true 2>&1) || vsi_fail "vswitchctl qemu under the policy: $out"
[[ $out == *"running true"* ]] || vsi_fail "vswitchctl qemu under the policy: $out"
out=$(send_as "$BOB" - $M $OA Default x "" "{}")
[[ $out == *"Error:org.freedesktop.DBus.Error.AccessDenied:"* ]] || vsi_fail "bob's OpenAdapter under the policy: $out"
vsi_pass "under org.vswitch1.conf: group vswitch may call OpenAdapter, others get org.freedesktop.DBus.Error.AccessDenied from the bus"
