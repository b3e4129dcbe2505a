#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# QEMU's own bridge networking as an unprivileged user (issue 19 item 3):
# `-netdev bridge,br=vswitch0,helper=/usr/lib/qemu/qemu-bridge-helper` run
# as uid 2 (bin) in a private mount namespace set up as the QEMU docs say:
# contrib/qemu/bridge.conf as /etc/qemu/bridge.conf (an overlay on /etc:
# the machine has no /etc/qemu, and nothing is written to it) and the helper
# setuid root (Debian ships it without the bit: a setuid copy bind-mounted
# over it), /dev/net/tun 0666 as distributions make it. The helper's TAP is adopted by vswitchd as a port (origin
# "bridge"), with the guest's MAC from the bridge; the guest's iPXE takes a
# lease; when QEMU exits the port goes. Without the ACL line the helper
# refuses (the test of the shipped file).
# Usage: bridge_helper.sh VSWITCHD
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/bus_lib.sh
source "$(dirname "$0")/bus_lib.sh"
vsi_require_root
readonly HELPER=/usr/lib/qemu/qemu-bridge-helper
for c in qemu-system-x86_64 busctl dbus-daemon setpriv "$HELPER"; do
  command -v "$c" >/dev/null || { echo "FAIL: $c is missing (contrib/install-deps.sh --test)" >&2; exit 1; }
done
readonly USER_UID=2 QEMU_TIMEOUT_S=60 DHCP_TIMEOUT_S=40
vsi_init bridge_helper "$1"
t_start=$(vsi_now_ms)
vsi_topology
vsi_daemon_dirs
vsb_start_bus bridge_helper open
vsi_start_daemon
mnt=$VSI_TMP/mnt
mkdir -p "$mnt/etc-up" "$mnt/etc-work" "$mnt/qemu"
cp "$HELPER" "$mnt/helper"
chmod 4755 "$mnt/helper"
chown "$USER_UID" "$mnt/qemu"

# qemu_as_user ACL-FILE MAC ARGS...: QEMU as USER_UID in the host namespace,
# in the private mount namespace; its output in $mnt/qemu/qemu.log.
qemu_as_user() {
  local acl=$1 mac=$2
  shift 2
  ip netns exec "$NS_HOST" unshare -m --propagation private sh -c '
    m=$1 acl=$2 helper=$3 uid=$4; shift 4
    mount -t overlay overlay -o "lowerdir=/etc,upperdir=$m/etc-up,workdir=$m/etc-work" /etc &&
    mkdir -p /etc/qemu && cp "$acl" /etc/qemu/bridge.conf && chmod 0644 /etc/qemu/bridge.conf &&
    mount --bind "$m/helper" "$helper" || exit 99
    # The helper keeps only CAP_NET_ADMIN and opens /dev/net/tun as the
    # user: where it is 0600 (this container), a node of our own with the
    # 0666 distributions give it (as bus_lib.sh vsb_open_tap_as does).
    if [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
      mount -t tmpfs -o mode=0755 tmpfs /dev/net && mknod -m 666 /dev/net/tun c 10 200 || exit 99
    fi
    exec setpriv --reuid="$uid" --regid="$uid" --clear-groups "$@"' \
    bh "$mnt" "$acl" "$HELPER" "$USER_UID" timeout -k 5 "$QEMU_TIMEOUT_S" qemu-system-x86_64 \
    -accel tcg -m 64 -nodefaults -no-user-config -display none -machine graphics=off \
    -serial "file:$mnt/qemu/serial.log" -boot n -pidfile "$mnt/qemu/qemu.pid" \
    -netdev "bridge,id=n0,br=vswitch0,helper=$HELPER" -device "virtio-net-pci,netdev=n0,mac=$mac" "$@"
}

# Without the line: the helper refuses, QEMU exits, no port.
printf '# nothing allowed\n' >"$mnt/deny.conf"
rc=0
qemu_as_user "$mnt/deny.conf" 52:54:00:00:00:01 </dev/null >"$mnt/qemu/deny.log" 2>&1 || rc=$?
[ "$rc" != 99 ] || vsi_fail "could not set up the mount namespace: $(cat "$mnt/qemu/deny.log")"
[ "$rc" != 0 ] || vsi_fail "QEMU ran through the helper without an ACL line"
grep -q "access denied by acl file" "$mnt/qemu/deny.log" || vsi_fail "the helper did not refuse: $(cat "$mnt/qemu/deny.log")"
vsi_pass "without 'allow vswitch0' the helper refuses ($(grep -o 'access denied by acl file' "$mnt/qemu/deny.log"))"

# With contrib/qemu/bridge.conf.
mac=52:54:00:b1:d9:e4
t_qemu=$(vsi_now_ms)
qemu_as_user "$VSB_SRC_DIR/contrib/qemu/bridge.conf" "$mac" </dev/null >"$mnt/qemu/qemu.log" 2>&1 &
qpid=$!
vsi_track_pid "$qpid"
deadline=$(($(date +%s) + DHCP_TIMEOUT_S))
port=
lease=
while [ -z "$lease" ]; do
  kill -0 "$qpid" 2>/dev/null || vsi_fail "QEMU exited: $(tail -5 "$mnt/qemu/qemu.log")"
  [ "$(date +%s)" -lt "$deadline" ] || vsi_fail "no lease for $mac within ${DHCP_TIMEOUT_S}s: $(tail -c 600 "$mnt/qemu/serial.log")"
  lease=$(busctl --system call org.vswitch1 /org/vswitch1/switch/Default org.vswitch1.Switch ListLeases |
    grep -o "\"$mac\" \"[0-9.]*\"" || true)
  sleep 0.2
done
t_lease=$(($(vsi_now_ms) - t_qemu))
# `ip netns exec` forks: QEMU's own pid, to stop QEMU itself.
qemu_pid=$(cat "$mnt/qemu/qemu.pid")
vsi_track_pid "$qemu_pid"
port=$(busctl --system call org.vswitch1 /org/vswitch1 org.vswitch1.Manager ListPorts | grep -o "\"[^\"]*\" \"Default\" \"\" \"$mac\"" || true)
[ -n "$port" ] || vsi_fail "no port with the guest's MAC $mac: $(busctl --system call org.vswitch1 /org/vswitch1 org.vswitch1.Manager ListPorts)"
tap=$(cut -d'"' -f2 <<<"$port")
origin=$(busctl --system get-property org.vswitch1 "/org/vswitch1/port/$(python3 -c 'import sys; print("".join(c if c.isalnum() else "_%02x" % ord(c) for c in sys.argv[1]))' "$tap")" org.vswitch1.Port Origin)
vsi_assert_eq "Origin of $tap" 's "bridge"' "$origin"
vsi_assert_match "$tap is in vswitch0" "master vswitch0" "$(ip -n "$NS_HOST" -d link show dev "$tap")"
vsi_pass "QEMU as uid $USER_UID through the setuid helper: TAP $tap adopted (Origin bridge, MAC $mac), iPXE lease $lease in ${t_lease} ms"
vsi_kill_pid "$qemu_pid"
vsi_kill_pid "$qpid"
for ((i = 0; i < 100; i++)); do vsi_link_exists "$tap" || break; sleep 0.05; done
vsi_link_exists "$tap" && vsi_fail "$tap survived QEMU"
for ((i = 0; i < 50; i++)); do
  [[ $(busctl --system call org.vswitch1 /org/vswitch1 org.vswitch1.Manager ListPorts) != *"\"$tap\""* ]] && break
  sleep 0.1
done
vsi_assert_no_match "ListPorts after QEMU exited" "\"$tap\"" "$(busctl --system call org.vswitch1 /org/vswitch1 org.vswitch1.Manager ListPorts)"
vsi_pass "QEMU gone: $tap and its port gone ($(( ($(vsi_now_ms) - t_start) / 1000 )) s in all)"
