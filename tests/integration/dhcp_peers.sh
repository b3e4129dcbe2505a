#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# DHCP and DNS as guests the other tests do not run see them:
# systemd-networkd (252, the machine's own binary, in a private mount
# namespace) releases its lease when it stops, as it does at a guest's
# shutdown; after a daemon restart it must get the same address back, five
# cycles in a row (the neighbour entry the bridge keeps for that MAC is the
# client's own, not someone else's).
# Usage: dhcp_peers.sh VSWITCHD VSWITCHCTL
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/bus_lib.sh
source "$(dirname "$0")/bus_lib.sh"
# shellcheck source=tests/integration/dhcp_lib.sh
source "$(dirname "$0")/dhcp_lib.sh"
vsi_require_root
vsi_init peers "$1"
CTL=$(readlink -f "$2")
vsi_topology
vsi_daemon_dirs
vsb_start_bus peers open
vsi_start_daemon
stat() { "$CTL" stats --json | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["Default"][sys.argv[1]])' "$1"; }

# --- systemd-networkd: release at stop, the same address after a restart --------
vsd_vm "$NS_VM" vm0
ip -n "$NS_VM" link set eth0 address 52:54:00:6e:77:01
first=
for cycle in 1 2 3 4 5; do
  vsd_networkd "$NS_VM" "networkd-$cycle" SendRelease=yes
  [ -n "$first" ] || first=$VSD_IP
  vsi_assert_eq "networkd cycle $cycle: the same address" "$first" "$VSD_IP"
  releases=$(stat dhcp.releases)
  vsi_kill_pid "$VSD_PID"
  for _ in $(seq 50); do [ "$(stat dhcp.releases)" -gt "$releases" ] && break; sleep 0.05; done
  vsi_assert_eq "networkd cycle $cycle: released at stop" $((releases + 1)) "$(stat dhcp.releases)"
  ip -n "$NS_VM" -4 addr flush dev eth0
  vsi_stop_daemon
  vsi_start_daemon
done
vsi_pass "systemd-networkd releases at stop and gets $first back after each of 5 restarts"
