#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# The counters on the bus: a VM's DNS queries (answered and refused) and
# broken DHCP datagrams (a runt, an all-zero MAC) raise
# exactly their keys of the Switch's Statistics property; `vswitchctl status`
# shows the trouble counters that are not zero, `vswitchctl stats --json`
# every key; an unprivileged caller may read them.
# Usage: statistics.sh VSWITCHD VSWITCHCTL
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/bus_lib.sh
source "$(dirname "$0")/bus_lib.sh"
vsi_require_root
vsi_init stats "$1"
CTL=$(readlink -f "$2")
command -v dig >/dev/null || vsi_fail "dig is not installed (contrib/install-deps.sh --test)"
vsb_online_vm stats

# stat KEY: its value in `vswitchctl stats --json` (the whole bus path).
stats_json() { "$CTL" stats --json; }
stat() { stats_json | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["Default"][sys.argv[1]])' "$1"; }

vsi_assert_eq "a fresh switch has dropped nothing" 0 "$(stat dhcp.dropped.truncated)"
vsi_assert_match "status says so" "Counters: nothing dropped, refused or repaired" "$("$CTL" status)"
keys=$(stats_json | "$PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)["Default"]))')
((keys >= 40)) || vsi_fail "only $keys keys in Statistics"
vsi_pass "Statistics lists every key ($keys) at start"

# --- DNS: answered, refused --------------------------------------------------
q0=$(stat dns.queries)
ip netns exec "$NS_VM" dig +short +tries=1 +time=2 "@$gateway" vswitch.internal >/dev/null
ip netns exec "$NS_VM" dig +tries=1 +time=2 "@$gateway" version.bind CH TXT >"$VSI_TMP/chaos" || true
vsi_assert_match "a CHAOS query is refused" "status: REFUSED" "$(cat "$VSI_TMP/chaos")"
vsi_assert_eq "two DNS queries counted" $((q0 + 2)) "$(stat dns.queries)"
vsi_assert_eq "the refusal counted" 1 "$(stat dns.refused)"
vsi_pass "DNS queries and refusals are counted"

# --- DHCP: broken datagrams from the VM, each dropped under its reason ---------
# udp_to_gateway HEX: one datagram from the VM to the gateway's port 67.
udp_to_gateway() {
  ip netns exec "$NS_VM" "$PYTHON" - "$gateway" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(bytes.fromhex(sys.argv[2]), (sys.argv[1], 67))
PY
}
# bootrequest CHADDR_HEX GIADDR_HEX: a DISCOVER (fixed header, cookie, 53=1).
bootrequest() {
  printf '01010600%s' "12345678"
  printf '0000%s' "0000"            # secs, flags
  printf '%s' "00000000" "00000000" "00000000" "$2"  # ciaddr yiaddr siaddr giaddr
  printf '%-32s' "$1" | tr ' ' 0    # chaddr (16 bytes)
  printf '%0384d' 0                 # sname + file
  printf '63825363' ; printf '350101ff'
}
udp_to_gateway 0101060012345678
udp_to_gateway "$(bootrequest 000000000000 00000000)"
# Wait for the daemon to read them (the counters are read on demand).
for _ in $(seq 50); do [ "$(stat dhcp.dropped.zero-mac)" = 1 ] && break; sleep 0.05; done
vsi_assert_eq "a runt is dropped as truncated" 1 "$(stat dhcp.dropped.truncated)"
vsi_assert_eq "an all-zero MAC is dropped as such" 1 "$(stat dhcp.dropped.zero-mac)"
status=$("$CTL" status)
vsi_assert_match "status lists the drops" "Counters: (dhcp.dropped.truncated 1|dhcp.dropped.zero-mac 1)" "$status"
vsi_assert_match "status lists the refusal" "dns.refused 1" "$status"
vsi_assert_no_match "status leaves ordinary counters out" "dns.queries" "$status"
vsi_pass "DHCP drops are counted by reason and shown by status"

# --- who may read ------------------------------------------------------------
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups busctl --system get-property org.vswitch1 \
  /org/vswitch1/switch/Default org.vswitch1.Switch Statistics)
vsi_assert_match "nobody reads Statistics" '^a\{st\} [0-9]+ .*"dhcp.dropped.zero-mac" 1' "$out"
vsi_assert_match "text output aligns every key" "  dhcp\.acks {20,}[0-9]+" "$("$CTL" stats Default)"
vsi_pass "Statistics is readable by anyone, vswitchctl stats prints it"
