#!/bin/bash
# DHCPv6 (issue 18 item 3) against a real client before the daemon serves
# it: ISC dhclient -6 talks to libvswitch's dhcp6::Server through the
# test-only dhcp6-responder (tests/integration/dhcp6_responder.cc) over a
# veth between two namespaces of this run.
#   1. Solicit/Advertise/Request/Reply: an address on the prefix, DNS
#      prefix::1, search vswitch.internal; the binding is in the lease file.
#   2. The same client again: the same address (stable host part).
#   3. A new "boot" (the responder on another prefix): the client's Confirm
#      of its old address is answered NotOnLink and it is on the new
#      prefix, with the same host part, within seconds.
#   4. dhclient -r: Release removes the binding from the lease file.
#   5. dhcpcd -6 (no RA: ia_na forced) with an FQDN: a lease with DNS and
#      search, the server's FQDN decision (S) and the name on the binding.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
vsi_require_root
vsi_init dhcp6 ""
RESPONDER=$(readlink -f "$1")
command -v dhclient >/dev/null || vsi_fail "dhclient missing (contrib/install-deps.sh --test)"

PREFIX_A=fd12:3456:789a:1::
PREFIX_B=fd99:8888:7777:2::
NS_S=vsi-dhcp6-$$-srv
NS_C=vsi-dhcp6-$$-cli
vsi_ns_add "$NS_S"
vsi_ns_add "$NS_C"
# Inside our namespaces only: no DAD wait for the link-local addresses.
for ns in "$NS_S" "$NS_C"; do ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0; done
ip -n "$NS_S" link add srv6 type veth peer name cli6 netns "$NS_C"
ip -n "$NS_C" link set cli6 address 52:54:00:66:00:01
ip -n "$NS_S" link set srv6 up
ip -n "$NS_C" link set cli6 up
# Both ends need their link-local address (the client sends from it, the
# server answers from it).
for _ in $(seq 50); do
  ip -n "$NS_S" -6 addr show dev srv6 scope link | grep -q inet6 &&
    ip -n "$NS_C" -6 addr show dev cli6 scope link | grep -q inet6 && break
  sleep 0.1
done

LEASES=$VSI_TMP/leases6
RESPONDER_PID=
start_responder() { # PREFIX
  rm -f "$VSI_TMP/ready"
  ip netns exec "$NS_S" "$RESPONDER" srv6 "$1" "$LEASES" "$VSI_TMP/ready" 2>>"$VSI_TMP/responder.log" &
  RESPONDER_PID=$!
  vsi_track_pid "$RESPONDER_PID"
  for _ in $(seq 50); do [ -e "$VSI_TMP/ready" ] && return 0; sleep 0.1; done
  cat "$VSI_TMP/responder.log" >&2
  vsi_fail "responder not ready"
}

# The client's script records what dhclient was given, one file a reason.
cat >"$VSI_TMP/hook" <<HOOK
#!/bin/sh
env | grep -E '^(new_|old_)' | sort > "$VSI_TMP/env.\$reason"
HOOK
chmod +x "$VSI_TMP/hook"
echo 'send fqdn.fqdn "guest6";' >"$VSI_TMP/dhclient.conf"
CLIENT_LEASES=$VSI_TMP/dhclient6.leases
DHCLIENT_PID=
run_client() { # wait for a reason file
  rm -f "$VSI_TMP"/env.*
  ip netns exec "$NS_C" dhclient -6 -d -v -cf "$VSI_TMP/dhclient.conf" -sf "$VSI_TMP/hook" \
    -lf "$CLIENT_LEASES" -pf "$VSI_TMP/dhclient.pid" cli6 >>"$VSI_TMP/dhclient.log" 2>&1 &
  DHCLIENT_PID=$!
  vsi_track_pid "$DHCLIENT_PID"
  local t0 i
  t0=$(vsi_now_ms)
  for ((i = 0; i < 150; i++)); do
    for r in BOUND6 REBOOT6; do
      if [ -e "$VSI_TMP/env.$r" ]; then
        CLIENT_MS=$(($(vsi_now_ms) - t0))
        CLIENT_REASON=$r
        return 0
      fi
    done
    sleep 0.1
  done
  tail -20 "$VSI_TMP/dhclient.log" >&2
  tail -20 "$VSI_TMP/responder.log" >&2
  vsi_fail "dhclient -6 got no lease"
}
stop_client() { vsi_kill_pid "$DHCLIENT_PID"; }
envvar() { sed -n "s/^$1=//p" "$VSI_TMP/env.$CLIENT_REASON" | tr -d "'"; }

# 1. A lease with DNS and the domain.
start_responder "$PREFIX_A"
run_client
ADDR_A=$(envvar new_ip6_address)
vsi_assert_eq "reason" BOUND6 "$CLIENT_REASON"
vsi_assert_match "address on prefix A" "^fd12:3456:789a:1:" "$ADDR_A"
vsi_assert_no_match "not the gateway" "^fd12:3456:789a:1::1$" "$ADDR_A"
vsi_assert_eq "DNS server" "fd12:3456:789a:1::1" "$(envvar new_dhcp6_name_servers | xargs)"
vsi_assert_eq "domain search" "vswitch.internal." "$(envvar new_dhcp6_domain_search | xargs)"
vsi_assert_match "lease file holds the binding" "^lease6 $ADDR_A 00:01:00:01:.* guest6$" "$(grep lease6 "$LEASES")"
vsi_pass "dhclient -6 bound $ADDR_A with DNS and search in ${CLIENT_MS} ms"
stop_client

# 2. The same client from scratch (no client lease file): the same address.
rm -f "$CLIENT_LEASES.keep"; cp "$CLIENT_LEASES" "$CLIENT_LEASES.keep"
: >"$CLIENT_LEASES"
# dhclient keeps its DUID in the lease file: give it back the DUID line only.
grep default-duid "$CLIENT_LEASES.keep" >"$CLIENT_LEASES"
run_client
vsi_assert_eq "same address again" "$ADDR_A" "$(envvar new_ip6_address)"
vsi_pass "the same DUID+IAID gets the same address ($ADDR_A)"
stop_client

# 3. A new boot: another prefix. The client confirms its old address.
cp "$CLIENT_LEASES.keep" "$CLIENT_LEASES"
vsi_kill_pid "$RESPONDER_PID"
start_responder "$PREFIX_B"
run_client
ADDR_B=$(envvar new_ip6_address)
vsi_assert_match "Confirm answered NotOnLink" "CONFIRM -> REPLY NotOnLink" "$(cat "$VSI_TMP/responder.log")"
vsi_assert_match "address on prefix B" "^fd99:8888:7777:2:" "$ADDR_B"
vsi_assert_eq "same host part" "${ADDR_A#fd12:3456:789a:1:}" "${ADDR_B#fd99:8888:7777:2:}"
grep -q "^lease6 $ADDR_A " "$LEASES" && vsi_fail "yesterday's binding survived the new prefix"
[ "$CLIENT_MS" -lt 10000 ] || vsi_fail "moving to the new prefix took ${CLIENT_MS} ms"
vsi_pass "new prefix: moved from $ADDR_A to $ADDR_B in ${CLIENT_MS} ms"
stop_client

# 4. Release.
ip netns exec "$NS_C" timeout 10 dhclient -6 -r -v -cf "$VSI_TMP/dhclient.conf" -sf "$VSI_TMP/hook" \
  -lf "$CLIENT_LEASES" -pf "$VSI_TMP/dhclient.pid" cli6 >>"$VSI_TMP/dhclient.log" 2>&1 || true
for _ in $(seq 30); do grep -q "^lease6 $ADDR_B " "$LEASES" || break; sleep 0.1; done
grep -q "^lease6 $ADDR_B " "$LEASES" && vsi_fail "Release left the binding in the lease file"
vsi_pass "dhclient -6 -r released $ADDR_B"

# 5. dhcpcd, in a private mount namespace: its hooks and state stay ours.
cat >"$VSI_TMP/dhcpcd-hook" <<HOOK
#!/bin/sh
env | grep '^new_' | sort > "$VSI_TMP/dhcpcd.\$reason"
HOOK
chmod +x "$VSI_TMP/dhcpcd-hook"
printf 'noipv6rs\nia_na 1\nfqdn both\nhostname guestcd\n' >"$VSI_TMP/dhcpcd.conf"
: >"$VSI_TMP/resolv.conf"
ip netns exec "$NS_C" unshare -m sh -c "
  mount --bind '$VSI_TMP/resolv.conf' /etc/resolv.conf &&
  mount -t tmpfs none /var/lib/dhcpcd && mount -t tmpfs none /run &&
  exec timeout 15 dhcpcd -f '$VSI_TMP/dhcpcd.conf' -c '$VSI_TMP/dhcpcd-hook' -6 -1 -B -d cli6" \
  >>"$VSI_TMP/dhcpcd.log" 2>&1 || { tail -20 "$VSI_TMP/dhcpcd.log" >&2; vsi_fail "dhcpcd -6 got no lease"; }
[ -e "$VSI_TMP/dhcpcd.BOUND6" ] || vsi_fail "dhcpcd -6 did not bind"
cdvar() { sed -n "s/^$1=//p" "$VSI_TMP/dhcpcd.BOUND6"; }
ADDR_CD=$(cdvar new_dhcp6_ia_na1_ia_addr1)
vsi_assert_match "dhcpcd address on prefix B" "^fd99:8888:7777:2:" "$ADDR_CD"
vsi_assert_eq "dhcpcd DNS server" "fd99:8888:7777:2::1" "$(cdvar new_dhcp6_name_servers)"
vsi_assert_eq "dhcpcd search" "vswitch.internal" "$(cdvar new_dhcp6_domain_search)"
vsi_assert_eq "FQDN decision" "S" "$(cdvar new_dhcp6_fqdn_flags)"
vsi_assert_eq "FQDN answered" "guestcd.vswitch.internal" "$(cdvar new_dhcp6_fqdn)"
vsi_assert_match "lease file names the dhcpcd guest" "^lease6 $ADDR_CD .* guestcd$" "$(grep lease6 "$LEASES")"
vsi_pass "dhcpcd -6 bound $ADDR_CD as guestcd.vswitch.internal"
