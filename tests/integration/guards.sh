#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# Port guards (issue 17), one topology: three guests A, B, C on veths
# plugged in by AttachInterface with their MACs, a private bus.
#   - defaults: DhcpGuard, RouterGuard on, IpSpoofing allowed, not
#     isolated; MacSpoofing allowed on attached ports, guarded on the
#     daemon's own TAPs (vswitchctl show);
#   - DhcpGuard: A runs busybox udhcpd as a rogue server; B's udhcpc is
#     bound by vswitchd, a broadcast DISCOVER hears only vswitchd's OFFER
#     and the rogue OFFERs are counted as dropped; with DhcpGuard=no on A
#     the rogue OFFER is heard;
#   - RouterGuard: A sends a Router Advertisement for 2001:db8:17::/64; B
#     and the host take no address or route from it; with RouterGuard=no B
#     does;
#   - MacSpoofing=no: B with another MAC loses the gateway, with
#     MacSpoofing=yes it keeps it;
#   - IpSpoofing=no: B's leased address works, C's address configured on B
#     does not, and B's gratuitous ARP for C's address (arping -U) does not
#     reach the host's neighbour table; with IpSpoofing=yes it does;
#   - Isolated: B and C cannot ping each other but reach upstream;
#   - kill -9 and restart keep every setting; the bridge table deleted by
#     hand is put back; bad input gets named errors.
# Usage: guards.sh VSWITCHD VSWITCHCTL
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/dhcp_lib.sh
source "$(dirname "$0")/dhcp_lib.sh"
# shellcheck source=tests/integration/bus_lib.sh
source "$(dirname "$0")/bus_lib.sh"
vsi_require_root
command -v udhcpc >/dev/null || vsi_fail "udhcpc is not installed (contrib/install-deps.sh --test)"
command -v busybox >/dev/null || vsi_fail "busybox is not installed (contrib/install-deps.sh --test)"
vsi_init guards "$1"
CTL=$(readlink -f "$2")
PROBE="$PYTHON $VSI_LIB_DIR/guard_probe.py"
NS_A=vsi-guards-$$-a
NS_B=vsi-guards-$$-b
NS_C=vsi-guards-$$-c
MAC_A=02:00:00:17:00:0a
MAC_B=02:00:00:17:00:0b
MAC_C=02:00:00:17:00:0c
ROGUE=198.51.100.1
started=$(vsi_now_ms)

vsi_topology
vsi_daemon_dirs
vsb_start_bus guards open
vsi_start_daemon
subnet=$(vsi_subnet)
gateway=$(vsi_subnet_host "$subnet" 1)

# guest NS HOSTIF MAC VM: eth0 with MAC, no DAD (so an RA can leave at
# once), accepting RAs; the host end plugged in by AttachInterface.
guest() {
  local ns=$1 hostif=$2 mac=$3 vm=$4 out
  vsi_ns_add "$ns"
  ip -n "$NS_HOST" link add "$hostif" type veth peer name eth0 netns "$ns"
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.eth0.accept_dad=0 net.ipv6.conf.eth0.accept_ra=1
  ip -n "$ns" link set eth0 address "$mac"
  ip -n "$ns" link set eth0 up
  out=$(vsb_send /org/vswitch1 org.vswitch1.Manager.AttachInterface Default "$hostif" "$vm" "$mac")
  [[ $out == *"/org/vswitch1/port/"* ]] || vsi_fail "AttachInterface $hostif: $out"
}
guest "$NS_A" pa "$MAC_A" vm-a
guest "$NS_B" pb "$MAC_B" vm-b
guest "$NS_C" pc "$MAC_C" vm-c
show() { "$CTL" show "$1" | sed -n "s/^$2: *//p"; }
counter() { # CHAIN COMMENT: packets its drop counted
  vsi_nft list chain bridge vswitch "$1" | grep "comment \"$2\"" | sed -n 's/.*counter packets \([0-9]*\).*/\1/p'
}
ping_ok() { ip netns exec "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1; }
# The udhcpc hook reports the lease before it configures it.
wait_addr() {
  for ((i = 0; i < 50; i++)); do
    ip -n "$1" -4 -o addr show dev eth0 | grep -q " $2/" && return 0
    sleep 0.05
  done
  vsi_fail "$2 never appeared on eth0 of $1"
}

# --- defaults ------------------------------------------------------------------
for k in DhcpGuard RouterGuard MacSpoofing IpSpoofing; do
  vsi_assert_eq "attached port pa: $k" yes "$(show pa "$k")"
done
vsi_assert_eq "attached port pa: Isolated" no "$(show pa Isolated)"
tap=$("$CTL" attach vm-tap)
vsi_assert_eq "the daemon's TAP $tap: MacSpoofing" no "$(show "$tap" MacSpoofing)"
vsi_assert_match "the daemon's TAP jumps to its MAC guard" "\"$tap\" : jump guard_mdr" \
  "$(vsi_nft list map bridge vswitch ports)"
"$CTL" detach "$tap"
vsi_assert_match "pa jumps to the DHCP and router guards" '"pa" : jump guard_dr' \
  "$(vsi_nft list map bridge vswitch ports)"
vsi_pass "defaults: DhcpGuard, RouterGuard on; MacSpoofing guarded on the daemon's TAP ($tap) only; IpSpoofing allowed; not isolated"

# --- DhcpGuard ------------------------------------------------------------------
ip -n "$NS_A" addr add "$ROGUE/24" dev eth0
# busybox udhcpd ARP-pings an address for up to 2 s before it offers it:
# the probes below listen for 3 s.
cat >"$VSI_TMP/udhcpd.conf" <<CONF
start 198.51.100.100
end 198.51.100.150
interface eth0
lease_file $VSI_TMP/udhcpd.leases
pidfile $VSI_TMP/udhcpd.pid
opt router $ROGUE
opt subnet 255.255.255.0
CONF
: >"$VSI_TMP/udhcpd.leases"
ip netns exec "$NS_A" busybox udhcpd -f "$VSI_TMP/udhcpd.conf" >"$VSI_TMP/udhcpd.log" 2>&1 &
vsi_track_pid $!
sleep 0.3
vsd_udhcpc "$NS_B" b
b_addr=$VSD_IP
b_pid=$VSD_PID
wait_addr "$NS_B" "$b_addr"
vsi_assert_no_match "B's lease" '^198\.51\.100\.' "$b_addr"
vsi_assert_eq "B's router" "$gateway" "$(vsd_field "$(grep '^bound' "$VSI_TMP/b.out" | tail -n 1)" router)"
heard=$(ip netns exec "$NS_C" $PROBE offers eth0 "$MAC_C" 3 | sort -u | tr '\n' ' ')
vsi_assert_eq "OFFERs C heard with DhcpGuard on A" "$gateway " "$heard"

dropped=$(counter dhcp_guard "DHCP server message from a port")
[ "${dropped:-0}" -ge 1 ] || vsi_fail "no rogue DHCP message counted as dropped (counter '$dropped')"
vsi_pass "DhcpGuard on A: udhcpc on B bound $b_addr from vswitchd, C heard only $gateway, $dropped rogue messages dropped"
# Ports coming and going with guards already in use change set elements,
# not the table: the count stays.
ip -n "$NS_HOST" link add pd type veth peer name pd-p
out=$(vsb_send /org/vswitch1 org.vswitch1.Manager.AttachInterface Default pd vm-d 02:00:00:17:00:0d)
[[ $out == *"/org/vswitch1/port/"* ]] || vsi_fail "AttachInterface pd: $out"
vsi_assert_match "pd in the guards' map" '"pd" : jump guard_dr' "$(vsi_nft list map bridge vswitch ports)"
"$CTL" detach pd
vsi_assert_eq "rogue DHCP drops after a port came and went" "$dropped" "$(counter dhcp_guard "DHCP server message from a port")"
"$CTL" set pa DhcpGuard=no
heard=$(ip netns exec "$NS_C" $PROBE offers eth0 "$MAC_C" 3 | sort -u | tr '\n' ' ')
vsi_assert_match "OFFERs C heard with DhcpGuard=no on A" "$ROGUE" "$heard"
"$CTL" set pa DhcpGuard=yes
vsi_pass "control: DhcpGuard=no on A lets C hear the rogue ($heard)"

# --- RouterGuard ----------------------------------------------------------------
ip netns exec "$NS_A" $PROBE ra eth0 2001:db8:17::
sleep 0.5
vsi_assert_no_match "B's addresses after A's RA" '2001:db8:17:' "$(ip -n "$NS_B" -6 addr show dev eth0)"
vsi_assert_eq "B's IPv6 default routes" "" "$(ip -n "$NS_B" -6 route show default)"
vsi_assert_no_match "the host's addresses after A's RA" '2001:db8:17:' "$(ip -n "$NS_HOST" -6 addr show)"
ras=$(counter router_guard "ICMPv6 Router Advertisement from a port")
[ "${ras:-0}" -ge 1 ] || vsi_fail "A's RA was not counted as dropped (counter '$ras')"
vsi_pass "RouterGuard on A: its RA reached neither B nor the host ($ras dropped)"
"$CTL" set pa RouterGuard=no
ip netns exec "$NS_A" $PROBE ra eth0 2001:db8:17::
for ((i = 0; i < 30; i++)); do
  ip -n "$NS_B" -6 addr show dev eth0 | grep -q '2001:db8:17:' && break
  sleep 0.1
done
vsi_assert_match "B's addresses after A's RA, RouterGuard=no" '2001:db8:17:' "$(ip -n "$NS_B" -6 addr show dev eth0)"
"$CTL" set pa RouterGuard=yes
vsi_pass "control: with RouterGuard=no on A, B configured an address from its RA"

# --- MacSpoofing ----------------------------------------------------------------
"$CTL" set pb MacSpoofing=no
ping_ok "$NS_B" "$gateway" || vsi_fail "B cannot ping the gateway with its own MAC and MacSpoofing=no"
mac_try() { # expect: ok|dropped
  ip -n "$NS_B" link set eth0 address 02:00:00:17:00:99
  ip -n "$NS_B" neigh flush dev eth0
  local r=dropped
  ping_ok "$NS_B" "$gateway" && r=ok
  ip -n "$NS_B" link set eth0 address "$MAC_B"
  ip -n "$NS_B" neigh flush dev eth0
  vsi_assert_eq "B with another MAC, MacSpoofing=$2" "$1" "$r"
}
mac_try dropped no
"$CTL" set pb MacSpoofing=yes
mac_try ok yes
"$CTL" set pb MacSpoofing=no
vsi_pass "MacSpoofing=no: B with another MAC loses the gateway; MacSpoofing=yes: it keeps it"

# --- IpSpoofing -----------------------------------------------------------------
vsd_udhcpc "$NS_C" c
c_addr=$VSD_IP
wait_addr "$NS_C" "$c_addr"
ip -n "$NS_C" route add default via "$gateway" 2>/dev/null || true
ping_ok "$NS_C" "$gateway" || vsi_fail "C ($c_addr) cannot ping the gateway: $(ip -n "$NS_C" addr show dev eth0; ip netns exec "$NS_C" ping -c 1 -W 1 "$gateway"; cat "$VSI_TMP/c.out")"
"$CTL" set pb IpSpoofing=no
ping_ok "$NS_B" "$gateway" || vsi_fail "B cannot ping the gateway from its lease $b_addr with IpSpoofing=no"
ip -n "$NS_B" addr add "$c_addr/32" dev eth0
r=ok
ip netns exec "$NS_B" ping -c 1 -W 1 -I "$c_addr" "$gateway" >/dev/null 2>&1 || r=dropped
vsi_assert_eq "B pinging from C's address $c_addr, IpSpoofing=no" dropped "$r"
host_mac_of_c() { ip -n "$NS_HOST" neigh show "$c_addr" dev vswitch0 | grep -o 'lladdr [^ ]*' | cut -d' ' -f2; }
vsi_assert_eq "the host's MAC for $c_addr" "$MAC_C" "$(host_mac_of_c)"
sleep 1.1 # the neighbour table ignores overrides within locktime (1 s)
ip netns exec "$NS_B" busybox arping -U -c 2 -w 2 -I eth0 -s "$c_addr" "$c_addr" >/dev/null 2>&1 || true
vsi_assert_eq "the host's MAC for $c_addr after B's arping -U, IpSpoofing=no" "$MAC_C" "$(host_mac_of_c)"
spoofed=$(counter ip_guard "ARP from another address")
[ "${spoofed:-0}" -ge 1 ] || vsi_fail "B's gratuitous ARP was not counted as dropped ('$spoofed')"
vsi_pass "IpSpoofing=no: B's lease works, C's address on B is dropped, its arping -U left the host's entry ($spoofed ARP dropped)"
"$CTL" set pb IpSpoofing=yes
ip netns exec "$NS_B" busybox arping -U -c 2 -w 2 -I eth0 -s "$c_addr" "$c_addr" >/dev/null 2>&1 || true
vsi_assert_eq "the host's MAC for $c_addr after B's arping -U, IpSpoofing=yes" "$MAC_B" "$(host_mac_of_c)"
ip -n "$NS_B" addr del "$c_addr/32" dev eth0
ip -n "$NS_HOST" neigh flush dev vswitch0
vsi_pass "control: with IpSpoofing=yes B's arping -U poisons the host's entry for $c_addr"
"$CTL" set pb IpSpoofing=no

# --- Isolated -------------------------------------------------------------------
ip -n "$NS_B" route add default via "$gateway" 2>/dev/null || true
ping_ok "$NS_B" "$c_addr" || vsi_fail "B cannot ping C before isolation"
"$CTL" set pb Isolated=yes
"$CTL" set pc Isolated=yes
ping_ok "$NS_B" "$c_addr" && vsi_fail "isolated B pings isolated C"
ping_ok "$NS_C" "$b_addr" && vsi_fail "isolated C pings isolated B"
vsi_ping_upstream "$NS_B" || vsi_fail "isolated B cannot reach $VSI_INTERNET_ADDR"
ping_ok "$NS_B" "$gateway" || vsi_fail "isolated B cannot ping the gateway"
vsi_assert_match "pb's bridge port flag" 'isolated on' "$(ip -n "$NS_HOST" -d link show dev pb)"
vsi_pass "Isolated B and C cannot ping each other; B reaches the gateway and $VSI_INTERNET_ADDR"

# --- kill -9, restart, repair ----------------------------------------------------
vsi_stop_daemon KILL
vsi_start_daemon
vsi_assert_eq "pb after kill -9: IpSpoofing" no "$(show pb IpSpoofing)"
vsi_assert_eq "pb after kill -9: MacSpoofing" no "$(show pb MacSpoofing)"
vsi_assert_eq "pb after kill -9: Isolated" yes "$(show pb Isolated)"
vsi_assert_eq "pa after kill -9: DhcpGuard" yes "$(show pa DhcpGuard)"
vsi_assert_match "pb's guards after the restart" '"pb" : jump guard_midr' "$(vsi_nft list map bridge vswitch ports)"
vsi_assert_match "pb's lease still allowed after the restart" "\"pb\" . $b_addr" "$(vsi_nft list set bridge vswitch port_ipv4)"
ping_ok "$NS_B" "$c_addr" && vsi_fail "isolated B pings isolated C after the restart"
vsi_nft delete table bridge vswitch
for ((i = 0; i < 50; i++)); do
  vsi_nft list table bridge vswitch >/dev/null 2>&1 && break
  sleep 0.1
done
vsi_assert_match "bridge vswitch after 'nft delete table'" '"pb" : jump guard_midr' "$(vsi_nft list map bridge vswitch ports)"
vsi_pass "kill -9 and restart keep every setting; a deleted bridge vswitch is put back"

# --- bad input --------------------------------------------------------------------
out=$(vsb_send --as "$VSB_NOBODY" /org/vswitch1/port/pb org.freedesktop.DBus.Properties.Set \
  org.vswitch1.Port Isolated '<false>')
vsi_assert_match "Isolated set by uid $VSB_NOBODY" 'AccessDenied' "$out"
vsi_assert_eq "pb still isolated" yes "$(show pb Isolated)"
rc=0
"$CTL" set pb Isolated=maybe 2>"$VSI_TMP/ctl.err" || rc=$?
vsi_assert_eq "vswitchctl set Isolated=maybe exit" 2 "$rc"
vsi_assert_match "its message" "Isolated wants yes or no, not 'maybe'" "$(cat "$VSI_TMP/ctl.err")"
rc=0
"$CTL" set nosuchport Isolated=yes 2>"$VSI_TMP/ctl.err" || rc=$?
vsi_assert_eq "vswitchctl set on a missing port exit" 1 "$rc"
vsi_assert_match "its message" "no port 'nosuchport'" "$(cat "$VSI_TMP/ctl.err")"
ip -n "$NS_HOST" link add member0 type veth peer name member0-p
ip -n "$NS_HOST" link set member0 master vswitch0 up
for ((i = 0; i < 30; i++)); do "$CTL" show member0 >/dev/null 2>&1 && break; sleep 0.1; done
out=$(vsb_send /org/vswitch1/port/member0 org.freedesktop.DBus.Properties.Set org.vswitch1.Port Isolated '<true>')
vsi_assert_match "Isolated of a member found on the bridge" 'InvalidArgument.*AttachInterface first' "$out"
vsi_pass "bad input: AccessDenied, a usage error, no such port, InvalidArgument for a bridge member"

vsi_kill_pid "$b_pid"
vsi_log "guards.sh: $(($(vsi_now_ms) - started)) ms"
