#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# contrib/libvirt/qemu.d/vswitch fed exactly what libvirt 9.0 hands it (the
# arguments and domain XML captured from a real libvirtd, kept in
# tests/integration/libvirt/) against the real vswitchd on a private bus:
#   started    vnet0 (network 'vswitch') and vnet1 (bridge vswitch0) become
#              ports with the VM's name and MACs; vnet2 on another bridge
#              is left alone; the VM's name resolves through the switch DNS
#   reconnect  changes nothing (same ports)
#   release    detaches the ports by MAC (vnet0 already deleted, as libvirt
#              does before release); the TAP vnet1 the daemon did not make
#              is only unplugged, never deleted
#   stale      a vnetN record a missed release left is replaced
#   robust     prepare/stopped, garbage XML, no arguments, and the daemon
#              not running: exit 0, nothing on stdout, fast
# Usage: libvirt_hooks.sh VSWITCHD
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/bus_lib.sh
source "$(dirname "$0")/bus_lib.sh"
# shellcheck source=tests/integration/dhcp_lib.sh
source "$(dirname "$0")/dhcp_lib.sh"
vsi_require_root
for c in dig udhcpc dbus-daemon busctl /usr/bin/python3; do
  command -v "$c" >/dev/null || { echo "$c missing: skipping" >&2; exit 77; }
done
HOOK=$VSB_SRC_DIR/contrib/libvirt/qemu.d/vswitch
DATA=$VSI_LIB_DIR/libvirt
# What one hook call may take while libvirt waits: Python plus a few busctl
# calls, some 100 ms on an idle machine; generous for a loaded CI box.
readonly HOOK_BUDGET_MS=5000
# With the daemon gone it must not sit out a D-Bus timeout (2 s a call).
readonly HOOK_DOWN_BUDGET_MS=3000
readonly VM=guest1 MAC0=52:54:00:aa:bb:01 MAC1=52:54:00:aa:bb:02

vsi_init libvirt_hooks "$1"
vsi_topology
vsi_daemon_dirs
vsb_start_bus hooks policy
vsi_start_daemon
subnet=$(vsi_subnet)
gw=$(vsi_subnet_host "$subnet" 1)

# What libvirt built before it ran `started`: vnet0 carries the guest (a
# veth whose peer in the VM namespace has the guest's MAC, so a real DHCP
# client can stand in for it), vnet1 is a TAP in vswitch0, vnet2 a TAP in
# a bridge that is not a switch. All named and plugged as in the capture.
vsi_ns_add "$NS_VM"
ip -n "$NS_HOST" link add vnet0 type veth peer name eth0 netns "$NS_VM"
ip -n "$NS_VM" link set eth0 address "$MAC0" up
ip -n "$NS_HOST" link add other0 type bridge
ip -n "$NS_HOST" link set other0 up
ip -n "$NS_HOST" tuntap add dev vnet1 mode tap
ip -n "$NS_HOST" tuntap add dev vnet2 mode tap
for l in vnet0:vswitch0 vnet1:vswitch0 vnet2:other0; do
  ip -n "$NS_HOST" link set "${l%%:*}" master "${l#*:}" up
done

# run_hook ARGS... < XML: runs the hook as libvirt does (its environment:
# LC_ALL, PATH, HOME; plus the private bus) in the host namespace. Sets
# HOOK_RC, HOOK_OUT (stdout), HOOK_ERR (stderr) and HOOK_MS.
run_hook() {
  local t0 t1
  t0=$(date +%s%N)
  HOOK_RC=0
  env -i LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" \
    ip netns exec "$NS_HOST" "$HOOK" "$@" >"$VSI_TMP/hook.out" 2>"$VSI_TMP/hook.err" || HOOK_RC=$?
  t1=$(date +%s%N)
  HOOK_MS=$(((t1 - t0) / 1000000))
  HOOK_OUT=$(cat "$VSI_TMP/hook.out")
  HOOK_ERR=$(cat "$VSI_TMP/hook.err")
  echo "=== hook $* (${HOOK_MS} ms, rc $HOOK_RC): $HOOK_ERR" >>"$VSI_TMP/daemon.err"
}

# expect_hook_ok WHAT BUDGET_MS: exit 0, silent stdout, within the budget.
expect_hook_ok() {
  vsi_assert_eq "$1: exit status (stderr: $HOOK_ERR)" 0 "$HOOK_RC"
  vsi_assert_eq "$1: stdout (libvirt reads it as XML for migrate/restore)" "" "$HOOK_OUT"
  [ "$HOOK_MS" -le "$2" ] || vsi_fail "$1: took ${HOOK_MS} ms, budget $2 ms"
}

ports() { # "ifname switch vm mac" per port, sorted
  busctl --system --json=short call org.vswitch1 /org/vswitch1 org.vswitch1.Manager ListPorts |
    "$PYTHON" -c 'import json,sys
for p in json.load(sys.stdin)["data"][0]: print(" ".join(p[:4]))' | sort
}
master_of() { ip -n "$NS_HOST" -o link show dev "$1" | grep -o 'master [^ ]*' || echo "no master"; }

# --- started: the ports get the VM's name and MAC ------------------------------
run_hook "$VM" started begin - <"$DATA/qemu-started.xml"
expect_hook_ok "started" "$HOOK_BUDGET_MS"
vsi_assert_eq "ports after started" "vnet0 Default $VM $MAC0
vnet1 Default $VM $MAC1" "$(ports)"
vsi_assert_eq "vnet2 stays in its own bridge" "master other0" "$(master_of vnet2)"
vsi_pass "started: vnet0 and vnet1 attached as VM $VM with MACs $MAC0 $MAC1, vnet2 on other0 ignored (${HOOK_MS} ms)"

# --- the VM's name resolves through the switch's DNS ----------------------------
vsd_udhcpc "$NS_VM" udhcpc
ip=$VSD_IP
vsi_assert_eq "A of $VM.vswitch.internal" "$ip" \
  "$(ip netns exec "$NS_VM" dig +time=6 +tries=1 "@$gw" +short "$VM.vswitch.internal" A)"
vsi_pass "the guest's lease $ip resolves as $VM.vswitch.internal"

# --- reconnect (libvirtd restarted with the VM running): idempotent -------------
run_hook "$VM" reconnect begin - <"$DATA/qemu-reconnect.xml"
expect_hook_ok "reconnect" "$HOOK_BUDGET_MS"
vsi_assert_eq "ports after reconnect" "vnet0 Default $VM $MAC0
vnet1 Default $VM $MAC1" "$(ports)"
vsi_pass "reconnect keeps the same ports (${HOOK_MS} ms)"

# --- operations the hook leaves alone -------------------------------------------
for op in "prepare begin -:qemu-prepare.xml" "start begin -:qemu-prepare.xml" "stopped end -:qemu-stopped.xml"; do
  # shellcheck disable=SC2086  # the operation's words are the arguments
  run_hook "$VM" ${op%%:*} <"$DATA/${op#*:}"
  expect_hook_ok "${op%% *}" "$HOOK_BUDGET_MS"
done
vsi_assert_eq "ports after prepare/start/stopped" "vnet0 Default $VM $MAC0
vnet1 Default $VM $MAC1" "$(ports)"
vsi_pass "prepare, start and stopped change nothing"

# --- release: by MAC, after libvirt deleted vnet0; vnet1 only unplugged ----------
ip -n "$NS_HOST" link del vnet0
run_hook "$VM" release end - <"$DATA/qemu-release.xml"
expect_hook_ok "release" "$HOOK_BUDGET_MS"
vsi_assert_eq "ports after release" "" "$(ports)"
vsi_link_exists vnet1 || vsi_fail "release deleted libvirt's TAP vnet1"
vsi_assert_eq "vnet1 after release" "no master" "$(master_of vnet1)"
vsi_assert_eq "vnet2 after release" "master other0" "$(master_of vnet2)"
vsi_pass "release detached both ports by MAC; libvirt's TAP vnet1 unplugged, not deleted (${HOOK_MS} ms)"

# --- a record a missed release left behind is replaced ---------------------------
ip -n "$NS_HOST" link set vnet1 master vswitch0
busctl --system call org.vswitch1 /org/vswitch1 org.vswitch1.Manager AttachInterface ssss \
  Default vnet1 oldvm 52:54:00:00:00:99 >/dev/null
run_hook "$VM" started begin - <"$DATA/qemu-started.xml"
expect_hook_ok "started over a stale port" "$HOOK_BUDGET_MS"
vsi_assert_eq "ports after started over a stale vnet1" "vnet1 Default $VM $MAC1" "$(ports)"
vsi_assert_match "the hook says what it replaced" "stale port of VM 'oldvm'" "$HOOK_ERR"
vsi_pass "a stale vnet1 of VM oldvm is detached and vnet1 attached as $VM"

# --- a VM name starting with "-" is an argument, not a busctl option -------------
sed "s|<name>$VM</name>|<name>-$VM</name>|" "$DATA/qemu-started.xml" >"$VSI_TMP/dash.xml"
run_hook "-$VM" started begin - <"$VSI_TMP/dash.xml"
expect_hook_ok "started of VM -$VM" "$HOOK_BUDGET_MS"
vsi_assert_eq "ports after started of VM -$VM" "vnet1 Default -$VM $MAC1" "$(ports)"
vsi_pass "VM name -$VM reaches the daemon as a name"

# --- bad input: still exit 0 -----------------------------------------------------
run_hook "$VM" started begin - <<<'<domain><name>x</name><devices><interface'
expect_hook_ok "truncated XML" "$HOOK_BUDGET_MS"
vsi_assert_match "truncated XML is logged" "cannot read the domain XML" "$HOOK_ERR"
run_hook </dev/null
expect_hook_ok "no arguments" "$HOOK_BUDGET_MS"
vsi_pass "truncated XML and no arguments: logged, exit 0"

# --- the daemon not running: exit 0 at once, with a log line ---------------------
vsi_stop_daemon
run_hook "$VM" started begin - <"$DATA/qemu-started.xml"
expect_hook_ok "started without the daemon" "$HOOK_DOWN_BUDGET_MS"
vsi_assert_match "started without the daemon is logged" "vswitchd is not reachable" "$HOOK_ERR"
down_started=$HOOK_MS
run_hook "$VM" release end - <"$DATA/qemu-release.xml"
expect_hook_ok "release without the daemon" "$HOOK_DOWN_BUDGET_MS"
vsi_assert_match "release without the daemon is logged" "vswitchd is not reachable" "$HOOK_ERR"
down_release=$HOOK_MS
vsb_stop_bus
run_hook "$VM" started begin - <"$DATA/qemu-started.xml"
expect_hook_ok "started without a bus" "$HOOK_DOWN_BUDGET_MS"
vsi_pass "daemon down: started ${down_started} ms, release ${down_release} ms, exit 0 with a log line; no bus at all: exit 0 (${HOOK_MS} ms)"
