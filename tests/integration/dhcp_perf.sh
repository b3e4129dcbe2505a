#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# 500 clients complete DORA against vswitchd and all hold distinct
# addresses: the lease file lists 500 leases, 500 MACs, 500 addresses. The
# clients come from one VM namespace (dhcp_flood.py, a raw socket, each from
# its own MAC), as from a VM with nested guests, so the port's lease limit
# is raised (MaxLeasesPerPort=). Then perfdhcp (Kea's load generator), which
# always relays (giaddr set): no guest is a relay, so its port is named in
# TrustRelayFrom=, and 200 perfdhcp clients hold 200 distinct leases too.
# Usage: dhcp_perf.sh VSWITCHD
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
vsi_require_root
command -v perfdhcp >/dev/null || vsi_fail "perfdhcp is not installed (kea-admin; contrib/install-deps.sh --test)"
readonly CLIENTS=500 RELAYED=200
vsi_init dhcp_perf "$1"
vsi_topology
vsi_daemon_dirs
echo "MaxLeasesPerPort=1000" >>"$VSI_CONF"
VSI_LOG_LEVEL=${VSI_LOG_LEVEL:-warning} vsi_start_daemon
subnet=$(vsi_subnet)
gateway=$(vsi_subnet_host "$subnet" 1)
vsi_add_vm vm0 "$(vsi_subnet_host "$subnet" 4094)/20" "$gateway"

ip -n "$NS_VM" -4 addr flush dev eth0
ip netns exec "$NS_VM" timeout 60 "$PYTHON" "$VSI_LIB_DIR/dhcp_flood.py" eth0 dora "$CLIENTS" 40 \
  >"$VSI_TMP/dora.out" 2>&1 || vsi_fail "dhcp_flood.py failed: $(tail -5 "$VSI_TMP/dora.out")"
# The lease file is written at most once a second (kLeaseSaveInterval).
leases=$VSI_STATE/Default.leases
for ((i = 0; i < 30; i++)); do
  n=$(grep -c '^lease ' "$leases" 2>/dev/null || true)
  [ "$n" = "$CLIENTS" ] && break
  sleep 0.1
done
addrs=$(awk '$1 == "lease" {print $2}' "$leases" | sort -u | wc -l)
macs=$(awk '$1 == "lease" {print $3}' "$leases" | sort -u | wc -l)
vsi_assert_eq "leases after $CLIENTS clients ($(cat "$VSI_TMP/dora.out"))" "$CLIENTS" "$n"
vsi_assert_eq "distinct leased addresses" "$CLIENTS" "$addrs"
vsi_assert_eq "distinct leased MACs" "$CLIENTS" "$macs"
outside=$(awk '$1 == "lease" {print $2}' "$leases" | while read -r a; do
  x=$(vsi_ip2int "$a")
  (( (x & 0xfffff000) == $(vsi_ip2int "${subnet%/*}") )) || echo "$a"
done)
vsi_assert_eq "leased addresses outside $subnet" "" "$outside"
vsi_pass "$CLIENTS clients hold $CLIENTS distinct addresses in $subnet ($(cat "$VSI_TMP/dora.out"))"

# --- perfdhcp, as a relay the configuration trusts ---------------------------------
vsi_stop_daemon
echo "TrustRelayFrom=vm0" >>"$VSI_CONF"
rm -f "$leases" "$leases.journal"
VSI_LOG_LEVEL=${VSI_LOG_LEVEL:-warning} vsi_start_daemon
ip -n "$NS_VM" addr add "$(vsi_subnet_host "$subnet" 4094)/20" dev eth0
ip netns exec "$NS_VM" timeout 60 perfdhcp -4 -l eth0 -R "$RELAYED" -n "$RELAYED" -r 100 -p 20 -W 2000000 \
  >"$VSI_TMP/perfdhcp.out" 2>&1 || true
grep -q '^sent packets' "$VSI_TMP/perfdhcp.out" || vsi_fail "perfdhcp printed no statistics: $(tail -20 "$VSI_TMP/perfdhcp.out")"
for ((i = 0; i < 30; i++)); do
  n=$(grep -c '^lease ' "$leases" 2>/dev/null || true)
  [ "$n" = "$RELAYED" ] && break
  sleep 0.1
done
addrs=$(awk '$1 == "lease" {print $2}' "$leases" | sort -u | wc -l)
vsi_assert_eq "leases after $RELAYED relayed perfdhcp clients ($(grep -E 'drops|received' "$VSI_TMP/perfdhcp.out" | tr '\n' ' '))" "$RELAYED" "$n"
vsi_assert_eq "distinct addresses of the relayed clients" "$RELAYED" "$addrs"
vsi_pass "TrustRelayFrom=vm0: $RELAYED perfdhcp clients through that port's relay hold $RELAYED distinct addresses"
