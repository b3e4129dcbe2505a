# shellcheck shell=bash
# Helpers for the DHCP integration tests: real DHCP clients (ISC dhclient,
# busybox udhcpc, dhcpcd) run inside a VM namespace of lib.sh, each in a
# private mount namespace where /etc/resolv.conf, /var/lib/dhcp,
# /var/lib/dhcpcd and /run are tmpfs or files of this run, so no
# client can write the machine's own. Each client gets a hook script of its
# own that configures eth0 and appends what it was given to a file:
#   <reason> ip=<a> mask=<m> router=<r> dns=<d> domain=<n>

# The ip binary the hook scripts call (VSD_IP is the address a client got).
VSD_IP_BIN=$(command -v ip)

# vsd_isolated NS CMD...: runs CMD in NS with the private mounts above.
vsd_isolated() {
  local ns=$1
  shift
  mkdir -p "$VSI_TMP/mnt"
  : >"$VSI_TMP/mnt/resolv.conf"
  ip netns exec "$ns" unshare -m --propagation private sh -c '
    t=$1; shift
    mount -t tmpfs tmpfs /run
    mount --bind "$t/resolv.conf" /etc/resolv.conf
    for d in /var/lib/dhcp /var/lib/dhcpcd; do
      [ -d "$d" ] && mount -t tmpfs tmpfs "$d"
    done
    exec "$@"' vsd "$VSI_TMP/mnt" "$@"
}

# vsd_hook KIND OUT: writes a hook script for dhclient|dhcpcd|udhcpc that
# appends to OUT and (un)configures eth0; prints its path.
vsd_hook() {
  local kind=$1 out=$2 f=$VSI_TMP/hook-$1-$RANDOM.sh
  if [ "$kind" = udhcpc ]; then
    cat >"$f" <<HOOK
#!/bin/sh
case "\$1" in
  bound|renew)
    echo "\$1 ip=\$ip mask=\$subnet router=\$router dns=\$dns domain=\$domain" >>"$out"
    $VSD_IP_BIN -4 addr flush dev "\$interface"
    $VSD_IP_BIN addr add "\$ip/\$mask" dev "\$interface" ;;
  deconfig) $VSD_IP_BIN -4 addr flush dev "\$interface"; echo deconfig >>"$out" ;;
  *) echo "\$1" >>"$out" ;;
esac
exit 0
HOOK
  else
    cat >"$f" <<HOOK
#!/bin/sh
case "\$reason" in
  BOUND|RENEW|REBIND|REBOOT)
    echo "\$reason ip=\$new_ip_address mask=\$new_subnet_mask router=\$new_routers dns=\$new_domain_name_servers domain=\$new_domain_name" >>"$out"
    if [ "$kind" = dhclient ]; then
      $VSD_IP_BIN -4 addr flush dev "\$interface"
      $VSD_IP_BIN addr add "\$new_ip_address/\$new_subnet_mask" dev "\$interface"
    fi ;;
  *) echo "\$reason" >>"$out" ;;
esac
exit 0
HOOK
  fi
  chmod 755 "$f"
  echo "$f"
}

# vsd_vm NS HOSTIF: a VM namespace with eth0 on vswitch0 and no address.
vsd_vm() {
  local ns=$1 hostif=$2
  vsi_ns_add "$ns"
  ip -n "$NS_HOST" link add "$hostif" type veth peer name eth0 netns "$ns"
  ip -n "$NS_HOST" link set "$hostif" master vswitch0
  ip -n "$NS_HOST" link set "$hostif" up
  ip -n "$ns" link set eth0 up
}

# vsd_udhcpc NS NAME [UDHCPC ARGS...]: busybox udhcpc in NS, in the
# background with its own hook script (output $VSI_TMP/NAME.out, log
# $VSI_TMP/NAME.log); waits up to 10 s for the lease and sets VSD_IP to the
# bound address and VSD_PID to the client (tracked), or fails the test.
vsd_udhcpc() {
  local ns=$1 name=$2 out i
  shift 2
  out=$VSI_TMP/$name.out
  vsd_isolated "$ns" udhcpc -f -i eth0 -s "$(vsd_hook udhcpc "$out")" -t 5 -T 1 "$@" \
    >"$VSI_TMP/$name.log" 2>&1 &
  VSD_PID=$!
  vsi_track_pid "$VSD_PID"
  for ((i = 0; i < 100; i++)); do grep -q '^bound' "$out" 2>/dev/null && break; sleep 0.1; done
  VSD_IP=$(vsd_field "$(grep '^bound' "$out" | tail -n 1)" ip)
  [ -n "$VSD_IP" ] || vsi_fail "udhcpc in $ns got no lease: $(tail -5 "$VSI_TMP/$name.log")"
}

# The last line the hook wrote, and fields of it.
vsd_last() { tail -n 1 "$1" 2>/dev/null; }
vsd_field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }

vsd_vm_addr() { ip -n "$1" -4 -o addr show dev eth0 | awk '{print $4}' | head -n 1; }

vsd_lease_file_has() { grep -q "^lease $2 " "$VSI_STATE/$1.leases" 2>/dev/null; }

# vsd_networkd NS NAME [DHCPV4 KEY=VALUE...]: systemd-networkd (the
# machine's own binary) as the DHCP client of eth0 in NS, in a private mount
# namespace: tmpfs /run, its .network file over /etc/systemd/network, an
# empty file over /etc/resolv.conf, /sys read-only (so it does not wait for
# udev). Extra arguments go into [DHCPv4]. Waits up to 10 s for eth0's
# address; sets VSD_IP and VSD_PID (networkd itself, tracked). Log in
# $VSI_TMP/NAME.log.
VSD_NETWORKD=${VSD_NETWORKD:-/lib/systemd/systemd-networkd}
vsd_networkd() {
  local ns=$1 name=$2 dir=$VSI_TMP/$2.networkd i kv
  shift 2
  [ -x "$VSD_NETWORKD" ] || vsi_fail "no $VSD_NETWORKD (package systemd)"
  mkdir -p "$dir/network"
  {
    printf '[Match]\nName=eth0\n[Network]\nDHCP=ipv4\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n[DHCPv4]\n'
    for kv in "$@"; do printf '%s\n' "$kv"; done
  } >"$dir/network/10-eth0.network"
  : >"$dir/resolv.conf"
  ip netns exec "$ns" unshare -m --propagation private sh -c '
    t=$1
    mount -t tmpfs tmpfs /run
    mkdir -p /run/systemd/netif
    chown systemd-network:systemd-network /run/systemd/netif
    mount --bind "$t/network" /etc/systemd/network
    mount --bind "$t/resolv.conf" /etc/resolv.conf
    mount -o remount,ro /sys
    exec env DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent SYSTEMD_LOG_LEVEL=debug "$2"' \
    vsd "$dir" "$VSD_NETWORKD" >"$VSI_TMP/$name.log" 2>&1 &
  VSD_PID=$!
  vsi_track_pid "$VSD_PID"
  VSD_IP=
  for ((i = 0; i < 100; i++)); do
    VSD_IP=$(vsd_vm_addr "$ns")
    [ -n "$VSD_IP" ] && break
    kill -0 "$VSD_PID" 2>/dev/null || break
    sleep 0.1
  done
  VSD_IP=${VSD_IP%/*}
  [ -n "$VSD_IP" ] || vsi_fail "systemd-networkd in $ns got no lease: $(grep -v '^eth0: Received' "$VSI_TMP/$name.log" | tail -8)"
}
