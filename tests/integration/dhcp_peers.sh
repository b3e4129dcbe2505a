#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# DHCP and DNS as guests the other tests do not run see them:
#   - systemd-networkd (252, the machine's own binary, in a private mount
#     namespace) releases its lease when it stops, as it does at a guest's
#     shutdown; after a daemon restart it must get the same address back,
#     five cycles in a row (the neighbour entry the bridge keeps for that
#     MAC is the client's own, not someone else's);
#   - a Windows-style client (dhcp_windows.py: broadcast flag, client id
#     type 1, option 81, Windows' request list) is served by broadcast and
#     gets its client identifier back in OFFER and ACK (RFC 6842);
#   - unbound (Debian's package, unpacked with dpkg-deb, never installed)
#     runs in a guest as a recursive resolver forwarding to the gateway and
#     resolves the switch's names, the reverse zone and outside names.
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
vsi_dns_upstream
vsb_start_bus peers open
vsi_start_daemon
host_fqdn=$(hostname | cut -d. -f1 | tr '[:upper:]' '[:lower:]').vswitch.internal
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

# --- a Windows-style client: broadcast flag, client id type 1, option 81 --------
vsd_vm "$NS_VM-win" win0
ip -n "$NS_VM-win" link set eth0 address 52:54:00:57:11:0a
out=$(ip netns exec "$NS_VM-win" "$PYTHON" "$VSI_LIB_DIR/dhcp_windows.py" eth0 52:54:00:57:11:0a DESKTOP-W11)
offer=$(grep '^OFFER' <<<"$out") || vsi_fail "the Windows-style client got no OFFER: $out"
ack=$(grep '^ACK' <<<"$out") || vsi_fail "the Windows-style client got no ACK: $out"
for r in "$offer" "$ack"; do
  kind=${r%% *}
  vsi_assert_match "$kind to the broadcast address (broadcast flag)" " broadcast=1 " "$r"
  vsi_assert_match "$kind echoes the client identifier (RFC 6842)" " client_id=0152540057110a " "$r"
  vsi_assert_match "$kind carries mask, router, DNS, domain" " options=1,3,6,(12,)?15," "$r"
done
win_ip=$(sed -n 's/^ACK yiaddr=\([^ ]*\) .*/\1/p' <<<"$ack")
vsi_assert_match "the lease carries Windows' host name" "52:54:00:57:11:0a +$win_ip +DESKTOP-W11" "$("$CTL" leases)"
vsi_pass "a Windows-style client (broadcast, client id type 1, option 81) is served, its client id echoed"

# --- a recursive resolver in a guest, forwarding to the gateway: unbound -------
ub_root=$(vsi_unpacked_deb unbound)
subnet=$(vsi_subnet)
gw=$(vsi_subnet_host "$subnet" 1)
vsi_add_vm ub0 "$(vsi_subnet_host "$subnet" 200)/20" "$gw" "$NS_VM-ub"
cat >"$VSI_TMP/unbound.conf" <<CONF
server:
  interface: 127.0.0.1
  do-daemonize: no
  chroot: ""
  username: ""
  directory: "$VSI_TMP"
  pidfile: "$VSI_TMP/unbound.pid"
  use-syslog: no
  do-ip6: no
  access-control: 127.0.0.0/8 allow
  # The switch's reverse zone is in RFC 1918 space, which unbound answers
  # itself unless told not to.
  unblock-lan-zones: yes
  insecure-lan-zones: yes
  domain-insecure: "vswitch.internal"
forward-zone:
  name: "."
  forward-addr: $gw
CONF
ip netns exec "$NS_VM-ub" "$ub_root/usr/sbin/unbound" -d -c "$VSI_TMP/unbound.conf" >"$VSI_TMP/unbound.log" 2>&1 &
vsi_track_pid $!
ubdig() { ip netns exec "$NS_VM-ub" dig +short +time=2 +tries=1 @127.0.0.1 "$@"; }
for _ in $(seq 50); do ubdig "$host_fqdn" A >/dev/null 2>&1 && break; sleep 0.1; done
vsi_assert_eq "unbound resolves the host's name through the gateway" "$gw" "$(ubdig "$host_fqdn" A)"
vsi_assert_eq "unbound resolves a guest's name" "$win_ip" "$(ubdig desktop-w11.vswitch.internal A)"
vsi_assert_eq "unbound resolves the gateway's PTR" "$host_fqdn." "$(ubdig -x "$gw")"
vsi_assert_eq "unbound reaches the internet's names through the gateway" 192.0.2.10 "$(ubdig ext.example A)"
vsi_pass "unbound in a guest, forwarding to the gateway, resolves local, reverse and outside names"
