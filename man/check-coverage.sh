#!/bin/bash
# Checks that the man pages describe what the programs really accept, so a
# key, command or D-Bus member added without documentation fails a test.
#   check-coverage.sh config CONFIG.CC PAGE
#       every key of the parser's key table (kKeys in libvswitch/config)
#       appears as "Key=" in the page;
#   check-coverage.sh ctl VSWITCHCTL PAGE
#       every command of `vswitchctl --help` is a term of the page's
#       COMMANDS, every option of it appears in the page;
#   check-coverage.sh daemon VSWITCHD PAGE
#       every option of `vswitchd --help` is a term of the page's OPTIONS;
#   check-coverage.sh dbus VSWITCHD PAGE        (root: runs the daemon)
#       every interface of org.vswitch1 on /org/vswitch1, a switch object
#       and a port object, live on a private bus, has a block in the page
#       that lists each method and signal with its exact signature and
#       argument names, each property with its type, access and
#       EmitsChangedSignal annotation.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mode=$1

# The page as a reader sees it: plain text, wide lines, no hyphenation.
render() { LC_ALL=C.UTF-8 groff -man -Tutf8 -rLL=250n -rHY=0 -P-cbou "$1" 2>/dev/null; }

fail() { echo "FAIL: $*" >&2; exit 1; }

case $mode in
config)
  src=$2 page=$3
  keys=$(sed -n '/kKeys\[\] = {/,/^};/ s/^ *{"\([A-Za-z]*\)", .*/\1/p' "$src")
  [ "$(wc -w <<<"$keys")" -ge 10 ] || fail "found only '$keys' in the key table of $src"
  text=$(render "$page")
  missing=()
  for k in $keys; do grep -qF "$k=" <<<"$text" || missing+=("$k="); done
  [ ${#missing[@]} -eq 0 ] || fail "$(basename "$page") lacks ${missing[*]}"
  echo "ok - $(basename "$page") documents all $(wc -w <<<"$keys") keys: $(tr '\n' ' ' <<<"$keys")"
  ;;
ctl)
  ctl=$2 page=$3
  help=$("$ctl" --help)
  commands=$(sed -n '/^Commands:/,/^$/ s/^  \([a-z][a-z-]*\)\( .*\)\?$/\1/p' <<<"$help")
  options=$(grep -oE '(^|[ ,])--?[a-z][a-z-]*' <<<"$help" | sed 's/^[ ,]*//' | sort -u)
  [ "$(wc -w <<<"$commands")" -ge 5 ] || fail "found only '$commands' in vswitchctl --help"
  text=$(render "$page")
  missing=()
  for c in $commands; do grep -qE "^ {7}$c( |$)" <<<"$text" || missing+=("command $c"); done
  for o in $options; do grep -qF -- "$o" <<<"$text" || missing+=("option $o"); done
  [ ${#missing[@]} -eq 0 ] || fail "$(basename "$page") lacks: ${missing[*]}"
  echo "ok - $(basename "$page") documents commands: $(tr '\n' ' ' <<<"$commands"); options: $(tr '\n' ' ' <<<"$options")"
  ;;
daemon)
  help=$("$2" --help)
  page=$3
  options=$(grep -oE '^ +(-[a-z], )?--[a-z][a-z-]*' <<<"$help" | grep -oE -- '--[a-z][a-z-]*')
  [ "$(wc -w <<<"$options")" -ge 8 ] || fail "found only '$options' in vswitchd --help"
  text=$(render "$page")
  missing=()
  for o in $options; do grep -qE -- "^ {7}(-[a-z], )?$o( |$)" <<<"$text" || missing+=("$o"); done
  [ ${#missing[@]} -eq 0 ] || fail "$(basename "$page") lacks options: ${missing[*]}"
  echo "ok - $(basename "$page") documents options: $(tr '\n' ' ' <<<"$options")"
  ;;
dbus)
  . "$here/../tests/integration/lib.sh"
  . "$here/../tests/integration/bus_lib.sh"
  vsi_require_root
  vsi_init mancov "$2"
  page=$(readlink -f "$3")
  vsi_ns_add "$NS_HOST"
  vsi_daemon_dirs
  vsb_start_bus mancov open
  vsi_start_daemon
  busctl --system call org.vswitch1 /org/vswitch1 org.vswitch1.Manager AttachAdapter 'sssa{sv}' \
    Default man-vm "" 1 ifname s tap-man >/dev/null
  xml=()
  for path in /org/vswitch1 /org/vswitch1/switch/Default /org/vswitch1/port/tap_2dman; do
    f=$VSI_TMP/$(basename "$path").xml
    busctl --system --xml-interface introspect org.vswitch1 "$path" >"$f" || vsi_fail "introspecting $path"
    xml+=("$f")
  done
  render "$page" >"$VSI_TMP/page.txt"
  "$PYTHON" - "$VSI_TMP/page.txt" "${xml[@]}" <<'PY' || vsi_fail "org.vswitch1(5) does not match the live API"
import re, sys
import xml.etree.ElementTree as ET

text = re.sub(r"[ \t]+", " ", open(sys.argv[1]).read())
lines = [l.strip() for l in text.splitlines()]
problems, count = [], 0

def block(iface):
    """The lines of the page's `interface NAME {` ... `};` block."""
    try:
        start = lines.index(f"interface {iface} {{")
    except ValueError:
        return None
    end = lines.index("};", start)
    return lines[start + 1:end]

for path in sys.argv[2:]:
    for iface in ET.parse(path).getroot().findall("interface"):
        name = iface.get("name")
        if not name.startswith("org.vswitch1."):
            continue
        body = block(name)
        if body is None:
            problems.append(f"no 'interface {name} {{' block")
            continue
        # Arguments may wrap onto aligned lines, as in network1(5).
        joined = re.sub(r"\( ", "(", " ".join(body))
        for m in iface.findall("method"):
            args = ", ".join(f"{a.get('direction', 'in')} {a.get('type')} {a.get('name')}".replace(" None", "")
                             for a in m.findall("arg"))
            want = f"{m.get('name')}({args});"
            count += 1
            if want not in joined:
                problems.append(f"{name}: method '{want}'")
        for s in iface.findall("signal"):
            args = ", ".join(f"{a.get('type')} {a.get('name')}".replace(" None", "") for a in s.findall("arg"))
            want = f"{s.get('name')}({args});"
            count += 1
            if want not in joined:
                problems.append(f"{name}: signal '{want}'")
        for p in iface.findall("property"):
            access = "readonly" if p.get("access") == "read" else "readwrite"
            prefix = f"{access} {p.get('type')} {p.get('name')} = "
            count += 1
            at = [i for i, l in enumerate(body) if l.startswith(prefix)]
            if not at:
                problems.append(f"{name}: property line '{prefix}...;'")
                continue
            emits = [a.get("value") for a in p.findall("annotation")
                     if a.get("name") == "org.freedesktop.DBus.Property.EmitsChangedSignal"]
            want = f'@org.freedesktop.DBus.Property.EmitsChangedSignal("{emits[0]}")' if emits else None
            above = body[at[0] - 1] if at[0] > 0 else ""
            seen = above if above.startswith("@org.freedesktop.DBus.Property.EmitsChangedSignal") else None
            if want != seen:
                problems.append(f"{name}.{p.get('name')}: annotation {want or 'none'} expected, page has {seen or 'none'}")
for p in problems:
    print("missing or wrong:", p, file=sys.stderr)
print(f"checked {count} members")
sys.exit(1 if problems else 0)
PY
  vsi_pass "org.vswitch1(5) lists every member of the live API with its signature"
  ;;
*)
  fail "usage: check-coverage.sh config|ctl|daemon|dbus ..."
  ;;
esac
