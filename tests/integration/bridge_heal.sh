#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# Self-healing of what the daemon owns beyond the nft table: the bridge
# deleted, set down or stripped of its address, a TAP of the daemon's
# deleted and a port unplugged by hand are each put back; the guest pings
# the gateway again within 1 s (measured and printed), the log says so once
# with the cause, the switch's Repairs count rises, DHCP and DNS answer on a
# re-created bridge. A repair made impossible for a while (a dummy holding
# the bridge's name) raises "bridge-repair-failed", which vswitchctl status
# shows, and clears once the repair succeeds; a loop undoing the bridge
# raises "bridge-fight" and the daemon backs off.
# Usage: bridge_heal.sh VSWITCHD VSWITCHCTL
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/bus_lib.sh
source "$(dirname "$0")/bus_lib.sh"
vsi_require_root
vsi_init brheal "$1"
CTL=$(readlink -f "$2")
vsb_online_vm brheal
SW=/org/vswitch1/switch/Default
MGR="busctl --system call org.vswitch1 /org/vswitch1 org.vswitch1.Manager"
# vm0 becomes a port of the switch (as libvirt's hook does), so it is re-plugged.
$MGR AttachInterface ssss Default vm0 vm0 "" >/dev/null

repairs() { busctl --system get-property org.vswitch1 $SW org.vswitch1.Switch Repairs | cut -d' ' -f2; }
problems() { busctl --system get-property org.vswitch1 $SW org.vswitch1.Switch Problems; }
# ms from START until the VM's first echo reply from the gateway (a ping
# every 10 ms), or failure after 3 s.
wait_gateway() {
  local start=$1
  ip netns exec "$NS_VM" ping -q -c 1 -i 0.01 -w 3 "$gateway" >/dev/null 2>&1 || return 1
  echo $(($(vsi_now_ms) - start))
}
log_count() { grep -cE "$1" "$VSI_TMP/daemon.err" || true; }
# fault NAME LOG-REGEX REPAIRS: the fault was just made at $start; the VM is
# back within 1 s, the log said it once, Repairs is REPAIRS.
check_repair() {
  local what=$1 regex=$2 want=$3 ms
  ms=$(wait_gateway "$start") || vsi_fail "$what: the VM does not ping $gateway 3 s later"
  [ "$ms" -le 1000 ] || vsi_fail "$what: the VM pings the gateway only after $ms ms (limit 1000)"
  sleep 0.2  # a second repair, if any, would have run by now
  vsi_assert_eq "$what: log lines" 1 "$(log_count "$regex")"
  vsi_assert_eq "$what: Repairs" "$want" "$(repairs)"
  vsi_pass "$what: the VM pings the gateway again after $ms ms; logged once; Repairs=$want"
}

vsi_assert_eq "Repairs before any fault" 0 "$(repairs)"

# --- ip link del vswitch0 --------------------------------------------------------
start=$(vsi_now_ms)
ip -n "$NS_HOST" link del vswitch0
check_repair "ip link del vswitch0" "bridge 'vswitch0' was deleted; re-created the bridge.*re-plugged 1 port \('vm0'\)" 1
vsi_bridge_exists || vsi_fail "vswitch0 is not a bridge after the repair"
vsi_ping_upstream || vsi_fail "the VM does not reach $VSI_INTERNET_ADDR through the re-created bridge"
# DNS and DHCP sockets were bound to the old bridge: they answer on the new one.
dns=$(ip netns exec "$NS_VM" dig +time=1 +tries=2 "@$gateway" nothere.vswitch.internal A) ||
  vsi_fail "DNS on $gateway does not answer after the bridge was re-created: $dns"
vsi_assert_match "DNS answer after the re-creation" 'status: NXDOMAIN' "$dns"
dhcp=$(ip netns exec "$NS_VM" timeout 10 udhcpc -n -q -f -i eth0 -s /bin/true -t 3 -T 1 2>&1) ||
  vsi_fail "no DHCP lease after the bridge was re-created: $dhcp"
vsi_assert_match "DHCP lease after the re-creation" "lease of .* obtained" "$dhcp"
vsi_pass "after the re-creation: upstream reachable, DNS and DHCP answer on the new bridge"

# --- ip link set vswitch0 down ---------------------------------------------------
start=$(vsi_now_ms)
ip -n "$NS_HOST" link set vswitch0 down
check_repair "ip link set vswitch0 down" "bridge 'vswitch0' was set down; brought it up" 2

# --- ip addr flush dev vswitch0 --------------------------------------------------
start=$(vsi_now_ms)
ip -n "$NS_HOST" addr flush dev vswitch0
check_repair "ip addr flush dev vswitch0" "bridge 'vswitch0' lost its gateway address; restored its gateway address" 3
vsi_assert_eq "the bridge's addresses after the repair" "$gateway/20" "$(vsi_bridge_addrs)"

# --- a TAP of the daemon's deleted by hand ------------------------------------------
guest_mac=52:54:00:4e:a1:01
guest_addr=$(vsi_subnet_host "$subnet" 150)
$MGR AttachAdapter 'sssa{sv}' Default guest "$guest_mac" 1 ifname s tguest0 >/dev/null
guest() { ip netns exec "$NS_HOST" "$PYTHON" "$VSI_LIB_DIR/tap_guest.py" tguest0 "$guest_mac" "$guest_addr" "$gateway" 3; }
guest >/dev/null || vsi_fail "the TAP guest cannot ping the gateway before the test"
start=$(vsi_now_ms)
ip -n "$NS_HOST" link del tguest0
# As QEMU started again on the same TAP name: it waits for the TAP to be back.
ms=$(guest) || vsi_fail "the TAP guest cannot ping the gateway 3 s after its TAP was deleted"
ms=$(($(vsi_now_ms) - start))
[ "$ms" -le 1000 ] || vsi_fail "TAP deleted: the guest pings the gateway only after $ms ms (limit 1000)"
sleep 0.2
vsi_assert_eq "TAP deleted: log lines" 1 "$(log_count "TAP 'tguest0' was deleted; re-created 1 TAP")"
vsi_assert_eq "TAP deleted: Repairs" 4 "$(repairs)"
$MGR ListPorts | grep -q '"tguest0"' || vsi_fail "ListPorts lost tguest0 after its re-creation"
alias=$(ip -n "$NS_HOST" -d link show dev tguest0 | sed -n 's/.*alias //p')
[[ $alias == *guest* ]] || vsi_fail "the re-created TAP carries no port record in its alias: '$alias'"
vsi_pass "TAP deleted by hand: re-created under its name with its record; the guest pings the gateway after $ms ms; logged once; Repairs=4"

# --- a port unplugged from the bridge by hand ---------------------------------------
start=$(vsi_now_ms)
ip -n "$NS_HOST" link set vm0 nomaster
check_repair "ip link set vm0 nomaster" "port 'vm0' was unplugged from bridge 'vswitch0'; re-plugged 1 port" 5

# --- a repair made impossible for a while ----------------------------------------------
# The bridge deleted and its name taken by a dummy while the daemon is
# stopped (SIGSTOP: on a loaded machine the daemon could otherwise win the
# race between the two commands): it cannot re-create the bridge until the
# dummy goes.
ip -n "$NS_HOST" link add squat0 type dummy 2>/dev/null ||
  ip -n "$NS_HOST" link add squat0 type veth peer name squat0-p
kill -STOP "$VSI_DAEMON_PID"
printf 'link del vswitch0\nlink set squat0 name vswitch0\n' | ip -n "$NS_HOST" -batch - || {
  kill -CONT "$VSI_DAEMON_PID"
  vsi_fail "could not put a dummy in vswitch0's place"
}
kill -CONT "$VSI_DAEMON_PID"
for ((i = 0; i < 30; i++)); do problems | grep -q bridge-repair-failed && break; sleep 0.1; done
p=$(problems)
vsi_assert_match "Problems while the repair fails" '"bridge-repair-failed" "[^"]*is a (dummy|veth), not a bridge' "$p"
status=$("$CTL" status)
vsi_assert_match "vswitchctl status while the repair fails" 'bridge-repair-failed' "$status"
ip netns exec "$NS_VM" ping -q -c 1 -W 0.3 "$gateway" >/dev/null 2>&1 && vsi_fail "the VM pings a gateway that has no bridge"
sleep 1
start=$(vsi_now_ms)
ip -n "$NS_HOST" link del vswitch0
ms=$(wait_gateway "$start") || vsi_fail "the VM does not ping the gateway 3 s after the name was freed"
for ((i = 0; i < 20; i++)); do problems | grep -q bridge-repair-failed || break; sleep 0.1; done
vsi_assert_no_match "Problems after the repair succeeded" 'bridge-repair-failed' "$(problems)"
vsi_assert_eq "the failure's warning" 1 "$(log_count "cannot repair switch Default .*is a (dummy|veth), not a bridge")"
vsi_assert_eq "the failure's end" 1 "$(log_count "problem 'bridge-repair-failed' is gone")"
vsi_assert_eq "Repairs after the failed repair succeeded" 6 "$(repairs)"
status=$("$CTL" status)
vsi_assert_no_match "vswitchctl status after the repair" 'bridge-repair-failed' "$status"
vsi_pass "name taken by a dummy: bridge-repair-failed raised (logged once, in vswitchctl status), the VM back $ms ms after the name was freed, the problem cleared"

# --- a loop undoing the bridge ----------------------------------------------------------
end=$(($(date +%s) + 4))
downs=0
while [ "$(date +%s)" -lt "$end" ]; do
  ip -n "$NS_HOST" link set vswitch0 down
  downs=$((downs + 1))
  sleep 0.1
done
p=$(problems)
vsi_assert_match "Problems during the fight" '"bridge-fight"' "$p"
n=$(repairs)
# Without the back-off every one of the downs would be repaired.
[ "$n" -le $((6 + 12)) ] || vsi_fail "$n repairs after $downs downs in 4 s: no back-off"
ms=$(wait_gateway "$(vsi_now_ms)") || ms=$(
  start=$(vsi_now_ms)
  for ((i = 0; i < 40; i++)); do wait_gateway "$start" && exit 0; done
  exit 1
) || vsi_fail "the VM does not reach the gateway after the fight"
vsi_assert_eq "bridge-fight logged" 1 "$(log_count "problem 'bridge-fight'|keep being undone")"
vsi_pass "a loop setting vswitch0 down ($downs times in 4 s): bridge-fight raised, $n repairs in total, back after the loop"

# --- the repairs in the counters ------------------------------------------------
stats=$("$CTL" stats --json)
kinds=$("$PYTHON" -c 'import json,sys; d=json.load(sys.stdin)["Default"]; print(" ".join("%s=%d" % (k, v) for k, v in d.items() if k.startswith("repairs.")))' <<<"$stats")
vsi_assert_match "Statistics counts a re-created bridge" "repairs\.bridge-recreated=[1-9]" "$kinds"
vsi_assert_match "Statistics counts a re-plugged port" "repairs\.port-replugged=[1-9]" "$kinds"
vsi_assert_match "vswitchctl status lists the repairs as trouble" "repairs\.link-up [1-9]" "$("$CTL" status)"
vsi_pass "the repairs by kind in Statistics and vswitchctl status ($kinds)"
