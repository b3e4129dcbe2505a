#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# The three switch types side by side. Default (nat) beside a private switch,
# whose bridge carries no address of the host — so nothing reports one: not
# the log, not STATUS=, not the D-Bus Subnet/Gateway, not vswitchctl; it has
# no DHCP or DNS counters; and two guests on it reach each other by their
# own addresses but not the host. And an internal switch, host-only: its
# DNS answers the switch's own names and refuses the rest (ForwardDNS=
# defaults to no there), and its guests have no path out.
# Usage: switch_types.sh VSWITCHD VSWITCHCTL
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/bus_lib.sh
source "$(dirname "$0")/bus_lib.sh"
vsi_require_root
vsi_init types "$1"
CTL=$(readlink -f "$2")
vsi_topology
vsi_daemon_dirs
printf '[Switch]\nName=lab\nType=private\nBridge=vs-lab\n' >"$VSI_TMP/etc/switches.d/lab.switch"
printf '[Switch]\nName=hostonly\nType=internal\nBridge=vs-ho\n' >"$VSI_TMP/etc/switches.d/hostonly.switch"
vsb_start_bus types open
vsi_start_daemon

# --- the private switch reports no address anywhere -----------------------------
vsi_assert_eq "vs-lab has no IPv4 address" "" "$(ip -n "$NS_HOST" -4 -o addr show dev vs-lab)"
lab=/org/vswitch1/switch/lab
prop() { busctl --system get-property org.vswitch1 "$lab" org.vswitch1.Switch "$1"; }
vsi_assert_eq "Subnet of a private switch" 's ""' "$(prop Subnet)"
vsi_assert_eq "Gateway of a private switch" 's ""' "$(prop Gateway)"
vsi_assert_match "Type" 's "private"' "$(prop Type)"
vsi_assert_no_match "STATUS= gives it no subnet" "lab [0-9]" "$VSI_STATUS"
vsi_assert_match "STATUS= names it private" "lab private on vs-lab" "$VSI_STATUS"
line=$(grep "switch 'lab'" "$VSI_TMP/daemon.err" | head -n 1)
vsi_assert_match "the log says it has no address" "switch 'lab' \(private\) on 'vs-lab': no address" "$line"
vsi_assert_no_match "the log gives it no subnet" "[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+" "$line"
status=$("$CTL" status lab)
vsi_assert_match "vswitchctl status: no subnet" "Subnet: none" "$status"
vsi_assert_match "vswitchctl status: no gateway" "Gateway: none" "$status"
vsi_assert_match "vswitchctl status --json: empty subnet" '"name":"lab","type":"private","bridge":"vs-lab","subnet":"","gateway":""' \
  "$("$CTL" status --json lab)"
vsi_assert_no_match "no DHCP or DNS counters on a private switch" '"dhcp\.|"dns\.' "$("$CTL" stats --json lab)"
vsi_assert_match "the nat switch still reports its subnet" "Subnet: $(vsi_subnet)" "$("$CTL" status Default)"
vsi_pass "a private switch reports no subnet or gateway (bus, STATUS=, log, vswitchctl)"

# --- its guests reach each other, not the host ---------------------------------
for i in 1 2; do
  ns=$NS_VM-lab$i
  vsi_ns_add "$ns"
  ip -n "$NS_HOST" link add "lab$i" type veth peer name eth0 netns "$ns"
  ip -n "$NS_HOST" link set "lab$i" master vs-lab up
  ip -n "$ns" addr add "192.0.2.$((10 + i))/24" dev eth0
  ip -n "$ns" link set eth0 up
done
ip netns exec "$NS_VM-lab1" ping -c 1 -W 2 192.0.2.12 >/dev/null || vsi_fail "guests on the private switch cannot reach each other"
gw=$(vsi_subnet_host "$(vsi_subnet)" 1)
ip -n "$NS_VM-lab1" route add default dev eth0
if ip netns exec "$NS_VM-lab1" ping -c 1 -W 1 "$gw" >/dev/null 2>&1; then
  vsi_fail "a guest of the private switch reached the host at $gw"
fi
vsi_pass "guests of a private switch reach each other and not the host"

# --- an internal switch: its own names only, no path out --------------------------
ho_subnet=$(busctl --system get-property org.vswitch1 /org/vswitch1/switch/hostonly org.vswitch1.Switch Subnet | sed 's/^s "\(.*\)"$/\1/')
[ -n "$ho_subnet" ] || vsi_fail "the internal switch reports no subnet"
ho_gw=$(vsi_subnet_host "$ho_subnet" 1)
ns=$NS_VM-ho
vsi_ns_add "$ns"
ip -n "$NS_HOST" link add ho0 type veth peer name eth0 netns "$ns"
ip -n "$NS_HOST" link set ho0 master vs-ho up
ip -n "$ns" addr add "$(vsi_subnet_host "$ho_subnet" 100)/${ho_subnet#*/}" dev eth0
ip -n "$ns" link set eth0 up
ip -n "$ns" route add default via "$ho_gw"
hodig() { ip netns exec "$ns" dig +time=3 +tries=1 "@$ho_gw" "$@"; }
host_label=$(hostname | cut -d. -f1 | tr '[:upper:]' '[:lower:]')
out=$(hodig "$host_label.hostonly.vswitch.internal" A)
vsi_assert_match "the host's name on the internal switch" "status: NOERROR" "$out"
vsi_assert_match "... is its gateway" "IN[[:space:]]+A[[:space:]]+$ho_gw" "$out"
out=$(hodig ext.example A)
vsi_assert_match "an outside name is refused, not forwarded" "status: REFUSED" "$out"
vsi_assert_no_match "no recursion offered" "flags:[a-z ]* ra" "$out"
refused=$("$CTL" stats --json hostonly | "$PYTHON" -c 'import json,sys; d=json.load(sys.stdin)["hostonly"]; print(d["dns.refused"], d["dns.forwarded"])')
vsi_assert_eq "counted as refused, nothing forwarded" "1 0" "$refused"
if ip netns exec "$ns" ping -c 1 -W 1 "$VSI_INTERNET_ADDR" >/dev/null 2>&1; then
  vsi_fail "a guest of the internal switch reached $VSI_INTERNET_ADDR"
fi
vsi_pass "an internal switch answers its own names, refuses the rest and has no path out"
