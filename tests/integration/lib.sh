# shellcheck shell=bash
# shellcheck disable=SC2034  # variables set here are read by the sourcing scripts
# Shared helpers for the integration tests, contrib/demo.sh and
# bench/dataplane.sh: throwaway network namespaces, the daemon started with a
# readiness handshake, and assertions that say what was expected and seen.
#
# Everything that touches the network happens inside namespaces created here
# (named vsi-<test>-<pid>-<role>), which the EXIT/INT/TERM trap removes again,
# together with every process started through these helpers (killed by PID),
# also when an assertion fails half-way.
#
# Topology built by vsi_topology / vsi_add_vm:
#
#   vm ns            host ns (vswitchd)                upstream ns
#   eth0 ──veth── <vmif> ⊂ vswitch0     uplink ──veth── downlink
#   <subnet>.N      <gateway>/20     198.51.100.2/24   198.51.100.1/24
#                                     default via .1    inet0: 203.0.113.10/24
#
# Only documentation ranges are used for the simulated outside world.

VSI_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PYTHON=${PYTHON:-python3}

readonly VSI_HOST_UPLINK_ADDR=198.51.100.2
readonly VSI_UPSTREAM_ADDR=198.51.100.1
readonly VSI_INTERNET_ADDR=203.0.113.10
# How long the daemon may take to say READY=1, and to exit on SIGTERM.
readonly VSI_READY_TIMEOUT_S=${VSI_READY_TIMEOUT_S:-15}
readonly VSI_STOP_TIMEOUT_S=10
readonly VSI_BOOT_ID_A=6f1c2a9e-3b4d-4e5f-8a6b-7c8d9e0f1a2b
readonly VSI_BOOT_ID_B=0d9e8f7a-6b5c-4d3e-9f2a-1b0c9d8e7f6a

VSI_NAME=
VSI_TMP=
VSI_NAMESPACES=()
VSI_PIDS=()
# Commands the trap runs last (after the processes are stopped), e.g. to
# remove a cgroup a bench made.
VSI_CLEANUP_CMDS=()
VSI_DAEMON_PID=
VSI_DAEMON_STARTS=0
VSI_FAILED=0
VSI_QUIET=${VSI_QUIET:-0}
VSWITCHD=${VSWITCHD:-}

# --- reporting ---------------------------------------------------------------

vsi_log() { [ "$VSI_QUIET" = 1 ] || printf '%s\n' "$*" >&2; }
vsi_pass() { printf 'ok - %s\n' "$*"; }

# Prints the failure with the daemon's log and exits (the trap cleans up).
vsi_fail() {
  VSI_FAILED=1
  printf 'FAIL: %s\n' "$*" >&2
  vsi_dump_daemon_log
  exit 1
}

vsi_dump_daemon_log() {
  if [ -n "$VSI_TMP" ] && [ -s "$VSI_TMP/daemon.err" ]; then
    printf -- '--- vswitchd stderr (last 40 lines) ---\n' >&2
    tail -n 40 "$VSI_TMP/daemon.err" >&2
    printf -- '---------------------------------------\n' >&2
  fi
}

vsi_assert_eq() { # what expected seen
  [ "$2" = "$3" ] || vsi_fail "$1: expected '$2', saw '$3'"
}

vsi_assert_ne() { # what unexpected seen
  [ "$2" != "$3" ] || vsi_fail "$1: expected anything but '$2', saw '$3'"
}

vsi_assert_match() { # what extended-regex seen
  [[ $3 =~ $2 ]] || vsi_fail "$1: expected a match for /$2/, saw '$3'"
}

vsi_assert_no_match() { # what extended-regex seen
  [[ ! $3 =~ $2 ]] || vsi_fail "$1: expected no match for /$2/, saw '$3'"
}

# --- setup and cleanup -------------------------------------------------------

# Tests that need root skip (77, meson's "skipped") on a developer's machine
# but fail under CI, where a skip would hide that they never ran.
vsi_require_root() {
  if [ "$(id -u)" != 0 ]; then
    if [ -n "${CI:-}" ]; then
      echo "FAIL: integration tests need root (CI=$CI)" >&2
      exit 1
    fi
    echo "not root: skipping" >&2
    exit 77
  fi
}

# vsi_init NAME [VSWITCHD]: names this run, makes its scratch dir, arms the trap.
vsi_init() {
  VSI_NAME=$1
  [ $# -ge 2 ] && VSWITCHD=$2
  if [ -n "$VSWITCHD" ]; then
    VSWITCHD=$(readlink -f "$VSWITCHD")
    [ -x "$VSWITCHD" ] || { echo "FAIL: vswitchd '$VSWITCHD' is not executable" >&2; exit 1; }
  fi
  VSI_TMP=$(mktemp -d "/tmp/vsi-$VSI_NAME.XXXXXX")
  chmod 755 "$VSI_TMP"
  NS_HOST=vsi-$VSI_NAME-$$-host
  NS_UP=vsi-$VSI_NAME-$$-up
  NS_VM=vsi-$VSI_NAME-$$-vm
  # Never the machine's own system bus: a daemon started here must not claim
  # org.vswitch1 on it. Tests of the bus export their private bus after this.
  export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$VSI_TMP/no-system-bus
  trap vsi_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

vsi_track_pid() { VSI_PIDS+=("$1"); }

# Stops one process we started: TERM, a grace period, then KILL.
vsi_kill_pid() {
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 20; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

vsi_cleanup() {
  local rc=$? pid ns cmd
  set +e
  trap - EXIT INT TERM
  [ "$rc" != 0 ] && [ "$VSI_FAILED" = 0 ] && [ "$rc" != 77 ] && vsi_dump_daemon_log
  [ -n "$VSI_DAEMON_PID" ] && vsi_kill_pid "$VSI_DAEMON_PID"
  for pid in "${VSI_PIDS[@]}"; do vsi_kill_pid "$pid"; done
  # Anything still inside our namespaces was started by this run (a helper
  # that forked); stop it by PID so the namespace really goes away.
  for ns in "${VSI_NAMESPACES[@]}"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
  done
  for ns in "${VSI_NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null; done
  for cmd in "${VSI_CLEANUP_CMDS[@]}"; do eval "$cmd"; done
  if [ -n "$VSI_TMP" ] && [ -d "$VSI_TMP" ]; then
    if [ "$rc" != 0 ] && [ -n "${VSI_KEEP_TMP:-}" ]; then
      echo "kept $VSI_TMP" >&2
    else
      rm -rf "$VSI_TMP"
    fi
  fi
  exit "$rc"
}

vsi_ns_add() {
  ip netns add "$1"
  VSI_NAMESPACES+=("$1")
  ip -n "$1" link set lo up
}

# vsi_add_dummy NS IFNAME: a dummy interface; kernels built without the dummy
# driver get a veth whose peer (IFNAME-p) stays in the same namespace.
vsi_add_dummy() {
  local ns=$1 ifname=$2
  if ! ip -n "$ns" link add "$ifname" type dummy 2>/dev/null; then
    ip -n "$ns" link add "$ifname" type veth peer name "${ifname:0:12}-p"
    ip -n "$ns" link set "${ifname:0:12}-p" up
  fi
  ip -n "$ns" link set "$ifname" up
}

# Host and upstream namespaces, linked by a veth; the host routes everything
# to upstream, which plays the internet at 203.0.113.10.
vsi_topology() {
  vsi_ns_add "$NS_HOST"
  vsi_ns_add "$NS_UP"
  ip -n "$NS_HOST" link add uplink type veth peer name downlink netns "$NS_UP"
  ip -n "$NS_HOST" addr add "$VSI_HOST_UPLINK_ADDR/24" dev uplink
  ip -n "$NS_HOST" link set uplink up
  ip -n "$NS_UP" addr add "$VSI_UPSTREAM_ADDR/24" dev downlink
  ip -n "$NS_UP" link set downlink up
  ip -n "$NS_HOST" route add default via "$VSI_UPSTREAM_ADDR"
  vsi_add_dummy "$NS_UP" inet0
  ip -n "$NS_UP" addr add "$VSI_INTERNET_ADDR/24" dev inet0
}

# vsi_now_ms: a wall clock in milliseconds, for timings a test reports.
vsi_now_ms() { echo $(($(date +%s%N) / 1000000)); }

# vsi_ping_upstream [NS]: whether NS (default the VM namespace) reaches the
# simulated internet host across the NAT, with one ping.
vsi_ping_upstream() {
  ip netns exec "${1:-$NS_VM}" ping -c 1 -W 1 "$VSI_INTERNET_ADDR" >/dev/null 2>&1
}

# vsi_dns_upstream [QUERY_LOG]: the test upstream DNS server
# (dns_upstream.py) on the simulated internet's address in the upstream
# namespace, logging each query it gets to QUERY_LOG (default
# $VSI_TMP/upstream-queries); waits until it listens and makes it the
# daemon's only resolver ($VSI_RESOLV). Needs vsi_topology and
# vsi_daemon_dirs first.
vsi_dns_upstream() {
  local log=${1:-$VSI_TMP/upstream-queries} i
  ip netns exec "$NS_UP" "$PYTHON" "$VSI_LIB_DIR/dns_upstream.py" "$VSI_INTERNET_ADDR" "$log" \
    >"$VSI_TMP/upstream.out" 2>&1 &
  vsi_track_pid $!
  for ((i = 0; i < 100; i++)); do
    grep -q '^listening' "$VSI_TMP/upstream.out" 2>/dev/null && break
    sleep 0.05
  done
  grep -q '^listening' "$VSI_TMP/upstream.out" || vsi_fail "test upstream DNS did not start: $(cat "$VSI_TMP/upstream.out")"
  echo "nameserver $VSI_INTERNET_ADDR" >"$VSI_RESOLV"
}

# vsi_add_vm HOSTIF ADDR GATEWAY [NS]: a VM namespace on a veth whose host end
# is a port of vswitch0, with a static address (/PrefixLength of the subnet).
vsi_add_vm() {
  local hostif=$1 addr=$2 gw=$3 ns=${4:-$NS_VM}
  vsi_ns_add "$ns"
  ip -n "$NS_HOST" link add "$hostif" type veth peer name eth0 netns "$ns"
  ip -n "$NS_HOST" link set "$hostif" master vswitch0
  ip -n "$NS_HOST" link set "$hostif" up
  ip -n "$ns" addr add "$addr" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" route add default via "$gw"
}

# --- IPv4 arithmetic ---------------------------------------------------------

vsi_ip2int() {
  local IFS=. a b c d
  read -r a b c d <<<"$1"
  echo $(((a << 24) | (b << 16) | (c << 8) | d))
}

vsi_int2ip() {
  local n=$1
  echo "$(((n >> 24) & 255)).$(((n >> 16) & 255)).$(((n >> 8) & 255)).$((n & 255))"
}

# vsi_subnet_host PREFIX N: the Nth address of a prefix (1 = the gateway).
vsi_subnet_host() {
  local net=${1%/*}
  vsi_int2ip $(($(vsi_ip2int "$net") + $2))
}

# --- the daemon --------------------------------------------------------------

# A config dir, state dir, runtime dir and resolv.conf of this run's own.
# Tests add keys by writing $VSI_CONF before starting the daemon.
vsi_daemon_dirs() {
  VSI_CONF=$VSI_TMP/etc/vswitchd.conf
  VSI_STATE=$VSI_TMP/state
  VSI_RUN=$VSI_TMP/run
  VSI_RESOLV=$VSI_TMP/resolv.conf
  mkdir -p "$VSI_TMP/etc/switches.d"
  [ -e "$VSI_CONF" ] || printf '# written by %s\n[Switch]\n' "$VSI_NAME" >"$VSI_CONF"
  echo "nameserver 192.0.2.53" >"$VSI_RESOLV"
}

# The arguments every run shares; a test's own (e.g. another --boot-id) come
# after them, and the daemon takes the last one given.
vsi_daemon_args() {
  VSI_ARGS=(--config "$VSI_CONF" --state-dir "$VSI_STATE" --runtime-dir "$VSI_RUN"
    --resolv-conf "$VSI_RESOLV" --boot-id "${VSI_BOOT_ID:-$VSI_BOOT_ID_A}"
    --log-level "${VSI_LOG_LEVEL:-info}")
}

# vsi_start_daemon [ARGS...]: starts vswitchd in the host namespace with
# NOTIFY_SOCKET on a listener of ours and waits for READY=1. Fails with the
# daemon's stderr if it exits first or stays silent too long.
vsi_start_daemon() {
  [ -z "$VSI_DAEMON_PID" ] || vsi_fail "vsi_start_daemon: the daemon already runs (pid $VSI_DAEMON_PID)"
  vsi_daemon_args
  VSI_DAEMON_STARTS=$((VSI_DAEMON_STARTS + 1))
  local n=$VSI_DAEMON_STARTS
  local sock=$VSI_TMP/notify-$n.sock notes=$VSI_TMP/notify-$n.log
  "$PYTHON" "$VSI_LIB_DIR/notify_wait.py" "$sock" "$VSI_READY_TIMEOUT_S" >"$notes" 2>&1 &
  local listener=$!
  vsi_track_pid "$listener"
  local i
  for ((i = 0; i < 100; i++)); do
    [ -S "$sock" ] && break
    kill -0 "$listener" 2>/dev/null || vsi_fail "notify listener died: $(cat "$notes")"
    sleep 0.05
  done
  [ -S "$sock" ] || vsi_fail "notify listener did not bind $sock"
  echo "=== start $n: vswitchd ${VSI_ARGS[*]} $*" >>"$VSI_TMP/daemon.err"
  NOTIFY_SOCKET=$sock ip netns exec "$NS_HOST" "$VSWITCHD" "${VSI_ARGS[@]}" "$@" \
    </dev/null >>"$VSI_TMP/daemon.out" 2>>"$VSI_TMP/daemon.err" &
  VSI_DAEMON_PID=$!
  while :; do
    if ! kill -0 "$listener" 2>/dev/null; then
      local lrc=0
      wait "$listener" || lrc=$?
      [ "$lrc" = 0 ] && break
      vsi_fail "vswitchd sent no READY=1 within ${VSI_READY_TIMEOUT_S}s (notifications: $(tr '\n' ' ' <"$notes"))"
    fi
    if ! kill -0 "$VSI_DAEMON_PID" 2>/dev/null; then
      local drc=0
      wait "$VSI_DAEMON_PID" || drc=$?
      VSI_DAEMON_PID=
      vsi_fail "vswitchd exited with $drc before READY=1"
    fi
    sleep 0.05
  done
  VSI_STATUS=$(sed -n 's/^STATUS=//p' "$notes" | tail -n 1)
}

# vsi_stop_daemon [SIGNAL]: signals the daemon and waits; sets VSI_DAEMON_RC.
vsi_stop_daemon() {
  local sig=${1:-TERM} pid=$VSI_DAEMON_PID i
  [ -n "$pid" ] || vsi_fail "vsi_stop_daemon: no daemon running"
  VSI_DAEMON_RC=0
  # stderr closed throughout: bash may print its "Killed" job notice after
  # kill -9 at any command until the wait.
  {
    kill "-$sig" "$pid"
    for ((i = 0; i < VSI_STOP_TIMEOUT_S * 10; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  } 2>/dev/null
  kill -0 "$pid" 2>/dev/null && vsi_fail "vswitchd did not exit within ${VSI_STOP_TIMEOUT_S}s of SIG$sig"
  { wait "$pid"; } 2>/dev/null || VSI_DAEMON_RC=$?
  VSI_DAEMON_PID=
}

# vsi_run_daemon [ARGS...]: runs vswitchd to completion in the host namespace
# (for --teardown, --check-config and the runs that must fail); sets VSI_RC,
# VSI_OUT and VSI_ERR. Runs under `timeout` so a daemon that starts serving
# instead of failing cannot hang the test.
vsi_run_daemon() {
  vsi_daemon_args
  VSI_RC=0
  echo "=== run: vswitchd ${VSI_ARGS[*]} $*" >>"$VSI_TMP/daemon.err"
  timeout -k 2 "${VSI_RUN_TIMEOUT_S:-20}" ip netns exec "$NS_HOST" "$VSWITCHD" "${VSI_ARGS[@]}" "$@" \
    </dev/null >"$VSI_TMP/run.out" 2>"$VSI_TMP/run.err" || VSI_RC=$?
  VSI_OUT=$(cat "$VSI_TMP/run.out")
  VSI_ERR=$(cat "$VSI_TMP/run.err")
  cat "$VSI_TMP/run.err" >>"$VSI_TMP/daemon.err"
}

# --- what the daemon built ---------------------------------------------------

vsi_link_exists() { ip -n "${2:-$NS_HOST}" link show dev "$1" >/dev/null 2>&1; }

vsi_bridge_exists() { # true when vswitch0 exists and is a bridge
  ip -n "$NS_HOST" -d link show dev vswitch0 2>/dev/null | grep -q 'bridge '
}

# The subnet on vswitch0, read from the kernel's connected route (e.g.
# 172.27.160.0/20); empty when there is none, several (space-separated, so
# that any comparison fails visibly) when the bridge kept an old address.
vsi_subnet() {
  ip -n "$NS_HOST" -4 route show table main proto kernel dev vswitch0 2>/dev/null |
    awk '$1 ~ /\// {print $1}' | sort | tr '\n' ' ' | sed 's/ $//'
}

vsi_bridge_addrs() { # every IPv4 address/len on vswitch0, one line
  ip -n "$NS_HOST" -4 -o addr show dev vswitch0 2>/dev/null | awk '{print $4}' | sort | tr '\n' ' ' | sed 's/ $//'
}

vsi_ifindex() { ip -n "$NS_HOST" -o link show dev "$1" | cut -d: -f1; }

vsi_nft() { ip netns exec "$NS_HOST" nft "$@"; }

# How many tables are in the host namespace, and how many are `inet vswitch`.
vsi_table_count() { vsi_nft list tables | grep -c '^table ' || true; }
vsi_vswitch_table_count() { vsi_nft list tables | grep -cx 'table inet vswitch' || true; }

# `nft list table inet vswitch` with counters and handles blanked, so two
# runs with different traffic compare equal when the rules are the same.
vsi_table_normalised() {
  vsi_nft list table inet vswitch |
    sed -E 's/packets [0-9]+ bytes [0-9]+/packets N bytes N/g; s/ # handle [0-9]+//g'
}

# Nothing of the daemon's may exist: for runs that must fail cleanly.
vsi_assert_nothing_built() {
  local what=$1
  if vsi_link_exists vswitch0; then
    vsi_fail "$what: left interface vswitch0 behind: $(ip -n "$NS_HOST" -br link show dev vswitch0)"
  fi
  local tables
  tables=$(vsi_nft list tables)
  vsi_assert_eq "$what: nft tables left behind" "" "$tables"
}

# The daemon's stderr on a failing run is one line, naming the thing.
vsi_assert_one_line_error() { # what must-contain
  local what=$1 needle=$2 lines
  lines=$(printf '%s' "$VSI_ERR" | grep -c . || true)
  vsi_assert_eq "$what: lines on stderr (stderr: '$VSI_ERR')" 1 "$lines"
  [[ $VSI_ERR == *"$needle"* ]] || vsi_fail "$what: expected the error to name '$needle', saw '$VSI_ERR'"
}

# --- probes --------------------------------------------------------------------

# vsi_tcp_server NS ADDR PORT LOG: a TCP server that records each peer's
# address in LOG; returns once it listens.
vsi_tcp_server() {
  local ns=$1 addr=$2 port=$3 log=$4 i
  : >"$log"
  ip netns exec "$ns" "$PYTHON" "$VSI_LIB_DIR/tcp_probe.py" serve "$addr" "$port" "$log" \
    >"$log.out" 2>&1 &
  vsi_track_pid $!
  for ((i = 0; i < 100; i++)); do
    grep -q '^listening' "$log.out" 2>/dev/null && return 0
    sleep 0.05
  done
  vsi_fail "TCP server on $addr:$port in $ns did not start: $(cat "$log.out")"
}

# vsi_tcp_connect NS ADDR PORT [TIMEOUT]: prints what the server said.
vsi_tcp_connect() {
  ip netns exec "$1" "$PYTHON" "$VSI_LIB_DIR/tcp_probe.py" connect "$2" "$3" "${4:-3}"
}

# vsi_unpacked_deb PACKAGE: a Debian package the machine must not install
# (a resolver, a DHCP client that would take over /etc/resolv.conf),
# downloaded with apt-get and unpacked with dpkg-deb into a cache kept across
# runs (/var/cache/vswitch-tests/PACKAGE-VERSION/root, version of the
# machine's package lists); prints that root. Fails the test when it cannot.
vsi_unpacked_deb() {
  local pkg=$1 version cache root deb
  version=$(apt-cache policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: //p')
  if [ -z "$version" ] || [ "$version" = "(none)" ]; then
    apt-get update -qq >/dev/null 2>&1 || true
    version=$(apt-cache policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: //p')
  fi
  [ -n "$version" ] && [ "$version" != "(none)" ] || vsi_fail "no Debian package $pkg in the package lists"
  cache=${VSI_DEB_CACHE:-/var/cache/vswitch-tests}/$pkg-$version
  root=$cache/root
  if [ ! -d "$root" ]; then
    mkdir -p "$cache"
    # apt-get download writes into the current directory, which its _apt
    # sandbox user may not be able to enter.
    (cd "$cache" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$version" >/dev/null 2>&1) ||
      vsi_fail "cannot download $pkg $version"
    deb=$(ls "$cache"/*.deb | head -n 1)
    rm -rf "$root.new"
    dpkg-deb -x "$deb" "$root.new"
    mv "$root.new" "$root"
  fi
  echo "$root"
}
