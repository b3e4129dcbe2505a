#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# The README's demo, for a fresh Debian 12 machine, as root: installs what is
# needed, builds vswitchd into build-demo/, then runs the Default switch in
# throwaway network namespaces — a "host" running vswitchd, an "upstream"
# playing the internet at 203.0.113.10, and a "VM" plugged into vswitch0 —
# and shows, in plain words, the VM going online through the NAT. Everything
# it creates is removed at the end, also on failure or Ctrl-C. The machine's
# own network is never touched.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

if [ "$(id -u)" != 0 ]; then
  echo "demo.sh: must run as root (it creates network namespaces); try: sudo $0" >&2
  exit 1
fi

say() { printf '%s\n' "$*"; }
step() { printf '\n== %s\n' "$*"; }
indent() { sed 's/^/     /'; }

step "Preparing"
if [ -x contrib/install-deps.sh ]; then
  contrib/install-deps.sh | indent
fi
# VSWITCHD=path: run that binary and build nothing.
vswitchd=${VSWITCHD:-}
if [ -z "$vswitchd" ]; then
  vswitchd=$top/build-demo/daemon/vswitchd
  [ -x "$vswitchd" ] || say "   building vswitchd into build-demo/ (a few minutes the first time)"
  build_log=$(mktemp /tmp/vswitch-demo-build.XXXXXX)
  if ! { [ -d build-demo ] || meson setup build-demo --buildtype=release -Dtests=false; } >"$build_log" 2>&1 ||
    ! ninja -C build-demo daemon/vswitchd >>"$build_log" 2>&1; then
    echo "demo.sh: building vswitchd failed; the build said:" >&2
    tail -n 30 "$build_log" >&2
    rm -f "$build_log"
    exit 1
  fi
  rm -f "$build_log"
  say "   $("$vswitchd" --version 2>/dev/null | head -n 1) is built in build-demo/"
fi

# shellcheck source=tests/integration/lib.sh
source "$top/tests/integration/lib.sh"
vsi_init demo "$vswitchd"

step "Building a throwaway world out of network namespaces"
vsi_topology
vsi_daemon_dirs
say "   host     $NS_HOST: uplink $VSI_HOST_UPLINK_ADDR, default route to upstream"
say "   upstream $NS_UP: plays the internet, a web server on $VSI_INTERNET_ADDR"
www=$VSI_TMP/www
mkdir -p "$www"
echo "Hello from the internet (203.0.113.10)" >"$www/index.html"
ip netns exec "$NS_UP" "$PYTHON" -m http.server 80 --bind "$VSI_INTERNET_ADDR" --directory "$www" \
  >/dev/null 2>"$VSI_TMP/http.log" &
vsi_track_pid $!

step "Starting vswitchd in the host namespace"
started=$(date +%s%N)
vsi_start_daemon
ready_ms=$((($(date +%s%N) - started) / 1000000))
subnet=$(vsi_subnet)
[ -n "$subnet" ] || vsi_fail "vswitchd is ready but vswitch0 has no subnet"
gateway=$(vsi_subnet_host "$subnet" 1)
say "   ready after ${ready_ms} ms${VSI_STATUS:+ (\"$VSI_STATUS\")}"
say "   subnet for this boot: $subnet, drawn from 172.16.0.0/12 and clear of every route on the host"
say "   bridge: vswitch0 with address $(vsi_bridge_addrs), the VMs' gateway"
say "   firewall, one nftables table owned by vswitchd:"
vsi_nft list table inet vswitch | indent

step "Plugging a VM into vswitch0"
vm_addr=$(vsi_subnet_host "$subnet" 100)
vsi_add_vm vm0 "$vm_addr/20" "$gateway"
say "   VM $NS_VM: eth0 $vm_addr/20, default route via $gateway (its veth peer vm0 is a port of vswitch0)"

if out=$(ip netns exec "$NS_VM" ping -c 3 -i 0.2 -W 2 "$VSI_INTERNET_ADDR" 2>&1); then
  say "   VM pings $VSI_INTERNET_ADDR: $(grep -o '[0-9]* received' <<<"$out") of 3, $(grep -o 'rtt.*' <<<"$out" | cut -d/ -f5) ms average"
else
  vsi_fail "the VM cannot ping $VSI_INTERNET_ADDR: $out"
fi
for ((i = 0; i < 50; i++)); do  # the web server may still be starting
  ip netns exec "$NS_UP" ss -Hltn "sport = :80" | grep -q . && break
  sleep 0.1
done
if page=$(ip netns exec "$NS_VM" curl -sS --max-time 5 "http://$VSI_INTERNET_ADDR/" 2>&1); then
  say "   VM fetches http://$VSI_INTERNET_ADDR/: \"$page\""
else
  vsi_fail "the VM cannot fetch http://$VSI_INTERNET_ADDR/: $page"
fi
seen=$(awk '/"GET \/ /{print $1}' "$VSI_TMP/http.log" | tail -n 1)
say "   the web server saw the request come from ${seen:-?}, the host's uplink address: the VM is NATed"

ip -n "$NS_UP" route add "$subnet" via "$VSI_HOST_UPLINK_ADDR"
vsi_tcp_server "$NS_VM" 0.0.0.0 22 "$VSI_TMP/vm-peers"
if vsi_tcp_connect "$NS_UP" "$vm_addr" 22 2 >/dev/null 2>&1; then
  say "   upstream CAN open a connection to the VM: that should not happen"
else
  say "   upstream cannot open a connection to the VM, even with a route to $subnet: table inet vswitch drops it"
fi

step "Cleaning up"
vsi_stop_daemon TERM
vsi_run_daemon --teardown
if [ "$VSI_RC" = 0 ] && ! vsi_link_exists vswitch0; then
  say "   vswitchd --teardown removed vswitch0 and table inet vswitch"
else
  say "   vswitchd --teardown failed ($VSI_RC): $VSI_ERR"
fi
say "   the namespaces go away as the demo exits; your own network was never touched"
