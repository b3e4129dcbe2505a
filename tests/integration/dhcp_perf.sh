#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# 500 clients from perfdhcp (Kea's load generator) complete DORA against
# vswitchd and all hold distinct addresses: the lease file lists 500 leases,
# 500 MACs, 500 addresses. perfdhcp runs in the VM namespace with a static
# address, as a relay would (giaddr = its address).
# Usage: dhcp_perf.sh VSWITCHD
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
vsi_require_root
command -v perfdhcp >/dev/null || vsi_fail "perfdhcp is not installed (kea-admin; contrib/install-deps.sh --test)"
readonly CLIENTS=500
vsi_init dhcp_perf "$1"
vsi_topology
vsi_daemon_dirs
VSI_LOG_LEVEL=${VSI_LOG_LEVEL:-warning} vsi_start_daemon
subnet=$(vsi_subnet)
gateway=$(vsi_subnet_host "$subnet" 1)
vsi_add_vm vm0 "$(vsi_subnet_host "$subnet" 4094)/20" "$gateway"

ip netns exec "$NS_VM" timeout 60 perfdhcp -4 -l eth0 -R "$CLIENTS" -n "$CLIENTS" -r 100 -p 30 -W 2000000 \
  >"$VSI_TMP/perfdhcp.out" 2>&1 || true
sent=$(sed -n 's/^sent packets: *\([0-9]*\).*/\1/p' "$VSI_TMP/perfdhcp.out" | head -n 1)
[ -n "$sent" ] || vsi_fail "perfdhcp printed no statistics: $(tail -20 "$VSI_TMP/perfdhcp.out")"
# The daemon saves within milliseconds; give it a moment after the last ACK.
sleep 0.5
leases=$VSI_STATE/Default.leases
n=$(grep -c '^lease ' "$leases" || true)
addrs=$(awk '$1 == "lease" {print $2}' "$leases" | sort -u | wc -l)
macs=$(awk '$1 == "lease" {print $3}' "$leases" | sort -u | wc -l)
vsi_assert_eq "leases after $CLIENTS perfdhcp clients ($(grep -E 'drops|received' "$VSI_TMP/perfdhcp.out" | tr '\n' ' '))" "$CLIENTS" "$n"
vsi_assert_eq "distinct leased addresses" "$CLIENTS" "$addrs"
vsi_assert_eq "distinct leased MACs" "$CLIENTS" "$macs"
outside=$(awk '$1 == "lease" {print $2}' "$leases" | while read -r a; do
  x=$(vsi_ip2int "$a")
  (( (x & 0xfffff000) == $(vsi_ip2int "${subnet%/*}") )) || echo "$a"
done)
vsi_assert_eq "leased addresses outside $subnet" "" "$outside"
vsi_pass "$CLIENTS perfdhcp clients hold $CLIENTS distinct addresses in $subnet"
