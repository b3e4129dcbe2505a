#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# Port forwards (issue 16), one topology:
#   - a forward by VM name (vswitchctl forward add; PortForwards emits
#     PropertiesChanged) takes curl from the
#     upstream namespace to python's http.server in the VM, whose log shows
#     the upstream's own address (no SNAT);
#   - a [PortForward] in vswitchd.conf forwards UDP to dnsmasq in the VM;
#   - the host reaches the forward on its uplink address and on 127.0.0.1;
#   - a second VM reaches it through the host's address (hairpin);
#   - an AllowFrom= forward takes only sources of the listed prefix; a
#     range maps onto a target range; a forward on one host address;
#   - bad input: each a named D-Bus error, nothing half-applied;
#   - it keeps working after kill -9 + restart, 'nft flush ruleset' and a
#     renumber;
#   - RemovePortForward closes the port;
#   - 1000 forwards add map elements, not rules.
# Usage: forwards.sh VSWITCHD VSWITCHCTL
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/dhcp_lib.sh
source "$(dirname "$0")/dhcp_lib.sh"
# shellcheck source=tests/integration/bus_lib.sh
source "$(dirname "$0")/bus_lib.sh"
vsi_require_root
for tool in udhcpc curl dnsmasq dig gdbus; do
  command -v "$tool" >/dev/null || vsi_fail "$tool is not installed (contrib/install-deps.sh --test)"
done
/usr/bin/python3 -c 'from gi.repository import Gio' 2>/dev/null || vsi_fail "python3-gi is not installed (contrib/install-deps.sh --test)"
vsi_init fwd "$1"
CTL=$(readlink -f "$2")
SW=/org/vswitch1/switch/Default
NS_VM2=vsi-fwd-$$-vm2
HOST=$VSI_HOST_UPLINK_ADDR
UP=$VSI_UPSTREAM_ADDR
vsi_topology
vsi_daemon_dirs
vsb_start_bus fwd open
cat >>"$VSI_CONF" <<CONF
[PortForward]
Protocol=udp
HostPort=5353
Target=web
TargetPort=53
CONF
vsi_start_daemon
subnet=$(vsi_subnet)
gw=$(vsi_subnet_host "$subnet" 1)

# The web VM: a port named "web" by AttachInterface, a lease from udhcpc.
vsi_ns_add "$NS_VM"
ip -n "$NS_HOST" link add vm-web type veth peer name eth0 netns "$NS_VM"
ip -n "$NS_VM" link set eth0 address 02:00:00:00:16:01
ip -n "$NS_VM" link set eth0 up
ip -n "$NS_HOST" link set vm-web up
vsb_send /org/vswitch1 org.vswitch1.Manager.AttachInterface Default vm-web web 02:00:00:00:16:01 >/dev/null
route_via_gateway() { # NS: once udhcpc's hook set the address (it writes "bound" first)
  local i
  for ((i = 0; i < 50; i++)); do [ -n "$(vsd_vm_addr "$1")" ] && break; sleep 0.05; done
  ip -n "$1" route replace default via "$(vsi_subnet_host "$(vsi_subnet)" 1)"
}
udhcpc() { vsd_udhcpc "$@"; } # NS NAME
web_dhcp() { # NAME: a lease for the web VM and its default route
  udhcpc "$NS_VM" "$1"
  web=$VSD_IP
  web_udhcpc=$VSD_PID
  route_via_gateway "$NS_VM"
}
web_dhcp web-1
ip netns exec "$NS_VM" "$PYTHON" -u -m http.server --bind 0.0.0.0 --directory "$VSI_TMP" 80 \
  >"$VSI_TMP/http.log" 2>&1 &
vsi_track_pid $!
echo "hello from the web VM" >"$VSI_TMP/index.html"
ip netns exec "$NS_VM" dnsmasq -k -u root --port 53 --no-resolv --no-hosts --conf-file=/dev/null \
  --pid-file="$VSI_TMP/dnsmasq.pid" --address=/fwd.test/192.0.2.99 --log-queries --log-facility=- \
  >"$VSI_TMP/dnsmasq.log" 2>&1 &
vsi_track_pid $!
for ((i = 0; i < 50; i++)); do
  ip netns exec "$NS_VM" ss -ltn | grep -q ':80 ' && ip netns exec "$NS_VM" ss -lun | grep -q ':53 ' && break
  sleep 0.1
done

fetch() { # NS URL: the page, or "" when the connection fails
  ip netns exec "$1" curl -s --max-time 2 "$2" || true
}
want="hello from the web VM"

# --- TCP by VM name, from upstream: the guest sees the real client ---------------
gdbus monitor --system --dest org.vswitch1 --object-path "$SW" >"$VSI_TMP/monitor.log" 2>&1 &
monitor=$!
vsi_track_pid "$monitor"
sleep 0.3
t0=$(vsi_now_ms)
id=$("$CTL" forward add Default tcp 8080 web 80)
for ((i = 0; i < 200; i++)); do
  [ "$(fetch "$NS_UP" "http://$HOST:8080/index.html")" = "$want" ] && break
  sleep 0.01
done
t_first=$(($(vsi_now_ms) - t0))
vsi_assert_eq "vswitchctl forward add prints the id" "tcp/8080" "$id"
vsi_assert_eq "curl from upstream to $HOST:8080" "$want" "$(fetch "$NS_UP" "http://$HOST:8080/index.html")"
vsi_assert_match "the VM's server logs the upstream's own address" "$UP - - \[.*GET /index.html" "$(cat "$VSI_TMP/http.log")"
for ((i = 0; i < 50; i++)); do grep -q "'PortForwards'" "$VSI_TMP/monitor.log" && break; sleep 0.05; done
vsi_assert_match "PropertiesChanged of PortForwards" "PropertiesChanged \('org.vswitch1.Switch', \{'PortForwards': .*'tcp/8080'" "$(cat "$VSI_TMP/monitor.log")"
vsi_kill_pid "$monitor"
vsi_pass "forward tcp/8080 -> VM 'web' ($web) port 80: curl from upstream in $t_first ms after add; http.server logged $UP"

# --- UDP from the config, to dnsmasq -------------------------------------------
answer=$(ip netns exec "$NS_UP" dig +short +time=1 +tries=2 @"$HOST" -p 5353 fwd.test A || true)
vsi_assert_eq "dig from upstream through udp/5353" "192.0.2.99" "$answer"
vsi_assert_match "dnsmasq saw the upstream's address" "query\[A\] fwd.test from $UP" "$(cat "$VSI_TMP/dnsmasq.log")"
vsi_pass "[PortForward] udp/5353 -> 'web':53: dnsmasq answered the upstream's query and logged $UP"

# --- from the host itself ---------------------------------------------------------
vsi_assert_eq "curl from the host to its uplink address" "$want" "$(fetch "$NS_HOST" "http://$HOST:8080/index.html")"
vsi_assert_eq "curl from the host to 127.0.0.1" "$want" "$(fetch "$NS_HOST" "http://127.0.0.1:8080/index.html")"
vsi_assert_eq "route_localnet on vswitch0 (only)" "1 0" \
  "$(ip netns exec "$NS_HOST" cat /proc/sys/net/ipv4/conf/vswitch0/route_localnet /proc/sys/net/ipv4/conf/uplink/route_localnet | tr '\n' ' ' | sed 's/ $//')"
vsi_pass "the host reaches the forward on $HOST:8080 and 127.0.0.1:8080 (route_localnet=1 on vswitch0 only)"

# --- hairpin from a second VM --------------------------------------------------
vsd_vm "$NS_VM2" vm-two
udhcpc "$NS_VM2" two
two=$VSD_IP
route_via_gateway "$NS_VM2"
vsi_assert_eq "curl from VM two to $HOST:8080" "$want" "$(fetch "$NS_VM2" "http://$HOST:8080/index.html")"
vsi_assert_match "the hairpin is masqueraded (the target answers the gateway)" "$gw - - \[" "$(tail -n 1 "$VSI_TMP/http.log")"
vsi_pass "hairpin: VM two ($two) reached $HOST:8080 on 'web', masqueraded to $gw"

# --- AllowFrom -------------------------------------------------------------------
"$CTL" forward add Default tcp 8081 web 80 allow-from=203.0.113.0/24 >/dev/null
vsi_assert_eq "upstream ($UP) outside AllowFrom" "" "$(fetch "$NS_UP" "http://$HOST:8081/index.html")"
ip -n "$NS_UP" addr add 203.0.113.77/32 dev downlink
vsi_assert_eq "from 203.0.113.77, inside AllowFrom" "$want" \
  "$(ip netns exec "$NS_UP" curl -s --max-time 2 --interface 203.0.113.77 "http://$HOST:8081/index.html" || true)"
vsi_pass "AllowFrom=203.0.113.0/24: $UP refused, 203.0.113.77 forwarded"

# --- a range, and one host address ------------------------------------------------
"$CTL" forward add Default tcp 8083-8084 web 79 >/dev/null
vsi_assert_eq "port 8084 of the range 8083-8084 -> 79-80" "$want" "$(fetch "$NS_UP" "http://$HOST:8084/index.html")"
"$CTL" forward add Default tcp "$HOST:8085" web 80 >/dev/null
vsi_assert_eq "a forward on $HOST only, from upstream" "$want" "$(fetch "$NS_UP" "http://$HOST:8085/index.html")"
vsi_assert_eq "the same port on 127.0.0.1" "" "$(fetch "$NS_HOST" "http://127.0.0.1:8085/index.html")"
vsi_pass "tcp/8083-8084 -> 79-80 reaches port 80 through 8084; tcp/$HOST:8085 forwards on $HOST only"

# --- bad input: named errors, nothing half-applied ----------------------------------
table() { vsi_nft list table inet vswitch | sed 's/counter packets [0-9]* bytes [0-9]*//'; }
before=$(table)
refuse() { # WHAT ERROR NEEDLE PROTOCOL HOST_ADDRESS HOST_PORTS TARGET [--as UID]
  local as=()
  [ $# -gt 7 ] && as=("$8" "$9")
  vsb_expect_error "$1" "$2" "$3" "${as[@]}" "$SW" org.vswitch1.Switch.AddPortForward "$4" "$5" "$6" "$7" 0 "@a{sv} {}"
}
refuse "port 0" org.vswitch1.Error.InvalidArgument "'0' is outside 1-65535" tcp "" 0 web
refuse "port 70000" org.vswitch1.Error.InvalidArgument "'70000'" tcp "" 70000 web
refuse "a reversed range" org.vswitch1.Error.InvalidArgument "'9010-9000' is reversed" tcp "" 9010-9000 web
refuse "a range too long" org.vswitch1.Error.InvalidArgument "spans 1001 ports" tcp "" 9000-10000 web
refuse "an unknown protocol" org.vswitch1.Error.InvalidArgument "unknown protocol 'sctp'" sctp "" 9000 web
refuse "DNS on the gateway" org.vswitch1.Error.InvalidArgument "53/udp (DNS)" udp "$gw" 53 web
refuse "DHCP on the gateway" org.vswitch1.Error.InvalidArgument "67/udp (DHCP)" both "$gw" 60-70 web
refuse "a target outside the switch" org.vswitch1.Error.InvalidArgument "'192.0.2.5' is not a guest address" tcp "" 9000 192.0.2.5
refuse "a host port forwarded already" org.vswitch1.Error.Exists "tcp/8080" tcp "" 8080 other
refuse "an overlapping range" org.vswitch1.Error.Exists "is forwarded already" both "" 8075-8085 other
refuse "a non-root caller" org.vswitch1.Error.AccessDenied "only root" tcp "" 9000 web --as "$VSB_NOBODY"
vsb_expect_error "removing nothing" org.vswitch1.Error.NotFound "no such forward" "$SW" org.vswitch1.Switch.RemovePortForward tcp/9000
vsb_expect_error "removing the configured one" org.vswitch1.Error.InvalidArgument "vswitchd.conf" "$SW" org.vswitch1.Switch.RemovePortForward udp/5353
vsi_assert_eq "the table after the refusals" "$before" "$(table)"
"$CTL" forward add Default tcp 9999 ghost >/dev/null
vsi_assert_match "an unknown VM is kept, inactive" "tcp/9999 +ghost +9999 +\(inactive\)" "$("$CTL" forward list Default)"
vsi_pass "refusals left the table as it was; an unknown VM 'ghost' is accepted and listed inactive"

# --- kill -9 right after the reply, then restart --------------------------------
"$CTL" forward add Default tcp 8082 web 80 >/dev/null
vsi_stop_daemon KILL
vsi_start_daemon
vsi_assert_eq "after kill -9 + restart" "$want" "$(fetch "$NS_UP" "http://$HOST:8082/index.html")"
json=$("$CTL" forward list --json)
ids=$("$PYTHON" -c 'import json,sys; print(" ".join(f["id"]+("="+f["origin"]) for f in json.load(sys.stdin)))' <<<"$json")
vsi_assert_eq "forwards after the restart" "udp/5353=config tcp/8080=runtime tcp/8081=runtime tcp/8083-8084=runtime tcp/$HOST:8085=runtime tcp/9999=runtime tcp/8082=runtime" "$ids"
vsi_pass "a forward acknowledged right before kill -9 is there and forwarding after the restart"

# --- nft flush ruleset: the guard puts the forwards back ---------------------------
vsi_nft flush ruleset
for ((i = 0; i < 150; i++)); do
  [ "$(fetch "$NS_UP" "http://$HOST:8082/index.html")" = "$want" ] && break
  sleep 0.02
done
vsi_assert_eq "after 'nft flush ruleset'" "$want" "$(fetch "$NS_UP" "http://$HOST:8082/index.html")"
vsi_pass "'nft flush ruleset': the firewall guard re-applied the table with its forwards"

# --- renumber: the forward follows its VM -------------------------------------------
vsi_kill_pid "$web_udhcpc"
vpn=$(vsi_int2ip $(($(vsi_ip2int "${subnet%/*}") & 0xffff0000)))/16
ip -n "$NS_HOST" route add "$vpn" dev uplink table 100
for ((i = 0; i < 300; i++)); do
  new=$(vsi_subnet)
  [ -n "$new" ] && [ "$new" != "$subnet" ] && break
  sleep 0.01
done
[ "$new" != "$subnet" ] || vsi_fail "vswitch0 still serves $subnet 3 s after route $vpn table 100"
old_web=$web
web_dhcp web-2
vsi_assert_ne "the VM's address moved" "$old_web" "$web"
for ((i = 0; i < 100; i++)); do
  [ "$(fetch "$NS_UP" "http://$HOST:8080/index.html")" = "$want" ] && break
  sleep 0.02
done
vsi_assert_eq "after the renumber" "$want" "$(fetch "$NS_UP" "http://$HOST:8080/index.html")"
vsi_assert_match "PortForwards shows the new address" "'tcp/8080', 'tcp', '', '8080', 'web', 80, \[\], '$web'" \
  "$(vsb_send "$SW" org.freedesktop.DBus.Properties.Get org.vswitch1.Switch PortForwards)"
vsi_pass "renumbered $subnet -> $new: tcp/8080 follows 'web' from $old_web to $web"

# --- removal closes the port --------------------------------------------------------
"$CTL" forward remove Default tcp/8080
vsi_assert_eq "after RemovePortForward" "" "$(fetch "$NS_UP" "http://$HOST:8080/index.html")"
vsi_assert_eq "another forward still works" "$want" "$(fetch "$NS_UP" "http://$HOST:8082/index.html")"
vsi_pass "forward remove Default tcp/8080 closed the port; tcp/8082 still forwards"

# --- 1000 forwards: map elements, not rules -----------------------------------------
rules() { vsi_nft list table inet vswitch | grep -c 'comment "' || true; }
r0=$(rules)
t0=$(vsi_now_ms)
stats=$(/usr/bin/python3 "$VSI_LIB_DIR/forward_client.py" add 20000 1000 web)
t_add=$(($(vsi_now_ms) - t0))
r1=$(rules)
elements=$(vsi_nft list map inet vswitch fwd_any | grep -o 'tcp \. [0-9]*' | wc -l)
vsi_assert_eq "rules with 1000 more forwards" "$r0" "$r1"
((elements >= 1000)) || vsi_fail "fwd_any holds $elements elements, expected 1000 or more"
vsi_assert_eq "a forward among the 1000" "$want" "$(fetch "$NS_UP" "http://$HOST:20999/index.html")"
vsi_pass "1000 AddPortForward in $t_add ms ($stats): $r0 rules before and after, $elements elements in fwd_any"
