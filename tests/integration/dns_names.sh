#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# Names the switch's DNS learns while it runs: a VM attached over D-Bus
# (AttachInterface, VM name "web") takes a DHCP lease with host name
# "dhcpname" from busybox udhcpc; both names then resolve to its address
# (A, and PTR back), /run/vswitch/hosts lists them, and when the client
# releases its lease both are gone again (NXDOMAIN, out of the hosts file).
# Usage: dns_names.sh VSWITCHD
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/bus_lib.sh
source "$(dirname "$0")/bus_lib.sh"
# shellcheck source=tests/integration/dhcp_lib.sh
source "$(dirname "$0")/dhcp_lib.sh"
vsi_require_root
for c in dig udhcpc dbus-daemon busctl; do
  command -v "$c" >/dev/null || { echo "$c missing: skipping" >&2; exit 77; }
done
vsi_init dns_names "$1"
vsi_topology
vsi_daemon_dirs
vsb_start_bus names open
vsi_start_daemon
subnet=$(vsi_subnet)
gw=$(vsi_subnet_host "$subnet" 1)

vsi_ns_add "$NS_VM"
ip -n "$NS_HOST" link add vm-web type veth peer name eth0 netns "$NS_VM"
ip -n "$NS_VM" link set eth0 up
mac=$(ip netns exec "$NS_VM" cat /sys/class/net/eth0/address)
busctl --system call org.vswitch1 /org/vswitch1 org.vswitch1.Manager AttachInterface ssss \
  Default vm-web web "$mac" >/dev/null || vsi_fail "AttachInterface of vm-web failed"

vsd_udhcpc "$NS_VM" udhcpc -x hostname:dhcpname
ip=$VSD_IP

vmdig() { ip netns exec "$NS_VM" dig +time=6 +tries=1 "@$gw" "$@"; }
vsi_assert_eq "A of the port's VM name" "$ip" "$(vmdig +short web.vswitch.internal A)"
vsi_assert_eq "A of the DHCP host name" "$ip" "$(vmdig +short dhcpname.vswitch.internal A)"
vsi_assert_match "PTR of $ip" '^(web|dhcpname)\.vswitch\.internal\.' "$(vmdig +short -x "$ip")"
vsi_pass "VM name web and DHCP host name dhcpname resolve to the lease $ip, and PTR back"

# The hosts file is written through a throttle (at most once a second).
for ((i = 0; i < 30; i++)); do
  grep -qxF "$ip web.vswitch.internal web" "$VSI_RUN/hosts" &&
    grep -qxF "$ip dhcpname.vswitch.internal dhcpname" "$VSI_RUN/hosts" && break
  sleep 0.1
done
grep -qxF "$ip web.vswitch.internal web" "$VSI_RUN/hosts" ||
  vsi_fail "hosts file lacks '$ip web.vswitch.internal web': $(cat "$VSI_RUN/hosts")"
grep -qxF "$ip dhcpname.vswitch.internal dhcpname" "$VSI_RUN/hosts" ||
  vsi_fail "hosts file lacks '$ip dhcpname.vswitch.internal dhcpname': $(cat "$VSI_RUN/hosts")"
vsi_pass "$VSI_RUN/hosts lists both names"

# Renewals of a named lease change no name: the zone's serial stays and the
# hosts file is not written again (issue 12: it was rewritten and fsynced
# on every renewal).
soa_serial() { vmdig +short vswitch.internal SOA | awk '{print $3}'; }
sleep 1.2 # past the hosts throttle's interval: nothing is pending now
inode=$(stat -c %i "$VSI_RUN/hosts")
serial=$(soa_serial)
[ -n "$serial" ] || vsi_fail "no SOA serial for vswitch.internal"
renews=$(grep -c '^renew' "$VSI_TMP/udhcpc.out" || true)
for ((n = 1; n <= 5; n++)); do
  # busybox udhcpc: renew now. Only udhcpc itself: a hook script of its
  # may be running, and may exit before the signal reaches it.
  for pid in $(ip netns pids "$NS_VM"); do
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = udhcpc ] && kill -USR1 "$pid" 2>/dev/null || true
  done
  for ((i = 0; i < 50; i++)); do
    [ "$(grep -c '^renew' "$VSI_TMP/udhcpc.out" || true)" -ge $((renews + n)) ] && break
    sleep 0.1
  done
done
vsi_assert_eq "renewals answered" $((renews + 5)) "$(grep -c '^renew' "$VSI_TMP/udhcpc.out" || true)"
sleep 1.2 # a write the renewals asked for would have happened by now
vsi_assert_eq "SOA serial after 5 renewals" "$serial" "$(soa_serial)"
vsi_assert_eq "hosts file inode after 5 renewals" "$inode" "$(stat -c %i "$VSI_RUN/hosts")"
vsi_pass "5 renewals of a named lease: same zone serial ($serial), hosts file not rewritten"

# The other order: a VM that already holds a lease (its interface plugged
# into the bridge by hand) is attached afterwards; its VM name resolves at
# once. Deleting the interface behind the daemon's back takes the port and
# the name away.
late_ns="$NS_VM-3"
vsi_ns_add "$late_ns"
ip -n "$NS_HOST" link add vm-late type veth peer name eth0 netns "$late_ns"
ip -n "$NS_HOST" link set vm-late master vswitch0 up
ip -n "$late_ns" link set eth0 up
late_mac=$(ip netns exec "$late_ns" cat /sys/class/net/eth0/address)
vsd_udhcpc "$late_ns" udhcpc-late
late_ip=$VSD_IP
vsi_assert_match "late before it is a port" 'status: NXDOMAIN' "$(vmdig late.vswitch.internal A 2>&1 || true)"
busctl --system call org.vswitch1 /org/vswitch1 org.vswitch1.Manager AttachInterface ssss \
  Default vm-late late "$late_mac" >/dev/null || vsi_fail "AttachInterface of vm-late failed"
vsi_assert_eq "A of late right after AttachInterface" "$late_ip" "$(vmdig +short late.vswitch.internal A)"
vsi_pass "a port attached with a MAC that holds a lease resolves at once ($late_ip)"

ip -n "$NS_HOST" link del vm-late
for ((i = 0; i < 50; i++)); do
  busctl --system call org.vswitch1 /org/vswitch1 org.vswitch1.Manager ListPorts | grep -q vm-late || break
  sleep 0.1
done
busctl --system call org.vswitch1 /org/vswitch1 org.vswitch1.Manager ListPorts | grep -q vm-late &&
  vsi_fail "ListPorts still lists vm-late after ip link del"
vsi_assert_match "late after ip link del" 'status: NXDOMAIN' "$(vmdig late.vswitch.internal A 2>&1 || true)"
vsi_pass "ip link del behind the daemon's back removes the port and its name"

# SIGUSR2 makes busybox udhcpc send a RELEASE; the client is the one
# process in the VM namespace.
for pid in $(ip netns pids "$NS_VM"); do kill -USR2 "$pid"; done
for ((i = 0; i < 50; i++)); do grep -q 'web\|dhcpname' "$VSI_RUN/hosts" || break; sleep 0.1; done
# The released VM has no address left: a second one, static, asks.
vsi_add_vm vm2 "$(vsi_subnet_host "$subnet" 4000)/20" "$gw" "$NS_VM-2"
vsi_assert_match "web after the release" 'status: NXDOMAIN' \
  "$(ip netns exec "$NS_VM-2" dig +time=3 +tries=1 "@$gw" web.vswitch.internal A 2>&1 || true)"
if grep -q 'web\|dhcpname' "$VSI_RUN/hosts"; then
  vsi_fail "hosts file still lists released names: $(cat "$VSI_RUN/hosts")"
fi
vsi_pass "after the release both names are gone (NXDOMAIN, not in the hosts file)"
