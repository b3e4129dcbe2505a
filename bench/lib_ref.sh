# shellcheck shell=bash
# Reference servers and load generators for bench/dhcp.sh and bench/dns.sh:
# dnsmasq configured the way libvirt configures it for a NAT network, and
# kea-dhcp4 with the memfile backend as Debian ships it. Sourced after
# tests/integration/lib.sh: every process is started in a namespace of that
# library's run and tracked by PID, so its trap stops it.
#
# What libvirt generates for its 'default' network (libvirt 9, dnsmasq
# backend), and what we keep of it:
#   strict-order, pid-file, except-interface=lo, bind-dynamic,
#   interface=<bridge>, dhcp-range=<first>,<last>,<mask>, dhcp-no-override,
#   dhcp-authoritative, dhcp-lease-max=<range size>, dhcp-hostsfile,
#   addn-hosts; with a <domain>: domain=, expand-hosts, local=/<domain>/.
# libvirt runs dnsmasq with --leasefile-ro --dhcp-script=libvirt_leaseshelper:
# no lease file of dnsmasq's own; its script process runs the helper (fork +
# exec) per lease change, which rewrites a JSON status file under
# /var/lib/libvirt (a bench must not touch it), and at start answers "init"
# with the leases to restore. vsb_dnsmasq_conf does the same with a stand-in
# helper (FILE.script: a shell that appends each change to FILE.events, and
# prints FILE.leases for "init"). Two other modes, for extra rows:
# "leasefile", dnsmasq's own lease file (dhcp-leasefile), which it rewrites
# whole and fsyncs on every change (vfprintf and blkdev_issue_flush lead its
# profile) — not what libvirt runs. And resolv-file= points at the run's
# resolv.conf instead of the machine's /etc/resolv.conf, so nothing is ever
# forwarded to the real resolver.
# Logging: dnsmasq's default (each DHCP packet and event logged, as libvirt
# leaves it; no quiet-dhcp), to a file instead of syslog.

# How long a reference server may take to start listening.
readonly VSB_START_TIMEOUT_S=10

vsb_rss_kb() { awk '/^VmRSS/{print $2}' "/proc/$1/status"; }
# "RSS (anon + file)" in KiB, from /proc/PID/status.
vsb_rss_parts() {
  awk '/^VmRSS/{r=$2} /^RssAnon/{a=$2} /^RssFile/{f=$2} /^RssShmem/{s=$2}
       END {printf "%d (%d + %d)", r, a, f + s}' "/proc/$1/status"
}
# utime + stime of a process (all its threads), in clock ticks.
vsb_cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }

# Equal CPU budgets. On a 2-core machine the load generator (perfdhcp,
# dnsperf) needs a core of its own, so the highest rate a server reaches
# uncapped says as much about the generator as about the server. With
# BENCH_CPU_CAP=PCT every server runs in one cgroup whose CPU quota is PCT %
# of one CPU (cgroup v2 cpu.max, or v1 cpu.cfs_quota_us; 10 ms period): the
# server, not the generator, is then the bottleneck, and every server gets
# the same budget. The cgroup is removed by the run's trap.
VSB_CGROUP=
# vsb_cpu_cap_init PCT: makes the capped cgroup (no-op when PCT is empty).
vsb_cpu_cap_init() {
  local pct=$1 period=10000 root
  [ -n "$pct" ] || return 0
  if ! [[ $pct =~ ^[0-9]+$ ]] || [ "$pct" -lt 1 ] || [ "$pct" -gt 100 ]; then
    vsi_fail "BENCH_CPU_CAP must be a percentage of one CPU (1-100), not '$pct'"
  fi
  if [ -f /sys/fs/cgroup/cgroup.controllers ] && grep -qw cpu /sys/fs/cgroup/cgroup.controllers; then
    root=/sys/fs/cgroup
    # The machine's cgroup setup is not the bench's to change.
    grep -qw cpu "$root/cgroup.subtree_control" ||
      vsi_fail "BENCH_CPU_CAP: the cpu controller is not enabled for $root's children (cgroup.subtree_control)"
    VSB_CGROUP=$root/vsb-$VSI_NAME-$$
    mkdir "$VSB_CGROUP"
    echo "$((period * pct / 100)) $period" >"$VSB_CGROUP/cpu.max"
  elif [ -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then
    VSB_CGROUP=/sys/fs/cgroup/cpu/vsb-$VSI_NAME-$$
    mkdir "$VSB_CGROUP"
    echo "$period" >"$VSB_CGROUP/cpu.cfs_period_us"
    echo "$((period * pct / 100))" >"$VSB_CGROUP/cpu.cfs_quota_us"
  else
    vsi_fail "BENCH_CPU_CAP: no cgroup cpu controller (v2 cpu.max or v1 cpu.cfs_quota_us)"
  fi
  VSI_CLEANUP_CMDS+=("rmdir '$VSB_CGROUP' 2>/dev/null")
}
# vsb_cpu_cap PID: moves process PID (all its threads) into the capped cgroup.
vsb_cpu_cap() {
  [ -n "$VSB_CGROUP" ] || return 0
  echo "$1" >"$VSB_CGROUP/cgroup.procs"
}
# vsb_cpu_uncap PID: moves process PID back to the cgroup of this script
# (where it was started), out of the capped one.
vsb_cpu_uncap() {
  [ -n "$VSB_CGROUP" ] || return 0
  local mine
  mine=$(awk -F: '$1 == "0" || $2 ~ /(^|,)cpu(,|$)/ {print $3; exit}' /proc/$$/cgroup)
  echo "$1" >"${VSB_CGROUP%/*}$mine/cgroup.procs"
}
# vsb_cpu_cap_label: "" or ", servers capped at PCT % of one CPU".
vsb_cpu_cap_label() {
  [ -n "$VSB_CGROUP" ] && printf ', every server capped at %s %% of one CPU (cgroup quota)' "$BENCH_CPU_CAP"
  return 0
}

# vsb_rss_floor VSWITCHD: "RSS (anon + file)" of rss-floor (bench/rss_floor.cc,
# built beside VSWITCHD in the build tree): vswitchd's libraries loaded and
# nothing else, the least any daemon on them can use. "n/a" without it.
vsb_rss_floor() {
  local bin out i pid parts=n/a
  bin=$(dirname "$(dirname "$(readlink -f "$1")")")/bench/rss-floor
  [ -x "$bin" ] || { echo "n/a (no $bin)"; return 0; }
  out=$VSI_TMP/rss-floor.out
  ip netns exec "$NS_HOST" "$bin" >"$out" 2>&1 &
  pid=$!
  vsi_track_pid "$pid"
  for ((i = 0; i < 100; i++)); do grep -q ready "$out" 2>/dev/null && break; sleep 0.05; done
  grep -q ready "$out" && parts=$(vsb_rss_parts "$pid")
  vsi_kill_pid "$pid"
  echo "$parts"
}

# vsb_percentile FILE P: the P-th percentile (0-100) of the numbers in FILE,
# one a line (nearest rank); "n/a" when FILE is empty.
vsb_percentile() {
  sort -g "$1" | awk -v p="$2" '{v[NR] = $1}
    END { if (NR == 0) { print "n/a"; exit }
          i = int(p / 100 * NR + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; print v[i] }'
}

# vsb_wait_udp NS PORT: until something listens on UDP PORT in NS.
vsb_wait_udp() {
  local ns=$1 port=$2 i
  for ((i = 0; i < VSB_START_TIMEOUT_S * 20; i++)); do
    ip netns exec "$ns" ss -Hlun "sport = :$port" | grep -q . && return 0
    sleep 0.05
  done
  vsi_fail "nothing listens on UDP port $port in $ns after ${VSB_START_TIMEOUT_S}s"
}

# vsb_dnsmasq_conf FILE BRIDGE FIRST LAST MASK LEASE_MAX [DOMAIN] [MODE]: the
# libvirt-style configuration above; the hosts files are FILE.hostsfile and
# FILE.addnhosts (created empty when missing), the leases restored at start
# FILE.leases (dnsmasq's lease file format). MODE "libvirt" (the default:
# leasefile-ro and the stand-in helper FILE.script) or "leasefile"
# (dnsmasq's own FILE.leases, fsynced per change). Extra lines (e.g.
# no-ping) can be appended to FILE afterwards.
vsb_dnsmasq_conf() {
  local f=$1 bridge=$2 first=$3 last=$4 mask=$5 max=$6 domain=${7:-} mode=${8:-libvirt}
  [ -e "$f.hostsfile" ] || : >"$f.hostsfile"
  [ -e "$f.addnhosts" ] || : >"$f.addnhosts"
  cat >"$f" <<CONF
##WARNING:  generated like libvirt's network config (see bench/lib_ref.sh)
strict-order
pid-file=$f.pid
except-interface=lo
bind-dynamic
interface=$bridge
dhcp-range=$first,$last,$mask
dhcp-no-override
dhcp-authoritative
dhcp-lease-max=$max
dhcp-hostsfile=$f.hostsfile
addn-hosts=$f.addnhosts
resolv-file=$VSI_RESOLV
CONF
  case $mode in
    libvirt)
      cat >"$f.script" <<SCRIPT
#!/bin/sh
# Stand-in for libvirt_leaseshelper: prints the leases to restore for init,
# records every other lease change.
if [ "\$1" = init ]; then cat "$f.leases" 2>/dev/null; exit 0; fi
echo "\$*" >>"$f.events"
SCRIPT
      chmod +x "$f.script"
      printf 'leasefile-ro\ndhcp-script=%s\n' "$f.script" >>"$f" ;;
    leasefile) echo "dhcp-leasefile=$f.leases" >>"$f" ;;
    *) vsi_fail "vsb_dnsmasq_conf: unknown mode '$mode'" ;;
  esac
  if [ -n "$domain" ]; then
    printf 'domain=%s\nexpand-hosts\nlocal=/%s/\n' "$domain" "$domain" >>"$f"
  fi
}

# vsb_start_dnsmasq NS CONF PORT [keep]: starts dnsmasq in the foreground of
# a background job, logging to CONF.log; waits until UDP PORT (67 or 53)
# listens; sets VSB_PID. Starts with no leases unless "keep" is given.
vsb_start_dnsmasq() {
  local ns=$1 conf=$2 port=$3
  [ "${4:-}" = keep ] || rm -f "$conf.leases"
  ip netns exec "$ns" dnsmasq --conf-file="$conf" --keep-in-foreground \
    --log-facility="$conf.log" </dev/null >>"$conf.out" 2>&1 &
  VSB_PID=$!
  vsi_track_pid "$VSB_PID"
  vsb_wait_udp "$ns" "$port"
}

# vsb_dnsmasq_leases CONF COUNT FIRST_ADDR LEASE_S: writes COUNT leases in
# dnsmasq's lease file format (expiry MAC address hostname client-id) for
# MACs 02:00:02:00:xx:xx from FIRST_ADDR on.
vsb_dnsmasq_leases() {
  local conf=$1 count=$2 base expiry
  base=$(vsi_ip2int "$3")
  expiry=$(($(date +%s) + $4))
  awk -v n="$count" -v base="$base" -v expiry="$expiry" 'BEGIN {
    for (i = 0; i < n; i++) {
      a = base + i; mac = sprintf("02:00:02:00:%02x:%02x", int(i / 256), i % 256)
      printf "%d %s %d.%d.%d.%d * 01:%s\n", expiry, mac, int(a / 16777216), int(a / 65536) % 256,
             int(a / 256) % 256, a % 256, mac } }' >"$conf.leases"
}

# vsb_kea_conf FILE BRIDGE SUBNET FIRST LAST GATEWAY LEASE_S: kea-dhcp4 as
# Debian ships /etc/kea/kea-dhcp4.conf (memfile, persist on, lfc-interval
# 3600, logger kea-dhcp4 at INFO), with this run's interface, subnet, pool
# and files.
vsb_kea_conf() {
  local f=$1 bridge=$2 subnet=$3 first=$4 last=$5 gw=$6 lease=$7
  cat >"$f" <<CONF
{ "Dhcp4": {
  "interfaces-config": { "interfaces": [ "$bridge" ] },
  "lease-database": { "type": "memfile", "persist": true, "name": "$f.leases.csv",
                      "lfc-interval": 3600 },
  "valid-lifetime": $lease, "renew-timer": $((lease / 2)), "rebind-timer": $((lease * 7 / 8)),
  "subnet4": [ { "id": 1, "subnet": "$subnet", "pools": [ { "pool": "$first - $last" } ],
                 "option-data": [ { "name": "routers", "data": "$gw" },
                                  { "name": "domain-name-servers", "data": "$gw" } ] } ],
  "loggers": [ { "name": "kea-dhcp4", "severity": "INFO", "debuglevel": 0,
                 "output_options": [ { "output": "$f.log" } ] } ]
} }
CONF
}

# vsb_start_kea NS CONF: starts kea-dhcp4 (pid and lock files in the run's
# scratch dir), waits for DHCP4_STARTED in its log; sets VSB_PID.
vsb_start_kea() {
  local ns=$1 conf=$2 i
  rm -f "$conf".leases.csv*
  KEA_PIDFILE_DIR=$VSI_TMP KEA_LOCKFILE_DIR=$VSI_TMP ip netns exec "$ns" kea-dhcp4 -c "$conf" \
    </dev/null >>"$conf.out" 2>&1 &
  VSB_PID=$!
  vsi_track_pid "$VSB_PID"
  for ((i = 0; i < VSB_START_TIMEOUT_S * 20; i++)); do
    grep -q DHCP4_STARTED "$conf.log" 2>/dev/null && return 0
    kill -0 "$VSB_PID" 2>/dev/null || vsi_fail "kea-dhcp4 exited: $(tail -5 "$conf.out" "$conf.log" 2>&1)"
    sleep 0.05
  done
  vsi_fail "kea-dhcp4 did not start in ${VSB_START_TIMEOUT_S}s: $(tail -5 "$conf.log" 2>&1)"
}
