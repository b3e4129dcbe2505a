#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# The README's demo, for a fresh Debian 12 machine, as root: installs what is
# needed, builds vswitchd into build-demo/, then runs the Default switch in
# throwaway network namespaces — a "host" running vswitchd, an "upstream"
# playing the internet at 203.0.113.10, and a "VM" plugged into vswitch0 —
# and shows, in plain words, the VM going online: a DHCP lease, DNS through
# the switch, a web page fetched through the NAT. Everything
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
# The upstream's DNS server (the host's resolver, as far as vswitchd knows).
ip netns exec "$NS_UP" "$PYTHON" "$top/tests/integration/dns_upstream.py" "$VSI_INTERNET_ADDR" \
  "$VSI_TMP/dns-queries.log" >/dev/null 2>&1 &
vsi_track_pid $!
echo "nameserver $VSI_INTERNET_ADDR" >"$VSI_RESOLV"
say "   upstream also answers DNS on $VSI_INTERNET_ADDR (www.example.test is its web server)"

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

step "Plugging a VM into vswitch0: it configures itself by DHCP"
# shellcheck source=tests/integration/dhcp_lib.sh
source "$top/tests/integration/dhcp_lib.sh"
vsd_vm "$NS_VM" vm0
# The VM's DHCP client (busybox udhcpc) with a hook of its own: it sets the
# address, the default route and the VM's resolv.conf, which lives in a
# private mount namespace (vsd_isolated) and never touches the machine's.
hook=$VSI_TMP/vm-dhcp-hook.sh
cat >"$hook" <<HOOK
#!/bin/sh
case "\$1" in
  bound|renew)
    ip -4 addr flush dev "\$interface"
    ip addr add "\$ip/\$mask" dev "\$interface"
    ip route replace default via "\$router"
    { echo "search \$domain"; for d in \$dns; do echo "nameserver \$d"; done; } >/etc/resolv.conf
    echo "ip=\$ip mask=\$subnet router=\$router dns=\$dns domain=\$domain" >"$VSI_TMP/vm-lease" ;;
  deconfig) ip -4 addr flush dev "\$interface" ;;
esac
exit 0
HOOK
chmod 755 "$hook"
dhcp_started=$(date +%s%N)
if ! vsd_isolated "$NS_VM" sh -c '
    udhcpc -i eth0 -s "$1" -n -q -t 5 -x hostname:demo-vm >/dev/null 2>&1 || exit 1
    echo "$(($(date +%s%N) / 1000000))" >"$2/vm-bound-ms"
    curl -sS --max-time 5 http://www.example.test/ >"$2/vm-page" 2>&1
    getent hosts www.example.test >"$2/vm-resolved" 2>&1 || true' vm "$hook" "$VSI_TMP"; then
  vsi_fail "the VM got no DHCP lease from vswitchd"
fi
lease=$(cat "$VSI_TMP/vm-lease")
vm_addr=$(vsd_field " $lease" ip)
say "   VM $NS_VM (host name demo-vm) plugged into vswitch0 through its veth peer vm0"
say "   it had its lease $(($(cat "$VSI_TMP/vm-bound-ms") - dhcp_started / 1000000)) ms after its DHCP client started: $lease"

if out=$(ip netns exec "$NS_VM" ping -c 3 -i 0.2 -W 2 "$VSI_INTERNET_ADDR" 2>&1); then
  say "   VM pings $VSI_INTERNET_ADDR: $(grep -o '[0-9]* received' <<<"$out") of 3, $(grep -o 'rtt.*' <<<"$out" | cut -d/ -f5) ms average"
else
  vsi_fail "the VM cannot ping $VSI_INTERNET_ADDR: $out"
fi
say "   VM resolves www.example.test through vswitchd's DNS on $gateway: $(awk '{print $1}' "$VSI_TMP/vm-resolved")"
page=$(cat "$VSI_TMP/vm-page")
[ "$page" = "Hello from the internet (203.0.113.10)" ] || vsi_fail "the VM cannot fetch http://www.example.test/: $page"
say "   VM fetches http://www.example.test/: \"$page\""
seen=$(awk '/"GET \/ /{print $1}' "$VSI_TMP/http.log" | tail -n 1)
say "   the web server saw the request come from ${seen:-?}, the host's uplink address: the VM is NATed"
if grep -q "demo-vm" "$VSI_RUN/hosts" 2>/dev/null; then
  say "   the host finds the VM by name: $(grep demo-vm "$VSI_RUN/hosts" | head -n 1)  ($VSI_RUN/hosts)"
fi

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
