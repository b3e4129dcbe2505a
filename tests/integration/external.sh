#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# The External switch (issue 20): a host NIC in the switch's bridge, guests
# on its LAN. A "LAN" namespace has a router (192.0.2.1) with dnsmasq as the
# LAN's own DHCP server; the "host" gets its NIC's address from it by a real
# dhclient (own hook script and lease file) and its default route through it,
# plus a labelled second address, a static IPv6 address and a policy-table
# route (table 100 with its ip rule).
#   - shared: while a ping -i 0.05 to the router runs and a TCP connection to
#     a LAN server is open, the daemon starts with Type=external: lost pings
#     counted (at most 1), the connection lives on; the bridge has the NIC's
#     MAC, addresses and routes; D-Bus Type/Interface and vswitchctl status;
#   - a guest on the switch (a veth plugged with AttachInterface) gets a
#     192.0.2.x lease from dnsmasq and the LAN opens a connection to it;
#   - the NIC losing carrier, or vanishing, is a Problem of the switch,
#     cleared on return (a vanished NIC that comes back is put back in);
#   - kill -9 and a restart adopt the bridge without moving anything;
#   - vswitchctl teardown (D-Bus Teardown) restores `ip addr`, `ip route show
#     table all` and `ip rule` exactly (normalised: lifetimes tick);
#   - a switch removed from the config gives everything back at the next start;
#   - dedicated (ShareWithHost=no) on a second NIC: no host address on the
#     bridge, the host's own on the first NIC untouched, the guest on the LAN;
#   - refusals, each a one-line error with the NIC untouched: a port of
#     another bridge, the loopback, the switch's own bridge, another switch's
#     bridge, a NIC another switch claims. (A bond slave needs the bonding
#     driver, which the CI kernel lacks: the unit tests cover it, with the
#     wireless and NetworkManager/networkd refusals.)
# Usage: external.sh VSWITCHD VSWITCHCTL
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/dhcp_lib.sh
source "$(dirname "$0")/dhcp_lib.sh"
# shellcheck source=tests/integration/bus_lib.sh
source "$(dirname "$0")/bus_lib.sh"
vsi_require_root
for tool in dnsmasq dhclient udhcpc ping; do
  command -v "$tool" >/dev/null || vsi_fail "$tool is not installed (contrib/install-deps.sh --test)"
done
vsi_init external "$1"
CTL=$(readlink -f "$2")
NS_LAN=vsi-external-$$-lan
SW=/org/vswitch1/switch/lan
ROUTER=192.0.2.1
SERVER=192.0.2.10

# --- the LAN: a bridge with the router, a server and dnsmasq ------------------
vsi_ns_add "$NS_HOST"
vsi_ns_add "$NS_LAN"
# A MAC of its own: a bridge without one takes its lowest port's, and the
# router's MAC would change under the guests' ARP caches when lan1 is cabled.
ip -n "$NS_LAN" link add lanbr address 02:00:00:00:02:01 type bridge stp_state 0 forward_delay 0
ip -n "$NS_LAN" link set lanbr up
ip -n "$NS_LAN" addr add "$ROUTER/24" dev lanbr
ip -n "$NS_LAN" addr add "$SERVER/24" dev lanbr
lan_port() { # HOSTIF LANIF: a host NIC cabled into the LAN's switch
  ip -n "$NS_HOST" link add "$1" type veth peer name "$2" netns "$NS_LAN"
  ip -n "$NS_LAN" link set "$2" master lanbr up
  ip -n "$NS_HOST" link set "$1" up
}
lan_port lan0 h0
ip netns exec "$NS_LAN" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
  --port=0 --interface=lanbr --bind-interfaces --user=root --group=root \
  --dhcp-range=192.0.2.100,192.0.2.150,255.255.255.0,10m --dhcp-option=3,"$ROUTER" \
  --dhcp-leasefile="$VSI_TMP/dnsmasq.leases" --pid-file="$VSI_TMP/dnsmasq.pid" --log-dhcp \
  >"$VSI_TMP/dnsmasq.log" 2>&1 &
vsi_track_pid $!

# --- the host's NIC configured by dhclient, as a host's would be --------------
hook=$VSI_TMP/dhclient-hook.sh
cat >"$hook" <<HOOK
#!/bin/sh
case "\$reason" in
  BOUND|RENEW|REBIND|REBOOT)
    $VSD_IP_BIN addr replace "\$new_ip_address/\$new_subnet_mask" dev "\$interface" \
      valid_lft "\$new_dhcp_lease_time" preferred_lft "\$new_dhcp_lease_time"
    $VSD_IP_BIN route replace default via "\$new_routers" dev "\$interface" metric 100 proto dhcp
    echo "\$reason ip=\$new_ip_address router=\$new_routers" >>"$VSI_TMP/dhclient.out" ;;
esac
exit 0
HOOK
chmod 755 "$hook"
vsd_isolated "$NS_HOST" dhclient -d -4 -sf "$hook" -lf "$VSI_TMP/dhclient.leases" \
  -pf "$VSI_TMP/dhclient.pid" lan0 >"$VSI_TMP/dhclient.log" 2>&1 &
vsi_track_pid $!
for ((i = 0; i < 100; i++)); do grep -q '^BOUND' "$VSI_TMP/dhclient.out" 2>/dev/null && break; sleep 0.1; done
host_ip=$(vsd_field "$(grep '^BOUND' "$VSI_TMP/dhclient.out" | tail -n 1)" ip)
[ -n "$host_ip" ] || vsi_fail "dhclient got no lease from dnsmasq: $(tail -5 "$VSI_TMP/dhclient.log")"
# What a real host has besides: a labelled second address, IPv6, a policy route.
ip -n "$NS_HOST" addr add 192.0.2.250/24 dev lan0 label lan0:mgmt
ip -n "$NS_HOST" -6 addr add 2001:db8:20::2/64 dev lan0 nodad
ip -n "$NS_HOST" route add 198.51.100.0/24 via "$ROUTER" dev lan0 table 100 proto static
ip -n "$NS_HOST" rule add to 198.51.100.0/24 table 100 priority 100
vsi_pass "host NIC lan0 bound $host_ip by dhclient from the LAN's dnsmasq, default route via $ROUTER"

# What the host looks like: ip addr (lifetimes tick: left out), every route of
# every table, the rules. Left out: vswitch0 (the Default switch comes and
# goes with the daemon) and g0 (the guest's veth, made after "before").
host_state_wo_default() {
  {
    ip -n "$NS_HOST" addr show | sed -E 's/(valid|preferred)_lft [^ ]+/\1_lft X/g' |
      awk '/^[0-9]+: /{skip = ($2 == "vswitch0:" || $2 ~ /^g0@/)} !skip'
    echo ---
    ip -n "$NS_HOST" -4 route show table all
    echo ---
    ip -n "$NS_HOST" -6 route show table all
    echo ---
    ip -n "$NS_HOST" rule show
  } | grep -v -E ' dev (vswitch0|g0) '
}
# Wait out the DAD of the re-added IPv6 address before comparing.
wait_no_tentative() {
  for ((i = 0; i < 40; i++)); do
    ip -n "$NS_HOST" -6 addr show tentative | grep -q inet6 || return 0
    sleep 0.1
  done
}
before=$(host_state_wo_default)
lan0_mac=$(ip -n "$NS_HOST" -o link show lan0 | sed -E 's/.*link\/ether ([^ ]+).*/\1/')

vsi_daemon_dirs
vsb_start_bus external open
cat >"$VSI_TMP/etc/switches.d/lan.switch" <<CONF
[Switch]
Name=lan
Type=external
Interface=lan0
CONF

# --- shared: the switch-over under a running ping and an open connection -----
ip netns exec "$NS_LAN" "$PYTHON" "$VSI_LIB_DIR/tcp_hold.py" serve "$SERVER" 7000 >"$VSI_TMP/hold-server.out" 2>&1 &
vsi_track_pid $!
for ((i = 0; i < 100; i++)); do grep -q '^listening' "$VSI_TMP/hold-server.out" 2>/dev/null && break; sleep 0.05; done
ip netns exec "$NS_HOST" "$PYTHON" "$VSI_LIB_DIR/tcp_hold.py" hold "$SERVER" 7000 4 >"$VSI_TMP/hold.out" 2>&1 &
hold_pid=$!
vsi_track_pid "$hold_pid"
# VSI_EXTERNAL_PING_MS=1 measures the gap finer (lost pings x interval).
ping_ms=${VSI_EXTERNAL_PING_MS:-50}
ip netns exec "$NS_HOST" ping -n -i "$(awk -v m="$ping_ms" 'BEGIN { printf "%.3f", m / 1000 }')" \
  -c $((4000 / ping_ms)) -W 1 "$ROUTER" >"$VSI_TMP/ping.out" 2>&1 &
ping_pid=$!
vsi_track_pid "$ping_pid"
sleep 0.8
vsi_start_daemon
wait "$ping_pid" || true
hold_rc=0
wait "$hold_pid" || hold_rc=$?
sent=$(sed -nE 's/^([0-9]+) packets transmitted.*/\1/p' "$VSI_TMP/ping.out")
received=$(sed -nE 's/.* ([0-9]+) received.*/\1/p' "$VSI_TMP/ping.out")
[ -n "$sent" ] && [ -n "$received" ] || vsi_fail "ping printed no summary: $(tail -3 "$VSI_TMP/ping.out")"
lost=$((sent - received))
gap_us=$(sed -nE "s/.*switch 'lan': 'lan0' is in bridge 'vs-lan'.* ([0-9]+) µs.*/\1/p" "$VSI_TMP/daemon.err" | tail -n 1)
[ "$lost" -le $((ping_ms >= 50 ? 1 : 50 / ping_ms)) ] ||
  vsi_fail "the switch-over lost $lost of $sent pings every $ping_ms ms (at most 1 per 50 ms expected)"
vsi_assert_eq "the TCP connection across the switch-over ($(tail -1 "$VSI_TMP/hold.out"))" 0 "$hold_rc"
vsi_pass "switch-over under a ping every $ping_ms ms: $lost of $sent lost; the open TCP connection to $SERVER kept echoing ($(tail -1 "$VSI_TMP/hold.out")); switch-over took ${gap_us:-?} µs"

vsi_assert_eq "the bridge's MAC" "$lan0_mac" "$(ip -n "$NS_HOST" -o link show vs-lan | sed -E 's/.*link\/ether ([^ ]+).*/\1/')"
vsi_assert_match "lan0 is a port of vs-lan" "master vs-lan" "$(ip -n "$NS_HOST" -o link show lan0)"
bridge_addrs=$(ip -n "$NS_HOST" -o addr show dev vs-lan)
vsi_assert_match "the dhclient address on vs-lan" "inet $host_ip/24 .*dynamic" "$bridge_addrs"
vsi_assert_match "the second address on vs-lan" "inet 192.0.2.250/24" "$bridge_addrs"
vsi_assert_match "the IPv6 address on vs-lan" "inet6 2001:db8:20::2/64" "$bridge_addrs"
vsi_assert_no_match "no moved address left on lan0" "inet (192\.0\.2|6 2001)" "$(ip -n "$NS_HOST" -o addr show dev lan0)"
vsi_assert_match "the default route via vs-lan" "default via $ROUTER dev vs-lan proto dhcp .*metric 100" \
  "$(ip -n "$NS_HOST" route show)"
vsi_assert_match "the policy route via vs-lan" "198.51.100.0/24 via $ROUTER dev vs-lan proto static" \
  "$(ip -n "$NS_HOST" route show table 100)"
vsi_assert_no_match "no IPv4 route through lan0" "dev lan0" "$(ip -n "$NS_HOST" -4 route show table all)"
ip netns exec "$NS_HOST" ping -c 1 -W 1 "$ROUTER" >/dev/null || vsi_fail "the host no longer reaches $ROUTER"
vsi_pass "vs-lan has lan0's MAC, its 3 addresses (flags kept), the default route (metric 100) and the table 100 route"

type=$(busctl --system get-property org.vswitch1 "$SW" org.vswitch1.Switch Type)
iface=$(busctl --system get-property org.vswitch1 "$SW" org.vswitch1.Switch Interface)
vsi_assert_eq "Switch.Type" 's "external"' "$type"
vsi_assert_eq "Switch.Interface" 's "lan0"' "$iface"
vsi_assert_eq "Switch.Subnet" 's ""' "$(busctl --system get-property org.vswitch1 "$SW" org.vswitch1.Switch Subnet)"
status=$("$CTL" status lan)
vsi_assert_match "vswitchctl status" "Type: external" "$status"
vsi_assert_match "vswitchctl status" "Interface: lan0" "$status"
vsi_assert_match "vswitchctl status --json" '"interface":"lan0"' "$("$CTL" status lan --json)"
[ ! -e "$VSI_STATE/lan.leases" ] || vsi_fail "an external switch ran a DHCP server of its own"
vsi_assert_no_match "nft: the external bridge is in none of the daemon's sets" "vs-lan" "$(vsi_nft list table inet vswitch)"
vsi_pass "D-Bus Type \"external\", Interface \"lan0\", no subnet; vswitchctl status shows it; no DHCP or nft of the daemon's"

# --- a guest on the switch is a machine of the LAN ---------------------------
vsi_ns_add "$NS_VM"
ip -n "$NS_HOST" link add g0 type veth peer name eth0 netns "$NS_VM"
ip -n "$NS_HOST" link set g0 up
ip -n "$NS_VM" link set eth0 up
busctl --system call org.vswitch1 /org/vswitch1 org.vswitch1.Manager AttachInterface ssss lan g0 guest "" >/dev/null
vsi_assert_match "g0 is a port of vs-lan" "master vs-lan" "$(ip -n "$NS_HOST" -o link show g0)"
vsd_udhcpc "$NS_VM" guest
guest_ip=$VSD_IP
[[ $guest_ip == 192.0.2.1[0-5][0-9] ]] || vsi_fail "the guest's address $guest_ip is not from dnsmasq's range"
grep -q " $guest_ip " "$VSI_TMP/dnsmasq.leases" || vsi_fail "dnsmasq has no lease for $guest_ip"
vsi_tcp_server "$NS_VM" "$guest_ip" 8080 "$VSI_TMP/guest-peers"
seen=$(vsi_tcp_connect "$NS_LAN" "$guest_ip" 8080) || vsi_fail "the LAN could not connect to the guest at $guest_ip"
vsi_assert_match "the guest saw a LAN peer" "seen 192\.0\.2\." "$seen"
vsi_assert_match "vswitchctl lists the guest's port" "g0 +lan +guest" "$("$CTL" list)"
vsi_pass "guest got $guest_ip from the LAN's dnsmasq; the LAN opened a connection to it ($seen)"

# --- the NIC losing carrier is a problem on the switch, cleared on return ----
problems() { busctl --system get-property org.vswitch1 "$SW" org.vswitch1.Switch Problems; }
wait_problems() { # REGEX present|absent
  for ((i = 0; i < 40; i++)); do
    if [ "$2" = present ]; then [[ $(problems) =~ $1 ]] && return 0; else [[ $(problems) =~ $1 ]] || return 0; fi
    sleep 0.05
  done
  vsi_fail "Switch.Problems: expected '$1' $2, saw $(problems)"
}
ip -n "$NS_LAN" link set h0 down
wait_problems interface-no-carrier present
ip -n "$NS_LAN" link set h0 up
wait_problems interface-no-carrier absent
vsi_pass "lan0 losing carrier raised interface-no-carrier on the switch; its return cleared it"

# --- kill -9, restart: the bridge is adopted, nothing moves -------------------
bridge_index=$(vsi_ifindex vs-lan)
grep -q '^state done$' "$VSI_STATE/lan.external" || vsi_fail "the record is not marked done: $(cat "$VSI_STATE/lan.external")"
vsi_stop_daemon KILL
ip netns exec "$NS_HOST" ping -n -i 0.05 -c 30 -W 1 "$ROUTER" >"$VSI_TMP/ping2.out" 2>&1 &
ping_pid=$!
vsi_track_pid "$ping_pid"
vsi_start_daemon
wait "$ping_pid" || true
vsi_assert_match "no ping lost over the restart" " 30 received" "$(cat "$VSI_TMP/ping2.out")"
vsi_assert_eq "vs-lan's ifindex after the restart" "$bridge_index" "$(vsi_ifindex vs-lan)"
vsi_assert_match "the address still on vs-lan" "inet $host_ip/24" "$(ip -n "$NS_HOST" -o addr show dev vs-lan)"
vsi_assert_no_match "the restart moved nothing" "giving 'lan0' back|moved onto the bridge" \
  "$(sed -n '/=== start 2/,$p' "$VSI_TMP/daemon.err")"
vsi_pass "kill -9 + restart: vs-lan adopted as it was (same ifindex, 30/30 pings), nothing moved"

# --- vswitchctl teardown gives everything back exactly ------------------------
vsi_stop_daemon KILL  # the teardown after a crash: the record says what moved
vsi_start_daemon
ip netns exec "$NS_HOST" ping -n -i 0.001 -c 1500 -W 1 "$ROUTER" >"$VSI_TMP/ping3.out" 2>&1 &
ping_pid=$!
vsi_track_pid "$ping_pid"
sleep 0.5
"$CTL" teardown >/dev/null
wait "$ping_pid" || true
back_lost=$(( $(sed -nE 's/^([0-9]+) packets transmitted.*/\1/p' "$VSI_TMP/ping3.out") - $(sed -nE 's/.* ([0-9]+) received.*/\1/p' "$VSI_TMP/ping3.out") ))
[ "$back_lost" -le 10 ] || vsi_fail "the teardown cut the host off for $back_lost ms (pings every 1 ms lost)"
wait_no_tentative
after=$(host_state_wo_default)
if [ "$before" != "$after" ]; then
  diff <(echo "$before") <(echo "$after") >&2 || true
  vsi_fail "teardown did not restore ip addr / ip route show table all / ip rule"
fi
vsi_link_exists vs-lan && vsi_fail "vs-lan outlived the teardown"
[ ! -e "$VSI_STATE/lan.external" ] || vsi_fail "the record outlived the teardown"
ip netns exec "$NS_HOST" ping -c 1 -W 1 "$ROUTER" >/dev/null || vsi_fail "the host lost $ROUTER after the teardown"
vsi_pass "vswitchctl teardown after a kill -9: ip addr, ip route show table all (IPv4 and IPv6) and ip rule as before; $back_lost of 1500 pings every 1 ms lost on the way back"
vsi_stop_daemon

# --- a switch removed from the config gives the NIC back at the next start ---
vsi_start_daemon
vsi_stop_daemon KILL
rm "$VSI_TMP/etc/switches.d/lan.switch"
vsi_start_daemon
wait_no_tentative
after=$(host_state_wo_default)
[ "$before" = "$after" ] || { diff <(echo "$before") <(echo "$after") >&2 || true; vsi_fail "removing the switch from the config did not restore the host"; }
vsi_link_exists vs-lan && vsi_fail "vs-lan outlived its switch's removal from the config"
vsi_pass "a switch removed from the config: its NIC got everything back at the next start"
vsi_stop_daemon

# --- dedicated: a second NIC, no host address on the bridge -------------------
lan_port lan1 h1
cat >"$VSI_TMP/etc/switches.d/lab.switch" <<CONF
[Switch]
Name=lab
Type=external
Interface=lan1
ShareWithHost=no
CONF
lan0_before=$(ip -n "$NS_HOST" -o addr show dev lan0 | sed -E 's/(valid|preferred)_lft [^ ]+//g')
vsi_start_daemon
vsi_assert_match "lan1 is a port of vs-lab" "master vs-lab" "$(ip -n "$NS_HOST" -o link show lan1)"
vsi_assert_eq "addresses of the host on vs-lab (none, not even IPv6 link-local)" "" \
  "$(ip -n "$NS_HOST" -o addr show dev vs-lab)"
vsi_assert_eq "lan0, the host's own link" "$lan0_before" \
  "$(ip -n "$NS_HOST" -o addr show dev lan0 | sed -E 's/(valid|preferred)_lft [^ ]+//g')"
ip -n "$NS_HOST" link set g0 nomaster
busctl --system call org.vswitch1 /org/vswitch1 org.vswitch1.Manager AttachInterface ssss lab g0 guest "" >/dev/null
vsi_kill_pid "$VSD_PID"
vsd_udhcpc "$NS_VM" guest2
[[ $VSD_IP == 192.0.2.1[0-5][0-9] ]] || vsi_fail "the dedicated switch's guest got $VSD_IP, not a LAN address"
ip netns exec "$NS_LAN" ping -c 3 -i 0.2 -W 1 "$VSD_IP" >"$VSI_TMP/ping-guest.out" 2>&1 || vsi_fail "the LAN does not reach the guest at $VSD_IP: $(tail -2 "$VSI_TMP/ping-guest.out")"
ip netns exec "$NS_HOST" ping -c 1 -W 1 "$ROUTER" >/dev/null || vsi_fail "the host lost the LAN on lan0"
vsi_pass "dedicated: lan1 in vs-lab with no host address, lan0 untouched, the guest got $VSD_IP from the LAN"
# The NIC unplugged for good (a USB adapter pulled) and plugged back.
SW=/org/vswitch1/switch/lab
ip -n "$NS_HOST" link del lan1
wait_problems interface-gone present
lan_port lan1 h1
wait_problems interface-gone absent
for ((i = 0; i < 40; i++)); do
  [[ $(ip -n "$NS_HOST" -o link show lan1) == *"master vs-lab"* ]] && break
  sleep 0.05
done
vsi_assert_match "lan1 back in vs-lab" "master vs-lab" "$(ip -n "$NS_HOST" -o link show lan1)"
vsi_pass "lan1 deleted: interface-gone on the switch; a new lan1 is put back into vs-lab and the problem clears"
"$CTL" teardown >/dev/null
vsi_stop_daemon
rm "$VSI_TMP/etc/switches.d/lab.switch"

# --- refusals: one line each, the NIC untouched ------------------------------
refuse() { # WHAT IFNAME NEEDLE: a start with Interface=IFNAME fails so
  local what=$1 nic=$2 needle=$3 link_before
  printf '[Switch]\nName=lan\nType=external\nInterface=%s\n' "$nic" >"$VSI_TMP/etc/switches.d/lan.switch"
  link_before=$(ip -n "$NS_HOST" -o link show dev "$nic" 2>&1; ip -n "$NS_HOST" -o addr show dev "$nic" 2>&1) || true
  vsi_run_daemon --log-level err
  vsi_assert_ne "$what: exit status" 0 "$VSI_RC"
  vsi_assert_one_line_error "$what" "$needle"
  vsi_assert_eq "$what: the NIC afterwards" "$link_before" \
    "$(ip -n "$NS_HOST" -o link show dev "$nic" 2>&1; ip -n "$NS_HOST" -o addr show dev "$nic" 2>&1)"
  vsi_link_exists vs-lan && vsi_fail "$what: vs-lan was left behind"
  vsi_pass "$what: $VSI_ERR"
}
ip -n "$NS_HOST" link add brx type bridge
ip -n "$NS_HOST" link add px type veth peer name px-p
ip -n "$NS_HOST" link set px master brx
refuse "a port of another bridge" px "already a port of bridge 'brx'"
refuse "the loopback" lo "is the loopback"
refuse "the switch's own bridge" vs-lan "own bridge"
refuse "another switch's bridge" vswitch0 "is the bridge of switch 'Default'"
printf '[Switch]\nName=lab\nType=external\nInterface=lan1\nShareWithHost=no\n' >"$VSI_TMP/etc/switches.d/lab.switch"
refuse "a NIC another switch has" lan1 "already belongs to switch 'lab'"
