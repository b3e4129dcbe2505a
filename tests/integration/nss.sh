#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# Host-side names without systemd-resolved (issue 19): libnss_vswitch.so.2
# answers getent hosts / ahosts / reverse lookups from the daemon's
# /run/vswitch/hosts, with glibc reading a private nsswitch.conf
# ("hosts: files vswitch dns") in a private mount namespace where the run's
# runtime dir is bind-mounted on /run/vswitch. A missing, empty, truncated,
# over-sized or FIFO file answers "not found" at once. And from the guests'
# side (issue 19 item 5), glibc's resolver in a guest, with the search
# domain and server its DHCP lease gave it, resolves the other guest and the
# host by their short names.
# Usage: nss.sh VSWITCHD LIBNSS_VSWITCH_SO
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/bus_lib.sh
source "$(dirname "$0")/bus_lib.sh"
# shellcheck source=tests/integration/dhcp_lib.sh
source "$(dirname "$0")/dhcp_lib.sh"
vsi_require_root
nss_dir=$(dirname "$(readlink -f "$2")")
[ -f "$nss_dir/libnss_vswitch.so.2" ] || { echo "FAIL: no libnss_vswitch.so.2 in $nss_dir" >&2; exit 1; }
vsi_init nss "$1"
vsi_topology
vsi_daemon_dirs
vsb_start_bus nss open
vsi_start_daemon
subnet=$(vsi_subnet)
gw=$(vsi_subnet_host "$subnet" 1)
host_name=$(hostname)

# Two guests: "web" named by its port (AttachInterface), "db" by its DHCP
# host name only.
vsd_vm "$NS_VM" vm-web
mac=$(ip netns exec "$NS_VM" cat /sys/class/net/eth0/address)
busctl --system call org.vswitch1 /org/vswitch1 org.vswitch1.Manager AttachInterface ssss \
  Default vm-web web "$mac" >/dev/null || vsi_fail "AttachInterface of vm-web failed"
vsd_udhcpc "$NS_VM" web-dhcp
web_ip=$VSD_IP
NS_VM2=vsi-nss-$$-vm2
vsd_vm "$NS_VM2" vm-db
vsd_udhcpc "$NS_VM2" db-dhcp -x hostname:db
db_ip=$VSD_IP
for ((i = 0; i < 30; i++)); do
  grep -q " db$" "$VSI_RUN/hosts" && grep -q " web$" "$VSI_RUN/hosts" && break
  sleep 0.1
done
grep -q " db$" "$VSI_RUN/hosts" || vsi_fail "hosts file lacks db: $(cat "$VSI_RUN/hosts")"

# nss_getent RUNDIR NSSWITCH_HOSTS_LINE GETENT_ARGS...: getent in the host
# namespace, in a mount namespace of its own: tmpfs /run (no nscd socket
# either), RUNDIR on /run/vswitch, a private nsswitch.conf and resolv.conf
# (DNS to 127.0.0.1 of the namespace, refused at once), the module from the
# build dir through LD_LIBRARY_PATH. Sets OUT, RC and MS (wall time).
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$VSI_TMP/host-resolv.conf"
nss_getent() {
  local run=$1 line=$2 t0
  shift 2
  printf 'passwd: files\ngroup: files\nhosts: %s\n' "$line" >"$VSI_TMP/nsswitch.conf"
  t0=$(vsi_now_ms)
  RC=0
  OUT=$(ip netns exec "$NS_HOST" unshare -m --propagation private sh -c '
    run=$1 tmp=$2 lib=$3; shift 3
    mount -t tmpfs tmpfs /run && mkdir /run/vswitch && mount --bind "$run" /run/vswitch &&
    mount --bind "$tmp/nsswitch.conf" /etc/nsswitch.conf &&
    mount --bind "$tmp/host-resolv.conf" /etc/resolv.conf || exit 99
    export LD_LIBRARY_PATH="$lib"
    # A sanitized module: its runtime first in getent (getent itself is not
    # ours, so its leaks are not reported).
    [ -z "${VSI_NSS_PRELOAD:-}" ] || export LD_PRELOAD="$VSI_NSS_PRELOAD" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
    exec timeout 5 getent "$@"' \
    nss "$run" "$VSI_TMP" "$nss_dir" "$@" 2>&1) || RC=$?
  MS=$(($(vsi_now_ms) - t0))
  [ "$RC" != 99 ] || vsi_fail "could not set up the mount namespace for getent: $OUT"
}
mods='files vswitch dns'

nss_getent "$VSI_RUN" "$mods" hosts web
vsi_assert_eq "getent hosts web" "$web_ip web.vswitch.internal web" "$(tr -s ' ' <<<"$OUT")"
nss_getent "$VSI_RUN" "$mods" hosts db.vswitch.internal.
vsi_assert_eq "getent hosts db.vswitch.internal." "$db_ip db.vswitch.internal db" "$(tr -s ' ' <<<"$OUT")"
nss_getent "$VSI_RUN" "$mods" hosts WEB.VSWITCH.INTERNAL
vsi_assert_match "getent hosts in capitals" "^$web_ip " "$OUT"
nss_getent "$VSI_RUN" "$mods" ahosts web
vsi_assert_match "getent ahosts web (getaddrinfo, gethostbyname4_r)" "^$web_ip +STREAM web.vswitch.internal" "$OUT"
nss_getent "$VSI_RUN" "$mods" ahostsv4 db
vsi_assert_match "getent ahostsv4 db" "^$db_ip +STREAM db.vswitch.internal" "$OUT"
nss_getent "$VSI_RUN" "$mods" hosts "$db_ip"
vsi_assert_eq "getent hosts $db_ip (gethostbyaddr2_r)" "$db_ip db.vswitch.internal db" "$(tr -s ' ' <<<"$OUT")"
if [ -n "$host_name" ]; then
  nss_getent "$VSI_RUN" "$mods" hosts "$gw"
  vsi_assert_match "getent hosts $gw (the gateway)" "^$gw .*$host_name" "$OUT"
fi
vsi_pass "the module answers web ($web_ip) and db ($db_ip): short names, FQDNs, any case, ahosts, by address"

# Without the module in nsswitch.conf the same lookup fails: it was the module.
nss_getent "$VSI_RUN" 'files dns' hosts web
vsi_assert_eq "getent hosts web without the module (exit status 2 = not found)" 2 "$RC"

# IPv6 where the file has it (the daemon lists IPv4 today; a hand-made file).
fake=$VSI_TMP/fake-run
mkdir -p "$fake"
printf '%s web.vswitch.internal web\n2001:db8::7 web.vswitch.internal web\n' "$web_ip" >"$fake/hosts"
nss_getent "$fake" "$mods" ahosts web
vsi_assert_match "ahosts web lists 2001:db8::7" "2001:db8::7 +STREAM" "$OUT"
vsi_assert_match "ahosts web lists $web_ip" "$web_ip +STREAM" "$OUT"
nss_getent "$fake" "$mods" hosts 2001:db8::7
vsi_assert_eq "getent hosts 2001:db8::7" "2001:db8::7 web.vswitch.internal web" "$(tr -s ' ' <<<"$OUT")"
vsi_pass "IPv6 lines: ahosts gives both families, reverse lookup of 2001:db8::7"

# Bad files: not found (getent exit 2), quickly, no crash.
check_not_found() {  # what name
  nss_getent "$fake" "$mods" hosts "$2"
  vsi_assert_eq "getent hosts $2 with $1 (exit status 2 = not found; output '$OUT')" 2 "$RC"
  [ "$MS" -lt 1500 ] || vsi_fail "getent hosts $2 with $1 took $MS ms"
  printf '  %s: not found in %d ms\n' "$1" "$MS"
}
rm -f "$fake/hosts"
check_not_found "no hosts file (daemon down)" web
: >"$fake/hosts"
check_not_found "an empty file" web
printf '%s web.vswitch.internal web\n%s db.vswitch.internal d' "$web_ip" "$db_ip" >"$fake/hosts"
check_not_found "a truncated last line" d
nss_getent "$fake" "$mods" hosts web
vsi_assert_match "the complete line of the truncated file" "^$web_ip " "$OUT"
{ printf '%s web.vswitch.internal web\n' "$web_ip"; head -c $((5 << 20)) /dev/zero | tr '\0' '#'; echo; } >"$fake/hosts"
check_not_found "a 5 MiB file" web
printf '\0\0\0\xff\xfe 300.1.1.1 web\nweb %s\n%s we/b\n' "$web_ip" "$web_ip" >"$fake/hosts"
check_not_found "garbage" web
rm -f "$fake/hosts"
mkfifo "$fake/hosts"
check_not_found "a FIFO with no writer" web
vsi_pass "missing, empty, truncated, 5 MiB, garbage and FIFO files: not found at once"

# From the guests: glibc's resolver with what DHCP gave (search domain,
# server), nsswitch "hosts: dns", resolves the other guest and the host by
# their short names through the switch's DNS.
lease=$(grep '^bound' "$VSI_TMP/db-dhcp.out" | tail -n 1)
domain=$(vsd_field "$lease" domain)
dns=$(vsd_field "$lease" dns)
vsi_assert_eq "domain from DHCP" vswitch.internal "$domain"
vsi_assert_eq "DNS server from DHCP" "$gw" "$dns"
printf 'search %s\nnameserver %s\noptions timeout:2 attempts:2\n' "$domain" "$dns" >"$VSI_TMP/guest-resolv.conf"
printf 'hosts: dns\n' >"$VSI_TMP/guest-nsswitch.conf"
guest_getent() {
  ip netns exec "$NS_VM2" unshare -m --propagation private sh -c '
    mount --bind "$1/guest-resolv.conf" /etc/resolv.conf &&
    mount --bind "$1/guest-nsswitch.conf" /etc/nsswitch.conf || exit 99
    shift; exec timeout 10 getent hosts "$@"' g "$VSI_TMP" "$@" | tr -s ' '
}
vsi_assert_eq "guest db resolves web by its short name" "$web_ip web.vswitch.internal" "$(guest_getent web)"
if [ -n "$host_name" ]; then
  short_host=${host_name%%.*}
  short_host=${short_host,,}
  vsi_assert_match "guest db resolves the host's name $short_host" "^$gw $short_host\.vswitch\.internal" "$(guest_getent "$short_host")"
fi
vsi_pass "in a guest, glibc's resolver with the lease's search domain finds web ($web_ip) and the host ($gw) by short name"
