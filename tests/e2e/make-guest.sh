#!/bin/bash
# Builds the tiny e2e guest from Debian packages and prints the directory
# that holds it:
#   DIR/vmlinuz     the current bookworm kernel (linux-image-amd64's target)
#   DIR/vmlinux     the same kernel uncompressed (an ELF with a PVH entry), when
#                   the kernel has CONFIG_PVH: QEMU boots it straight away,
#                   while TCG spends ~10 s in vmlinuz's XZ decompressor
#   DIR/initrd.img  busybox-static + virtio_net and the modules it needs +
#                   tests/e2e/guest-init.sh as /init (cpio newc, gzip)
#   DIR/kernel-version, DIR/modules  what went in, for the record
# Boot it with
#   qemu-system-x86_64 -accel tcg -m 128 -nodefaults -display none -no-reboot \
#     -serial file:LOG -kernel DIR/vmlinux -initrd DIR/initrd.img \
#     -append 'console=ttyS0 panic=-1 hostname=NAME e2e_expect=ADDR ...' \
#     -netdev tap,id=n0,ifname=TAP,script=no,downscript=no \
#     -device virtio-net-pci,netdev=n0,mac=MAC
# (the parameters /init reads are listed at the top of guest-init.sh).
#
# Usage: make-guest.sh [CACHE_DIR]
#   CACHE_DIR defaults to $VSWITCH_E2E_CACHE, else
#   ${XDG_CACHE_HOME:-$HOME/.cache}/vswitch/e2e-guest. The guest is built in
#   a subdirectory named by the kernel version and a hash of the guest
#   scripts and the busybox binary, and reused while those stay the same.
#
# The kernel is fetched with `apt-get download` and unpacked with dpkg-deb,
# never installed. Busybox comes from the installed busybox-static (its
# /bin/busybox), else from a downloaded busybox-static package. Without
# network or apt lists, the newest guest already in the cache is used.
# Progress goes to stderr; only the directory goes to stdout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${1:-${VSWITCH_E2E_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/vswitch/e2e-guest}}
# The network driver and everything it needs when the kernel builds it as a
# module; make-guest resolves their `depends=` itself (no kmod needed).
readonly WANTED_MODULES=(virtio_pci virtio_net)

say() { printf 'make-guest: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

for c in dpkg-deb cpio gzip sha256sum; do
  command -v "$c" >/dev/null || die "'$c' is missing (contrib/install-deps.sh --test)"
done
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

# Falls back to the newest complete guest in the cache when a download fails.
use_cached_or_die() {
  local newest
  newest=$(find "$cache/" -mindepth 2 -maxdepth 2 -name .complete -printf '%T@ %h\n' 2>/dev/null |
    sort -rn | head -n 1 | cut -d' ' -f2-)
  [ -n "$newest" ] || die "$1, and no guest is cached in $cache"
  say "$1; using the cached guest $newest"
  echo "$newest"
  exit 0
}

# The kernel package linux-image-amd64 points at today (e.g.
# linux-image-6.1.0-56-amd64). Stale package lists name a kernel the mirror
# no longer has: one `apt-get update` (as root) and a second try.
kernel_package() {
  apt-cache depends linux-image-amd64 2>/dev/null |
    awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ {print $2; exit}'
}
lists_updated=0
update_lists() {
  if [ "$lists_updated" != 0 ] || [ "$(id -u)" != 0 ]; then return 1; fi
  lists_updated=1
  say "apt-get update"
  apt-get update -qq >&2 || return 1
  kpkg=$(kernel_package)
}
kpkg=$(kernel_package) || true
[ -n "$kpkg" ] || { update_lists && [ -n "$kpkg" ]; } ||
  use_cached_or_die "apt-cache knows no linux-image-amd64 (run apt-get update)"
kver=${kpkg#linux-image-}

busybox_bin=
if command -v busybox >/dev/null && ! ldd "$(command -v busybox)" >/dev/null 2>&1; then
  busybox_bin=$(command -v busybox)   # statically linked: usable in the guest as is
fi

downloads=$cache/downloads
mkdir -p "$downloads"
# apt-get download writes into the current directory, which its _apt sandbox
# user may not reach (e.g. under /root): download as the caller instead.
fetch() { # PACKAGE: prints the path of its .deb in the download cache
  local pkg=$1 deb
  deb=$(find "$downloads/" -maxdepth 1 -name "${pkg}_*.deb" | sort | tail -n 1)
  if [ -z "$deb" ]; then
    say "downloading $pkg"
    (cd "$downloads" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2) || return 1
    deb=$(find "$downloads/" -maxdepth 1 -name "${pkg}_*.deb" | sort | tail -n 1)
  fi
  [ -n "$deb" ] && echo "$deb"
}

if [ -z "$busybox_bin" ]; then
  bb_deb=$(fetch busybox-static) || use_cached_or_die "cannot download busybox-static"
  bb_dir=$downloads/busybox-static
  rm -rf "$bb_dir" && mkdir -p "$bb_dir"
  dpkg-deb -x "$bb_deb" "$bb_dir"
  busybox_bin=$bb_dir/bin/busybox
fi

key=$(cat "$here/guest-init.sh" "$here/guest-udhcpc.sh" "$0" "$busybox_bin" | sha256sum | cut -c1-12)
out=$cache/$kver-$key
if [ -f "$out/.complete" ]; then
  say "reusing $out"
  echo "$out"
  exit 0
fi

if ! kdeb=$(fetch "$kpkg"); then
  update_lists || use_cached_or_die "cannot download $kpkg"
  kver=${kpkg#linux-image-}   # the fresh lists may name a newer kernel
  out=$cache/$kver-$key
  [ -f "$out/.complete" ] && { say "reusing $out"; echo "$out"; exit 0; }
  kdeb=$(fetch "$kpkg") || use_cached_or_die "cannot download $kpkg"
fi
work=$(mktemp -d "$cache/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
say "unpacking $(basename "$kdeb")"
# Only the kernel image, modules.builtin and the module directories the
# network driver's dependencies live in: a full unpack is ~400 MB.
dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$work" --wildcards \
  "./boot/vmlinuz-$kver" "./boot/config-$kver" "./lib/modules/$kver/modules.builtin" \
  "./lib/modules/$kver/kernel/drivers/virtio/*" \
  "./lib/modules/$kver/kernel/drivers/net/*.ko*" \
  "./lib/modules/$kver/kernel/net/core/*"
moddir=$work/lib/modules/$kver
[ -f "$work/boot/vmlinuz-$kver" ] || die "$kdeb holds no boot/vmlinuz-$kver"

# Module names use '_' in modules.builtin paths' basenames and depends=.
builtin() { grep -q "/$1\.ko\$" "$moddir/modules.builtin"; }
module_file() { find "$moddir/kernel" -name "$1.ko" -o -name "$1.ko.xz" -o -name "$1.ko.zst" | head -n 1; }
module_depends() { # FILE: the names in its .modinfo depends=
  local f=$1
  case $f in
    *.xz) xz -dc "$f" ;;
    *.zst) zstd -dc "$f" ;;
    *) cat "$f" ;;
  esac | tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '
}

# Depth-first: a module goes into the load order after its dependencies.
order=()
declare -A seen=()
add_module() {
  local name=${1//-/_} f dep
  [ -n "${seen[$name]:-}" ] && return 0
  seen[$name]=1
  if builtin "$name"; then return 0; fi
  f=$(module_file "$name")
  [ -n "$f" ] || die "module $name is neither built in nor in $kpkg's drivers/virtio, drivers/net, net/core"
  for dep in $(module_depends "$f"); do add_module "$dep"; done
  order+=("$f")
}
for m in "${WANTED_MODULES[@]}"; do add_module "$m"; done

root=$work/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,run,tmp,lib/modules}
cp "$busybox_bin" "$root/bin/busybox"
cp "$here/guest-init.sh" "$root/init"
cp "$here/guest-udhcpc.sh" "$root/etc/udhcpc.script"
chmod 755 "$root/init" "$root/etc/udhcpc.script" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
: >"$root/lib/modules/order"
for f in "${order[@]}"; do
  name=$(basename "$f")
  case $name in
    *.xz) xz -dc "$f" >"$root/lib/modules/${name%.xz}"; name=${name%.xz} ;;
    *.zst) zstd -dc "$f" >"$root/lib/modules/${name%.zst}"; name=${name%.zst} ;;
    *) cp "$f" "$root/lib/modules/$name" ;;
  esac
  echo "$name" >>"$root/lib/modules/order"
done
printf '127.0.0.1 localhost\n' >"$root/etc/hosts"

# vmlinux: the payload of vmlinuz, found like the kernel's own
# scripts/extract-vmlinux does (the compressor's magic, then an ELF header).
extract_vmlinux() { # VMLINUZ OUT
  local magic tool off
  for magic in 'xz:\xfd7zXZ\x00' 'zstd:\x28\xb5\x2f\xfd' 'gzip:\x1f\x8b\x08'; do
    tool=${magic%%:*}
    command -v "$tool" >/dev/null || continue
    for off in $(LC_ALL=C grep -aboP "${magic#*:}" "$1" | head -n 3 | cut -d: -f1); do
      # Trailing data after the payload makes the tool complain; the ELF
      # header decides.
      tail -c "+$((off + 1))" "$1" | "$tool" -dc >"$2" 2>/dev/null || true
      [ "$(head -c 4 "$2" | od -An -c | tr -d ' ')" = '177ELF' ] && return 0
    done
  done
  rm -f "$2"
  return 1
}

mkdir -p "$work/out"
if grep -qx 'CONFIG_PVH=y' "$work/boot/config-$kver"; then
  extract_vmlinux "$work/boot/vmlinuz-$kver" "$work/out/vmlinux" ||
    say "found no ELF kernel inside vmlinuz-$kver; boot DIR/vmlinuz instead"
fi
(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc -R 0:0 --quiet) |
  gzip -9 >"$work/out/initrd.img"
cp "$work/boot/vmlinuz-$kver" "$work/out/vmlinuz"
echo "$kver" >"$work/out/kernel-version"
cp "$root/lib/modules/order" "$work/out/modules"
touch "$work/out/.complete"
# Another run may have finished the same guest meanwhile; either copy does.
mv -T "$work/out" "$out" 2>/dev/null || [ -f "$out/.complete" ] || die "cannot move the guest to $out"
say "built $out (kernel $kver, modules: $(tr '\n' ' ' <"$out/modules"))"
# Older guests and kernel packages are ~80 MB each. One built over an hour
# ago is no longer about to be booted by a run that just asked for it.
find "$cache/" -mindepth 2 -maxdepth 2 -name .complete -mmin +60 -printf '%h\n' | while read -r old; do
  [ "$old" = "$out" ] || rm -rf "$old"
done
find "$downloads/" -maxdepth 1 -name 'linux-image-*.deb' ! -name "${kpkg}_*" -delete
echo "$out"
