# shellcheck shell=bash
# Helpers for the D-Bus tests, on top of lib.sh: a private dbus-daemon (never
# the machine's system bus) started and stopped by PID, error-name checks
# through dbus-send, and a TAP opened as another uid.
#
# vsb_start_bus NAME MODE: MODE "policy" reads the project's own
# systemd/org.vswitch1.conf like the system bus would; "open" lets every
# user call every method, so only the daemon's own uid check stands between
# a non-root caller and a change. VSB_EXTRA_POLICIES (paths, space-separated)
# adds other services' policy files. Exports DBUS_SYSTEM_BUS_ADDRESS, which
# sd-bus, busctl, dbus-send and vswitchctl all honour.

VSB_SRC_DIR=$(cd "$VSI_LIB_DIR/../.." && pwd)
VSB_NOBODY=65534
# Not the pyenv shim root may have on PATH: an unprivileged uid must run it.
VSB_PYTHON=${VSB_PYTHON:-/usr/bin/python3}

vsb_start_bus() {
  local name=$1 mode=$2 conf=$VSI_TMP/$1-bus.conf sock=$VSI_TMP/$1-bus.sock include=
  if [ "$mode" = policy ]; then
    include="<include>$VSB_SRC_DIR/systemd/org.vswitch1.conf</include>"
  else
    include='<policy context="default"><allow own="org.vswitch1"/><allow send_destination="org.vswitch1"/></policy>'
  fi
  # Other services' policies, e.g. systemd-resolved's org.freedesktop.resolve1.conf.
  local extra
  for extra in ${VSB_EXTRA_POLICIES:-}; do include+="<include>$extra</include>"; done
  cat >"$conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
  $include
</busconfig>
CONF
  dbus-daemon --config-file="$conf" --nofork --print-address=1 >"$VSI_TMP/$name-bus.addr" 2>"$VSI_TMP/$name-bus.err" &
  VSB_BUS_PID=$!
  vsi_track_pid "$VSB_BUS_PID"
  local i
  for ((i = 0; i < 100; i++)); do
    [ -s "$VSI_TMP/$name-bus.addr" ] && [ -S "$sock" ] && break
    kill -0 "$VSB_BUS_PID" 2>/dev/null || vsi_fail "dbus-daemon died: $(cat "$VSI_TMP/$name-bus.err")"
    sleep 0.05
  done
  [ -S "$sock" ] || vsi_fail "dbus-daemon did not listen on $sock"
  export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$sock"
}

vsb_stop_bus() { vsi_kill_pid "$VSB_BUS_PID"; }

# vsb_send [--as UID] PATH INTERFACE.METHOD [GVARIANT-ARGS...]: gdbus call
# (dbus-send cannot write a{sv}); prints the reply or
# "Error: GDBus.Error:<name>: <message>"; never fails the shell.
vsb_send() {
  local as=()
  if [ "$1" = --as ]; then as=(setpriv --reuid="$2" --regid="$2" --clear-groups); shift 2; fi
  local path=$1 method=$2
  shift 2
  "${as[@]}" gdbus call --system --dest org.vswitch1 --object-path "$path" --method "$method" -- "$@" 2>&1 || true
}

# vsb_expect_error WHAT ERROR-NAME NEEDLE [--as UID] PATH METHOD ARGS...
vsb_expect_error() {
  local what=$1 name=$2 needle=$3 out
  shift 3
  out=$(vsb_send "$@")
  [[ $out == *"Error:$name:"* ]] || vsi_fail "$what: expected $name, got: $out"
  [[ $out == *"$needle"* ]] || vsi_fail "$what: expected the message to name '$needle', got: $out"
  vsi_pass "$what -> $name"
}

# vsb_open_tap_as UID IFNAME: opens the TAP as QEMU would, as UID, inside the
# host namespace; prints "ok" or the errno name. Where /dev/net/tun is 0600
# (some containers), a private mount namespace gets its own 0666 node for the
# same device, as distributions install it; the host's /dev is not touched.
vsb_open_tap_as() {
  local uid=$1 ifname=$2
  local py="import fcntl,os,struct,errno
try:
    fd=os.open('/dev/net/tun',os.O_RDWR)
    fcntl.ioctl(fd,0x400454ca,struct.pack('16sH','$ifname'.encode(),0x0002|0x1000|0x4000))
    print('ok')
except OSError as e:
    print(errno.errorcode.get(e.errno,str(e.errno)))"
  ip netns exec "$NS_HOST" unshare --mount --propagation private sh -c '
    if [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
      mount -t tmpfs -o mode=0755 tmpfs /dev/net && mknod -m 666 /dev/net/tun c 10 200
    fi
    exec setpriv --reuid="$1" --regid="$1" --clear-groups "$2" -c "$3"' sh "$uid" "$VSB_PYTHON" "$py"
}

# vsb_online_vm NAME: the usual start of a test of the running system: the
# topology, a private bus, the daemon, and one VM (vm0 at .100 of today's
# subnet) that reaches the simulated internet. Sets subnet, gateway and
# vm_addr.
vsb_online_vm() {
  vsi_topology
  vsi_daemon_dirs
  vsb_start_bus "$1" open
  vsi_start_daemon
  subnet=$(vsi_subnet)
  gateway=$(vsi_subnet_host "$subnet" 1)
  vm_addr=$(vsi_subnet_host "$subnet" 100)
  vsi_add_vm vm0 "$vm_addr/20" "$gateway"
  vsi_ping_upstream || vsi_fail "VM cannot reach $VSI_INTERNET_ADDR before the test"
}
