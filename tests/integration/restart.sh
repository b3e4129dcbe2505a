#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# Restarts leave the data plane as it was: 20 SIGTERM/start cycles keep one
# table with the same rules, the same subnet and the same (adopted, not
# recreated) bridge; kill -9 then start recovers; --teardown removes it all.
# Usage: restart.sh VSWITCHD
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
vsi_require_root
vsi_init restart "$1"
readonly RESTARTS=20
vsi_topology
vsi_daemon_dirs
vsi_start_daemon

subnet=$(vsi_subnet)
[ -n "$subnet" ] || vsi_fail "no subnet on vswitch0 after the first start"
ifindex=$(vsi_ifindex vswitch0)
table=$(vsi_table_normalised)
[ -n "$table" ] || vsi_fail "empty 'nft list table inet vswitch' after the first start"
[ -s "$VSI_STATE/Default.subnet" ] || vsi_fail "no $VSI_STATE/Default.subnet after the first start"
gateway=$(vsi_subnet_host "$subnet" 1)
vsi_add_vm vm0 "$(vsi_subnet_host "$subnet" 100)/20" "$gateway"
vsi_pass "first start: $subnet on vswitch0 (ifindex $ifindex)"

for ((i = 1; i <= RESTARTS; i++)); do
  vsi_stop_daemon TERM
  vsi_assert_eq "restart $i: exit status on SIGTERM" 0 "$VSI_DAEMON_RC"
  # On exit the data plane stays: VMs keep flowing through a restart.
  vsi_bridge_exists || vsi_fail "restart $i: vswitch0 gone after SIGTERM"
  vsi_assert_eq "restart $i: table inet vswitch after SIGTERM" 1 "$(vsi_vswitch_table_count)"
  vsi_start_daemon
  # inet vswitch, and bridge vswitch with vm0's port guards (issue 17).
  vsi_assert_eq "restart $i: tables in the ruleset" 2 "$(vsi_table_count)"
  vsi_assert_eq "restart $i: table inet vswitch copies" 1 "$(vsi_vswitch_table_count)"
  vsi_assert_eq "restart $i: subnet" "$subnet" "$(vsi_subnet)"
  vsi_assert_eq "restart $i: vswitch0 ifindex (adopted, not recreated)" "$ifindex" "$(vsi_ifindex vswitch0)"
  now=$(vsi_table_normalised)
  if [ "$now" != "$table" ]; then
    diff -u <(echo "$table") <(echo "$now") >&2 || true
    vsi_fail "restart $i: 'nft list table inet vswitch' changed (diff above)"
  fi
done
vsi_assert_eq "VM port still on vswitch0" vswitch0 \
  "$(ip -n "$NS_HOST" -o link show dev vm0 | grep -o 'master [^ ]*' | cut -d' ' -f2)"
out=$(ip netns exec "$NS_VM" ping -c 1 -W 2 "$VSI_INTERNET_ADDR" 2>&1) ||
  vsi_fail "VM offline after $RESTARTS restarts: $out"
vsi_pass "$RESTARTS restarts: one table, same rules, same subnet, same bridge, VM online"

# A TAP that DetachAdapter unplugged and marked for deletion when a kill -9
# came before the deletion thread deleted it (daemon/ports/link_reaper.h):
# the next start deletes it; an interface with any other alias is left.
vsi_stop_daemon KILL
ip -n "$NS_HOST" tuntap add vreap0 mode tap
ip -n "$NS_HOST" link set vreap0 alias "vswitch: detached, being deleted"
ip -n "$NS_HOST" tuntap add vkeep0 mode tap
ip -n "$NS_HOST" link set vkeep0 alias "someone else's"
VSI_LOG_LEVEL=err vsi_start_daemon
for ((i = 0; i < 100; i++)); do vsi_link_exists vreap0 || break; sleep 0.02; done
vsi_link_exists vreap0 && vsi_fail "a TAP marked 'detached, being deleted' survived the restart"
vsi_link_exists vkeep0 || vsi_fail "an interface with another alias was deleted at start"
ip -n "$NS_HOST" link del vkeep0
vsi_pass "kill -9 between a detach and its deletion: the marked TAP is deleted at the next start, nothing else"

# kill -9: no chance to clean anything; the next start must adopt what is
# there. At --log-level err, anything it prints is an error.
vsi_stop_daemon KILL
VSI_LOG_LEVEL=err vsi_start_daemon
vsi_assert_eq "after kill -9: subnet" "$subnet" "$(vsi_subnet)"
vsi_assert_eq "after kill -9: tables in the ruleset (inet and bridge vswitch)" 2 "$(vsi_table_count)"
vsi_assert_eq "after kill -9: table inet vswitch" "$table" "$(vsi_table_normalised)"
vsi_assert_eq "after kill -9: vswitch0 ifindex" "$ifindex" "$(vsi_ifindex vswitch0)"
errors=$(sed -n '/^=== start '"$VSI_DAEMON_STARTS"':/,$p' "$VSI_TMP/daemon.err" | grep -v '^=== start' || true)
vsi_assert_eq "after kill -9: errors logged by the new daemon" "" "$errors"
out=$(ip netns exec "$NS_VM" ping -c 1 -W 2 "$VSI_INTERNET_ADDR" 2>&1) ||
  vsi_fail "VM offline after kill -9 and restart: $out"
vsi_pass "kill -9 then start: recovers silently with $subnet and the same table"

vsi_stop_daemon TERM
vsi_run_daemon --teardown
vsi_assert_eq "--teardown exit status (stderr: '$VSI_ERR')" 0 "$VSI_RC"
vsi_assert_nothing_built "after --teardown"
vsi_pass "--teardown removes vswitch0 and table inet vswitch"
