#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# The self-healing firewall: `nft flush ruleset` and `nft delete table inet
# vswitch` in the daemon's namespace put the table back within a second
# (measured and printed) and a VM reaches upstream again; a loop deleting
# the table makes the daemon back off, report "firewall-fight" in Problems
# and stay cheap on CPU (from /proc/PID/stat).
# Usage: firewall_heal.sh VSWITCHD VSWITCHCTL
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/bus_lib.sh
source "$(dirname "$0")/bus_lib.sh"
vsi_require_root
vsi_init fwheal "$1"
CTL=$(readlink -f "$2")
vsb_online_vm fwheal

# wait_table: ms until inet vswitch holds its forward chain again, or fails.
wait_table() {
  local start=$1 i
  for ((i = 0; i < 300; i++)); do
    if vsi_nft list chain inet vswitch forward 2>/dev/null | grep -q 'drop'; then
      echo $(($(vsi_now_ms) - start))
      return 0
    fi
    sleep 0.01
  done
  return 1
}
repairs() { busctl --system get-property org.vswitch1 /org/vswitch1 org.vswitch1.Manager FirewallRepairs | cut -d' ' -f2; }

# --- nft flush ruleset --------------------------------------------------------
start=$(vsi_now_ms)
vsi_nft flush ruleset
ms=$(wait_table "$start") || vsi_fail "table inet vswitch not back 3 s after 'nft flush ruleset'"
[ "$ms" -le 1000 ] || vsi_fail "table back only after $ms ms (limit 1000)"
vsi_ping_upstream || vsi_fail "VM cannot reach $VSI_INTERNET_ADDR after the repair"
vsi_assert_eq "FirewallRepairs after one flush" 1 "$(repairs)"
vsi_pass "'nft flush ruleset': table back after $ms ms, the VM reaches $VSI_INTERNET_ADDR again"

# --- nft delete table ---------------------------------------------------------
start=$(vsi_now_ms)
vsi_nft delete table inet vswitch
ms=$(wait_table "$start") || vsi_fail "table inet vswitch not back 3 s after 'nft delete table'"
[ "$ms" -le 1000 ] || vsi_fail "table back only after $ms ms (limit 1000)"
vsi_assert_eq "FirewallRepairs after the delete" 2 "$(repairs)"
status=$("$CTL" status)
vsi_assert_match "vswitchctl status shows the count" 're-applied 2 time' "$status"
grep -q 're-applied table inet vswitch .* after table deleted by process' "$VSI_TMP/daemon.err" ||
  vsi_fail "the log does not say what deleted the table: $(tail -n 5 "$VSI_TMP/daemon.err")"
vsi_pass "'nft delete table inet vswitch': back after $ms ms; counted in FirewallRepairs and vswitchctl status; the log names the process"

# --- a loop deleting it --------------------------------------------------------
ticks() { awk '{print $14 + $15}' "/proc/$VSI_DAEMON_PID/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks)
loop_s=8
end=$(($(date +%s) + loop_s))
deletes=0
while [ "$(date +%s)" -lt "$end" ]; do
  if vsi_nft delete table inet vswitch 2>/dev/null; then deletes=$((deletes + 1)); fi
  sleep 0.05
done
t1=$(ticks)
cpu_ms=$(((t1 - t0) * 1000 / hz))
problems=$(busctl --system get-property org.vswitch1 /org/vswitch1/switch/Default org.vswitch1.Switch Problems)
vsi_assert_match "Problems during the fight" '"firewall-fight"' "$problems"
n=$(repairs)
# Without back-off every delete (each 50 ms + the 100 ms repair delay) would
# be repaired; with it the repairs stay few.
[ "$n" -le 12 ] || vsi_fail "$n repairs in ${loop_s}s of deletes: no back-off"
[ "$cpu_ms" -le 1000 ] || vsi_fail "vswitchd used $cpu_ms ms CPU in ${loop_s}s of deletes"
status=$("$CTL" status)
vsi_assert_match "vswitchctl status names the fight" 'firewall-fight' "$status"
vsi_pass "delete loop (${deletes} deletes in ${loop_s}s): $n repairs in total, back-off reported in Problems, daemon CPU ${cpu_ms} ms"

# After the loop the table comes back (after the current back-off step).
ms=$(
  start=$(vsi_now_ms)
  for ((i = 0; i < 700; i++)); do
    vsi_nft list table inet vswitch >/dev/null 2>&1 && { echo $(($(vsi_now_ms) - start)); exit 0; }
    sleep 0.1
  done
  exit 1
) || vsi_fail "table not back 70 s after the loop stopped"
vsi_pass "after the loop the table is back ($ms ms after it stopped)"
