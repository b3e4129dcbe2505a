#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# Real DHCP clients against vswitchd: ISC dhclient, busybox udhcpc and
# dhcpcd each get a lease in the subnet with the right mask, router, DNS
# server (the gateway) and domain; a renewal keeps the address; a release
# frees it; two VMs get distinct addresses; after a restart the client gets
# its address back; a new boot id moves the subnet and the client holding
# yesterday's lease is NAKed into the new one.
# Usage: dhcp_clients.sh VSWITCHD
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/dhcp_lib.sh
source "$(dirname "$0")/dhcp_lib.sh"
vsi_require_root
for c in dhclient udhcpc dhcpcd; do
  command -v "$c" >/dev/null || vsi_fail "$c is not installed (contrib/install-deps.sh --test)"
done
resolv_before=$(md5sum /etc/resolv.conf 2>/dev/null || true)
vsi_init dhcp_clients "$1"
vsi_topology
vsi_daemon_dirs
printf '[Switch]\nDomain=lab.test\n' >"$VSI_CONF"
vsi_start_daemon
subnet=$(vsi_subnet)
gateway=$(vsi_subnet_host "$subnet" 1)
net_re=$(sed 's/\.0\/20$//; s/\./\\./g' <<<"$subnet")

# vsd_check WHAT LINE: the lease a hook saw is in today's subnet with our options.
vsd_check() {
  local what=$1 line=$2 ip
  ip=$(vsd_field "$line" ip)
  [ -n "$ip" ] || vsi_fail "$what: no lease (hook saw: '$line')"
  local n
  n=$(vsi_ip2int "$ip")
  (( (n & 0xfffff000) == $(vsi_ip2int "${subnet%/*}") )) || vsi_fail "$what: $ip is not in $subnet"
  vsi_assert_ne "$what: address" "$gateway" "$ip"
  vsi_assert_eq "$what: mask" 255.255.240.0 "$(vsd_field "$line" mask)"
  vsi_assert_eq "$what: router" "$gateway" "$(vsd_field "$line" router)"
  vsi_assert_eq "$what: DNS server" "$gateway" "$(vsd_field "$line" dns)"
  vsi_assert_eq "$what: domain" lab.test "$(vsd_field "$line" domain)"
}

# --- ISC dhclient -------------------------------------------------------------
NS_A=vsi-dhcp_clients-$$-a
vsd_vm "$NS_A" vma
out_a=$VSI_TMP/dhclient.out
hook_a=$(vsd_hook dhclient "$out_a")
dhc=(dhclient -sf "$hook_a" -lf "$VSI_TMP/dhclient.leases" -pf "$VSI_TMP/dhclient.pid")
start=$(date +%s%N)
vsd_isolated "$NS_A" timeout 20 "${dhc[@]}" -1 -d -v eth0 >"$VSI_TMP/dhclient.log" 2>&1 &
dpid=$!
vsi_track_pid "$dpid"
for ((i = 0; i < 100; i++)); do grep -q '^BOUND ' "$out_a" 2>/dev/null && break; sleep 0.1; done
line=$(grep '^BOUND ' "$out_a" | tail -n 1 || true)
vsd_check "dhclient" "$line"
ip_a=$(vsd_field "$line" ip)
vsi_pass "dhclient bound $ip_a/20 router $gateway dns $gateway domain lab.test in $((($(date +%s%N) - start) / 1000000)) ms"
vsi_kill_pid "$dpid"
for ((i = 0; i < 30; i++)); do vsd_lease_file_has Default "$ip_a" && break; sleep 0.1; done
vsd_lease_file_has Default "$ip_a" || vsi_fail "lease file has no line for $ip_a: $(cat "$VSI_STATE/Default.leases")"
vsi_pass "the lease of $ip_a is in $VSI_STATE/Default.leases"

# vsd_wait_lines FILE N: until the hook wrote N lines (10 s at most).
vsd_wait_lines() {
  local i
  for ((i = 0; i < 100; i++)); do
    [ "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
    sleep 0.1
  done
  return 1
}

# vsd_wait_bound FILE N: until a dhclient/dhcpcd hook line after the first
# N says the client has a lease (PREINIT and friends come first).
vsd_wait_bound() {
  local i
  for ((i = 0; i < 150; i++)); do
    tail -n +$(($2 + 1)) "$1" 2>/dev/null | grep -Eq '^(BOUND|REBOOT|RENEW|REBIND) ' && return 0
    sleep 0.1
  done
  return 1
}

# dhclient run once more: INIT-REBOOT (RFC 2131 §3.2) asks for the same address.
vsd_dhclient_once() { # prints nothing; the hook appends to $out_a
  vsd_isolated "$NS_A" timeout 20 "${dhc[@]}" -1 -d -v eth0 >>"$VSI_TMP/dhclient.log" 2>&1 &
  dpid=$!
  vsi_track_pid "$dpid"
}
n=$(wc -l <"$out_a")
vsd_dhclient_once
vsd_wait_bound "$out_a" "$n" || vsi_fail "dhclient got no lease on its second run: $(tail -5 "$VSI_TMP/dhclient.log")"
line=$(grep -E '^(BOUND|REBOOT|RENEW|REBIND) ' "$out_a" | tail -n 1)
vsd_check "dhclient INIT-REBOOT" "$line"
vsi_assert_eq "dhclient: address after INIT-REBOOT" "$ip_a" "$(vsd_field "$line" ip)"
vsi_pass "dhclient asked again (${line%% *}) and kept $ip_a"
vsi_kill_pid "$dpid"

# Release: the lease leaves the table and, within the save delay, the file.
vsd_isolated "$NS_A" timeout 20 "${dhc[@]}" -r -v eth0 >>"$VSI_TMP/dhclient.log" 2>&1 ||
  vsi_fail "dhclient -r failed: $(tail -5 "$VSI_TMP/dhclient.log")"
for ((i = 0; i < 50; i++)); do vsd_lease_file_has Default "$ip_a" || break; sleep 0.1; done
vsd_lease_file_has Default "$ip_a" && vsi_fail "released $ip_a is still in the lease file"
grep -q "released $ip_a" "$VSI_TMP/daemon.err" || vsi_fail "the daemon did not log the release of $ip_a"
vsi_pass "dhclient -r released $ip_a: gone from the lease file"

# --- busybox udhcpc: lease, unicast renew (SIGUSR1) ----------------------------
NS_B=vsi-dhcp_clients-$$-b
vsd_vm "$NS_B" vmb
out_b=$VSI_TMP/udhcpc.out
hook_b=$(vsd_hook udhcpc "$out_b")
vsd_isolated "$NS_B" udhcpc -f -i eth0 -s "$hook_b" -t 5 -T 1 -x hostname:vmb >"$VSI_TMP/udhcpc.log" 2>&1 &
upid=$!
vsi_track_pid "$upid"
for ((i = 0; i < 100; i++)); do grep -q '^bound' "$out_b" 2>/dev/null && break; sleep 0.1; done
line=$(grep '^bound' "$out_b" | tail -n 1 || true)
vsd_check "udhcpc" "$line"
ip_b=$(vsd_field "$line" ip)
vsi_pass "udhcpc bound $ip_b/20 with router, DNS and domain"

# udhcpc runs as a child of the isolating shell's exec: signal the process
# whose namespace is NS_B and whose command is udhcpc.
udhcpc_pid() { for p in $(ip netns pids "$NS_B"); do [ "$(cat /proc/"$p"/comm 2>/dev/null)" = udhcpc ] && echo "$p"; done; }
upid_real=$(udhcpc_pid)
[ -n "$upid_real" ] || vsi_fail "udhcpc is not running in $NS_B"
vsd_udhcpc_renew() { # WHAT: SIGUSR1 → unicast REQUEST (RENEWING); expects the same address
  local n
  n=$(wc -l <"$out_b")
  kill -USR1 "$upid_real"
  vsd_wait_lines "$out_b" $((n + 1)) || vsi_fail "$1: udhcpc did not renew: $(tail -3 "$VSI_TMP/udhcpc.log")"
  line=$(vsd_last "$out_b")
  vsi_assert_eq "$1: hook reason" renew "${line%% *}"
  vsi_assert_eq "$1: address" "$ip_b" "$(vsd_field "$line" ip)"
}
vsd_udhcpc_renew "udhcpc renew"
vsi_pass "udhcpc renewed (unicast) and kept $ip_b"
# Writes are coalesced (at most one a second): wait for it.
for ((i = 0; i < 30; i++)); do grep -q "^lease $ip_b .* vmb$" "$VSI_STATE/Default.leases" && break; sleep 0.1; done
grep -q "^lease $ip_b .* vmb$" "$VSI_STATE/Default.leases" || vsi_fail "lease file lacks $ip_b with host name vmb: $(cat "$VSI_STATE/Default.leases")"
vsi_pass "the lease file holds $ip_b with host name 'vmb'"

# --- dhcpcd ---------------------------------------------------------------------
NS_C=vsi-dhcp_clients-$$-c
vsd_vm "$NS_C" vmc
out_c=$VSI_TMP/dhcpcd.out
hook_c=$(vsd_hook dhcpcd "$out_c")
printf 'option domain_name_servers, domain_name, routers, subnet_mask\nnoipv4ll\nnohook resolv.conf\n' \
  >"$VSI_TMP/dhcpcd.conf"
vsd_isolated "$NS_C" timeout 30 dhcpcd -f "$VSI_TMP/dhcpcd.conf" -c "$hook_c" -4 -1 -B -t 10 eth0 \
  >"$VSI_TMP/dhcpcd.log" 2>&1 || true
line=$(grep '^BOUND' "$out_c" | tail -n 1 || true)
vsd_check "dhcpcd" "$line"
ip_c=$(vsd_field "$line" ip)
vsi_pass "dhcpcd bound $ip_c/20 with router, DNS and domain"
vsi_assert_ne "two VMs' addresses" "$ip_b" "$ip_c"
vsi_pass "VMs b and c hold distinct addresses ($ip_b, $ip_c)"

# --- restart: leases come back from the file --------------------------------
n=$(wc -l <"$out_a")
vsd_dhclient_once
vsd_wait_bound "$out_a" "$n" || vsi_fail "dhclient got no lease after its release: $(tail -5 "$VSI_TMP/dhclient.log")"
line=$(grep -E '^(BOUND|REBOOT|RENEW|REBIND) ' "$out_a" | tail -n 1)
ip_a=$(vsd_field "$line" ip)
vsd_check "dhclient after release" "$line"
vsi_kill_pid "$dpid"
vsi_stop_daemon TERM
vsi_assert_eq "exit status on SIGTERM" 0 "$VSI_DAEMON_RC"
for ip in "$ip_a" "$ip_b" "$ip_c"; do
  vsd_lease_file_has Default "$ip" || vsi_fail "lease of $ip not flushed on SIGTERM: $(cat "$VSI_STATE/Default.leases")"
done
vsi_start_daemon
vsi_assert_eq "subnet after restart" "$subnet" "$(vsi_subnet)"
vsd_udhcpc_renew "udhcpc renew after restart"
vsi_pass "after a restart udhcpc renewed $ip_b (the lease came back from the file)"

# --- a new boot: yesterday's lease is NAKed, the client moves ---------------------
vsi_stop_daemon TERM
VSI_BOOT_ID=$VSI_BOOT_ID_B vsi_start_daemon
subnet2=$(vsi_subnet)
vsi_assert_ne "subnet after a new boot id" "$subnet" "$subnet2"
old_subnet=$subnet
subnet=$subnet2
gateway=$(vsi_subnet_host "$subnet" 1)
n=$(wc -l <"$out_a")
vsd_dhclient_once
vsd_wait_bound "$out_a" "$n" || vsi_fail "dhclient got no lease in the new subnet: $(tail -8 "$VSI_TMP/dhclient.log")"
grep -q 'DHCPNAK' "$VSI_TMP/dhclient.log" || vsi_fail "dhclient saw no NAK for its old lease: $(tail -8 "$VSI_TMP/dhclient.log")"
line=$(grep -E '^(BOUND|REBOOT|RENEW|REBIND) ' "$out_a" | tail -n 1)
vsd_check "dhclient in the new subnet" "$line"
ip_a2=$(vsd_field "$line" ip)
vsi_assert_eq "host offset kept across subnets" \
  $(($(vsi_ip2int "$ip_a") - $(vsi_ip2int "${old_subnet%/*}"))) $(($(vsi_ip2int "$ip_a2") - $(vsi_ip2int "${subnet%/*}")))
vsi_pass "new boot: dhclient's $ip_a was NAKed; it bound $ip_a2 in $subnet (same host offset)"
vsi_kill_pid "$dpid"

resolv_after=$(md5sum /etc/resolv.conf 2>/dev/null || true)
vsi_assert_eq "the machine's /etc/resolv.conf" "$resolv_before" "$resolv_after"
vsi_pass "the machine's /etc/resolv.conf is unchanged"
