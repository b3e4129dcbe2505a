#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# Reservations (issue 14, item 7): a fixed address for a MAC or a VM name.
#   - a [Reservation] by MAC in vswitchd.conf (host offset 0.0.0.42) gives
#     udhcpc that address of today's subnet;
#   - another client asking for it by name (udhcpc -r) gets another one;
#   - after the owner's DHCPRELEASE (udhcpc -R) a new client asking for it
#     still does not get it, and the owner gets it back;
#   - `vswitchctl reserve` by VM name, for the VM of a port attached with
#     AttachInterface, gives that VM the address at its next DISCOVER;
#   - a reservation acknowledged just before a kill -9 is there after the
#     restart (the file is fsynced before the reply);
#   - AccessDenied for a non-root caller, Exists, NotFound, InvalidArgument;
#   - a renumber (a VPN-style route over the subnet, as renumber.sh) keeps
#     each reservation's host offset in the new block.
# Usage: reservations.sh VSWITCHD VSWITCHCTL
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/dhcp_lib.sh
source "$(dirname "$0")/dhcp_lib.sh"
# shellcheck source=tests/integration/bus_lib.sh
source "$(dirname "$0")/bus_lib.sh"
vsi_require_root
command -v udhcpc >/dev/null || vsi_fail "udhcpc is not installed (contrib/install-deps.sh --test)"
vsi_init reserve "$1"
CTL=$(readlink -f "$2")
SW=/org/vswitch1/switch/Default
NS_VM2=vsi-reserve-$$-vm2
NS_VM3=vsi-reserve-$$-vm3
NS_WEB=vsi-reserve-$$-web
OWNER_MAC=02:00:00:00:00:42
WEB_MAC=02:00:00:00:00:77
vsi_topology
vsi_daemon_dirs
vsb_start_bus reserve open
cat >>"$VSI_CONF" <<CONF
[Reservation]
MACAddress=$OWNER_MAC
Address=0.0.0.42
CONF
vsi_start_daemon
subnet=$(vsi_subnet)
fixed=$(vsi_subnet_host "$subnet" 42)

# --- by MAC, from the configuration ------------------------------------------
vsd_vm "$NS_VM" vm-owner
ip -n "$NS_VM" link set eth0 address "$OWNER_MAC"
vsd_udhcpc "$NS_VM" owner -R -p "$VSI_TMP/owner.pid"
owner_pid=$VSD_PID
vsi_assert_eq "the owner's address" "$fixed" "$VSD_IP"
vsi_pass "[Reservation] MACAddress=$OWNER_MAC Address=0.0.0.42 -> udhcpc bound $fixed of $subnet"

vsd_vm "$NS_VM2" vm-two
vsd_udhcpc "$NS_VM2" two -r "$fixed"
vsi_assert_ne "another client asking for $fixed" "$fixed" "$VSD_IP"
vsi_kill_pid "$VSD_PID"
vsi_pass "another client asking for $fixed (udhcpc -r) got $VSD_IP"

# --- DHCPRELEASE keeps it reserved -------------------------------------------
# -R: udhcpc releases its lease as it exits ($VSD_PID is the subshell
# around it; the pid file names udhcpc itself).
kill -TERM "$(cat "$VSI_TMP/owner.pid")"
wait "$owner_pid" 2>/dev/null || true
for ((i = 0; i < 50; i++)); do
  "$CTL" leases Default | grep -q " $fixed " || break
  sleep 0.1
done
"$CTL" leases Default | grep -q " $fixed " && vsi_fail "the owner's lease is still listed after its DHCPRELEASE"
vsi_assert_match "the RELEASE is logged" "released $fixed for $OWNER_MAC" "$(cat "$VSI_TMP/daemon.err")"
vsd_vm "$NS_VM3" vm-three
vsd_udhcpc "$NS_VM3" three -r "$fixed"
vsi_assert_ne "a new client after the owner's RELEASE" "$fixed" "$VSD_IP"
three=$VSD_IP
vsi_kill_pid "$VSD_PID"
vsd_udhcpc "$NS_VM" owner-again
vsi_assert_eq "the owner after its RELEASE" "$fixed" "$VSD_IP"
vsi_kill_pid "$VSD_PID"
vsi_pass "after the owner's DHCPRELEASE a new client was offered $three, not $fixed; the owner got $fixed back"

# --- by VM name, at runtime ----------------------------------------------------
vsi_ns_add "$NS_WEB"
ip -n "$NS_HOST" link add vm-web type veth peer name eth0 netns "$NS_WEB"
ip -n "$NS_WEB" link set eth0 address "$WEB_MAC"
ip -n "$NS_WEB" link set eth0 up
ip -n "$NS_HOST" link set vm-web up
vsb_send /org/vswitch1 org.vswitch1.Manager.AttachInterface Default vm-web "web server" "$WEB_MAC" >/dev/null
vsi_link_exists vm-web && ip -n "$NS_HOST" -o link show dev vm-web | grep -q "master vswitch0" ||
  vsi_fail "AttachInterface did not plug vm-web into vswitch0"
vsd_udhcpc "$NS_WEB" web-before
before=$VSD_IP
vsi_kill_pid "$VSD_PID"
web=$(vsi_subnet_host "$subnet" 77)
[ "$before" != "$web" ] || vsi_fail "the VM had $web before it was reserved: pick another offset"
out=$("$CTL" reserve Default "web server" 0.0.0.77)
vsi_assert_eq "vswitchctl reserve prints today's address" "$web" "$out"
vsd_udhcpc "$NS_WEB" web-after -r "$before"
vsi_assert_eq "the VM's address at its next DISCOVER" "$web" "$VSD_IP"
web_pid=$VSD_PID
vsi_pass "vswitchctl reserve Default 'web server' 0.0.0.77 -> the VM moved from $before to $web at its next DISCOVER"

# --- the API's refusals --------------------------------------------------------
vsb_expect_error "AddReservation as uid $VSB_NOBODY" org.vswitch1.Error.AccessDenied "only root" \
  --as "$VSB_NOBODY" "$SW" org.vswitch1.Switch.AddReservation "other" "0.0.0.90"
vsb_expect_error "AddReservation of a reserved address" org.vswitch1.Error.Exists "host offset 77" \
  "$SW" org.vswitch1.Switch.AddReservation "other" "$web"
vsb_expect_error "AddReservation outside the subnet" org.vswitch1.Error.InvalidArgument "0.0.0.42" \
  "$SW" org.vswitch1.Switch.AddReservation "other" "192.0.2.9"
vsb_expect_error "RemoveReservation of nothing" org.vswitch1.Error.NotFound "no such reservation" \
  "$SW" org.vswitch1.Switch.RemoveReservation "nobody"
vsb_expect_error "RemoveReservation of a configured one" org.vswitch1.Error.InvalidArgument "vswitchd.conf" \
  "$SW" org.vswitch1.Switch.RemoveReservation "$OWNER_MAC"
vsb_expect_error "RemoveReservation as uid $VSB_NOBODY" org.vswitch1.Error.AccessDenied "only root" \
  --as "$VSB_NOBODY" "$SW" org.vswitch1.Switch.RemoveReservation "web server"

# --- kill -9 right after the reply ---------------------------------------------
late=$(vsi_subnet_host "$subnet" 88)
t0=$(vsi_now_ms)
"$CTL" reserve Default 02:00:00:00:00:88 "$late" >/dev/null
t_reserve=$(($(vsi_now_ms) - t0))
"$CTL" reserve Default short-lived 0.0.0.89 >/dev/null
"$CTL" unreserve Default short-lived
vsi_stop_daemon KILL
vsi_start_daemon
json=$("$CTL" reservations --json)
want='[{"address":"'$fixed'","key":"'$OWNER_MAC'","origin":"config","switch":"Default"},{"address":"'$web'","key":"web server","origin":"runtime","switch":"Default"},{"address":"'$late'","key":"02:00:00:00:00:88","origin":"runtime","switch":"Default"}]'
got=$("$PYTHON" -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True, separators=(",",":")))' <<<"$json")
vsi_assert_eq "reservations after kill -9 and restart" "$want" "$got"
vsi_assert_match "the text table" "3 reservation\(s\) listed" "$("$CTL" reservations Default)"
vsi_pass "a reservation acknowledged right before kill -9 (vswitchctl reserve: $t_reserve ms, fsync included) is there after the restart; the removed one is gone"

# --- a renumber keeps the host offset ------------------------------------------
vsi_kill_pid "$web_pid"
vpn=$(vsi_int2ip $(($(vsi_ip2int "${subnet%/*}") & 0xffff0000)))/16
ip -n "$NS_HOST" route add "$vpn" dev uplink table 100
for ((i = 0; i < 300; i++)); do
  new=$(vsi_subnet)
  [ -n "$new" ] && [ "$new" != "$subnet" ] && break
  sleep 0.01
done
[ "$new" != "$subnet" ] || vsi_fail "vswitch0 still serves $subnet 3 s after route $vpn table 100"
moved=$(vsi_subnet_host "$new" 77)
vsd_udhcpc "$NS_WEB" web-moved
vsi_assert_eq "the VM's address after the renumber" "$moved" "$VSD_IP"
vsi_assert_match "ListReservations follows" "'web server', '$moved', 'runtime'" "$(vsb_send "$SW" org.vswitch1.Switch.ListReservations)"
vsi_pass "renumbered $subnet -> $new: the reservation of 'web server' is $moved (offset 77 kept)"
