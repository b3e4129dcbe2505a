#!/bin/busybox sh
# shellcheck shell=dash
# /init of the tiny e2e guest (built by make-guest.sh): a busybox-static
# userland on a stock Debian kernel. It configures eth0 by DHCP, then checks
# what a VM on a vswitch switch must be able to do — ping the gateway,
# resolve a name through the switch's DNS, fetch a page through the NAT —
# and prints one marker line per step on the serial console, which the host
# side (tests/e2e/vm.sh, the libvirt test) reads:
#   E2E-LEASE ip=... mask=... router=... dns=... domain=... hostname=...
#   E2E-PASS <step> ... / E2E-FAIL <step> ...
#   E2E-RESULT PASS|FAIL (<failed steps>)
# then powers off. Parameters come from the kernel command line (read from
# /proc/cmdline, since the kernel hands dotted or unknown keys to init
# inconsistently):
#   hostname=NAME      sent as DHCP option 12 (udhcpc -x hostname:NAME)
#   e2e_name=NAME      looked up with nslookup through the switch's DNS
#   e2e_expect=ADDR    the address NAME must resolve to
#   e2e_path=/PATH     fetched with wget from the resolved address (port 80)
#   e2e_steps=LIST     comma-separated subset of lease,ping,dns,wget (default all)
#   e2e_hold=SECONDS   stay up this long after the checks (default 0)
/bin/busybox --install -s
export PATH=/sbin:/bin:/usr/sbin:/usr/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /tmp /run /etc

# The kernel prints to the same console; keep its chatter below warnings so
# the markers stay readable.
echo 4 >/proc/sys/kernel/printk

arg() { # arg KEY [DEFAULT]: the value of KEY= on the kernel command line
  v=$(tr ' ' '\n' </proc/cmdline | sed -n "s/^$1=//p" | tail -n 1)
  echo "${v:-$2}"
}

HOSTNAME=$(arg hostname e2e-guest)
NAME=$(arg e2e_name www.example.test)
EXPECT=$(arg e2e_expect)
URLPATH=$(arg e2e_path /)
STEPS=$(arg e2e_steps lease,ping,dns,wget)
HOLD=$(arg e2e_hold 0)
hostname "$HOSTNAME"

FAILED=
pass() { echo "E2E-PASS $*"; }
fail() { echo "E2E-FAIL $*"; FAILED="$FAILED $1"; }
want() { case ",$STEPS," in *",$1,"*) return 0 ;; esac; return 1; }

finish() {
  if [ -z "$FAILED" ]; then echo "E2E-RESULT PASS"; else echo "E2E-RESULT FAIL ($FAILED )"; fi
  [ "$HOLD" -gt 0 ] 2>/dev/null && sleep "$HOLD"
  sync
  poweroff -f
  # Only reached when power-off is impossible: the kernel panics when init
  # exits, and QEMU's -no-reboot turns that into an exit too.
  exit 0
}

# Modules the stock kernel keeps out of its image (virtio_pci, virtio_net and
# their dependencies), in dependency order as make-guest.sh listed them.
if [ -f /lib/modules/order ]; then
  while read -r m; do
    insmod "/lib/modules/$m" || echo "E2E-INFO insmod $m failed"
  done </lib/modules/order
fi

ip link set lo up
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if [ ! -e /sys/class/net/eth0 ]; then
  fail lease "no eth0 (interfaces: $(echo /sys/class/net/*))"
  finish
fi
ip link set eth0 up
echo "E2E-INFO eth0 $(cat /sys/class/net/eth0/address) up after $(cut -d' ' -f1 /proc/uptime)s"

# Lease: the udhcpc script configures eth0, the route and resolv.conf and
# prints the E2E-LEASE line.
ip='' router='' dns=''
if udhcpc -i eth0 -s /etc/udhcpc.script -n -q -t 10 -T 2 -x "hostname:$HOSTNAME"; then
  # shellcheck source=/dev/null  # written by guest-udhcpc.sh
  . /run/lease
  pass lease "ip=$ip router=$router at $(cut -d' ' -f1 /proc/uptime)s"
else
  fail lease "udhcpc got no lease"
  finish
fi

if want ping; then
  if out=$(ping -c 3 -W 2 "$router" 2>&1); then
    pass ping "$router: $(echo "$out" | grep 'packets transmitted')"
  else
    fail ping "$router: $(echo "$out" | tail -n 2 | tr '\n' ' ')"
  fi
fi

ADDR=
if want dns || want wget; then
  # busybox nslookup asks the server in /etc/resolv.conf itself (the static
  # libc cannot load NSS modules), i.e. the switch's DNS on the gateway.
  out=$(nslookup "$NAME" 2>&1)
  ADDR=$(echo "$out" | sed -n '/^Name:/,$s/^Address:[[:space:]]*\([0-9.]*\).*/\1/p' | head -n 1)
  if [ -n "$ADDR" ] && { [ -z "$EXPECT" ] || [ "$ADDR" = "$EXPECT" ]; }; then
    pass dns "$NAME -> $ADDR (server $dns)"
  else
    fail dns "$NAME -> '${ADDR}' expected '${EXPECT}': $(echo "$out" | tr '\n' ' ')"
  fi
fi

if want wget; then
  # By the address the name resolved to: wget's own lookup would go through
  # glibc's NSS, which a static binary without libraries cannot use.
  target=${ADDR:-$EXPECT}
  # Bounded by timeout(1): busybox 1.35's static wget crashes with -T.
  if body=$(timeout 15 wget -q -O - "http://$target$URLPATH" 2>&1); then
    pass wget "http://$target$URLPATH body: $(echo "$body" | head -n 1)"
  else
    fail wget "http://$target$URLPATH: $(echo "$body" | tail -n 2 | tr '\n' ' ')"
  fi
fi

finish
