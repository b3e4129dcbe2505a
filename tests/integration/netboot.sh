#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# Network boot (issue 14, item 8): QEMU (TCG) with -boot n on a TAP from
# `vswitchctl attach` runs its own iPXE ROM, which takes a DHCP lease from
# vswitchd; the switch's IPXEBootFile= names a script on the test's web
# server at 203.0.113.10 (the upstream namespace), which iPXE fetches
# through the NAT and runs; the script chain-loads a second one by name
# (www.example.test, resolved through the switch's DNS, answered by the
# test upstream). Checks: the web server saw both GETs, from the host's
# uplink address (masqueraded); iPXE printed both scripts' markers on the
# serial console; the upstream DNS saw the name; ListLeases shows the lease.
# Usage: netboot.sh VSWITCHD VSWITCHCTL
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/bus_lib.sh
source "$(dirname "$0")/bus_lib.sh"
vsi_require_root
for c in qemu-system-x86_64 busctl dbus-daemon; do
  command -v "$c" >/dev/null || { echo "FAIL: $c is missing (contrib/install-deps.sh --test)" >&2; exit 1; }
done

# Bounds (seconds). Under TCG on a loaded 2-core machine iPXE asks for DHCP
# some 3 s after QEMU starts and has run the second script ~5 s later.
readonly QEMU_TIMEOUT_S=60   # QEMU is killed after this, whatever happens
readonly CHAIN_TIMEOUT_S=50  # QEMU start to the second script's marker
readonly VM_NAME=netboot-vm
readonly WEB_NAME=www.example.test  # dns_upstream.py answers it with 203.0.113.10

vsi_init netboot "$1"
CTL=$(readlink -f "$2")
t_start=$(vsi_now_ms)
vsi_topology

# The outside world: the test upstream DNS and a web server on 203.0.113.10
# with two iPXE scripts, named with a token of this run.
token=nb$$x$RANDOM
www=$VSI_TMP/www
mkdir -p "$www"
# shellcheck disable=SC2016  # ${net0/ip} is for iPXE to expand
printf '#!ipxe\necho NETBOOT-SCRIPT %s ${net0/ip}\nchain http://%s/second-%s.ipxe\n' \
  "$token" "$WEB_NAME" "$token" >"$www/boot.ipxe"
printf '#!ipxe\necho NETBOOT-CHAINED %s\n' "$token" >"$www/second-$token.ipxe"
ip netns exec "$NS_UP" "$PYTHON" -m http.server 80 --bind "$VSI_INTERNET_ADDR" --directory "$www" \
  >"$VSI_TMP/http.log" 2>&1 &
vsi_track_pid $!
for ((i = 0; i < 100; i++)); do
  ip netns exec "$NS_UP" bash -c "exec 3<>/dev/tcp/$VSI_INTERNET_ADDR/80" 2>/dev/null && break
  sleep 0.1
done
ip netns exec "$NS_UP" bash -c "exec 3<>/dev/tcp/$VSI_INTERNET_ADDR/80" 2>/dev/null ||
  vsi_fail "web server on $VSI_INTERNET_ADDR:80 did not start: $(cat "$VSI_TMP/http.log")"

vsi_daemon_dirs
vsi_dns_upstream "$VSI_TMP/dns-queries"
echo "IPXEBootFile=http://$VSI_INTERNET_ADDR/boot.ipxe" >>"$VSI_CONF"
vsb_start_bus netboot open
vsi_start_daemon
subnet=$(vsi_subnet)
[[ $subnet =~ ^[0-9.]+/[0-9]+$ ]] || vsi_fail "no single subnet on vswitch0: '$subnet'"

attach=$("$CTL" --json attach "$VM_NAME" 2>&1) || vsi_fail "vswitchctl attach $VM_NAME: $attach"
tap=$(sed -n 's/.*"interface":"\([^"]*\)".*/\1/p' <<<"$attach")
mac=$(sed -n 's/.*"mac":"\([^"]*\)".*/\1/p' <<<"$attach")
[[ -n $tap && -n $mac ]] || vsi_fail "vswitchctl attach printed no interface and MAC: $attach"
vsi_pass "vswitchctl attach $VM_NAME -> TAP $tap, MAC $mac"

# QEMU in the host namespace: no disk, so the BIOS boots the NIC's iPXE ROM;
# graphics=off sends the BIOS's and iPXE's console to the serial file.
serial=$VSI_TMP/serial.log
: >"$serial"
t_qemu=$(vsi_now_ms)
ip netns exec "$NS_HOST" timeout -k 5 "$QEMU_TIMEOUT_S" qemu-system-x86_64 \
  -accel tcg -m 64 -nodefaults -no-user-config -display none -machine graphics=off \
  -serial "file:$serial" -boot n \
  -netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" \
  -device "virtio-net-pci,netdev=n0,mac=$mac" </dev/null >"$VSI_TMP/qemu.log" 2>&1 &
qemu_pid=$!
vsi_track_pid "$qemu_pid"

guest_failed() {
  vsi_fail "$1
--- serial, last 15 lines ---
$(tail -n 15 "$serial" | tr -d '\r' | sed 's/\x08 //g')
--- web server log ---
$(cat "$VSI_TMP/http.log")
--- qemu ---
$(tail -n 5 "$VSI_TMP/qemu.log")"
}
deadline=$(($(date +%s) + CHAIN_TIMEOUT_S))
until grep -q "NETBOOT-CHAINED $token" "$serial"; do
  kill -0 "$qemu_pid" 2>/dev/null || guest_failed "QEMU exited before iPXE ran the chained script"
  # iPXE got no file (or could not fetch one) and gave up on the NIC (it
  # also says so right after the chained script: look again for that).
  if grep -q 'Nothing to boot\|No more network devices' "$serial" && ! grep -q "NETBOOT-CHAINED $token" "$serial"; then
    guest_failed "iPXE found nothing to boot"
  fi
  [ "$(date +%s)" -lt "$deadline" ] || guest_failed "iPXE did not run the chained script within ${CHAIN_TIMEOUT_S}s"
  sleep 0.1
done
t_chain=$(($(vsi_now_ms) - t_qemu))
vsi_kill_pid "$qemu_pid"

# What each side saw.
grep -Eq "^$VSI_HOST_UPLINK_ADDR .*\"GET /boot.ipxe HTTP/1\.[01]\" 200" "$VSI_TMP/http.log" ||
  guest_failed "the web server saw no GET of /boot.ipxe from the host's uplink $VSI_HOST_UPLINK_ADDR (masqueraded)"
grep -Eq "^$VSI_HOST_UPLINK_ADDR .*\"GET /second-$token.ipxe HTTP/1\.[01]\" 200" "$VSI_TMP/http.log" ||
  guest_failed "the web server saw no GET of the chained /second-$token.ipxe"
vsi_pass "the web server served /boot.ipxe and the chained /second-$token.ipxe to $VSI_HOST_UPLINK_ADDR (NAT)"
grep -q "^udp $WEB_NAME\. 1\$" "$VSI_TMP/dns-queries" || vsi_fail "the upstream DNS never saw $WEB_NAME: $(cat "$VSI_TMP/dns-queries")"
vsi_pass "iPXE resolved $WEB_NAME through the switch's DNS"
ip=$(tr -d '\r' <"$serial" | sed -n "s/.*NETBOOT-SCRIPT $token \([0-9.]*\).*/\1/p" | head -n 1)
[[ -n $ip ]] || guest_failed "iPXE printed no address with the first script's marker"
leases=$(busctl --system call org.vswitch1 /org/vswitch1/switch/Default org.vswitch1.Switch ListLeases)
vsi_assert_match "ListLeases has iPXE's lease" "\"$mac\" \"$ip\"" "$leases"
vsi_pass "iPXE ran boot.ipxe with its lease $ip ($mac) and the chained script; $t_chain ms from QEMU's start"
echo "timing: QEMU start -> chained script ${t_chain} ms; total $(($(vsi_now_ms) - t_start)) ms"
