#!/bin/bash
# org.vswitch1 end to end: the real vswitchd in a namespace, on a private
# dbus-daemon that reads the project's policy file. Every method through
# busctl and vswitchctl, introspection, named errors for bad input, TAP
# ownership, non-root callers, Connected=false, signals, 500 attach/detach
# cycles without leaks, a restart that keeps the ports, and Teardown.
# Usage: bus_api.sh VSWITCHD VSWITCHCTL
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bus_lib.sh"
vsi_require_root
vsi_init bus "$1"
CTL=$(readlink -f "$2")
M=/org/vswitch1
A=org.vswitch1.Manager.AttachAdapter
PROPSET=org.freedesktop.DBus.Properties.Set
MGR="busctl --system call org.vswitch1 /org/vswitch1 org.vswitch1.Manager"
NOBODY=(setpriv --reuid="$VSB_NOBODY" --regid="$VSB_NOBODY" --clear-groups)
CYCLES=${VSB_CYCLES:-500}

vsi_ns_add "$NS_HOST"
vsi_daemon_dirs
vsb_start_bus policy policy
vsi_start_daemon

# --- introspection: every member of every interface --------------------------
intro=$(busctl --system introspect org.vswitch1 /org/vswitch1)
for m in ListSwitches ListPorts AttachAdapter AttachInterface DetachAdapter Teardown \
  PortAttached PortDetached LeaseChanged org.freedesktop.DBus.ObjectManager; do
  [[ $intro == *"$m"* ]] || vsi_fail "introspection of /org/vswitch1 lacks $m"
done
sw_intro=$(busctl --system introspect org.vswitch1 /org/vswitch1/switch/Default)
for m in Name Type Bridge Subnet Gateway Domain Ports ListLeases; do
  [[ $sw_intro == *".$m "* ]] || vsi_fail "introspection of the Default switch lacks $m"
done
vsi_pass "introspection lists every member"

# --- switches ----------------------------------------------------------------
vsi_assert_eq "ListSwitches" 'a(so) 1 "Default" "/org/vswitch1/switch/Default"' "$($MGR ListSwitches)"
vsi_assert_eq "Switch.Bridge" 's "vswitch0"' \
  "$(busctl --system get-property org.vswitch1 /org/vswitch1/switch/Default org.vswitch1.Switch Bridge)"
subnet=$(busctl --system get-property org.vswitch1 /org/vswitch1/switch/Default org.vswitch1.Switch Subnet)
vsi_assert_eq "Switch.Subnet is the bridge's" "s \"$(vsi_subnet)\"" "$subnet"
vsi_assert_eq "ListLeases (no DHCP yet)" "a(ssst) 0" \
  "$(busctl --system call org.vswitch1 /org/vswitch1/switch/Default org.vswitch1.Switch ListLeases)"
vsi_pass "switch properties"

# --- signals: a monitor started before the changes ----------------------------
busctl --system monitor org.vswitch1 >"$VSI_TMP/monitor.log" 2>&1 &
vsi_track_pid $!
sleep 0.5

# --- AttachAdapter through busctl, owner nobody ------------------------------
out=$($MGR AttachAdapter 'sssa{sv}' Default web "" 2 owner u "$VSB_NOBODY" ifname s tap-web)
vsi_assert_eq "AttachAdapter reply" 'so "tap-web" "/org/vswitch1/port/tap_2dweb"' "$out"
vsi_assert_match "tap-web in vswitch0" "master vswitch0" "$(ip -n "$NS_HOST" -d link show tap-web)"
vsi_assert_match "tap-web is a TAP with vnet_hdr" "tun type tap .*vnet_hdr on" "$(ip -n "$NS_HOST" -d link show tap-web)"
mac=$(busctl --system get-property org.vswitch1 /org/vswitch1/port/tap_2dweb org.vswitch1.Port MAC)
vsi_assert_match "stable QEMU-style MAC" '^s "52:54:00:' "$mac"
again=$($MGR AttachAdapter 'sssa{sv}' Default web "${mac:3:17}" 1 ifname s tap-web)
vsi_assert_eq "same VM and MAC: same port" "$out" "$again"
vsi_assert_eq "TAP owner can open it" ok "$(vsb_open_tap_as "$VSB_NOBODY" tap-web)"
vsi_assert_eq "another uid cannot" EPERM "$(vsb_open_tap_as 65533 tap-web)"
vsi_pass "AttachAdapter makes an owned, persistent TAP in the bridge"

# --- AttachInterface of a veth whose peer plays the VM -----------------------
vsi_ns_add "$NS_VM"
ip -n "$NS_HOST" link add vm-db type veth peer name eth0 netns "$NS_VM"
ip -n "$NS_VM" link set eth0 up
vsi_assert_eq "AttachInterface" 'o "/org/vswitch1/port/vm_2ddb"' \
  "$($MGR AttachInterface ssss Default vm-db db 52:54:00:00:0d:b0)"
vsi_assert_match "vm-db in vswitch0" "master vswitch0" "$(ip -n "$NS_HOST" link show vm-db)"
carrier() { ip netns exec "$NS_VM" cat /sys/class/net/eth0/carrier; }
vsi_assert_eq "VM carrier while connected" 1 "$(carrier)"
busctl --system set-property org.vswitch1 /org/vswitch1/port/vm_2ddb org.vswitch1.Port Connected b false
vsi_assert_eq "VM sees no carrier after Connected=false" 0 "$(carrier)"
vsi_assert_eq "Connected reads back" "b false" \
  "$(busctl --system get-property org.vswitch1 /org/vswitch1/port/vm_2ddb org.vswitch1.Port Connected)"
"$CTL" connect vm-db
vsi_assert_eq "vswitchctl connect gives the carrier back" 1 "$(carrier)"
vsi_pass "Connected=false pulls the cable, connect puts it back"

# --- vswitchctl ----------------------------------------------------------------
tap=$("$CTL" attach ctlvm --mac 52:54:00:12:34:56 --owner nobody)
vsi_assert_match "vswitchctl attach prints the TAP" '^vstap[0-9]+$' "$tap"
list=$("$CTL" list)
for want in "tap-web" "vm-db" "$tap.*ctlvm.*52:54:00:12:34:56"; do
  vsi_assert_match "vswitchctl list" "$want" "$list"
done
status=$("$CTL" status)
vsi_assert_match "vswitchctl status" "Subnet: ${subnet:3:-1}" "$status"
vsi_assert_match "vswitchctl status --json" '"ports":\[\{"interface":"tap-web"' "$("$CTL" status --json)"
vsi_assert_match "vswitchctl list --json" '"interface":"vm-db".*"connected":true' "$("$CTL" list --json)"
vsi_assert_match "vswitchctl leases" "0 lease" "$("$CTL" leases)"
vsi_assert_eq "vswitchctl leases --json" "[]" "$("$CTL" leases --json)"
"$CTL" disconnect "$tap"
vsi_assert_match "vswitchctl disconnect" "$tap .*disconnected" "$("$CTL" list)"
"$CTL" detach "$tap"
vsi_link_exists "$tap" && vsi_fail "vswitchctl detach left $tap behind"
rc=0; err=$("$CTL" detach "$tap" 2>&1) || rc=$?
vsi_assert_eq "vswitchctl detach of a gone port: exit" 1 "$rc"
vsi_assert_eq "vswitchctl prints the daemon's message" "vswitchctl: no port '$tap'" "$err"
rc=0; "$CTL" attach >/dev/null 2>&1 || rc=$?
vsi_assert_eq "vswitchctl usage error exit" 2 "$rc"
vsi_pass "vswitchctl attach/list/status/leases/connect/disconnect/detach"

# --- bad input: named errors that name the value ------------------------------
E=org.vswitch1.Error
vsb_expect_error "bad MAC" $E.InvalidArgument "'52:54:zz'" $M $A Default x 52:54:zz "{}"
vsb_expect_error "multicast MAC" $E.InvalidArgument "01:00:5e:00:00:01" $M $A Default x 01:00:5e:00:00:01 "{}"
vsb_expect_error "unknown switch" $E.NoSuchSwitch "'Nope'" $M $A Nope x "" "{}"
vsb_expect_error "ifname over 15 bytes" $E.InvalidArgument "'sixteen-bytes-xx'" $M $A Default x "" \
  "{'ifname': <'sixteen-bytes-xx'>}"
vsb_expect_error "ifname with /" $E.InvalidArgument "'a/b'" $M $A Default x "" "{'ifname': <'a/b'>}"
vsb_expect_error "non-ASCII ifname" $E.InvalidArgument "not printable ASCII" $M $A Default x "" "{'ifname': <'tap-ü'>}"
vsb_expect_error "duplicate name" $E.Exists "'tap-web'" $M $A Default other "" "{'ifname': <'tap-web'>}"
vsb_expect_error "name of a foreign interface" $E.Exists "'vswitch0'" $M $A Default other "" \
  "{'ifname': <'vswitch0'>}"
vsb_expect_error "unknown option key" $E.InvalidArgument "'colour'" $M $A Default x "" "{'colour': <'red'>}"
vsb_expect_error "option of the wrong type" $E.InvalidArgument "'owner'" $M $A Default x "" "{'owner': <'root'>}"
vsb_expect_error "MTU out of range" $E.InvalidArgument "MTU 10" $M $A Default x "" "{'mtu': <uint32 10>}"
vsb_expect_error "empty VM name" $E.InvalidArgument "VM name" $M $A Default "" "" "{}"
vsb_expect_error "MAC of another VM" $E.Exists "52:54:00:00:0d:b0" $M $A Default x 52:54:00:00:0d:b0 "{}"
vsb_expect_error "detaching a foreign interface" $E.NoSuchPort "'lo'" $M org.vswitch1.Manager.DetachAdapter lo
vsb_expect_error "attaching a missing interface" $E.NoSuchPort "'nothere0'" \
  $M org.vswitch1.Manager.AttachInterface Default nothere0 "" ""
vsb_expect_error "attaching the bridge itself" $E.InvalidArgument "'vswitch0'" \
  $M org.vswitch1.Manager.AttachInterface Default vswitch0 "" ""
huge=$(python3 -c "print('{' + ', '.join([\"'mtu': <uint32 1500>\"] * 5000) + '}')")
vsb_expect_error "huge option dictionary" $E.InvalidArgument "more than 16 options" $M $A Default x "" "$huge"
vsi_assert_eq "refused calls left no interface" "lo tap-web vm-db vswitch0" \
  "$(ip -n "$NS_HOST" -o link show | awk -F': ' '{sub(/@.*/,"",$2); print $2}' | sort | tr '\n' ' ' | sed 's/ $//')"

# --- non-root callers: reading open, changes refused ---------------------------
vsi_assert_match "nobody can list ports" "tap-web" "$("${NOBODY[@]}" "$CTL" list)"
vsi_assert_match "nobody can read properties" '"52:54:00' \
  "$("${NOBODY[@]}" busctl --system get-property org.vswitch1 /org/vswitch1/port/tap_2dweb org.vswitch1.Port MAC)"
vsb_expect_error "nobody attaching (bus policy)" org.freedesktop.DBus.Error.AccessDenied "AttachAdapter" \
  --as "$VSB_NOBODY" $M $A Default x "" "{}"
vsb_expect_error "nobody detaching (bus policy)" org.freedesktop.DBus.Error.AccessDenied "DetachAdapter" \
  --as "$VSB_NOBODY" $M org.vswitch1.Manager.DetachAdapter tap-web
vsb_expect_error "nobody writing Connected (bus policy)" org.freedesktop.DBus.Error.AccessDenied "Set" \
  --as "$VSB_NOBODY" /org/vswitch1/port/tap_2dweb $PROPSET org.vswitch1.Port Connected "<false>"

# --- callers that vanish mid-call: no crash, no half-made port ----------------
# Ten busctl are killed 10..90 ms after they start (before, during or after
# their AttachAdapter); ten more send it and leave at once without waiting
# for the reply. Whatever the daemon did must be whole: every port complete
# (its TAP in the bridge) and every TAP a port.
for ((i = 0; i < 10; i++)); do
  timeout -s KILL "0.0$((i % 9 + 1))" busctl --system call org.vswitch1 /org/vswitch1 \
    org.vswitch1.Manager AttachAdapter 'sssa{sv}' Default "gone$i" "" 0 >/dev/null 2>&1 || true
done
for ((i = 10; i < 20; i++)); do
  busctl --system --expect-reply=no call org.vswitch1 /org/vswitch1 \
    org.vswitch1.Manager AttachAdapter 'sssa{sv}' Default "gone$i" "" 0 >/dev/null 2>&1 || true
done
$MGR ListPorts >/dev/null || vsi_fail "the daemon stopped answering after callers vanished mid-call"
# TAPs first, then ports: a handler makes the TAP and records the port in
# one go, so every TAP listed here is a port by the time ListPorts runs.
taps=$(ip -n "$NS_HOST" -o link show | awk -F': ' '{sub(/@.*/,"",$2); print $2}' | grep '^vstap' || true)
ports=$($MGR ListPorts)
for tap in $taps; do
  [[ $ports == *"\"$tap\""* ]] || vsi_fail "TAP $tap is no port: half made by a vanished caller"
  [ "$(ip -n "$NS_HOST" -o link show dev "$tap" | grep -o 'master [^ ]*')" = "master vswitch0" ] ||
    vsi_fail "port $tap is not in the bridge"
done
made=$(grep -o '"gone[0-9]*"' <<<"$ports" | wc -l)
for ((i = 0; i < 20; i++)); do
  tap=$(python3 -c 'import sys,re; m=re.search(r"\"(\S+)\" \"Default\" \"gone%s\"" % sys.argv[1], sys.argv[2]); print(m.group(1) if m else "")' "$i" "$ports")
  [ -z "$tap" ] || $MGR DetachAdapter s "$tap" >/dev/null
done
vsi_pass "20 callers gone mid-AttachAdapter: daemon alive, $made complete ports, nothing half made"

# --- a port deleted behind the daemon's back ------------------------------------
# Someone else's interface (a veth here) is forgotten; a TAP of the daemon's
# would be made again instead (bridge_heal.sh).
ip -n "$NS_HOST" link add vanish0 type veth peer name vanish0-p
$MGR AttachInterface ssss Default vanish0 vanisher "" >/dev/null
ip -n "$NS_HOST" link del vanish0
for ((i = 0; i < 50; i++)); do $MGR ListPorts | grep -q vanish0 || break; sleep 0.1; done
$MGR ListPorts | grep -q vanish0 && vsi_fail "ListPorts still lists vanish0 after ip link del"
busctl --system introspect org.vswitch1 /org/vswitch1/port/vanish0 >/dev/null 2>&1 &&
  vsi_fail "the object of vanish0 outlived its interface"
sleep 0.3
awk '/Member=PortDetached/ {n = 12} n > 0 && /STRING "vanish0"/ {found = 1} {n--} END {exit !found}' \
  "$VSI_TMP/monitor.log" || vsi_fail "no PortDetached for vanish0"
vsi_pass "ip link del of a port: gone from ListPorts and the bus, PortDetached emitted"

# --- signals seen by busctl monitor ---------------------------------------------
sleep 0.3
mon=$(cat "$VSI_TMP/monitor.log")
for sig in "Member=PortAttached" "Member=PortDetached" "Member=InterfacesAdded" "Member=PropertiesChanged"; do
  [[ $mon == *"$sig"* ]] || vsi_fail "busctl monitor did not see $sig"
done
vsi_pass "busctl monitor sees PortAttached, PortDetached, InterfacesAdded, PropertiesChanged"

# --- 500 attach + detach cycles: nothing left, no fd leaked ---------------------
fds() { ls "/proc/$VSI_DAEMON_PID/fd" | wc -l; }
fd_before=$(fds)
python3 - "$CYCLES" <<'PY' || vsi_fail "attach/detach cycles failed"
import subprocess, sys
n = int(sys.argv[1])
# One busctl per call, each a fresh client: a client that goes away after its
# call must leave nothing behind in the daemon either.
for i in range(n):
    out = subprocess.run(["busctl", "--system", "call", "org.vswitch1", "/org/vswitch1",
                          "org.vswitch1.Manager", "AttachAdapter", "sssa{sv}", "Default",
                          f"cycle{i}", "", "0"], capture_output=True, text=True, check=True).stdout
    ifname = out.split('"')[1]
    subprocess.run(["busctl", "--system", "call", "org.vswitch1", "/org/vswitch1",
                    "org.vswitch1.Manager", "DetachAdapter", "s", ifname], check=True)
PY
vsi_assert_eq "fds after $CYCLES cycles" "$fd_before" "$(fds)"
# DetachAdapter returns with the TAP out of the bridge; the kernel's
# deletion follows off the call path, within moments.
for ((i = 0; i < 100; i++)); do
  left=$(ip -n "$NS_HOST" -o link show | grep -c vstap || true)
  [ "$left" = 0 ] && break
  sleep 0.05
done
vsi_assert_eq "TAPs left 5 s after $CYCLES cycles" 0 "$left"
# The same explicit name again at once: the call either waits for nothing
# (already deleted) or says the name is still being deleted, never plugs
# the dying TAP.
busctl --system call org.vswitch1 /org/vswitch1 org.vswitch1.Manager AttachAdapter 'sssa{sv}' Default same "" 1 \
  ifname s vsame0 >/dev/null
busctl --system call org.vswitch1 /org/vswitch1 org.vswitch1.Manager DetachAdapter s vsame0
exists=0
for ((i = 0; i < 200; i++)); do
  if out=$(busctl --system call org.vswitch1 /org/vswitch1 org.vswitch1.Manager AttachAdapter 'sssa{sv}' Default same "" 1 \
    ifname s vsame0 2>&1); then
    break
  fi
  [[ $out == *"still being deleted"* ]] || vsi_fail "re-attaching vsame0 at once: $out"
  exists=$((exists + 1))
  sleep 0.01
done
[[ $out == *'"vsame0"'* ]] || vsi_fail "vsame0 was not attached again: $out"
vsi_assert_eq "vsame0's master" vswitch0 "$(ip -n "$NS_HOST" -o link show dev vsame0 | sed -n 's/.* master \([^ ]*\).*/\1/p')"
busctl --system call org.vswitch1 /org/vswitch1 org.vswitch1.Manager DetachAdapter s vsame0
vsi_pass "$CYCLES attach/detach cycles leave no interface and no fd; an immediate re-attach of a detached name was told Exists $exists time(s), then plugged"

# --- restart on a bus where only the daemon's own check guards changes ---------
vsi_stop_daemon
vsb_stop_bus
vsb_start_bus open open
vsi_start_daemon
vsi_assert_match "ports survive a restart" "tap-web.*vm-db" "$($MGR ListPorts | tr '\n' ' ')"
vsi_assert_eq "port object after restart" 's "web"' \
  "$(busctl --system get-property org.vswitch1 /org/vswitch1/port/tap_2dweb org.vswitch1.Port VM)"
vsi_assert_match "still in the bridge" "master vswitch0" "$(ip -n "$NS_HOST" link show tap-web)"
vsi_assert_eq "owner survives" ok "$(vsb_open_tap_as "$VSB_NOBODY" tap-web)"
vsi_pass "a restart keeps the ports and their objects"
vsb_expect_error "nobody attaching (daemon check)" $E.AccessDenied "uid $VSB_NOBODY" \
  --as "$VSB_NOBODY" $M $A Default x "" "{}"
vsb_expect_error "nobody detaching (daemon check)" $E.AccessDenied "only root" \
  --as "$VSB_NOBODY" $M org.vswitch1.Manager.DetachAdapter tap-web
vsb_expect_error "nobody writing Connected (daemon check)" $E.AccessDenied "only root" \
  --as "$VSB_NOBODY" /org/vswitch1/port/tap_2dweb $PROPSET org.vswitch1.Port Connected "<false>"
vsb_expect_error "nobody tearing down (daemon check)" $E.AccessDenied "only root" \
  --as "$VSB_NOBODY" $M org.vswitch1.Manager.Teardown
vsi_link_exists tap-web || vsi_fail "a refused detach removed tap-web"

# --- Teardown ------------------------------------------------------------------
"$CTL" teardown
vsi_link_exists tap-web && vsi_fail "Teardown left tap-web"
vsi_link_exists vswitch0 && vsi_fail "Teardown left vswitch0"
vsi_link_exists vm-db || vsi_fail "Teardown deleted the foreign vm-db instead of unplugging it"
vsi_assert_eq "no switches after Teardown" "a(so) 0" "$($MGR ListSwitches)"
vsi_pass "Teardown removes ports, switch and table; foreign interfaces are only unplugged"
