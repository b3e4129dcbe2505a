#!/bin/bash
# Installs what vswitch needs on Debian 12 (bookworm), as root.
#   contrib/install-deps.sh          build + run (the daemon and the demo)
#   contrib/install-deps.sh --test   also everything the test suites and fuzzers use
#   contrib/install-deps.sh --bench  also the reference servers and load generators
#                                    bench/*.sh compare against (not needed by tests)
# Nothing here takes over the machine's DNS: no systemd-resolved, no resolvconf;
# DHCP clients are installed as binaries only and tests run them in namespaces.
set -euo pipefail

build_run=(
  meson ninja-build pkg-config g++
  libnl-3-dev libnl-route-3-dev libmnl-dev libnftnl-dev libldns-dev libsystemd-dev
  iproute2 nftables util-linux procps iputils-ping curl python3
  udhcpc            # the demo's VM gets its address by DHCP
  libdbus-1-dev     # its dbus-1.pc names where the system bus reads policies
  nlohmann-json3-dev  # vswitchctl's --json output (header-only, nlohmann_json.pc)
)
testing=(
  clang libclang-rt-14-dev llvm
  libgtest-dev libgmock-dev googletest
  iperf3 dbus psmisc groff-base man-db
  isc-dhcp-client udhcpc dhcpcd-base kea-admin
  dnsutils knot-dnsutils
  dnsmasq-base      # tests/integration/external.sh: the LAN's own DHCP server (binary only, no service)
  iptables                  # tests/integration/diagnostics.sh: Docker's FORWARD DROP via iptables-nft
  mandoc            # man page lint (man/lint-man.sh)
  qemu-system-x86 busybox-static cpio   # tests/e2e: the tiny guest under TCG
  ipxe-qemu         # tests/integration/netboot.sh: QEMU's network ROMs (iPXE) for -boot n
  libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients   # tests/integration/libvirt_real.sh: a real libvirtd
  systemd           # tests/integration/dhcp_peers.sh runs its systemd-networkd in a guest namespace
  # unbound's libraries: dhcp_peers.sh unpacks unbound itself (dpkg-deb), never installs it
  libevent-2.1-7 libnghttp2-14 libprotobuf-c1 libpython3.11 libssl3
  dnsmasq-base python3-gi   # tests/integration/forwards.sh: dnsmasq in a guest, 1000 AddPortForward over Gio
  # issue 19: gdbus (open_adapter.sh), qemu-bridge-helper (bridge_helper.sh, libvirt_session.sh)
  libglib2.0-bin qemu-system-common
)
bench=(
  dnsmasq-base kea-dhcp4-server kea-admin dnsperf isc-dhcp-client
)

want=("${build_run[@]}")
if [ "${1:-}" = "--test" ]; then want+=("${testing[@]}"); fi
if [ "${1:-}" = "--bench" ]; then want+=("${bench[@]}"); fi

if [ "$(id -u)" != 0 ]; then
  echo "install-deps: must run as root (apt-get install)" >&2
  exit 1
fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#want[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
