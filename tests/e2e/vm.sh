#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# A real VM end to end: the tiny guest of make-guest.sh (a stock Debian
# kernel + busybox) boots under QEMU (TCG) on a TAP that `vswitchctl attach`
# created through AttachAdapter, inside the host namespace of lib.sh's
# topology. The guest takes a DHCP lease (sending its host name), pings the
# gateway, resolves www.example.test through vswitchd's DNS (answered by the
# test upstream in the upstream namespace) and fetches a page from
# 203.0.113.10 through the NAT, printing E2E-PASS/FAIL markers on its serial
# console. Meanwhile the host resolves the guest's DHCP host name through the
# daemon and ListLeases shows the lease. The serial log is kept in
# $VSWITCH_E2E_ARTIFACT_DIR (default: the current directory) and its path
# printed; so are the total time and the time from QEMU's start to the lease.
# Usage: vm.sh VSWITCHD VSWITCHCTL
set -euo pipefail
e2e_dir=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
source "$e2e_dir/../integration/lib.sh"
# shellcheck source=tests/integration/bus_lib.sh
source "$e2e_dir/../integration/bus_lib.sh"

# Bounds (seconds). Measured here under TCG on a loaded 2-core machine: the
# lease comes 5-10 s after QEMU starts, the guest powers off ~3 s later.
readonly GUEST_BUILD_TIMEOUT_S=300   # first run: downloads a 70 MB kernel package
readonly LEASE_TIMEOUT_S=90
readonly RESULT_TIMEOUT_S=150        # QEMU start to E2E-RESULT
readonly QEMU_TIMEOUT_S=180          # QEMU is killed after this, whatever happens
readonly POWEROFF_TIMEOUT_S=20       # E2E-RESULT to QEMU's exit
readonly GUEST_NAME=e2e-guest        # DHCP host name (option 12)
readonly VM_NAME=e2e-vm              # the port's VM name
readonly WEB_NAME=www.example.test   # dns_upstream.py answers it with 203.0.113.10

vsi_require_root
# Missing tools skip on a developer's machine, but fail under CI.
need() {
  command -v "$1" >/dev/null && return 0
  [ -n "${CI:-}" ] && { echo "FAIL: $1 is missing (contrib/install-deps.sh --test)" >&2; exit 1; }
  echo "$1 missing: skipping" >&2
  exit 77
}
for c in qemu-system-x86_64 dig busctl dbus-daemon cpio dpkg-deb; do need "$c"; done

t_start=$(date +%s.%N)
elapsed() { # SINCE: seconds since SINCE, one decimal
  awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
}

vsi_init e2e "$1"
VSWITCHCTL=$(readlink -f "$2")
artifacts=$(readlink -f "${VSWITCH_E2E_ARTIFACT_DIR:-.}")
mkdir -p "$artifacts"
serial=$artifacts/e2e-vm-serial.log
qemu_log=$artifacts/e2e-vm-qemu.log
: >"$serial"
: >"$qemu_log"
echo "serial log: $serial"

guest=$(timeout "$GUEST_BUILD_TIMEOUT_S" "$e2e_dir/make-guest.sh" 2>"$VSI_TMP/make-guest.err") ||
  vsi_fail "building the guest failed: $(tail -n 5 "$VSI_TMP/make-guest.err")"
[[ -f $guest/vmlinuz && -f $guest/initrd.img ]] || vsi_fail "make-guest.sh gave no guest in '$guest'"
# The uncompressed kernel boots ~10 s sooner under TCG (no XZ decompressor).
kernel=$guest/vmlinuz
[ -f "$guest/vmlinux" ] && kernel=$guest/vmlinux
vsi_pass "guest: kernel $(cat "$guest/kernel-version") ($kernel) ($(elapsed "$t_start") s)"

vsi_topology
# The outside world: the test upstream DNS and a web server on 203.0.113.10,
# serving a page with a token of this run so a stale or wrong page fails.
ip netns exec "$NS_UP" "$PYTHON" "$VSI_LIB_DIR/dns_upstream.py" "$VSI_INTERNET_ADDR" "$VSI_TMP/dns-queries" \
  >"$VSI_TMP/upstream.out" 2>&1 &
vsi_track_pid $!
token=vswitch-e2e-$$-$RANDOM
mkdir -p "$VSI_TMP/www"
echo "$token" >"$VSI_TMP/www/index.html"
ip netns exec "$NS_UP" "$PYTHON" -m http.server 80 --bind "$VSI_INTERNET_ADDR" --directory "$VSI_TMP/www" \
  >"$VSI_TMP/http.log" 2>&1 &
vsi_track_pid $!
for ((i = 0; i < 100; i++)); do
  grep -q '^listening' "$VSI_TMP/upstream.out" 2>/dev/null &&
    ip netns exec "$NS_UP" bash -c "exec 3<>/dev/tcp/$VSI_INTERNET_ADDR/80" 2>/dev/null && break
  sleep 0.1
done
grep -q '^listening' "$VSI_TMP/upstream.out" || vsi_fail "test upstream DNS did not start: $(cat "$VSI_TMP/upstream.out")"
ip netns exec "$NS_UP" bash -c "exec 3<>/dev/tcp/$VSI_INTERNET_ADDR/80" 2>/dev/null ||
  vsi_fail "web server on $VSI_INTERNET_ADDR:80 did not start: $(cat "$VSI_TMP/http.log")"

vsb_start_bus e2e policy
vsi_daemon_dirs
echo "nameserver $VSI_INTERNET_ADDR" >"$VSI_RESOLV"
vsi_start_daemon
subnet=$(vsi_subnet)
[[ $subnet =~ ^[0-9.]+/[0-9]+$ ]] || vsi_fail "no single subnet on vswitch0: '$subnet'"
gw=$(vsi_subnet_host "$subnet" 1)
domain=$(busctl --system get-property org.vswitch1 /org/vswitch1/switch/Default org.vswitch1.Switch Domain |
  sed 's/^s "\(.*\)"$/\1/')
vsi_pass "vswitchd ready: subnet $subnet, gateway $gw, domain $domain"

# The TAP, by AttachAdapter through vswitchctl; the daemon picks the MAC.
attach=$("$VSWITCHCTL" --json attach "$VM_NAME" 2>&1) || vsi_fail "vswitchctl attach $VM_NAME: $attach"
tap=$(sed -n 's/.*"interface":"\([^"]*\)".*/\1/p' <<<"$attach")
mac=$(sed -n 's/.*"mac":"\([^"]*\)".*/\1/p' <<<"$attach")
port=$(sed -n 's/.*"object":"\([^"]*\)".*/\1/p' <<<"$attach")
[[ -n $tap && -n $mac && -n $port ]] || vsi_fail "vswitchctl attach printed no interface, MAC and object: $attach"
vsi_link_exists "$tap" || vsi_fail "the TAP $tap does not exist in the host namespace"
vsi_pass "vswitchctl attach $VM_NAME -> TAP $tap, MAC $mac"

# QEMU in the host namespace, bounded by timeout and killed by PID on exit.
append="console=ttyS0 panic=-1 quiet hostname=$GUEST_NAME e2e_name=$WEB_NAME"
append+=" e2e_expect=$VSI_INTERNET_ADDR e2e_path=/index.html"
t_qemu=$(date +%s.%N)
ip netns exec "$NS_HOST" timeout -k 5 "$QEMU_TIMEOUT_S" qemu-system-x86_64 \
  -accel tcg -m 128 -nodefaults -no-user-config -display none -no-reboot \
  -serial "file:$serial" -kernel "$kernel" -initrd "$guest/initrd.img" -append "$append" \
  -netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" \
  -device "virtio-net-pci,netdev=n0,mac=$mac" </dev/null >>"$qemu_log" 2>&1 &
qemu_pid=$!
vsi_track_pid "$qemu_pid"

# wait_serial REGEX TIMEOUT: true once a serial line matches; false when QEMU
# exits or the time runs out first.
wait_serial() {
  local re=$1 deadline=$(($(date +%s) + $2))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    grep -Eq "$re" "$serial" && return 0
    kill -0 "$qemu_pid" 2>/dev/null || { grep -Eq "$re" "$serial"; return; }
    sleep 0.1
  done
  return 1
}
guest_failed() { # WHAT: fails with the end of the serial and QEMU logs
  vsi_fail "$1
--- serial ($serial), last 30 lines ---
$(tail -n 30 "$serial")
--- qemu ($qemu_log) ---
$(tail -n 10 "$qemu_log")"
}

wait_serial '^E2E-LEASE ' "$LEASE_TIMEOUT_S" || guest_failed "the guest got no lease within ${LEASE_TIMEOUT_S}s"
t_lease=$(elapsed "$t_qemu")
lease=$(grep -m1 '^E2E-LEASE ' "$serial" | tr -d '\r')
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$lease"; }
ip=$(field ip)
[[ $ip =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || guest_failed "no address in the lease line: $lease"
plen=${subnet#*/}
net_int=$(vsi_ip2int "${subnet%/*}")
mask_int=$(((0xffffffff << (32 - plen)) & 0xffffffff))
[ $(($(vsi_ip2int "$ip") & mask_int)) = "$net_int" ] || guest_failed "lease $ip is not in today's subnet $subnet"
[ "$ip" != "$gw" ] || guest_failed "the guest was leased the gateway address $gw"
vsi_assert_eq "prefix length in the lease" "$plen" "$(field mask)"
vsi_assert_eq "router in the lease" "$gw" "$(field router)"
vsi_assert_eq "DNS server in the lease" "$gw" "$(field dns)"
vsi_assert_eq "domain in the lease" "$domain" "$(field domain)"
vsi_pass "the guest got $ip/$plen in today's subnet $subnet, router and DNS $gw, $t_lease s after QEMU started"

# While the guest runs its checks: the host resolves the guest's DHCP host
# name (and the port's VM name) through the daemon, and the lease is listed.
hostdig() { ip netns exec "$NS_HOST" dig +time=3 +tries=2 +short "@$gw" "$@" 2>&1; }
vsi_assert_eq "A of $GUEST_NAME.$domain from the host" "$ip" "$(hostdig "$GUEST_NAME.$domain" A)"
vsi_assert_eq "A of $VM_NAME.$domain from the host" "$ip" "$(hostdig "$VM_NAME.$domain" A)"
# The daemon may answer the PTR with both names; each must be one of them.
ptr=$(hostdig -x "$ip" | sort | tr '\n' ' ' | sed 's/ $//')
vsi_assert_match "PTR of $ip from the host" "^(($GUEST_NAME|$VM_NAME)\.$domain\.( |$))+$" "$ptr"
vsi_pass "the host resolves $GUEST_NAME.$domain and $VM_NAME.$domain to $ip and back ($ptr) through the daemon"
vsi_assert_match "the guest's eth0" "^E2E-INFO eth0 $mac up" "$(grep -m1 '^E2E-INFO eth0 ' "$serial" | tr -d '\r')"
port_prop() { busctl --system get-property org.vswitch1 "$port" org.vswitch1.Port "$1"; }
vsi_assert_eq "Address of $port" "s \"$ip\"" "$(port_prop Address)"
vsi_assert_eq "Hostname of $port" "s \"$GUEST_NAME\"" "$(port_prop Hostname)"
vsi_pass "the guest's eth0 has the MAC the daemon picked; $port shows its address and host name"
leases=$(busctl --system call org.vswitch1 /org/vswitch1/switch/Default org.vswitch1.Switch ListLeases)
vsi_assert_match "ListLeases" "\"$mac\" \"$ip\" \"$GUEST_NAME\" [0-9]+" "$leases"
vsi_pass "ListLeases: $leases"

wait_serial '^E2E-RESULT ' "$RESULT_TIMEOUT_S" ||
  guest_failed "the guest printed no E2E-RESULT within ${RESULT_TIMEOUT_S}s of QEMU's start"
t_result=$(elapsed "$t_qemu")
step_line() { grep -m1 -E "^E2E-(PASS|FAIL) $1 " "$serial" | tr -d '\r'; }
for step in lease ping dns wget; do
  line=$(step_line "$step")
  [[ $line == "E2E-PASS $step "* ]] || guest_failed "guest step '$step' did not pass: '${line:-no marker}'"
  vsi_pass "guest: ${line#E2E-PASS }"
done
vsi_assert_match "the guest's ping of the gateway" "^E2E-PASS ping $gw: 3 packets transmitted, 3 packets received" \
  "$(step_line ping)"
vsi_assert_match "the guest's lookup" "^E2E-PASS dns $WEB_NAME -> $VSI_INTERNET_ADDR \(server $gw\)" "$(step_line dns)"
vsi_assert_match "the page the guest fetched" "body: $token\$" "$(step_line wget)"
# The query reached the upstream through the daemon, and the page request
# came from the host's uplink address: the guest's source was masqueraded.
grep -q "^udp $WEB_NAME\. 1\$" "$VSI_TMP/dns-queries" || vsi_fail "the upstream DNS never saw $WEB_NAME"
grep -Eq "^$VSI_HOST_UPLINK_ADDR .*\"GET /index.html " "$VSI_TMP/http.log" ||
  vsi_fail "the web server saw no request from the host's uplink $VSI_HOST_UPLINK_ADDR (masqueraded): $(cat "$VSI_TMP/http.log")"
vsi_assert_eq "the guest's verdict" "E2E-RESULT PASS" "$(grep -m1 '^E2E-RESULT ' "$serial" | tr -d '\r')"

# The guest powers itself off; QEMU must exit on its own.
for ((i = 0; i < POWEROFF_TIMEOUT_S * 10; i++)); do
  kill -0 "$qemu_pid" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$qemu_pid" 2>/dev/null && guest_failed "QEMU did not exit within ${POWEROFF_TIMEOUT_S}s of the guest's power-off"
qrc=0
wait "$qemu_pid" || qrc=$?
vsi_assert_eq "QEMU's exit status (124: killed by timeout)" 0 "$qrc"
t_exit=$(elapsed "$t_qemu")
vsi_pass "QEMU exited after the guest powered off"

echo "timing: QEMU start -> lease ${t_lease}s, -> all guest checks ${t_result}s, -> QEMU exit ${t_exit}s; total $(elapsed "$t_start")s"
echo "serial log: $serial"
