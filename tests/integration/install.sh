#!/bin/bash
# `meson install --destdir` puts every shipped file where the distribution
# looks for it: the directories come from pkg-config (systemd, dbus-1,
# bash-completion) and the build's own options (prefix, bindir, ...), never
# from the install plan under test. Lists what was installed, fails on a
# missing or an unexpected file, runs the installed binaries, and verifies
# the installed unit against the DESTDIR tree.
# Usage: install.sh BUILD-DIR SOURCE-DIR
set -euo pipefail
build=$(readlink -f "$1")
src=$(readlink -f "$2")
work=$(mktemp -d /tmp/vsi-install.XXXXXX)
dest=$work/root
bus_pid=
trap '[ -z "$bus_pid" ] || kill "$bus_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }

meson install -C "$build" --destdir "$dest" --no-rebuild --quiet >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; rm -f "$work/install.log"; fail "meson install failed"; }
rm -f "$work/install.log"

options=$(meson introspect --buildoptions "$build")
option() {  # the build's value of a meson option
  python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == sys.argv[1]))' "$1" <<<"$options"
}
under_prefix() { case $1 in /*) echo "$1" ;; *) echo "$prefix/$1" ;; esac; }
pkgvar() { pkg-config --variable="$2" "$1" 2>/dev/null || true; }

prefix=$(option prefix)
bindir=$(under_prefix "$(option bindir)")
sbindir=$(under_prefix "$(option sbindir)")
mandir=$(under_prefix "$(option mandir)")
datadir=$(under_prefix "$(option datadir)")
sysconfdir=$(under_prefix "$(option sysconfdir)")
unitdir=$(pkgvar systemd systemdsystemunitdir)
sysusersdir=$(pkgvar systemd sysusersdir)
dbus_datadir=$(pkgvar dbus-1 datadir)
bus_services=$(pkgvar dbus-1 system_bus_services_dir)
completions=$(pkgvar bash-completion completionsdir)
: "${unitdir:=/lib/systemd/system}" "${sysusersdir:=/usr/lib/sysusers.d}"
: "${dbus_datadir:=/usr/share}" "${bus_services:=$dbus_datadir/dbus-1/system-services}"
: "${completions:=$datadir/bash-completion/completions}"

expected=(
  "$sbindir/vswitchd"
  "$bindir/vswitchctl"
  "$unitdir/vswitchd.service"
  "$sysusersdir/vswitch.conf"
  "$dbus_datadir/dbus-1/system.d/org.vswitch1.conf"
  "$bus_services/org.vswitch1.service"
  "$mandir/man8/vswitchd.8"
  "$mandir/man5/vswitchd.conf.5"
  "$mandir/man1/vswitchctl.1"
  "$mandir/man5/org.vswitch1.5"
  "$completions/vswitchctl"
)
# contrib/libvirt: whatever of it the tree has (another part of issue 6).
for f in vswitch-network.xml README.md; do
  [ -e "$src/contrib/libvirt/$f" ] && expected+=("$datadir/vswitch/libvirt/$f")
done
hooks=()
for h in network.d/vswitch qemu.d/vswitch; do
  [ -e "$src/contrib/libvirt/$h" ] && hooks+=("$sysconfdir/libvirt/hooks/$h")
done
expected+=("${hooks[@]}")
# issue 19: the NSS module, where glibc looks (the libdir; Debian multiarch).
libdir=$(under_prefix "$(option libdir)")
expected+=("$libdir/libnss_vswitch.so.2" "$mandir/man8/nss-vswitch.8" "$datadir/vswitch/qemu/bridge.conf")

installed=$(cd "$dest" && find . \( -type f -o -type l \) | sed 's|^\.||' | sort)
echo "installed into DESTDIR:"
while read -r f; do echo "  $f"; done <<<"$installed"
for f in "${expected[@]}"; do
  [ -f "$dest$f" ] || fail "not installed: $f"
done
unexpected=$(grep -vxF -f <(printf '%s\n' "${expected[@]}") <<<"$installed" || true)
[ -z "$unexpected" ] || fail "installed but not expected: $unexpected"
pass "${#expected[@]} files, each where the distribution looks"

for f in "$sbindir/vswitchd" "$bindir/vswitchctl" "${hooks[@]}"; do
  [ -x "$dest$f" ] || fail "$f is not executable"
done
version=$(meson introspect --projectinfo "$build" | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
[ "$("$dest$sbindir/vswitchd" --version)" = "vswitchd $version" ] || fail "installed vswitchd --version"
"$dest$bindir/vswitchctl" --help | grep -q '^Usage: vswitchctl' || fail "installed vswitchctl --help"
pass "installed binaries run (vswitchd $version)"
nss_exports=$(nm -D --defined-only "$dest$libdir/libnss_vswitch.so.2" | awk '$2 == "T" {print $3}' | sort | tr '\n' ' ')
[ "$nss_exports" = "_nss_vswitch_gethostbyaddr2_r _nss_vswitch_gethostbyaddr_r _nss_vswitch_gethostbyname2_r _nss_vswitch_gethostbyname3_r _nss_vswitch_gethostbyname4_r _nss_vswitch_gethostbyname_r " ] ||
  fail "libnss_vswitch.so.2 exports '$nss_exports', not glibc's six hosts entry points"
# Loaded into every process that resolves a name: libc only, no libstdc++.
nss_needed=$(readelf -d "$dest$libdir/libnss_vswitch.so.2" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
[ "$nss_needed" = "libc.so.6 " ] || fail "libnss_vswitch.so.2 needs '$nss_needed', not libc.so.6 alone"
pass "libnss_vswitch.so.2 exports the six hosts entry points and needs libc alone"

unit=$dest$unitdir/vswitchd.service
grep -qx "ExecStart=$sbindir/vswitchd" "$unit" || fail "ExecStart= is not $sbindir/vswitchd: $(grep ExecStart= "$unit")"
grep -qx "SystemdService=vswitchd.service" "$dest$bus_services/org.vswitch1.service" || fail "activation file names no vswitchd.service"
grep -qx "Name=org.vswitch1" "$dest$bus_services/org.vswitch1.service" || fail "activation file names no org.vswitch1"
grep -q '^u vswitch ' "$dest$sysusersdir/vswitch.conf" || fail "sysusers.d makes no user vswitch"
grep -qx "User=vswitch" "$unit" || fail "the unit does not run as the sysusers.d user"
# The installed policy and activation file, as a system bus reads them: a
# private dbus-daemon (stopped by PID) refuses to start on a bad policy, and
# lists the name as activatable only from a valid, correctly named file.
cat >"$work/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$work/bus.sock</listen>
  <auth>EXTERNAL</auth>
  <servicedir>$dest$bus_services</servicedir>
  <policy context="default">
    <allow send_destination="org.freedesktop.DBus"/>
    <allow receive_type="method_return"/>
  </policy>
  <include>$dest$dbus_datadir/dbus-1/system.d/org.vswitch1.conf</include>
</busconfig>
EOF
dbus-daemon --config-file="$work/bus.conf" --nofork --print-address=1 >"$work/bus.addr" 2>"$work/bus.err" &
bus_pid=$!
for ((i = 0; i < 100; i++)); do [ -S "$work/bus.sock" ] && break; sleep 0.05; done
[ -S "$work/bus.sock" ] || fail "dbus-daemon refused the installed policy: $(cat "$work/bus.err")"
names=$(DBUS_SYSTEM_BUS_ADDRESS=unix:path=$work/bus.sock dbus-send --system --print-reply=literal \
  --dest=org.freedesktop.DBus / org.freedesktop.DBus.ListActivatableNames)
kill "$bus_pid"
grep -qw org.vswitch1 <<<"$names" || fail "org.vswitch1 is not activatable from $bus_services: $names"
pass "a system bus accepts the installed policy and can activate org.vswitch1"

# Verified as installed, but for ExecStart= pointing into DESTDIR: the
# installed binary must exist and be executable for verify to pass.
mkdir -p "$work/verify"
sed "s|^ExecStart=|ExecStart=$dest|" "$unit" >"$work/verify/vswitchd.service"
out=$(MANPATH=$dest$mandir systemd-analyze verify "$work/verify/vswitchd.service" 2>&1) || true
rm -rf "$work/verify"
[ -z "$out" ] || fail "systemd-analyze verify of the installed unit: $out"
pass "the installed unit verifies (ExecStart=$sbindir/vswitchd, man pages of Documentation= installed)"
