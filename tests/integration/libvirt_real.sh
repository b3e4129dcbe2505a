#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# A real libvirtd (Debian's 9.0, no systemd) with contrib/libvirt in place:
# the `vswitch` network defined from contrib/libvirt/vswitch-network.xml, a
# TCG guest started with <interface type='network'><source network='vswitch'/>,
# and the qemu hook telling vswitchd the VM's name and MAC. Checks: the port
# carries the VM name and MAC right after `virsh start`; the guest takes a
# lease (ListLeases) and its VM name resolves to it through the switch's DNS;
# after a libvirtd restart the hook's `reconnect` attaches the port again;
# `virsh destroy` (hook `release`) detaches it.
#
# The guest is tests/e2e/make-guest.sh's kernel + busybox initramfs (direct
# kernel boot; it also looks its own name up from inside). Where that guest
# cannot be built (no apt lists, no network, no cache), QEMU's own iPXE ROM
# PXE-boots instead: a real DHCP client too, just without the inside checks.
#
# libvirtd runs in the test's host namespace (beside vswitchd) and in a
# private mount namespace, held open by a `sleep` so that libvirtd can be
# restarted in it: /etc/libvirt is this run's directory (qemu.conf: root, no
# cgroups, no security driver, no private /dev), /var an overlay on a tmpfs
# (libvirt's state, logs and cache), /run a tmpfs whose dbus/system_bus_socket
# leads to this run's private bus, /etc/passwd and /etc/group copies with the
# libvirt-qemu user. Nothing of it reaches the machine.
#
# Usage: libvirt_real.sh VSWITCHD
#   LIBVIRT_CAPTURE_DIR=DIR also installs a recording hook in qemu.d and
#   network.d that saves each call's arguments and stdin into DIR (how the
#   files in tests/integration/libvirt/ were made).
#   LIBVIRT_GUEST=ipxe boots the iPXE guest without trying make-guest.sh.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/bus_lib.sh
source "$(dirname "$0")/bus_lib.sh"
vsi_require_root
missing=
for c in libvirtd virsh qemu-system-x86_64 busctl dig dbus-daemon nsenter unshare; do
  command -v "$c" >/dev/null || missing="$missing $c"
done
if [ -n "$missing" ]; then
  # CI installs them (contrib/install-deps.sh --test): missing there is a failure.
  [ -n "${CI:-}" ] && { echo "FAIL: missing:$missing" >&2; exit 1; }
  echo "missing:$missing: skipping" >&2
  exit 77
fi

readonly VM=vmreal MAC=52:54:00:5e:00:01
# libvirtd probes QEMU's capabilities at its first start (no cache here).
readonly LIBVIRTD_READY_TIMEOUT_S=60
# TCG: the busybox guest has its lease some 5 s after QEMU starts, iPXE
# sooner; a loaded machine may need several times that.
readonly LEASE_TIMEOUT_S=90
readonly GUEST_CHECKS_TIMEOUT_S=60
# libvirtd reconnects to running guests in a thread after it answers.
readonly RECONNECT_TIMEOUT_S=30

vsi_init libvirt_real "$1"
vsi_topology
vsi_daemon_dirs
# "open": libvirtd itself talks to the system bus too (machined, firewalld,
# absent here); the project's policy would turn its ServiceUnknown into
# AccessDenied. The hooks test runs under the policy.
vsb_start_bus libvirt open
vsi_start_daemon
subnet=$(vsi_subnet)
gw=$(vsi_subnet_host "$subnet" 1)
bus_socket=${DBUS_SYSTEM_BUS_ADDRESS#unix:path=}

# --- the guest ------------------------------------------------------------------
guest_dir=
echo "LIBVIRT_GUEST=${LIBVIRT_GUEST:-}" >"$VSI_TMP/make-guest.log"
if [ "${LIBVIRT_GUEST:-}" != ipxe ] &&
  guest_dir=$("$VSB_SRC_DIR/tests/e2e/make-guest.sh" 2>>"$VSI_TMP/make-guest.log"); then
  vsi_log "guest: $guest_dir (kernel $(cat "$guest_dir/kernel-version" 2>/dev/null || echo '?'))"
else
  vsi_log "no tiny guest, PXE-booting iPXE instead: $(tail -n 1 "$VSI_TMP/make-guest.log")"
  guest_dir=
fi
serial=$VSI_TMP/serial.log
if [ -n "$guest_dir" ]; then
  os="<type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$guest_dir/vmlinuz</kernel><initrd>$guest_dir/initrd.img</initrd>
    <cmdline>console=ttyS0 panic=-1 hostname=$VM e2e_steps=lease,ping,dns e2e_name=$VM.vswitch.internal e2e_hold=600</cmdline>"
else
  os="<type arch='x86_64' machine='pc'>hvm</type><boot dev='network'/>"
fi
cat >"$VSI_TMP/domain.xml" <<XML
<domain type='qemu'>
  <name>$VM</name>
  <memory unit='MiB'>192</memory>
  <vcpu>1</vcpu>
  <os>
    $os
  </os>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <interface type='network'>
      <source network='vswitch'/>
      <mac address='$MAC'/>
      <model type='virtio'/>
    </interface>
    <serial type='file'><source path='$serial'/></serial>
  </devices>
</domain>
XML

# --- libvirtd's private world ------------------------------------------------------
LV=$VSI_TMP/libvirt
mkdir -p "$LV/etc/hooks/qemu.d" "$LV/etc/hooks/network.d" "$LV/ovl"
install -m 755 "$VSB_SRC_DIR/contrib/libvirt/qemu.d/vswitch" "$LV/etc/hooks/qemu.d/vswitch"
cat >"$LV/etc/qemu.conf" <<'CONF'
user = "root"
group = "root"
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
stdio_handler = "file"
CONF
echo 'log_outputs = "3:stderr"' >"$LV/etc/libvirtd.conf"
if [ -n "${LIBVIRT_CAPTURE_DIR:-}" ]; then
  mkdir -p "$LIBVIRT_CAPTURE_DIR"
  cat >"$LV/record-hook" <<HOOK
#!/bin/sh
# Saves what libvirt hands a hook: arguments and stdin.
n=\$(ls "$LIBVIRT_CAPTURE_DIR" | wc -l)
f=\$(printf '%s/%03d-%s-%s-%s' "$LIBVIRT_CAPTURE_DIR" "\$n" "\$(basename "\$(dirname "\$0")")" "\$1" "\$2")
echo "\$@" >"\$f.args"
cat >"\$f.xml"
HOOK
  install -m 755 "$LV/record-hook" "$LV/etc/hooks/qemu.d/record"
  install -m 755 "$LV/record-hook" "$LV/etc/hooks/network.d/record"
fi
cp /etc/passwd "$LV/passwd"
cp /etc/group "$LV/group"
getent passwd libvirt-qemu >/dev/null ||
  echo 'libvirt-qemu:x:64055:64055:Libvirt Qemu:/var/lib/libvirt:/usr/sbin/nologin' >>"$LV/passwd"
getent group libvirt-qemu >/dev/null || echo 'libvirt-qemu:x:64055:' >>"$LV/group"
getent group kvm >/dev/null || echo 'kvm:x:64056:' >>"$LV/group"

# The mount namespace: entered by ip netns exec (the host namespace), made
# private, set up, then held by `sleep` whose PID the others nsenter.
# shellcheck disable=SC2016  # expanded by the inner shell
ip netns exec "$NS_HOST" unshare --mount --propagation private sh -c '
  lv=$1 bus=$2
  mount --bind "$lv/etc" /etc/libvirt
  mount --bind "$lv/passwd" /etc/passwd
  mount --bind "$lv/group" /etc/group
  mount -t tmpfs tmpfs "$lv/ovl"
  mkdir "$lv/ovl/upper" "$lv/ovl/work"
  mount -t overlay overlay -o "lowerdir=/var,upperdir=$lv/ovl/upper,workdir=$lv/ovl/work" /var
  mount -t tmpfs -o mode=755 tmpfs /run
  mkdir /run/dbus
  ln -s "$bus" /run/dbus/system_bus_socket
  echo "$$" >"$lv/holder.pid"
  exec sleep infinity' sh "$LV" "$bus_socket" 2>"$LV/holder.err" &
vsi_track_pid $!
for ((i = 0; i < 100; i++)); do [ -s "$LV/holder.pid" ] && break; sleep 0.05; done
holder=$(cat "$LV/holder.pid" 2>/dev/null) || vsi_fail "mount namespace not set up: $(cat "$LV/holder.err")"
vsi_track_pid "$holder"
in_lv() { nsenter -t "$holder" -m -n "$@"; }
virsh_() { in_lv virsh -q -c qemu:///system "$@"; }

LIBVIRTD_PID=
start_libvirtd() {
  # nsenter itself, not a function around it: $! must be libvirtd's PID
  # (nsenter execs it), the PID we stop it by.
  nsenter -t "$holder" -m -n libvirtd >>"$LV/libvirtd.log" 2>&1 &
  LIBVIRTD_PID=$!
  vsi_track_pid "$LIBVIRTD_PID"
  local i
  for ((i = 0; i < LIBVIRTD_READY_TIMEOUT_S * 10; i++)); do
    kill -0 "$LIBVIRTD_PID" 2>/dev/null || vsi_fail "libvirtd exited: $(tail -n 20 "$LV/libvirtd.log")"
    virsh_ version >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  vsi_fail "libvirtd did not answer within ${LIBVIRTD_READY_TIMEOUT_S}s: $(tail -n 20 "$LV/libvirtd.log")"
}
dump_libvirt() {
  printf -- '--- libvirtd log (last 30 lines) ---\n%s\n' "$(tail -n 30 "$LV/libvirtd.log" 2>/dev/null)" >&2
  printf -- '--- QEMU log ---\n%s\n' "$(in_lv tail -n 20 "/var/log/libvirt/qemu/$VM.log" 2>&1)" >&2
  printf -- '--- serial ---\n%s\n' "$(tail -n 20 "$serial" 2>/dev/null)" >&2
}
fail() { dump_libvirt; vsi_fail "$*"; }

t0=$(date +%s)
start_libvirtd
vsi_pass "$(in_lv libvirtd --version) answers in its own mount namespace ($(($(date +%s) - t0)) s)"

virsh_ net-define "$VSB_SRC_DIR/contrib/libvirt/vswitch-network.xml" >/dev/null || fail "net-define"
virsh_ net-start vswitch >/dev/null || fail "net-start vswitch"
vsi_assert_match "network vswitch" "vswitch +active" "$(virsh_ net-list)"

# --- start: the hook attached the port with the VM's name and MAC ------------------
port_of_mac() { # "ifname switch vm" of the port with MAC, empty when none
  busctl --system --json=short call org.vswitch1 /org/vswitch1 org.vswitch1.Manager ListPorts |
    "$PYTHON" -c 'import json,sys
for p in json.load(sys.stdin)["data"][0]:
    if p[3].lower() == sys.argv[1]: print(p[0], p[1], p[2])' "$1"
}
t0=$(date +%s%N)
virsh_ create "$VSI_TMP/domain.xml" >/dev/null || fail "virsh create"
vsi_log "virsh create took $((($(date +%s%N) - t0) / 1000000)) ms"
tap=$(virsh_ domiflist "$VM" | awk -v mac="$MAC" '$5 == mac {print $1}')
[ -n "$tap" ] || fail "domiflist shows no interface with $MAC: $(virsh_ domiflist "$VM")"
vsi_assert_eq "port of $MAC after virsh create" "$tap Default $VM" "$(port_of_mac "$MAC")"
vsi_assert_match "$tap in vswitch0" "master vswitch0" "$(ip -n "$NS_HOST" link show dev "$tap")"
vsi_pass "virsh create: the hook made $tap a port of Default with VM $VM and MAC $MAC"

# --- the guest's lease and DNS name ----------------------------------------------------
lease_of_mac() {
  busctl --system --json=short call org.vswitch1 /org/vswitch1/switch/Default org.vswitch1.Switch ListLeases |
    "$PYTHON" -c 'import json,sys
for l in json.load(sys.stdin)["data"][0]:
    if l[0].lower() == sys.argv[1]: print(l[1])' "$1"
}
t0=$(date +%s)
ip=
for ((i = 0; i < LEASE_TIMEOUT_S * 5; i++)); do
  ip=$(lease_of_mac "$MAC")
  [ -n "$ip" ] && break
  sleep 0.2
done
[ -n "$ip" ] || fail "no lease for $MAC within ${LEASE_TIMEOUT_S}s"
vsi_pass "the guest took the lease $ip ($(($(date +%s) - t0)) s after virsh create returned)"
vsi_assert_eq "A of $VM.vswitch.internal from the host" "$ip" \
  "$(ip netns exec "$NS_HOST" dig +time=3 +tries=2 "@$gw" +short "$VM.vswitch.internal" A)"
vsi_pass "$VM.vswitch.internal resolves to $ip through the switch's DNS"
if [ -n "$guest_dir" ]; then
  for ((i = 0; i < GUEST_CHECKS_TIMEOUT_S * 5; i++)); do
    grep -q '^E2E-PASS dns\|^E2E-FAIL\|^E2E-RESULT' "$serial" 2>/dev/null && break
    sleep 0.2
  done
  grep -q '^E2E-FAIL' "$serial" && fail "the guest reports: $(grep '^E2E-FAIL' "$serial")"
  grep -q '^E2E-PASS dns' "$serial" || fail "the guest did not report its DNS check"
  vsi_pass "inside the guest: $(grep -c '^E2E-PASS' "$serial") checks passed ($(grep '^E2E-PASS dns' "$serial" | cut -d' ' -f3-5))"
fi

# --- libvirtd restarts with the guest running: `reconnect` re-attaches -------------
# The port is dropped while libvirtd is down (as if the daemon had lost it),
# so only the hook's `reconnect` can bring it back; libvirt runs that in a
# thread of its own after it already answers.
vsi_kill_pid "$LIBVIRTD_PID"
busctl --system call org.vswitch1 /org/vswitch1 org.vswitch1.Manager DetachAdapter s "$tap"
vsi_assert_eq "port of $MAC while libvirtd is down" "" "$(port_of_mac "$MAC")"
start_libvirtd
vsi_assert_match "$VM after the libvirtd restart" "$VM +running" "$(virsh_ list)"
for ((i = 0; i < RECONNECT_TIMEOUT_S * 5; i++)); do
  [ -n "$(port_of_mac "$MAC")" ] && break
  sleep 0.2
done
vsi_assert_eq "port of $MAC after reconnect" "$tap Default $VM" "$(port_of_mac "$MAC")"
vsi_assert_match "$tap back in vswitch0" "master vswitch0" "$(ip -n "$NS_HOST" link show dev "$tap")"
vsi_pass "libvirtd restarted with $VM running: reconnect made $tap a port of $VM again"

# --- destroy: `release` detaches the port ----------------------------------------------
t0=$(date +%s%N)
virsh_ destroy "$VM" >/dev/null || fail "virsh destroy"
vsi_log "virsh destroy took $((($(date +%s%N) - t0) / 1000000)) ms"
vsi_assert_eq "port of $MAC after virsh destroy" "" "$(port_of_mac "$MAC")"
vsi_assert_eq "ports after virsh destroy" 'a(sssso) 0' \
  "$(busctl --system call org.vswitch1 /org/vswitch1 org.vswitch1.Manager ListPorts)"
vsi_link_exists "$tap" && fail "$tap still exists after virsh destroy"
vsi_pass "virsh destroy: the hook detached $tap, libvirt removed it"

virsh_ net-destroy vswitch >/dev/null || fail "net-destroy"
vsi_link_exists vswitch0 || vsi_fail "net-destroy of the bridge-mode network removed vswitch0"
vsi_kill_pid "$LIBVIRTD_PID"
vsi_pass "net-destroy leaves vswitch0 to vswitchd"
