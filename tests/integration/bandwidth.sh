#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# MaximumBandwidth (issue 17): one guest on a veth plugged in by
# AttachInterface, an iperf3 server upstream (across the NAT).
#   - MaximumBandwidth=100M: iperf3 -t 3 guest -> upstream and -R (upstream
#     -> guest) each measure 90..110 Mbit/s of TCP goodput. The limit is the
#     rate of Ethernet frames (1514 bytes carry 1448 of payload), so the
#     ideal goodput is 95.6 Mbit/s; the ±10 % window is around the nominal
#     100M;
#   - bad values: vswitchctl names the limits (exit 2), the bus answers
#     org.vswitch1.Error.InvalidArgument, the limit stays;
#   - kill -9 and restart keep the limit (tbf, ingress, ifb);
#   - `tc qdisc del dev PORT root` and of the ifb is put back and logged;
#   - MaximumBandwidth=0 removes the qdiscs and the ifb, and iperf3 is well
#     above 100 Mbit/s again; detach removes the ifb, and so does a start
#     after the port went while the daemon was down.
# Usage: bandwidth.sh VSWITCHD VSWITCHCTL
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/bus_lib.sh
source "$(dirname "$0")/bus_lib.sh"
vsi_require_root
command -v iperf3 >/dev/null || vsi_fail "iperf3 is not installed (contrib/install-deps.sh --test)"
command -v tc >/dev/null || vsi_fail "tc is not installed (iproute2)"
vsi_init bandwidth "$1"
CTL=$(readlink -f "$2")
NS_A=vsi-bandwidth-$$-a
MAC_A=02:00:00:17:0b:0a
started=$(vsi_now_ms)

vsi_topology
vsi_daemon_dirs
vsb_start_bus bandwidth open
vsi_start_daemon
subnet=$(vsi_subnet)
gateway=$(vsi_subnet_host "$subnet" 1)
guest_addr=$(vsi_subnet_host "$subnet" 50)
prefix_len=${subnet#*/}

vsi_ns_add "$NS_A"
ip -n "$NS_HOST" link add pa type veth peer name eth0 netns "$NS_A"
ip -n "$NS_A" link set eth0 address "$MAC_A"
ip -n "$NS_A" link set eth0 up
ip -n "$NS_A" addr add "$guest_addr/$prefix_len" dev eth0
ip -n "$NS_A" route add default via "$gateway"
out=$(vsb_send /org/vswitch1 org.vswitch1.Manager.AttachInterface Default pa vm-a "$MAC_A")
[[ $out == *"/org/vswitch1/port/"* ]] || vsi_fail "AttachInterface pa: $out"
vsi_ping_upstream "$NS_A" || vsi_fail "the guest does not reach upstream"

ip netns exec "$NS_UP" iperf3 -s -B "$VSI_UPSTREAM_ADDR" >"$VSI_TMP/iperf3-server.log" 2>&1 &
vsi_track_pid $!
sleep 0.3
ifb=$(ip -n "$NS_HOST" -o link show | sed -n 's/^[0-9]*: \(vsbw[0-9a-f]*\).*/\1/p' | head -n 1)

# mbits [-R]: TCP goodput in Mbit/s the receiver counted over 3 s.
mbits() {
  local json
  json=$(ip netns exec "$NS_A" timeout 10 iperf3 -c "$VSI_UPSTREAM_ADDR" -t 3 -J "$@") ||
    vsi_fail "iperf3 $*: $json"
  $PYTHON -c 'import json,sys; print(int(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))' <<<"$json"
}
show() { "$CTL" show "$1" | sed -n "s/^$2: *//p"; }
qdiscs() { ip netns exec "$NS_HOST" tc qdisc show dev "$1" 2>/dev/null; }
within() { [ "$2" -ge "$3" ] && [ "$2" -le "$4" ] || vsi_fail "$1: $2 Mbit/s, expected $3..$4"; }

vsi_assert_eq "default MaximumBandwidth" 0 "$(show pa MaximumBandwidth)"
free_up=$(mbits)
vsi_pass "uncapped: guest -> upstream $free_up Mbit/s"

# --- 100M ----------------------------------------------------------------------
"$CTL" set pa MaximumBandwidth=100M
vsi_assert_eq "show pa" 100M "$(show pa MaximumBandwidth)"
vsi_assert_match "pa's root qdisc" 'qdisc tbf 7662: root .*rate 100Mbit' "$(qdiscs pa)"
vsi_assert_match "pa's ingress qdisc" 'qdisc ingress ffff:' "$(qdiscs pa)"
ifb=$(ip -n "$NS_HOST" -o link show type ifb | sed -n 's/^[0-9]*: \(vsbw[0-9a-f]*\).*/\1/p')
vsi_assert_match "the ifb's root qdisc ($ifb)" 'qdisc tbf 7662: root .*rate 100Mbit' "$(qdiscs "$ifb")"
up=$(mbits)
down=$(mbits -R)
within "guest -> upstream at 100M" "$up" 90 110
within "upstream -> guest at 100M" "$down" 90 110
vsi_pass "MaximumBandwidth=100M: guest -> upstream $up Mbit/s, upstream -> guest $down Mbit/s (goodput)"

# --- bad input -----------------------------------------------------------------
rc=0
"$CTL" set pa MaximumBandwidth=1 2>"$VSI_TMP/ctl.err" || rc=$?
vsi_assert_eq "vswitchctl set MaximumBandwidth=1 exit" 2 "$rc"
vsi_assert_match "its message" "between 64k and 100G" "$(cat "$VSI_TMP/ctl.err")"
rc=0
"$CTL" set pa MaximumBandwidth=fast 2>"$VSI_TMP/ctl.err" || rc=$?
vsi_assert_eq "vswitchctl set MaximumBandwidth=fast exit" 2 "$rc"
vsb_expect_error "MaximumBandwidth 1 bit/s over the bus" org.vswitch1.Error.InvalidArgument "out of range" \
  /org/vswitch1/port/pa org.freedesktop.DBus.Properties.Set org.vswitch1.Port MaximumBandwidth '<uint64 1>'
out=$(vsb_send --as "$VSB_NOBODY" /org/vswitch1/port/pa org.freedesktop.DBus.Properties.Set \
  org.vswitch1.Port MaximumBandwidth '<uint64 0>')
vsi_assert_match "MaximumBandwidth set by uid $VSB_NOBODY" 'AccessDenied' "$out"
vsi_assert_eq "pa after refused sets" 100M "$(show pa MaximumBandwidth)"
vsi_assert_match "pa's root qdisc after refused sets" 'rate 100Mbit' "$(qdiscs pa)"
vsi_pass "bad input: usage errors naming the limits, InvalidArgument, AccessDenied; the limit stays"

# --- kill -9, restart, repair -------------------------------------------------------
vsi_stop_daemon KILL
vsi_start_daemon
vsi_assert_eq "pa after kill -9" 100M "$(show pa MaximumBandwidth)"
vsi_assert_match "pa's root qdisc after kill -9" 'qdisc tbf 7662: root .*rate 100Mbit' "$(qdiscs pa)"
vsi_assert_match "pa's ingress after kill -9" 'qdisc ingress ffff:' "$(qdiscs pa)"
ip netns exec "$NS_HOST" tc qdisc del dev pa root
ip netns exec "$NS_HOST" tc qdisc del dev pa ingress
for ((i = 0; i < 40; i++)); do
  qdiscs pa | grep -q 'qdisc tbf 7662:' && qdiscs pa | grep -q 'qdisc ingress' && break
  sleep 0.1
done
vsi_assert_match "pa's root qdisc after tc qdisc del" 'qdisc tbf 7662: root .*rate 100Mbit' "$(qdiscs pa)"
vsi_assert_match "pa's ingress after tc qdisc del" 'qdisc ingress ffff:' "$(qdiscs pa)"
grep -q "MaximumBandwidth qdiscs were removed by someone else" "$VSI_TMP/daemon.err" ||
  vsi_fail "the repair was not logged"
ip -n "$NS_HOST" link del "$ifb"
for ((i = 0; i < 40; i++)); do qdiscs "$ifb" | grep -q 'qdisc tbf 7662:' && break; sleep 0.1; done
vsi_assert_match "the ifb after ip link del" 'qdisc tbf 7662: root' "$(qdiscs "$ifb")"
up=$(mbits)
within "guest -> upstream after the repairs" "$up" 90 110
vsi_pass "kill -9 keeps the limit; deleted qdiscs and ifb are put back ($up Mbit/s after)"

# --- 0 removes it ----------------------------------------------------------------
"$CTL" set pa MaximumBandwidth=0
vsi_assert_no_match "pa's qdiscs at 0" 'tbf|ingress' "$(qdiscs pa)"
vsi_link_exists "$ifb" && vsi_fail "the ifb $ifb is still there at 0"
again=$(mbits)
[ "$again" -ge 200 ] || vsi_fail "at MaximumBandwidth=0 only $again Mbit/s"
vsi_pass "MaximumBandwidth=0: no qdiscs, no ifb, $again Mbit/s"

# Detaching a limited port removes its ifb.
"$CTL" set pa MaximumBandwidth=1G
"$CTL" detach pa
vsi_link_exists "$ifb" && vsi_fail "the ifb $ifb outlived the detach"
vsi_pass "detach removes the ifb"

# A limited port that goes while the daemon is down leaves no ifb behind.
ip -n "$NS_HOST" link add pb type veth peer name pb-p
out=$(vsb_send /org/vswitch1 org.vswitch1.Manager.AttachInterface Default pb vm-b 02:00:00:17:0b:0b)
[[ $out == *"/org/vswitch1/port/"* ]] || vsi_fail "AttachInterface pb: $out"
"$CTL" set pb MaximumBandwidth=1G
ifb_b=$(ip -n "$NS_HOST" -o link show type ifb | sed -n 's/^[0-9]*: \(vsbw[0-9a-f]*\).*/\1/p')
[ -n "$ifb_b" ] || vsi_fail "pb at 1G has no ifb"
vsi_stop_daemon KILL
ip -n "$NS_HOST" link del pb
vsi_start_daemon
vsi_link_exists "$ifb_b" && vsi_fail "the ifb $ifb_b of pb, deleted while the daemon was down, is still there"
vsi_pass "an ifb whose port went during a kill -9 is deleted at start ($(($(vsi_now_ms) - started)) ms in all)"
