#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# Session libvirt (qemu:///session, what GNOME Boxes and per-user
# virt-manager use) as an unprivileged user (issue 19 item 3): Debian's
# libvirtd run as uid 2 (bin) with its own HOME/XDG dirs, a guest with
# <interface type='bridge'><source bridge='vswitch0'/>, which libvirt
# plugs through qemu-bridge-helper. The mount namespace is set up as in
# bridge_helper.sh (contrib/qemu/bridge.conf as /etc/qemu/bridge.conf on an
# overlay of /etc, the helper setuid, /dev/net/tun 0666) and held by a
# `sleep` that libvirtd and virsh nsenter. The helper's TAP becomes a port
# of the switch (Origin bridge, the guest's MAC), QEMU's iPXE takes a lease,
# and `virsh destroy` leaves no TAP and no port.
# Usage: libvirt_session.sh VSWITCHD
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/bus_lib.sh
source "$(dirname "$0")/bus_lib.sh"
vsi_require_root
readonly HELPER=/usr/lib/qemu/qemu-bridge-helper
for c in libvirtd virsh qemu-system-x86_64 busctl dbus-daemon setpriv nsenter "$HELPER"; do
  command -v "$c" >/dev/null || { echo "FAIL: $c is missing (contrib/install-deps.sh --test)" >&2; exit 1; }
done
readonly USER_UID=2 VM=sessvm MAC=52:54:00:5e:00:19
readonly LIBVIRTD_READY_TIMEOUT_S=60 LEASE_TIMEOUT_S=60
vsi_init libvirt_session "$1"
t_start=$(vsi_now_ms)
vsi_topology
vsi_daemon_dirs
vsb_start_bus libvirt_session open
vsi_start_daemon
mnt=$VSI_TMP/mnt
H=$mnt/home
mkdir -p "$mnt/etc-up" "$mnt/etc-work" "$H/run" "$H/config" "$H/cache"
chmod 700 "$H/run"
cp "$HELPER" "$mnt/helper"
chmod 4755 "$mnt/helper"
cat >"$H/dom.xml" <<XML
<domain type='qemu'>
  <name>$VM</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='network'/></os>
  <devices>
    <interface type='bridge'>
      <source bridge='vswitch0'/>
      <mac address='$MAC'/>
      <model type='virtio'/>
    </interface>
    <serial type='file'><source path='$H/serial.log'/></serial>
  </devices>
</domain>
XML
chown -R "$USER_UID" "$H"

# shellcheck disable=SC2016  # expanded by the inner shell
ip netns exec "$NS_HOST" unshare -m --propagation private sh -c '
  m=$1 acl=$2 helper=$3
  mount -t overlay overlay -o "lowerdir=/etc,upperdir=$m/etc-up,workdir=$m/etc-work" /etc &&
  mkdir -p /etc/qemu && cp "$acl" /etc/qemu/bridge.conf && chmod 0644 /etc/qemu/bridge.conf &&
  mount --bind "$m/helper" "$helper" || exit 99
  if [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
    mount -t tmpfs -o mode=0755 tmpfs /dev/net && mknod -m 666 /dev/net/tun c 10 200 || exit 99
  fi
  echo "$$" >"$m/holder.pid"
  exec sleep infinity' lv "$mnt" "$VSB_SRC_DIR/contrib/qemu/bridge.conf" "$HELPER" 2>"$mnt/holder.err" &
vsi_track_pid $!
for ((i = 0; i < 100; i++)); do [ -s "$mnt/holder.pid" ] && break; sleep 0.05; done
holder=$(cat "$mnt/holder.pid" 2>/dev/null) || vsi_fail "mount namespace not set up: $(cat "$mnt/holder.err")"
vsi_track_pid "$holder"
user_env=(env -i PATH=/usr/bin:/bin:/usr/sbin:/sbin HOME="$H" XDG_RUNTIME_DIR="$H/run"
  XDG_CONFIG_HOME="$H/config" XDG_CACHE_HOME="$H/cache")
as_user() { nsenter -t "$holder" -m -n setpriv --reuid="$USER_UID" --regid="$USER_UID" --clear-groups "${user_env[@]}" "$@"; }
# LIBVIRT_AUTOSTART=0: virsh never spawns a session libvirtd of its own, so
# the one it reaches is the one started below (and tracked by PID).
virsh_() { as_user env LIBVIRT_AUTOSTART=0 virsh -q -c qemu:///session "$@"; }

# nsenter itself in the background (it execs setpriv, env, libvirtd): $! is
# libvirtd's PID.
nsenter -t "$holder" -m -n setpriv --reuid="$USER_UID" --regid="$USER_UID" --clear-groups "${user_env[@]}" \
  libvirtd >"$mnt/libvirtd.log" 2>&1 &
lvpid=$!
vsi_track_pid "$lvpid"
t0=$(vsi_now_ms)
for ((i = 0; i < LIBVIRTD_READY_TIMEOUT_S * 10; i++)); do
  kill -0 "$lvpid" 2>/dev/null || vsi_fail "libvirtd exited: $(tail -n 20 "$mnt/libvirtd.log")"
  virsh_ version >/dev/null 2>&1 && break
  sleep 0.1
done
virsh_ uri | grep -qx 'qemu:///session' || vsi_fail "virsh does not reach qemu:///session: $(tail -n 20 "$mnt/libvirtd.log")"
kill -0 "$lvpid" 2>/dev/null || vsi_fail "libvirtd exited: $(tail -n 20 "$mnt/libvirtd.log")"
vsi_assert_eq "libvirtd's uid" "$USER_UID" "$(ps -o uid= -p "$lvpid" | tr -d ' ')"
vsi_pass "$(as_user libvirtd --version) in session mode as uid $USER_UID ($(($(vsi_now_ms) - t0)) ms)"

virsh_ define "$H/dom.xml" >/dev/null || vsi_fail "virsh define: $(tail -n 20 "$mnt/libvirtd.log")"
out=$(virsh_ start "$VM" 2>&1) || vsi_fail "virsh start $VM: $out
$(tail -n 20 "$H/cache/libvirt/qemu/log/$VM.log" 2>/dev/null)"
t_vm=$(vsi_now_ms)
qemu_uid=$(ps -o uid= -p "$(cat "$H/run/libvirt/qemu/run/$VM.pid" 2>/dev/null || echo 1)" 2>/dev/null | tr -d ' ' || true)
vsi_assert_eq "QEMU's uid" "$USER_UID" "$qemu_uid"
ports() { busctl --system call org.vswitch1 /org/vswitch1 org.vswitch1.Manager ListPorts; }
lease=
deadline=$(($(date +%s) + LEASE_TIMEOUT_S))
while [ -z "$lease" ]; do
  lease=$(busctl --system call org.vswitch1 /org/vswitch1/switch/Default org.vswitch1.Switch ListLeases |
    grep -o "\"$MAC\" \"[0-9.]*\"" || true)
  [ -n "$lease" ] && break
  [ "$(date +%s)" -lt "$deadline" ] || vsi_fail "no lease for $MAC within ${LEASE_TIMEOUT_S}s: $(tail -c 600 "$H/serial.log" 2>/dev/null)"
  sleep 0.2
done
t_lease=$(($(vsi_now_ms) - t_vm))
port=$(ports | grep -o "\"[^\"]*\" \"Default\" \"\" \"$MAC\"" || true)
[ -n "$port" ] || vsi_fail "no port with the guest's MAC $MAC: $(ports)"
tap=$(cut -d'"' -f2 <<<"$port")
pobj=/org/vswitch1/port/$(python3 -c 'import sys; print("".join(c if c.isalnum() else "_%02x" % ord(c) for c in sys.argv[1]))' "$tap")
vsi_assert_eq "Origin of $tap" 's "bridge"' "$(busctl --system get-property org.vswitch1 "$pobj" org.vswitch1.Port Origin)"
vsi_pass "session guest $VM (<interface type='bridge'>, the helper's $tap): a port (Origin bridge, MAC $MAC), iPXE lease $lease in ${t_lease} ms"

virsh_ destroy "$VM" >/dev/null || vsi_fail "virsh destroy $VM"
for ((i = 0; i < 100; i++)); do vsi_link_exists "$tap" || break; sleep 0.05; done
vsi_link_exists "$tap" && vsi_fail "$tap survived virsh destroy"
for ((i = 0; i < 50; i++)); do [[ $(ports) != *"\"$tap\""* ]] && break; sleep 0.1; done
vsi_assert_no_match "ListPorts after virsh destroy" "\"$tap\"" "$(ports)"
vsi_pass "virsh destroy: $tap and its port gone ($(( ($(vsi_now_ms) - t_start) / 1000 )) s in all)"
