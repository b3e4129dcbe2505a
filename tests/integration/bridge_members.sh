#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# Every member of a switch's bridge is a port (issue 14): a veth put into
# vswitch0 before the daemon starts is found at start; one put in with `ip
# link set ... master` while it runs is a port of origin "bridge" on the bus
# and in vswitchctl within a second, shows its guest's MAC and DHCP host
# name; a renumber pulses it, so its guest (dhcpcd, which watches the
# carrier) is in the new subnet within seconds rather than at its renewal
# (60 s with a 120 s lease); AttachInterface names an adopted member; a
# member is re-plugged after the bridge is deleted and re-created;
# `vswitchctl detach` unplugs it and the interface stays.
# Usage: bridge_members.sh VSWITCHD VSWITCHCTL
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/bus_lib.sh
source "$(dirname "$0")/bus_lib.sh"
# shellcheck source=tests/integration/dhcp_lib.sh
source "$(dirname "$0")/dhcp_lib.sh"
vsi_require_root
command -v dhcpcd >/dev/null || vsi_fail "dhcpcd is not installed (contrib/install-deps.sh --test)"
vsi_init members "$1"
CTL=$(readlink -f "$2")
MGR="busctl --system call org.vswitch1 /org/vswitch1 org.vswitch1.Manager"
port_prop() { busctl --system get-property org.vswitch1 "/org/vswitch1/port/$1" org.vswitch1.Port "$2"; }
master_of() { ip -n "$NS_HOST" -o link show dev "$1" | grep -o 'master [^ ]*' || true; }
# wait_port IFNAME: until ListPorts names it (2 s); prints the ms it took.
wait_port() {
  local t0 i
  t0=$(vsi_now_ms)
  for ((i = 0; i < 200; i++)); do
    $MGR ListPorts | grep -q "\"$1\"" && { echo $(($(vsi_now_ms) - t0)); return 0; }
    sleep 0.01
  done
  return 1
}

vsi_topology
vsi_daemon_dirs
printf '[Switch]\nLeaseTimeSec=120\n' >"$VSI_CONF"
vsb_start_bus members open

# --- a member there before the daemon starts -----------------------------------
ip -n "$NS_HOST" link add vswitch0 type bridge
ip -n "$NS_HOST" link add pre0 type veth peer name pre0-p
ip -n "$NS_HOST" link set pre0 master vswitch0 up
pre_mac=$(ip netns exec "$NS_HOST" cat /sys/class/net/pre0/address)
vsi_start_daemon
vsi_assert_match "ListPorts at start" "\"pre0\" \"Default\" \"\" \"$pre_mac\"" "$($MGR ListPorts)"
vsi_assert_eq "Origin of pre0" 's "bridge"' "$(port_prop pre0 Origin)"
vsi_pass "a member put in before the daemon started is a port of origin bridge ($pre_mac, nothing learned yet)"

busctl --system monitor org.vswitch1 >"$VSI_TMP/monitor.log" 2>&1 &
vsi_track_pid $!
sleep 0.5

# --- a member put in at runtime, with a guest running dhcpcd ------------------
subnet=$(vsi_subnet)
vsi_ns_add "$NS_VM"
ip -n "$NS_HOST" link add mem0 type veth peer name eth0 netns "$NS_VM"
ip -n "$NS_VM" link set eth0 up
guest_mac=$(ip netns exec "$NS_VM" cat /sys/class/net/eth0/address)
ip -n "$NS_HOST" link set mem0 master vswitch0 up
ms=$(wait_port mem0) || vsi_fail "mem0 is no port 2 s after ip link set master: $($MGR ListPorts)"
((ms < 1000)) || vsi_fail "mem0 became a port after $ms ms (limit 1000 ms)"
vsi_assert_eq "Origin of mem0" 's "bridge"' "$(port_prop mem0 Origin)"
vsi_assert_eq "VM of mem0" 's ""' "$(port_prop mem0 VM)"
sleep 0.2
awk '/Member=PortAttached/ {n = 12} n > 0 && /STRING "mem0"/ {found = 1} {n--} END {exit !found}' \
  "$VSI_TMP/monitor.log" || vsi_fail "no PortAttached for mem0"
vsi_pass "ip link set mem0 master vswitch0: a port on the bus after $ms ms, PortAttached sent"

hook=$(vsd_hook dhcpcd "$VSI_TMP/dhcpcd.out")
printf 'option domain_name_servers, domain_name, routers, subnet_mask\nnoipv4ll\nnohook resolv.conf\nnodelay\nnoarp\n' \
  >"$VSI_TMP/dhcpcd.conf"
vsd_isolated "$NS_VM" dhcpcd -f "$VSI_TMP/dhcpcd.conf" -c "$hook" -h memguest -4 -B -d eth0 \
  >"$VSI_TMP/dhcpcd.log" 2>&1 &
vsi_track_pid $!
in_prefix() {
  local len=${2#*/} mask
  mask=$(((0xffffffff << (32 - len)) & 0xffffffff))
  (($(($(vsi_ip2int "$1") & mask)) == $(vsi_ip2int "${2%/*}")))
}
# wait_vm_in PREFIX SECONDS: until the guest's eth0 holds an address in PREFIX.
wait_vm_in() {
  local i a
  for ((i = 0; i < $2 * 100; i++)); do
    a=$(vsd_vm_addr "$NS_VM")
    [ -n "$a" ] && in_prefix "${a%/*}" "$1" && { echo "${a%/*}"; return 0; }
    sleep 0.01
  done
  return 1
}
vm_ip=$(wait_vm_in "$subnet" 15) || vsi_fail "dhcpcd got no lease in $subnet: $(tail -n 5 "$VSI_TMP/dhcpcd.log")"
for ((i = 0; i < 100; i++)); do [ "$(port_prop mem0 Hostname)" = 's "memguest"' ] && break; sleep 0.01; done
vsi_assert_eq "MAC of mem0 is the guest's" "s \"$guest_mac\"" "$(port_prop mem0 MAC)"
vsi_assert_eq "Hostname of mem0" 's "memguest"' "$(port_prop mem0 Hostname)"
vsi_assert_eq "Address of mem0" "s \"$vm_ip\"" "$(port_prop mem0 Address)"
vsi_assert_match "vswitchctl list" "mem0 +Default +- +$guest_mac +$vm_ip +memguest +connected +bridge" "$("$CTL" list)"
vsi_assert_match "vswitchctl status" "mem0  -  $guest_mac  $vm_ip  memguest  \(bridge member\)" "$("$CTL" status)"
vsi_assert_match "vswitchctl list --json" '"interface":"mem0".*"origin":"bridge"' "$("$CTL" list --json)"
vsi_assert_no_match "an adopted member is not in the ports file" "mem0|pre0" "$(cat "$VSI_STATE/ports" 2>/dev/null || true)"
vsi_pass "mem0 shows the guest's MAC $guest_mac, its lease $vm_ip and DHCP host name memguest"

# --- a renumber pulses it ------------------------------------------------------
vpn=$(vsi_int2ip $(($(vsi_ip2int "${subnet%/*}") & 0xffff0000)))/16
t0=$(vsi_now_ms)
ip -n "$NS_HOST" route add "$vpn" dev uplink table 100
for ((i = 0; i < 300; i++)); do
  new=$(vsi_subnet)
  [ -n "$new" ] && [ "$new" != "$subnet" ] && break
  sleep 0.01
done
[ "$new" != "$subnet" ] || vsi_fail "vswitch0 still serves $subnet 3 s after route $vpn table 100"
# Without the pulse dhcpcd would wait for its renewal, 60 s after the lease.
new_vm=$(wait_vm_in "$new" 10) ||
  vsi_fail "the guest on mem0 is not in $new 10 s after the renumber: $(tail -n 10 "$VSI_TMP/dhcpcd.log")"
t_vm=$(($(vsi_now_ms) - t0))
vsi_assert_match "the pulse reached the guest" "carrier lost" "$(cat "$VSI_TMP/dhcpcd.log")"
ip -n "$NS_HOST" route del "$vpn" dev uplink table 100
vsi_pass "renumber $subnet -> $new: the guest on mem0 rebound $vm_ip -> $new_vm in $t_vm ms (renewal would be at 60 s)"

# --- AttachInterface names an adopted member -----------------------------------
vsi_assert_eq "AttachInterface of pre0" 'o "/org/vswitch1/port/pre0"' "$($MGR AttachInterface ssss Default pre0 prevm "")"
vsi_assert_eq "Origin of pre0 after AttachInterface" 's "attached"' "$(port_prop pre0 Origin)"
vsi_assert_eq "VM of pre0 after AttachInterface" 's "prevm"' "$(port_prop pre0 VM)"
for ((i = 0; i < 200; i++)); do grep -q pre0 "$VSI_STATE/ports" 2>/dev/null && break; sleep 0.01; done
vsi_assert_match "an attached port is in the ports file" "pre0	Default	prevm	" "$(cat "$VSI_STATE/ports")"
vsi_pass "AttachInterface of an adopted member names it (VM prevm) and makes it an attached port"

# --- the bridge deleted: the member is plugged back in -------------------------
ip -n "$NS_HOST" link del vswitch0
for ((i = 0; i < 300; i++)); do [ "$(master_of mem0)" = "master vswitch0" ] && break; sleep 0.01; done
vsi_assert_eq "mem0 after the bridge was re-created" "master vswitch0" "$(master_of mem0)"
vsi_assert_eq "mem0 is still a port of origin bridge" 's "bridge"' "$(port_prop mem0 Origin)"
vsi_pass "ip link del vswitch0: the adopted member mem0 is re-plugged into the new bridge"

# --- vswitchctl detach unplugs it, the interface stays ------------------------
"$CTL" detach mem0
vsi_link_exists mem0 || vsi_fail "vswitchctl detach deleted mem0"
vsi_assert_eq "mem0 after detach" "" "$(master_of mem0)"
$MGR ListPorts | grep -q '"mem0"' && vsi_fail "ListPorts still lists mem0 after detach"
sleep 0.3  # no repair puts it back, no notification adopts it again
vsi_assert_eq "mem0 stays out" "" "$(master_of mem0)"
$MGR ListPorts | grep -q '"mem0"' && vsi_fail "mem0 came back as a port after detach"
vsi_pass "vswitchctl detach mem0: unplugged, the interface stays, not adopted again"

# --- a member unplugged by hand leaves; it comes back as a port when put in ----
ip -n "$NS_HOST" link add late0 type veth peer name late0-p
ip -n "$NS_HOST" link set late0 master vswitch0 up
wait_port late0 >/dev/null || vsi_fail "late0 is no port"
ip -n "$NS_HOST" link set late0 nomaster
for ((i = 0; i < 100; i++)); do $MGR ListPorts | grep -q '"late0"' || break; sleep 0.01; done
$MGR ListPorts | grep -q '"late0"' && vsi_fail "late0 is still a port after ip link set nomaster"
sleep 0.3
vsi_assert_eq "late0 is not put back" "" "$(master_of late0)"
awk '/Member=PortDetached/ {n = 12} n > 0 && /STRING "late0"/ {found = 1} {n--} END {exit !found}' \
  "$VSI_TMP/monitor.log" || vsi_fail "no PortDetached for late0"
vsi_pass "ip link set late0 nomaster: the adopted port goes (PortDetached), nothing re-plugs it"
