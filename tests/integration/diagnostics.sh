#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# Diagnostics of what silently breaks guests outside inet vswitch, in the
# daemon's namespace: ip_forward turned off is restored (measured);
# `iptables-nft -P FORWARD DROP` (as Docker does) shows in Problems with the
# fix; with FixForeignFirewall=yes the daemon adds accept rules (into
# DOCKER-USER when it exists), the VM reaches upstream again, and
# `vswitchctl teardown` removes exactly what was added.
# Usage: diagnostics.sh VSWITCHD VSWITCHCTL
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/bus_lib.sh
source "$(dirname "$0")/bus_lib.sh"
vsi_require_root
vsi_init diag "$1"
CTL=$(readlink -f "$2")
command -v iptables-nft >/dev/null || vsi_fail "iptables-nft is not installed (contrib/install-deps.sh --test)"
vsb_online_vm diag
problems() { busctl --system get-property org.vswitch1 /org/vswitch1/switch/Default org.vswitch1.Switch Problems; }
ipt() { ip netns exec "$NS_HOST" iptables-nft "$@"; }
# wait_for CMD...: ms until CMD succeeds (polled every 10 ms; no new try
# after 3 s by the clock, whatever each try takes).
wait_for() {
  local start
  start=$(vsi_now_ms)
  while (($(vsi_now_ms) - start < 3000)); do
    if "$@"; then
      echo $(($(vsi_now_ms) - start))
      return 0
    fi
    sleep 0.01
  done
  return 1
}

# --- ip_forward ----------------------------------------------------------------
forwarding_on() { [ "$(ip netns exec "$NS_HOST" cat /proc/sys/net/ipv4/ip_forward)" = 1 ]; }
ip netns exec "$NS_HOST" sysctl -q -w net.ipv4.ip_forward=0
ms=$(wait_for forwarding_on) || vsi_fail "ip_forward still 0 3 s after it was turned off"
grep -q 'ip_forward was turned off behind' "$VSI_TMP/daemon.err" || vsi_fail "no log line about ip_forward"
vsi_ping_upstream || vsi_fail "VM cannot reach $VSI_INTERNET_ADDR after ip_forward was restored"
vsi_pass "ip_forward=0 detected and restored after $ms ms, logged; the VM reaches upstream"

# --- br_netfilter (read-only; per namespace where the module is loaded) ---------
if [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]; then
  ip netns exec "$NS_HOST" sysctl -q -w net.bridge.bridge-nf-call-iptables=1
  # Re-checked on the next nftables change: this adds a harmless table.
  vsi_nft add table ip diag-trigger
  has_br() { [[ $(problems) == *'"br-netfilter"'* ]]; }
  wait_for has_br >/dev/null || vsi_fail "br_netfilter with bridge-nf-call-iptables=1 not reported: $(problems)"
  ip netns exec "$NS_HOST" sysctl -q -w net.bridge.bridge-nf-call-iptables=0
  vsi_nft delete table ip diag-trigger
  no_br() { [[ $(problems) != *'"br-netfilter"'* ]]; }
  wait_for no_br >/dev/null || vsi_fail "br-netfilter problem stays after bridge-nf-call-iptables=0: $(problems)"
  vsi_pass "br_netfilter with bridge-nf-call-iptables=1 is reported, and cleared when set to 0"
else
  # Loading the module would change the machine's own bridges: not a
  # test's to do. Said as a note, not as a pass.
  vsi_log "NOT TESTED here: br_netfilter is not loaded on this machine; its check has unit tests only"
fi

# --- iptables-nft -P FORWARD DROP --------------------------------------------------
ipt -P FORWARD DROP
vsi_ping_upstream && vsi_fail "control: the VM still reaches upstream with FORWARD policy DROP"
has_drop() { [[ $(problems) == *'"foreign-forward-drop:ip/filter/FORWARD"'* ]]; }
ms=$(wait_for has_drop) || vsi_fail "FORWARD DROP not in Problems: $(problems)"
p=$(problems)
vsi_assert_match "the problem names the chain" 'chain ip filter FORWARD' "$p"
vsi_assert_match "the fix" 'iptables -I FORWARD -i vswitch0 -j ACCEPT; iptables -I FORWARD -o vswitch0 -j ACCEPT' "$p"
status=$("$CTL" status)
vsi_assert_match "vswitchctl status shows it" 'foreign-forward-drop:ip/filter/FORWARD' "$status"
json=$("$CTL" status --json)
vsi_assert_match "vswitchctl status --json shows it" '"kind":"foreign-forward-drop:ip/filter/FORWARD"' "$json"
vsi_pass "iptables-nft -P FORWARD DROP reported after $ms ms with the fix, in Problems and vswitchctl status"

# --- FixForeignFirewall=yes with Docker's DOCKER-USER -------------------------------
vsi_stop_daemon TERM
ipt -N DOCKER-USER
ipt -A DOCKER-USER -j RETURN
ipt -I FORWARD -j DOCKER-USER
printf 'FixForeignFirewall=yes\n' >>"$VSI_CONF"
vsi_start_daemon
ms=$(wait_for vsi_ping_upstream) || vsi_fail "VM does not reach upstream with FixForeignFirewall=yes: $(ipt -S)"
rules=$(ipt -S DOCKER-USER)
vsi_assert_match "accept in from the bridge" '-i vswitch0 .*-j ACCEPT' "$rules"
vsi_assert_match "accept out to the bridge" '-o vswitch0 .*-j ACCEPT' "$rules"
[[ $(problems) != *foreign-forward-drop* ]] || vsi_fail "problem stays after the fix: $(problems)"
vsi_pass "FixForeignFirewall=yes: accept rules in DOCKER-USER, the VM reaches upstream ($ms ms after READY), no problem left"

# Docker flushes its chains on restart: the fix comes back.
ipt -F DOCKER-USER
ipt -A DOCKER-USER -j RETURN
ms=$(wait_for vsi_ping_upstream) || vsi_fail "fix not re-applied after DOCKER-USER was flushed"
vsi_pass "DOCKER-USER flushed: the fix is back after $ms ms"

"$CTL" teardown
rules=$(ipt -S DOCKER-USER)
vsi_assert_no_match "teardown removed our rules" 'vswitch0' "$rules"
vsi_assert_match "teardown kept Docker's own rule" '-A DOCKER-USER -j RETURN' "$rules"
vsi_assert_match "teardown kept the FORWARD jump" '-A FORWARD -j DOCKER-USER' "$(ipt -S FORWARD)"
vsi_assert_eq "tables named vswitch left" 0 "$(vsi_vswitch_table_count)"
vsi_pass "vswitchctl teardown removed exactly the rules it added"
