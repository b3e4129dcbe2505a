#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# The host resolves VM names through the real systemd-resolved: vswitchd
# registers its bridge (SetLinkDNS = the gateway, SetLinkDomains =
# ~vswitch.internal, SetLinkDefaultRoute = false) and reverts it again.
#
# systemd-resolved is never installed (it would take over the machine's
# /etc/resolv.conf): Debian's package of the same version as the installed
# systemd is unpacked with dpkg-deb into a cache, and its binary runs in the
# test's host namespace, in a private mount namespace with a tmpfs on /run
# and a scratch file bound over /etc/resolv.conf, on the test's private bus.
#
# Order of events: vswitchd starts first (resolved absent: nothing but a
# debug line), resolved appears → registered; resolved restarts →
# registered again; a VM's name resolves through resolved; vswitchd stops →
# reverted while the bridge stays; vswitchd starts again → registered at
# once; Teardown → reverted and the bridge gone; /etc/resolv.conf untouched.
# Usage: resolved.sh VSWITCHD VSWITCHCTL
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/bus_lib.sh
source "$(dirname "$0")/bus_lib.sh"
# shellcheck source=tests/integration/dhcp_lib.sh
source "$(dirname "$0")/dhcp_lib.sh"
vsi_require_root

# Missing tools skip on a developer's machine and fail under CI, like root.
vsr_skip() {
  if [ -n "${CI:-}" ]; then echo "FAIL: $* (CI=$CI)" >&2; exit 1; fi
  echo "$*: skipping" >&2
  exit 77
}
for c in dbus-daemon busctl udhcpc dpkg-deb apt-get unshare useradd md5sum; do
  command -v "$c" >/dev/null || vsr_skip "$c missing"
done

# --- systemd-resolved, unpacked, of the installed systemd's version ------------
VSR_VERSION=$(dpkg-query -W -f='${Version}' libsystemd-shared 2>/dev/null || true)
[ -n "$VSR_VERSION" ] || vsr_skip "libsystemd-shared is not installed"
VSR_CACHE=${VSR_CACHE:-/var/cache/vswitch-tests/systemd-resolved-$VSR_VERSION}
VSR_ROOT=$VSR_CACHE/root
if [ ! -x "$VSR_ROOT/lib/systemd/systemd-resolved" ]; then
  mkdir -p "$VSR_CACHE"
  # A fresh machine may have no package lists yet: update once and retry.
  (cd "$VSR_CACHE" && { apt-get download -q "systemd-resolved=$VSR_VERSION" >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 && apt-get download -q "systemd-resolved=$VSR_VERSION" >/dev/null 2>&1; }; }) ||
    vsr_skip "cannot download systemd-resolved $VSR_VERSION"
  deb=$(ls "$VSR_CACHE"/systemd-resolved_*.deb)
  rm -rf "$VSR_ROOT.new"
  dpkg-deb -x "$deb" "$VSR_ROOT.new"
  mv "$VSR_ROOT.new" "$VSR_ROOT"
fi
VSR_BIN=$VSR_ROOT/lib/systemd/systemd-resolved
RESOLVECTL=$VSR_ROOT/usr/bin/resolvectl
# resolved drops root for this user, as its package's sysusers.d would add it.
getent passwd systemd-resolve >/dev/null ||
  useradd --system --no-create-home --home-dir / --shell /usr/sbin/nologin systemd-resolve

resolv_md5=$(md5sum </etc/resolv.conf)

vsi_init resolved "$1"
CTL=$(readlink -f "$2")
VSI_LOG_LEVEL=debug
vsi_topology
vsi_daemon_dirs
VSB_EXTRA_POLICIES=$VSR_ROOT/usr/share/dbus-1/system.d/org.freedesktop.resolve1.conf
vsb_start_bus resolved policy

VSR_PID=
VSR_STARTS=0
# vsr_start: systemd-resolved in the host namespace; waits for its bus name.
vsr_start() {
  VSR_STARTS=$((VSR_STARTS + 1))
  echo "nameserver 192.0.2.53" >"$VSI_TMP/resolved-resolv.conf"
  local log=$VSI_TMP/resolved-$VSR_STARTS.log i
  # /run/systemd/resolve is left to resolved: it creates it for its own user
  # and refuses one owned by root.
  # shellcheck disable=SC2016  # expanded by the inner sh
  NOTIFY_SOCKET='' SYSTEMD_LOG_TARGET=console SYSTEMD_LOG_LEVEL=debug \
    ip netns exec "$NS_HOST" unshare -m --propagation private sh -c '
      mount -t tmpfs -o mode=0755 tmpfs /run
      mkdir -p /run/systemd
      mount --bind "$1" /etc/resolv.conf
      unset NOTIFY_SOCKET
      exec "$2"' vsr "$VSI_TMP/resolved-resolv.conf" "$VSR_BIN" >"$log" 2>&1 &
  VSR_PID=$!
  vsi_track_pid "$VSR_PID"
  for ((i = 0; i < 100; i++)); do
    busctl --system status org.freedesktop.resolve1 >/dev/null 2>&1 && return 0
    kill -0 "$VSR_PID" 2>/dev/null || vsi_fail "systemd-resolved exited: $(tail -n 20 "$log")"
    sleep 0.1
  done
  vsi_fail "systemd-resolved did not take its bus name: $(tail -n 20 "$log")"
}
vsr_stop() { vsi_kill_pid "$VSR_PID"; VSR_PID=; }

RMGR=(busctl --system call org.freedesktop.resolve1 /org/freedesktop/resolve1 org.freedesktop.resolve1.Manager)
# vsr_link_prop IFINDEX PROPERTY: busctl's text of the property, "" when
# resolved does not know the link.
vsr_link_prop() {
  local path
  path=$("${RMGR[@]}" GetLink i "$1" 2>/dev/null | sed -n 's/^o "\(.*\)"$/\1/p')
  [ -n "$path" ] || return 0
  busctl --system get-property org.freedesktop.resolve1 "$path" org.freedesktop.resolve1.Link "$2" 2>/dev/null || true
}
# vsr_wait_dns IFINDEX EXPECTED: waits until the link's DNS property is EXPECTED.
vsr_wait_dns() {
  local i seen=
  for ((i = 0; i < 50; i++)); do
    seen=$(vsr_link_prop "$1" DNS)
    [ "$seen" = "$2" ] && return 0
    sleep 0.1
  done
  vsi_fail "${3:-DNS of link $1}: expected '$2', saw '$seen'"
}

# --- vswitchd first, resolved absent -------------------------------------------
vsi_start_daemon
subnet=$(vsi_subnet)
gw=$(vsi_subnet_host "$subnet" 1)
ifindex=$(vsi_ifindex vswitch0)
IFS=. read -r g1 g2 g3 g4 <<<"$gw"
want_dns="a(iay) 1 2 4 $g1 $g2 $g3 $g4"
sleep 0.3
grep -q 'systemd-resolved is not on the system bus' "$VSI_TMP/daemon.err" ||
  vsi_fail "no debug line about systemd-resolved's absence"
if grep -i 'systemd-resolved' "$VSI_TMP/daemon.err" | grep -v 'not on the system bus' | grep -q .; then
  vsi_fail "resolved absent, yet vswitchd said more: $(grep -i 'systemd-resolved' "$VSI_TMP/daemon.err")"
fi
vsi_pass "resolved absent: vswitchd serves and says so in one debug line"

# A VM with a DHCP lease, attached as "web": the name to look up later.
vsi_ns_add "$NS_VM"
ip -n "$NS_HOST" link add vm-web type veth peer name eth0 netns "$NS_VM"
ip -n "$NS_VM" link set eth0 up
mac=$(ip netns exec "$NS_VM" cat /sys/class/net/eth0/address)
busctl --system call org.vswitch1 /org/vswitch1 org.vswitch1.Manager AttachInterface ssss \
  Default vm-web web "$mac" >/dev/null || vsi_fail "AttachInterface of vm-web failed"
vsd_udhcpc "$NS_VM" udhcpc
vm_ip=$VSD_IP

# --- resolved appears: registered --------------------------------------------------
vsr_start
vsr_wait_dns "$ifindex" "$want_dns" "DNS of vswitch0 after resolved appeared"
vsi_assert_eq "Domains of vswitch0" 'a(sb) 1 "vswitch.internal" true' "$(vsr_link_prop "$ifindex" Domains)"
vsi_assert_eq "DefaultRoute of vswitch0" 'b false' "$(vsr_link_prop "$ifindex" DefaultRoute)"
status=$(ip netns exec "$NS_HOST" "$RESOLVECTL" --no-pager status vswitch0 2>&1 || true)
vsi_assert_match "resolvectl status: DNS server" "DNS Servers: $gw" "$status"
vsi_assert_match "resolvectl status: domain" 'DNS Domain: ~vswitch\.internal' "$status"
vsi_assert_match "resolvectl status: protocols" '-DefaultRoute' "$status"
grep -q "registered bridge 'vswitch0' (switch 'Default') with systemd-resolved: DNS $gw, domains ~vswitch.internal, DefaultRoute no" \
  "$VSI_TMP/daemon.err" || vsi_fail "no log line for the registration"
vsi_pass "resolved started after vswitchd: vswitch0 has DNS $gw, ~vswitch.internal, DefaultRoute no"

# --- a VM's name through resolved ----------------------------------------------
q=$(ip netns exec "$NS_HOST" "$RESOLVECTL" --no-pager query --legend=no web.vswitch.internal 2>&1 || true)
vsi_assert_match "resolvectl query web.vswitch.internal" "^web\.vswitch\.internal: $vm_ip +-- link: vswitch0" "$q"
r=$("${RMGR[@]}" ResolveHostname isit 0 web.vswitch.internal 2 0 2>&1 || true)
IFS=. read -r v1 v2 v3 v4 <<<"$vm_ip"
vsi_assert_match "ResolveHostname web.vswitch.internal" "^a\(iiay\)st 1 $ifindex 2 4 $v1 $v2 $v3 $v4 \"web\.vswitch\.internal\"" "$r"
vsi_pass "web.vswitch.internal resolves through systemd-resolved to the VM's lease $vm_ip"

# --- resolved restarts: registered again -----------------------------------------
vsr_stop
vsr_start
vsr_wait_dns "$ifindex" "$want_dns" "DNS of vswitch0 after resolved restarted"
vsi_assert_eq "Domains after the restart" 'a(sb) 1 "vswitch.internal" true' "$(vsr_link_prop "$ifindex" Domains)"
vsi_pass "a restarted resolved gets the registration again"

# --- vswitchd stops: reverted, the bridge stays ------------------------------------
vsi_stop_daemon
vsi_assert_eq "vswitchd's exit code" 0 "$VSI_DAEMON_RC"
vsi_bridge_exists || vsi_fail "vswitch0 is gone after a plain stop"
vsr_wait_dns "$ifindex" 'a(iay) 0' "DNS of vswitch0 after vswitchd stopped"
vsi_assert_eq "Domains after the stop" 'a(sb) 0' "$(vsr_link_prop "$ifindex" Domains)"
vsi_pass "vswitchd stopped: resolved's settings for vswitch0 are reverted, the bridge stays"

# --- vswitchd starts with resolved running: registered at once ---------------------
vsi_start_daemon
vsr_wait_dns "$ifindex" "$want_dns" "DNS of vswitch0 after vswitchd restarted"
vsi_pass "vswitchd restarted with resolved on the bus: registered again"

# --- Teardown: reverted, then the bridge goes ---------------------------------------
daemon_pid=$VSI_DAEMON_PID
"$CTL" teardown >/dev/null || vsi_fail "vswitchctl teardown failed"
# resolved drops a deleted link's settings by itself; what shows that
# vswitchd reverted them is resolved's own debug log: the revert request
# from the daemon's PID, before the link was removed.
rlog=$VSI_TMP/resolved-$VSR_STARTS.log
for ((i = 0; i < 30; i++)); do grep -q "Removing link $ifindex/vswitch0" "$rlog" && break; sleep 0.1; done
order=$(grep -n -e "revert request from client PID $daemon_pid " -e "Removing link $ifindex/vswitch0" "$rlog" |
  sed -E 's/^[0-9]+:(D-Bus revert|Removing link).*/\1/' | tr '\n' ',' || true)
vsi_assert_eq "resolved's log: revert, then link removal" "D-Bus revert,Removing link," "$order"
vsi_link_exists vswitch0 && vsi_fail "vswitch0 still exists after Teardown"
all_dns=$(busctl --system get-property org.freedesktop.resolve1 /org/freedesktop/resolve1 \
  org.freedesktop.resolve1.Manager DNS)
vsi_assert_no_match "resolved's DNS servers after Teardown" " $g1 $g2 $g3 $g4( |$)" "$all_dns"
vsi_assert_eq "resolved's link $ifindex after Teardown" "" "$(vsr_link_prop "$ifindex" DNS)"
if grep -q "refused RevertLink" "$VSI_TMP/daemon.err"; then
  vsi_fail "RevertLink failed: $(grep 'refused RevertLink' "$VSI_TMP/daemon.err")"
fi
vsi_pass "Teardown: the link is reverted and gone from resolved"

vsr_stop
vsi_assert_eq "md5 of the machine's /etc/resolv.conf" "$resolv_md5" "$(md5sum </etc/resolv.conf)"
vsi_pass "the machine's /etc/resolv.conf is untouched"
