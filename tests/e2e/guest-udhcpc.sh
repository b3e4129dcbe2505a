#!/bin/sh
# shellcheck disable=SC2154  # udhcpc passes the lease in these variables
# udhcpc's event script inside the e2e guest (installed as /etc/udhcpc.script
# by make-guest.sh): configures eth0, the default route and resolv.conf from
# the lease, prints the lease as an E2E-LEASE line on the console and leaves
# it in /run/lease for /init.
case "$1" in
  deconfig)
    ip -4 addr flush dev "$interface"
    ip link set "$interface" up
    ;;
  bound | renew)
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    [ -n "$mtu" ] && ip link set "$interface" mtu "$mtu"
    ip route replace default via "${router%% *}" dev "$interface"
    : >/etc/resolv.conf
    [ -n "$domain" ] && echo "search $domain" >>/etc/resolv.conf
    for s in $dns; do echo "nameserver $s" >>/etc/resolv.conf; done
    echo "E2E-LEASE ip=$ip mask=$mask router=$router dns=$dns domain=$domain hostname=$hostname lease=$lease"
    {
      echo "ip=$ip"
      echo "router=${router%% *}"
      echo "dns='$dns'"
    } >/run/lease
    ;;
esac
exit 0
