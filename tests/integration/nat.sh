#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# The Default switch's data plane: a VM on vswitch0 reaches the simulated
# internet through NAT (ping and TCP, seen upstream as the host's uplink
# address), while upstream cannot open a connection into the subnet — and
# that refusal is the daemon's rule, since removing the table lets it through.
# Usage: nat.sh VSWITCHD
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
vsi_require_root
vsi_init nat "$1"
vsi_topology
vsi_daemon_dirs
vsi_start_daemon
vsi_assert_ne "STATUS= sent with READY=1" "" "$VSI_STATUS"

subnet=$(vsi_subnet)
vsi_assert_match "subnet on vswitch0" '^172\.(1[6-9]|2[0-9]|3[01])\.[0-9]+\.0/20$' "$subnet"
gateway=$(vsi_subnet_host "$subnet" 1)
vsi_assert_eq "address of vswitch0" "$gateway/20" "$(vsi_bridge_addrs)"
details=$(ip -n "$NS_HOST" -d link show dev vswitch0)
vsi_assert_match "vswitch0 runs without STP" 'stp_state 0 ' "$details"
vsi_assert_match "vswitch0 forwards at once" 'forward_delay 0 ' "$details"
vsi_assert_eq "ip_forward in the host namespace" 1 \
  "$(ip netns exec "$NS_HOST" cat /proc/sys/net/ipv4/ip_forward)"
vsi_pass "vswitch0 is up as $gateway/20 ($subnet), STP off, forwarding on"

vsi_assert_eq "tables in 'nft list ruleset'" 1 \
  "$(ip netns exec "$NS_HOST" nft list ruleset | grep -c '^table ' || true)"
vsi_assert_eq "the one table" "table inet vswitch" \
  "$(ip netns exec "$NS_HOST" nft list ruleset | sed -n 's/^\(table .*\) {$/\1/p')"
vsi_pass "'nft list ruleset' holds exactly one table, inet vswitch"

vm_addr=$(vsi_subnet_host "$subnet" 100)
vsi_add_vm vm0 "$vm_addr/20" "$gateway"

out=$(ip netns exec "$NS_VM" ping -c 3 -i 0.2 -W 2 "$VSI_INTERNET_ADDR" 2>&1) ||
  vsi_fail "VM $vm_addr cannot ping $VSI_INTERNET_ADDR through vswitch0: $out"
vsi_pass "VM $vm_addr pings $VSI_INTERNET_ADDR"

vsi_tcp_server "$NS_UP" "$VSI_INTERNET_ADDR" 8080 "$VSI_TMP/upstream-peers"
reply=$(vsi_tcp_connect "$NS_VM" "$VSI_INTERNET_ADDR" 8080 3 2>&1) ||
  vsi_fail "VM cannot open TCP to $VSI_INTERNET_ADDR:8080: $reply"
vsi_assert_eq "source address upstream saw" "$VSI_HOST_UPLINK_ADDR" "$(tail -n 1 "$VSI_TMP/upstream-peers")"
vsi_pass "VM opens TCP to $VSI_INTERNET_ADDR:8080; upstream sees $VSI_HOST_UPLINK_ADDR (masqueraded)"

# Upstream gets a route to the subnet, so only the daemon's rule stands
# between it and the VM.
ip -n "$NS_UP" route add "$subnet" via "$VSI_HOST_UPLINK_ADDR"
vsi_tcp_server "$NS_VM" 0.0.0.0 2222 "$VSI_TMP/vm-peers"
if reply=$(vsi_tcp_connect "$NS_UP" "$vm_addr" 2222 2 2>&1); then
  vsi_fail "upstream opened a TCP connection to VM $vm_addr:2222 (server said '$reply')"
fi
vsi_assert_eq "connections the VM accepted from upstream" "" "$(cat "$VSI_TMP/vm-peers")"
vsi_pass "upstream cannot open TCP to VM $vm_addr:2222 ($reply)"

# The VM's own outgoing connections still work while inbound ones are refused.
reply=$(vsi_tcp_connect "$NS_VM" "$VSI_INTERNET_ADDR" 8080 3 2>&1) ||
  vsi_fail "VM lost its TCP connectivity after the inbound attempt: $reply"

# Control: without the daemon's table the same attempt succeeds, so the drop
# above came from our rule and not from a broken route.
vsi_stop_daemon TERM
vsi_assert_eq "exit status on SIGTERM" 0 "$VSI_DAEMON_RC"
vsi_nft delete table inet vswitch
reply=$(vsi_tcp_connect "$NS_UP" "$vm_addr" 2222 3 2>&1) ||
  vsi_fail "control: upstream cannot reach VM $vm_addr:2222 even without the table: $reply"
vsi_assert_eq "control: peer the VM saw" "$VSI_UPSTREAM_ADDR" "$(tail -n 1 "$VSI_TMP/vm-peers")"
vsi_pass "control: with table inet vswitch removed, upstream reaches the VM"

# A restart puts the table back and the VM is shielded again.
vsi_start_daemon
vsi_assert_eq "subnet after restart" "$subnet" "$(vsi_subnet)"
if reply=$(vsi_tcp_connect "$NS_UP" "$vm_addr" 2222 2 2>&1); then
  vsi_fail "after restart, upstream opened a TCP connection to the VM ('$reply')"
fi
out=$(ip netns exec "$NS_VM" ping -c 1 -W 2 "$VSI_INTERNET_ADDR" 2>&1) ||
  vsi_fail "after restart, VM cannot ping $VSI_INTERNET_ADDR: $out"
vsi_pass "after a restart the table is back: VM online, inbound refused"
