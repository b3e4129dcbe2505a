#!/bin/bash
# vswitchd.service as systemd would take it, without needing systemd as PID 1:
#   - `systemd-analyze verify` passes (ExecStart= pointed at the built
#     binary, the man pages of Documentation= on MANPATH);
#   - `systemd-analyze security --offline=true` exposure <= 2.5 (printed);
#   - the daemon runs as the unit's User= with nothing but the unit's
#     AmbientCapabilities=, under a read-only /proc/sys but for ip_forward
#     (ProtectKernelTunables= + ReadWritePaths=), and still does everything:
#     owns org.vswitch1 under the project's bus policy, builds the bridge,
#     enables forwarding, serves DHCP (packet socket) and DNS (:53), and
#     makes a TAP for another owner.
# The machine's /etc/passwd is never changed: the unit's user exists only in
# the private mount namespace of the test's own dbus-daemon.
# Usage: systemd_unit.sh VSWITCHD UNIT-FILE
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bus_lib.sh"
. "$(dirname "$0")/dhcp_lib.sh"
vsi_require_root
vsi_init unit "$1"
UNIT=$(readlink -f "$2")
SRC=$(cd "$VSI_LIB_DIR/../.." && pwd)
readonly MAX_EXPOSURE=2.5

unit_value() { sed -n "s/^$1=//p" "$UNIT" | tail -n 1; }

# --- systemd-analyze verify -------------------------------------------------
work=$VSI_TMP/verify
mkdir -p "$work/man/man1" "$work/man/man5" "$work/man/man8"
for page in "$SRC"/man/*.[158]; do cp "$page" "$work/man/man${page##*.}/"; done
exec_start=$(unit_value ExecStart)
[[ $exec_start == /*/vswitchd ]] || vsi_fail "ExecStart= is not an absolute path to vswitchd: '$exec_start'"
sed "s|^ExecStart=.*|ExecStart=$VSWITCHD|" "$UNIT" >"$work/vswitchd.service"
out=$(MANPATH=$work/man systemd-analyze verify "$work/vswitchd.service" 2>&1) ||
  vsi_fail "systemd-analyze verify failed: $out"
[ -z "$out" ] || vsi_fail "systemd-analyze verify warns: $out"
vsi_pass "systemd-analyze verify: no warnings (ExecStart=$exec_start, man pages found)"

# --- systemd-analyze security -------------------------------------------------
sec=$(systemd-analyze security --offline=true "$work/vswitchd.service" 2>&1)
exposure=$(sed -n 's/.*Overall exposure level for vswitchd.service: \([0-9.]*\).*/\1/p' <<<"$sec")
[ -n "$exposure" ] || vsi_fail "no exposure level in: $sec"
echo "exposure of vswitchd.service: $exposure (limit $MAX_EXPOSURE)"
awk -v e="$exposure" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(e <= m) }' ||
  vsi_fail "exposure $exposure > $MAX_EXPOSURE: $(grep '✗' <<<"$sec")"
vsi_pass "systemd-analyze security: exposure $exposure <= $MAX_EXPOSURE"

# --- the unit's user and capabilities -------------------------------------------
user=$(unit_value User)
ambient=$(unit_value AmbientCapabilities)
bounding=$(unit_value CapabilityBoundingSet)
vsi_assert_eq "User= and Group=" "$user" "$(unit_value Group)"
vsi_assert_eq "the bounding set is the ambient set" "$ambient" "$bounding"
vsi_assert_eq "the unit's capabilities" "CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_NET_RAW" "$ambient"
caps=$(tr ' ' '\n' <<<"$ambient" | sed 's/^CAP_//' | tr '[:upper:]' '[:lower:]' | sed 's/^/+/' | paste -sd, -)
uid=
for ((u = 61000; u < 61100; u++)); do
  getent passwd "$u" >/dev/null || getent group "$u" >/dev/null || { uid=$u; break; }
done
[ -n "$uid" ] || vsi_fail "no free uid in 61000..61099"
sed -e "/^$user:/d" /etc/passwd >"$VSI_TMP/passwd"
echo "$user:x:$uid:$uid:vswitch daemon:/var/lib/vswitch:/usr/sbin/nologin" >>"$VSI_TMP/passwd"
sed -e "/^$user:/d" /etc/group >"$VSI_TMP/group"
echo "$user:x:$uid:" >>"$VSI_TMP/group"
chmod 644 "$VSI_TMP/passwd" "$VSI_TMP/group"

# dbus-daemon (started by vsb_start_bus through PATH) resolves the policy's
# user="vswitch" in a mount namespace where that user exists.
mkdir -p "$VSI_TMP/bin"
cat >"$VSI_TMP/bin/dbus-daemon" <<EOF
#!/bin/sh
exec unshare --mount --propagation private sh -c '
  mount --bind "$VSI_TMP/passwd" /etc/passwd && mount --bind "$VSI_TMP/group" /etc/group &&
  exec $(command -v dbus-daemon) "\$@"' dbus-daemon "\$@"
EOF
# The daemon, as systemd would start it: that uid, those capabilities and
# no others, no new privileges, /proc as ProtectProc=/ProcSubset= mount it,
# /proc/sys read-only but for ip_forward.
proc_opts=
[ "$(unit_value ProtectProc)" = invisible ] && proc_opts+=hidepid=invisible,
[ "$(unit_value ProcSubset)" = pid ] && proc_opts+=subset=pid,
proc_mount=:
[ -n "$proc_opts" ] && proc_mount="mount -t proc -o ${proc_opts%,} proc /proc"
# Where /dev/net/tun is 0600 (some containers), its private mounts get the
# 0666 node distributions install; the machine's /dev is not touched.
cat >"$VSI_TMP/bin/vswitchd-as-unit" <<EOF
#!/bin/sh
exec unshare --mount --propagation private sh -c '
  $proc_mount || exit 1
  if [ "\$(stat -c %a /dev/net/tun)" != 666 ]; then
    mount -t tmpfs -o mode=0755 tmpfs /dev/net && mknod -m 666 /dev/net/tun c 10 200 || exit 1
  fi
  mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys &&
  mount --bind /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/ip_forward &&
  mount -o remount,bind,rw /proc/sys/net/ipv4/ip_forward &&
  exec setpriv --reuid=$uid --regid=$uid --clear-groups --no-new-privs \
    --bounding-set=-all,$caps --inh-caps=-all,$caps --ambient-caps=-all,$caps \
    "$VSWITCHD" "\$@"' vswitchd "\$@"
EOF
chmod 755 "$VSI_TMP/bin/dbus-daemon" "$VSI_TMP/bin/vswitchd-as-unit"

vsi_topology
vsi_daemon_dirs
mkdir -p "$VSI_STATE" "$VSI_RUN"
chown "$uid:$uid" "$VSI_STATE" "$VSI_RUN"
PATH=$VSI_TMP/bin:$PATH vsb_start_bus unit policy
vsi_assert_eq "ip_forward in the fresh namespace" 0 "$(ip netns exec "$NS_HOST" cat /proc/sys/net/ipv4/ip_forward)"

VSWITCHD=$VSI_TMP/bin/vswitchd-as-unit
vsi_start_daemon
pid=$VSI_DAEMON_PID
vsi_assert_eq "the daemon's uid" "$uid" "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")"
# CAP_NET_BIND_SERVICE (10), CAP_NET_ADMIN (12), CAP_NET_RAW (13).
vsi_assert_eq "the daemon's effective capabilities" 0000000000003400 "$(awk '/^CapEff:/ {print $2}' "/proc/$pid/status")"
vsi_assert_eq "the daemon's bounding set" 0000000000003400 "$(awk '/^CapBnd:/ {print $2}' "/proc/$pid/status")"
vsi_assert_eq "NoNewPrivs" 1 "$(awk '/^NoNewPrivs:/ {print $2}' "/proc/$pid/status")"
vsi_pass "running as uid $uid ($user) with CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_NET_RAW only"

owner_uid=$(dbus-send --system --print-reply=literal --dest=org.freedesktop.DBus / \
  org.freedesktop.DBus.GetConnectionUnixUser string:org.vswitch1 | awk '{print $2}')
vsi_assert_eq "org.vswitch1 is owned by the unit's user under the project's policy" "$uid" "$owner_uid"
vsi_assert_eq "ip_forward enabled by the daemon" 1 "$(ip netns exec "$NS_HOST" cat /proc/sys/net/ipv4/ip_forward)"
vsi_assert_eq "the nft table" 1 "$(vsi_vswitch_table_count)"
subnet=$(vsi_subnet)
gw=$(vsi_subnet_host "$subnet" 1)
vsi_pass "bridge $subnet, forwarding and inet vswitch built without root"

out=$(busctl --system call org.vswitch1 /org/vswitch1 org.vswitch1.Manager AttachAdapter 'sssa{sv}' \
  Default qemu-vm "" 2 owner u "$VSB_NOBODY" ifname s tap-unit)
vsi_assert_eq "AttachAdapter as root" 'so "tap-unit" "/org/vswitch1/port/tap_2dunit"' "$out"
vsi_assert_match "the TAP belongs to nobody" "tun type tap .*user (nobody|$VSB_NOBODY)( |$)" "$(ip -n "$NS_HOST" -d link show tap-unit)"
vsi_pass "a persistent TAP owned by uid $VSB_NOBODY"

vsd_vm "$NS_VM" vmu
hook=$(vsd_hook udhcpc "$VSI_TMP/udhcpc.out")
vsd_isolated "$NS_VM" udhcpc -q -n -f -i eth0 -s "$hook" -t 5 -T 1 >"$VSI_TMP/udhcpc.log" 2>&1 ||
  vsi_fail "udhcpc got no lease: $(cat "$VSI_TMP/udhcpc.log")"
line=$(grep '^bound' "$VSI_TMP/udhcpc.out" | tail -n 1)
vsi_assert_eq "DHCP router" "$gw" "$(vsd_field "$line" router)"
vsi_pass "DHCP lease for a client without an address: $(vsd_field "$line" ip)"

answer=$(ip netns exec "$NS_VM" dig +tries=1 +time=2 "@$gw" no-such-host.vswitch.internal 2>&1 || true)
vsi_assert_match "DNS on $gw:53 answers" "status: NXDOMAIN" "$answer"
vsi_pass "DNS answers on $gw:53"

vsi_stop_daemon TERM
vsi_assert_eq "exit status after SIGTERM" 0 "$VSI_DAEMON_RC"
vsi_pass "the unit's user and capabilities are enough"
