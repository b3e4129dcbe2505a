#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# The per-boot subnet: a new boot id gives a new block and the bridge is
# renumbered; a route over the would-be block (in any table, here table 100)
# or an address makes the daemon pick another; a pool with nothing free is a
# one-line error naming the pool, and nothing is built.
# Usage: subnet.sh VSWITCHD
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
vsi_require_root
vsi_init subnet "$1"
vsi_topology
vsi_daemon_dirs

# --- another boot id, same state dir: new subnet, bridge renumbered.
VSI_BOOT_ID=$VSI_BOOT_ID_A vsi_start_daemon
subnet_a=$(vsi_subnet)
[ -n "$subnet_a" ] || vsi_fail "boot A: no subnet on vswitch0"
gateway_a=$(vsi_subnet_host "$subnet_a" 1)
vsi_assert_eq "boot A: address of vswitch0" "$gateway_a/20" "$(vsi_bridge_addrs)"
if ! grep -q "$VSI_BOOT_ID_A" "$VSI_STATE/Default.subnet" || ! grep -q "$subnet_a" "$VSI_STATE/Default.subnet"; then
  vsi_fail "boot A: $VSI_STATE/Default.subnet does not record the boot id and subnet: $(cat "$VSI_STATE/Default.subnet")"
fi
vsi_stop_daemon TERM

VSI_BOOT_ID=$VSI_BOOT_ID_B vsi_start_daemon
subnet_b=$(vsi_subnet)
vsi_assert_ne "boot B: subnet (boot A had it)" "$subnet_a" "$subnet_b"
vsi_assert_match "boot B: subnet" '^172\.(1[6-9]|2[0-9]|3[01])\.[0-9]+\.0/20$' "$subnet_b"
gateway_b=$(vsi_subnet_host "$subnet_b" 1)
vsi_assert_eq "boot B: addresses of vswitch0 (boot A's must be gone)" "$gateway_b/20" "$(vsi_bridge_addrs)"
vsi_assert_eq "boot B: routes to boot A's subnet" "" \
  "$(ip -n "$NS_HOST" -4 route show table all to "$subnet_a")"
vsi_assert_eq "boot B: table inet vswitch copies" 1 "$(vsi_vswitch_table_count)"
table=$(vsi_nft list table inet vswitch)
vsi_assert_no_match "boot B: table still names boot A's subnet" "${subnet_a//./\\.}" "$table"
vsi_pass "new boot id: $subnet_a -> $subnet_b, vswitch0 renumbered to $gateway_b"

# The same boot id again is stable: back to A's block.
vsi_stop_daemon TERM
VSI_BOOT_ID=$VSI_BOOT_ID_A vsi_start_daemon
vsi_assert_eq "boot A again: subnet" "$subnet_a" "$(vsi_subnet)"
vsi_assert_eq "boot A again: addresses of vswitch0" "$gateway_a/20" "$(vsi_bridge_addrs)"
vsi_pass "boot id A again gives $subnet_a again"
vsi_stop_daemon TERM

# --- a route in a non-main table over the block the daemon would pick.
vsi_run_daemon --teardown
vsi_assert_eq "--teardown exit status (stderr: '$VSI_ERR')" 0 "$VSI_RC"
vsi_assert_nothing_built "after --teardown"
vsi_add_dummy "$NS_HOST" dummy0
ip -n "$NS_HOST" route add "$subnet_a" dev dummy0 table 100
# A fresh state dir: the stored choice must not decide, the routing table must.
VSI_STATE=$VSI_TMP/state-route
VSI_BOOT_ID=$VSI_BOOT_ID_A vsi_start_daemon
subnet_r=$(vsi_subnet)
[ -n "$subnet_r" ] || vsi_fail "with a route over $subnet_a: no subnet on vswitch0"
vsi_assert_ne "subnet with a route over $subnet_a in table 100" "$subnet_a" "$subnet_r"
overlap=$("$PYTHON" -c 'import ipaddress,sys; print(ipaddress.ip_network(sys.argv[1]).overlaps(ipaddress.ip_network(sys.argv[2])))' "$subnet_a" "$subnet_r")
vsi_assert_eq "chosen $subnet_r overlaps the routed $subnet_a" False "$overlap"
vsi_pass "a route over $subnet_a in table 100 makes it choose $subnet_r"
vsi_stop_daemon TERM
vsi_run_daemon --teardown
vsi_assert_eq "--teardown exit status (stderr: '$VSI_ERR')" 0 "$VSI_RC"
ip -n "$NS_HOST" route del "$subnet_a" dev dummy0 table 100

# --- a full pool: its only block overlaps an address on the host.
ip -n "$NS_HOST" addr add 10.0.3.1/24 dev dummy0
VSI_CONF=$VSI_TMP/etc-full/vswitchd.conf
mkdir -p "$(dirname "$VSI_CONF")"
printf '[Switch]\nSubnetPool=10.0.0.0/20\nPrefixLength=20\n' >"$VSI_CONF"
VSI_STATE=$VSI_TMP/state-full
VSI_LOG_LEVEL=err vsi_run_daemon
vsi_assert_eq "full pool: exit status (stderr: '$VSI_ERR')" 1 "$VSI_RC"
vsi_assert_one_line_error "full pool" "10.0.0.0/20"
vsi_assert_nothing_built "full pool"
vsi_pass "full pool: exit 1, '$VSI_ERR', nothing built"
