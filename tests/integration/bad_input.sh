#!/bin/bash
# shellcheck disable=SC2119  # vsi_start_daemon takes optional arguments
# Bad input is refused with one line naming the thing and the reason, a
# non-zero exit, and nothing half-built: a malformed config (exit 2,
# "file:line:"), --check-config on good and bad files, vswitch0 already taken
# by a non-bridge, an unwritable state dir, and not being root.
# Usage: bad_input.sh VSWITCHD
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
vsi_require_root
vsi_init badin "$1"
vsi_topology
vsi_daemon_dirs
export VSI_LOG_LEVEL=err

# --- --check-config on a good file.
good=$VSI_TMP/etc/vswitchd.conf
cat >"$good" <<'CONF'
# every key of the Default switch
[Switch]
Bridge=vswitch0
SubnetPool=172.16.0.0/12
PrefixLength=20
ExcludeSubnet=172.20.0.0/16
Domain=vswitch.internal
LeaseTimeSec=86400
CONF
vsi_run_daemon --check-config
vsi_assert_eq "--check-config on a good file: exit status (stderr: '$VSI_ERR')" 0 "$VSI_RC"
vsi_assert_nothing_built "--check-config on a good file"
vsi_pass "--check-config accepts a good file"

# --- a malformed config: line 3 has a bad PrefixLength, line 4 an unknown key.
bad=$VSI_TMP/etc-bad/vswitchd.conf
mkdir -p "$(dirname "$bad")"
printf '[Switch]\nBridge=vswitch0\nPrefixLength=twenty\nNoSuchKey=1\n' >"$bad"
VSI_CONF=$bad vsi_run_daemon --check-config
vsi_assert_eq "--check-config on a bad file: exit status (stderr: '$VSI_ERR')" 2 "$VSI_RC"
vsi_assert_one_line_error "--check-config on a bad file" "$bad:3:"
vsi_assert_nothing_built "--check-config on a bad file"
vsi_pass "--check-config refuses a bad file: '$VSI_ERR'"

VSI_CONF=$bad vsi_run_daemon
vsi_assert_eq "start with a bad config: exit status (stderr: '$VSI_ERR')" 2 "$VSI_RC"
vsi_assert_one_line_error "start with a bad config" "$bad:3:"
vsi_assert_nothing_built "start with a bad config"
vsi_pass "start with a bad config: exit 2, '$VSI_ERR', nothing built"

printf '[Switch]\nSubnetPool=172.16.0.0/12\n[Bogus]\nName=x\n' >"$bad"
VSI_CONF=$bad vsi_run_daemon
vsi_assert_eq "unknown section: exit status (stderr: '$VSI_ERR')" 2 "$VSI_RC"
vsi_assert_one_line_error "unknown section" "$bad:3:"
vsi_assert_nothing_built "unknown section"
vsi_pass "unknown section: exit 2, '$VSI_ERR', nothing built"

# A bad file in switches.d/ stops the daemon too, and is named.
switch=$VSI_TMP/etc/switches.d/lab.switch
printf '[Switch]\nName=lab\nType=nat\nSubnet=not-a-subnet\n' >"$switch"
vsi_run_daemon
vsi_assert_eq "bad switches.d file: exit status (stderr: '$VSI_ERR')" 2 "$VSI_RC"
vsi_assert_one_line_error "bad switches.d file" "$switch:4:"
vsi_assert_nothing_built "bad switches.d file"
vsi_pass "bad switches.d file: exit 2, '$VSI_ERR', nothing built"
rm "$switch"

# --- vswitch0 taken by an interface that is not a bridge.
vsi_add_dummy "$NS_HOST" vswitch0
vsi_run_daemon
vsi_assert_eq "vswitch0 is not a bridge: exit status (stderr: '$VSI_ERR')" 1 "$VSI_RC"
vsi_assert_one_line_error "vswitch0 is not a bridge" "vswitch0"
vsi_assert_eq "vswitch0 is not a bridge: nft tables" "" "$(vsi_nft list tables)"
vsi_bridge_exists && vsi_fail "vswitch0 is not a bridge: the daemon turned it into one"
vsi_assert_eq "vswitch0 is not a bridge: addresses put on it" "" "$(vsi_bridge_addrs)"
vsi_pass "vswitch0 taken by a non-bridge: exit 1, '$VSI_ERR', no table"
ip -n "$NS_HOST" link del vswitch0

# --- an unwritable state dir: a path below a regular file.
: >"$VSI_TMP/not-a-dir"
VSI_STATE=$VSI_TMP/not-a-dir/state vsi_run_daemon
vsi_assert_eq "unwritable state dir: exit status (stderr: '$VSI_ERR')" 1 "$VSI_RC"
vsi_assert_one_line_error "unwritable state dir" "$VSI_TMP/not-a-dir"
vsi_assert_nothing_built "unwritable state dir"
vsi_pass "unwritable state dir: exit 1, '$VSI_ERR', nothing built"

# --- not root: nobody, inside the host namespace, with dirs it may write, so
# the only thing missing is the privilege. The binary is copied where nobody
# can run it (the build tree may sit under a private home).
mkdir -p "$VSI_TMP/bin" "$VSI_TMP/nobody"
cp "$VSWITCHD" "$VSI_TMP/bin/vswitchd"
chmod 755 "$VSI_TMP/bin" "$VSI_TMP/bin/vswitchd" "$VSI_TMP/etc"
chmod 644 "$VSI_TMP/etc/vswitchd.conf" "$VSI_RESOLV"
chown nobody "$VSI_TMP/nobody"
VSI_RC=0
timeout -k 2 20 ip netns exec "$NS_HOST" setpriv --reuid=nobody --regid=nogroup --clear-groups \
  --inh-caps=-all --bounding-set=-all "$VSI_TMP/bin/vswitchd" --config "$VSI_TMP/etc/vswitchd.conf" \
  --state-dir "$VSI_TMP/nobody/state" --runtime-dir "$VSI_TMP/nobody/run" \
  --resolv-conf "$VSI_RESOLV" --boot-id "$VSI_BOOT_ID_A" --log-level err \
  </dev/null >/dev/null 2>"$VSI_TMP/run.err" || VSI_RC=$?
VSI_ERR=$(cat "$VSI_TMP/run.err")
vsi_assert_ne "not root: exit status (stderr: '$VSI_ERR')" 0 "$VSI_RC"
[ "$VSI_RC" -lt 124 ] || vsi_fail "not root: the daemon hung or could not be run (exit $VSI_RC, stderr: '$VSI_ERR')"
vsi_assert_one_line_error "not root" "vswitchd"
vsi_assert_nothing_built "not root"
vsi_pass "not root: exit $VSI_RC, '$VSI_ERR', nothing built"
