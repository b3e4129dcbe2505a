#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# Conflicts at runtime (issue 7): a route added over today's subnet in a
# policy table (as a VPN client does) moves the switch to a fresh block
# within 1 s; a VM running dhcpcd on a veth the daemon owns is carrier-pulsed,
# is NAKed for its old-block address, rebinds into the new block and reaches
# 203.0.113.10 again; a flood of 5000 route changes costs bounded CPU and
# renumbers once for its one real conflict; with RenumberOnConflict=no only
# the Problems entry appears; with no free block left the subnet stays and
# "no-free-subnet" is reported. Every recovery time is measured and printed.
# Usage: renumber.sh VSWITCHD
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/bus_lib.sh
source "$(dirname "$0")/bus_lib.sh"
# shellcheck source=tests/integration/dhcp_lib.sh
source "$(dirname "$0")/dhcp_lib.sh"
vsi_require_root
command -v dhcpcd >/dev/null || vsi_fail "dhcpcd is not installed (contrib/install-deps.sh --test)"
vsi_init renumber "$1"
SW=/org/vswitch1/switch/Default
MGR="busctl --system call org.vswitch1 /org/vswitch1 org.vswitch1.Manager"
# Generous: the flood's whole cost in the daemon, in CPU milliseconds.
FLOOD_CPU_LIMIT_MS=${VSR_FLOOD_CPU_LIMIT_MS:-1500}

vsi_topology
vsi_daemon_dirs
vsb_start_bus renumber open
vsi_start_daemon

prop() { busctl --system get-property org.vswitch1 "$SW" org.vswitch1.Switch "$1"; }
moves() { grep -c "switch 'Default' moved from" "$VSI_TMP/daemon.err" || true; }
# in_prefix ADDR PREFIX: whether ADDR lies inside PREFIX (a.b.c.d/len).
in_prefix() {
  local len=${2#*/} mask
  mask=$(((0xffffffff << (32 - len)) & 0xffffffff))
  (($(($(vsi_ip2int "$1") & mask)) == $(vsi_ip2int "${2%/*}")))
}
# wait_bridge_moves OLD: polls every 10 ms (3 s at most) until the bridge's
# subnet is no longer OLD; prints the new one.
wait_bridge_moves() {
  local i s
  for ((i = 0; i < 300; i++)); do
    s=$(vsi_subnet)
    [ -n "$s" ] && [ "$s" != "$1" ] && { echo "$s"; return 0; }
    sleep 0.01
  done
  return 1
}
# cpu_ms PID: user + system CPU time of a process so far, in ms.
cpu_ms() {
  local f
  read -ra f <"/proc/$1/stat"
  # Fields 14 and 15 (utime, stime); the command name (field 2) has no spaces.
  echo $(((f[13] + f[14]) * 1000 / $(getconf CLK_TCK)))
}

subnet=$(vsi_subnet)
[ -n "$subnet" ] || vsi_fail "no subnet on vswitch0"

# --- a VM with dhcpcd on a veth the daemon owns (AttachInterface) -------------
vsi_ns_add "$NS_VM"
ip -n "$NS_HOST" link add vm-a type veth peer name eth0 netns "$NS_VM"
ip -n "$NS_VM" link set eth0 up
$MGR AttachInterface ssss Default vm-a vma 52:54:00:00:0a:01 >/dev/null
out=$VSI_TMP/dhcpcd.out
hook=$(vsd_hook dhcpcd "$out")
# nodelay/noarp skip the client's own waits (a random 1-2 s before each
# exchange, ~5 s of ARP duplicate detection per address): they say nothing
# about the switch and would dominate the measured recovery.
printf 'option domain_name_servers, domain_name, routers, subnet_mask\nnoipv4ll\nnohook resolv.conf\nnodelay\nnoarp\n' \
  >"$VSI_TMP/dhcpcd.conf"
# Stays in the foreground (-B) and watches the link, as on a real guest.
vsd_isolated "$NS_VM" dhcpcd -f "$VSI_TMP/dhcpcd.conf" -c "$hook" -4 -B -d eth0 \
  >"$VSI_TMP/dhcpcd.log" 2>&1 &
vsi_track_pid $!
# wait_vm_in PREFIX: until the VM's eth0 holds an address in PREFIX (15 s).
wait_vm_in() {
  local i a
  for ((i = 0; i < 1500; i++)); do
    a=$(vsd_vm_addr "$NS_VM")
    [ -n "$a" ] && in_prefix "${a%/*}" "$1" && { echo "${a%/*}"; return 0; }
    sleep 0.01
  done
  return 1
}
vm_ip=$(wait_vm_in "$subnet") || vsi_fail "dhcpcd got no lease in $subnet: $(tail -n 5 "$VSI_TMP/dhcpcd.log")"
ip netns exec "$NS_VM" ping -c 1 -W 2 "$VSI_INTERNET_ADDR" >/dev/null ||
  vsi_fail "VM $vm_ip does not reach $VSI_INTERNET_ADDR before the conflict"
vsi_pass "VM bound $vm_ip in $subnet and reaches $VSI_INTERNET_ADDR"

# --- a VPN-style route over today's subnet in table 100 -----------------------
# The /16 around the /20, as a VPN pushing a wide range would.
vpn=$(vsi_int2ip $(($(vsi_ip2int "${subnet%/*}") & 0xffff0000)))/16
t0=$(vsi_now_ms)
ip -n "$NS_HOST" route add "$vpn" dev uplink table 100
new=$(wait_bridge_moves "$subnet") || vsi_fail "vswitch0 still serves $subnet 3 s after route $vpn table 100"
t_bridge=$(($(vsi_now_ms) - t0))
((t_bridge < 1000)) || vsi_fail "the bridge moved after $t_bridge ms (limit 1000 ms)"
vsi_pass "route $vpn table 100 -> vswitch0 moved from $subnet to $new in $t_bridge ms"
in_prefix "${new%/*}" "$vpn" && vsi_fail "new subnet $new lies inside the conflicting $vpn"
vsi_assert_match "the exact conflict is logged" \
  "route $vpn table 100 dev uplink overlaps switch Default's $subnet" "$(cat "$VSI_TMP/daemon.err")"
vsi_assert_eq "Switch.Subnet" "s \"$new\"" "$(prop Subnet)"
new_gw=$(vsi_subnet_host "$new" 1)
vsi_assert_eq "Switch.Gateway" "s \"$new_gw\"" "$(prop Gateway)"
vsi_assert_match "stored for the rest of the boot" "subnet=$new" "$(cat "$VSI_STATE/Default.subnet")"
vsi_assert_eq "one address on the bridge" "$new_gw/${new#*/}" "$(vsi_bridge_addrs)"
vsi_assert_match "nft table names the new subnet" "${new%/*}" \
  "$(ip netns exec "$NS_HOST" nft list table inet vswitch)"
vsi_assert_no_match "nft table forgot the old subnet" "${subnet%/*}/" \
  "$(ip netns exec "$NS_HOST" nft list table inet vswitch)"
for ((i = 0; i < 100; i++)); do
  ip netns exec "$NS_HOST" ss -Hlnu "src $new_gw:53" | grep -q . && break
  sleep 0.01
done
vsi_assert_match "DNS listens on the new gateway" "$new_gw(%vswitch0)?:53 " "$(ip netns exec "$NS_HOST" ss -Hlnu)"
vsi_assert_no_match "subnet-conflict cleared once renumbered" subnet-conflict "$(prop Problems)"
vsi_pass "Subnet/Gateway on D-Bus, state file, bridge, nft table and DNS follow"

new_vm=$(wait_vm_in "$new") ||
  vsi_fail "dhcpcd did not rebind into $new: $(tail -n 15 "$VSI_TMP/dhcpcd.log")"
t_vm=$(($(vsi_now_ms) - t0))
vsi_assert_match "dhcpcd was NAKed for its old-block address" "NAK" "$(cat "$VSI_TMP/dhcpcd.log")"
old_host=$(($(vsi_ip2int "$vm_ip") - $(vsi_ip2int "${subnet%/*}")))
vsi_assert_eq "the VM kept its host offset" "$(vsi_subnet_host "$new" "$old_host")" "$new_vm"
for ((i = 0; i < 50; i++)); do
  ip netns exec "$NS_VM" ping -c 1 -W 1 "$VSI_INTERNET_ADDR" >/dev/null 2>&1 && break
  sleep 0.1
done
ip netns exec "$NS_VM" ping -c 1 -W 2 "$VSI_INTERNET_ADDR" >/dev/null ||
  vsi_fail "VM $new_vm does not reach $VSI_INTERNET_ADDR after the renumber"
t_online=$(($(vsi_now_ms) - t0))
vsi_pass "VM carrier-pulsed, NAKed, rebound $vm_ip -> $new_vm in $t_vm ms, reaches $VSI_INTERNET_ADDR again after $t_online ms"

# --- a flood of 5000 route changes with one real conflict in it ---------------
moves_before=$(moves)
cpu0=$(cpu_ms "$VSI_DAEMON_PID")
vpn2=$(vsi_int2ip $(($(vsi_ip2int "${new%/*}") & 0xffff0000)))/16
{
  for ((i = 0; i < 2500; i++)); do
    r="10.$((i / 250)).$((i % 250)).0/24"
    echo "route add $r dev uplink table 200"
    echo "route del $r dev uplink table 200"
    if ((i == 1250)); then echo "route add $vpn2 dev uplink table 101"; fi
  done
} >"$VSI_TMP/flood.batch"
t0=$(vsi_now_ms)
ip -n "$NS_HOST" -batch "$VSI_TMP/flood.batch"
t_flood=$(($(vsi_now_ms) - t0))
t1=$(vsi_now_ms)
prop Name >/dev/null || vsi_fail "the daemon does not answer on D-Bus after the flood"
t_answer=$(($(vsi_now_ms) - t1))
flooded=$(wait_bridge_moves "$new") || vsi_fail "no renumber for route $vpn2 table 101 in the flood"
sleep 1  # let any late re-evaluation happen before counting
cpu=$(($(cpu_ms "$VSI_DAEMON_PID") - cpu0))
n=$(($(moves) - moves_before))
vsi_assert_eq "renumbers for the flood's one real conflict" 1 "$n"
((cpu < FLOOD_CPU_LIMIT_MS)) || vsi_fail "the flood cost the daemon $cpu ms of CPU (limit $FLOOD_CPU_LIMIT_MS ms)"
in_prefix "${flooded%/*}" "$vpn2" && vsi_fail "new subnet $flooded lies inside the conflicting $vpn2"
vsi_pass "5000 route changes in $t_flood ms: D-Bus answered in $t_answer ms after, daemon CPU $cpu ms, one renumber ($new -> $flooded)"

# --- RenumberOnConflict=no: only the problem -----------------------------------
vsi_stop_daemon
ip -n "$NS_HOST" route del "$vpn" dev uplink table 100
ip -n "$NS_HOST" route del "$vpn2" dev uplink table 101
printf '[Switch]\nRenumberOnConflict=no\n' >"$VSI_CONF"
vsi_start_daemon
kept=$(vsi_subnet)
vpn3=$(vsi_int2ip $(($(vsi_ip2int "${kept%/*}") & 0xffffff00)))/24
t0=$(vsi_now_ms)
ip -n "$NS_HOST" route add "$vpn3" dev uplink table 100
for ((i = 0; i < 300; i++)); do
  [[ $(prop Problems) == *subnet-conflict* ]] && break
  sleep 0.01
done
t_problem=$(($(vsi_now_ms) - t0))
problems=$(prop Problems)
vsi_assert_match "Problems names the conflict" \
  "\"subnet-conflict\" \"route $vpn3 table 100 dev uplink overlaps switch Default.{1,2}s $kept\"" "$problems"
vsi_assert_match "Problems gives the fix" "RenumberOnConflict=yes" "$problems"
sleep 0.5
vsi_assert_eq "RenumberOnConflict=no keeps the subnet" "$kept" "$(vsi_subnet)"
vsi_assert_eq "and the stored choice" "subnet=$kept" "$(grep '^subnet=' "$VSI_STATE/Default.subnet")"
vsi_pass "RenumberOnConflict=no: Problems reports the conflict after $t_problem ms, $kept stays"
ip -n "$NS_HOST" route del "$vpn3" dev uplink table 100
for ((i = 0; i < 300; i++)); do
  [[ $(prop Problems) != *subnet-conflict* ]] && break
  sleep 0.01
done
vsi_assert_no_match "the problem goes with the route" subnet-conflict "$(prop Problems)"
vsi_pass "deleting the route clears the problem"

# --- no free block: keep today's subnet, say so --------------------------------
vsi_stop_daemon
# A pool of two /20 blocks; a route over the whole pool leaves none free.
pool=$(vsi_int2ip $(($(vsi_ip2int "${kept%/*}") & 0xffffe000)))/19
printf '[Switch]\nSubnetPool=%s\n' "$pool" >"$VSI_CONF"
vsi_start_daemon --boot-id "$VSI_BOOT_ID_B"
last=$(vsi_subnet)
ip -n "$NS_HOST" route add "$pool" dev uplink table 100
for ((i = 0; i < 300; i++)); do
  [[ $(prop Problems) == *no-free-subnet* ]] && break
  sleep 0.01
done
vsi_assert_match "Problems says no block is free" '"no-free-subnet" "cannot move switch Default' "$(prop Problems)"
vsi_assert_eq "today's subnet stays" "$last" "$(vsi_subnet)"
vsi_pass "no free block: $last kept, no-free-subnet reported"
