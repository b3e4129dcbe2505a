#!/bin/bash
# bench/attach.sh VSWITCHD [N]: N (default 1000) AttachAdapter calls over
# D-Bus, then N DetachAdapter calls, against the real vswitchd in a throwaway
# namespace on a private dbus-daemon. Prints total time and p50/p99 per call.
#
# All calls go through one persistent sd-bus client (attach-bench); the same
# statistics for Peer.Ping (a call the daemon answers without doing anything)
# are printed as the baseline: the bus round trip itself. The daemon logs at
# its default level (info: a line per attach and per detach), as it runs in
# use; the load average is printed with the figures.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tests/integration/lib.sh"
. "$here/../tests/integration/bus_lib.sh"
vsi_require_root
vsi_init bench-attach "$1"
N=${2:-1000}

vsi_ns_add "$NS_HOST"
vsi_daemon_dirs
vsb_start_bus bench policy
vsi_start_daemon

# One persistent client (bench/attach_client.cc, built beside vswitchd), so
# the figures are the daemon's round trips, not a busctl start per call.
client=$(dirname "$1")/../bench/attach-bench
[ -x "$client" ] || vsi_fail "attach-bench not found at $client: build the project with meson first"
"$client" "$N"
echo "bench/attach $(date -u '+%F %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), vswitchd at its default log level"
