#!/usr/bin/env bash
# kernels/build.sh --deb: installable Debian packages for bare metal.
#   --config lab base   linux-image + linux-headers from the cached lab tree
#                       (~2 min cold on the 2-core VM: copy + bindeb-pkg;
#                       instant once cached), named and versioned per label;
#                       folio_lab.ko builds against the packaged headers
#   --config-only       the running kernel's config + bare-metal.config
#                       (a few seconds: kconfig out of tree)
#   refusals            --config without --deb, a bad FILE, debug-vm + running
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/kernels/build.sh
fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }

[ -r "${FOLIO_LAB_KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}" ] ||
	skip "no linux-source-6.12 (./run.sh setup installs it)"
for t in dpkg-buildpackage dh_testdir dpkg-deb; do
	command -v "$t" >/dev/null || skip "no $t: --deb needs dpkg-dev and debhelper (./run.sh setup)"
done

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# Refusals first: they cost nothing.
refuse() {
	local what=$1
	shift
	if "$BUILD" "$@" >"$T/r.out" 2>"$T/r.err"; then
		fail "$what: accepted ($*)"
	fi
	[ -s "$T/r.err" ] || fail "$what: refused without a message"
	echo "ok: refuses $what: $(head -n1 "$T/r.err")"
}
refuse "--config without --deb" --config lab base
refuse "a --config FILE that does not exist" --deb --config "$T/nonexistent" base
printf 'not a config\n' >"$T/bogus"
refuse "a --config FILE without CONFIG_ lines" --deb --config "$T/bogus" base
refuse "--flavour debug-vm with --config running" --deb --flavour debug-vm base
refuse "an unknown label" --deb --config lab nosuchkernel

# The packages of base from the lab config.
start=$(date +%s)
"$BUILD" --deb --config lab base >"$T/out" 2>"$T/err" || {
	tail -n 30 "$T/err"
	fail "kernels/build.sh --deb --config lab base failed"
}
first=$(($(date +%s) - start))
echo "first call: ${first}s"
image=$(awk -F'\t' '$1 == "base" && $2 ~ /\/linux-image-[^\/]*\.deb$/ { print $2 }' "$T/out")
headers=$(awk -F'\t' '$1 == "base" && $2 ~ /\/linux-headers-[^\/]*\.deb$/ { print $2 }' "$T/out")
[ -n "$image" ] && [ -f "$image" ] || fail "no linux-image .deb printed: $(cat "$T/out")"
[ -n "$headers" ] && [ -f "$headers" ] || fail "no linux-headers .deb printed: $(cat "$T/out")"
[ "$(wc -l <"$T/out")" = 2 ] || fail "expected 2 lines (image, headers), got: $(cat "$T/out")"
entry=$(dirname "$image")
[ -f "$entry/.folio-lab-complete" ] || fail "$entry is not a complete cache entry"
case "$entry" in "${FOLIO_LAB_CACHE:-/var/cache/folio-lab}"/debs/base-lab-*) ;;
*) fail "entry $entry not under the cache's debs/" ;; esac
! compgen -G "$entry/linux-libc-dev_*.deb" >/dev/null || fail "linux-libc-dev kept in $entry"

dpkg-deb -I "$image" >"$T/info" || fail "dpkg-deb -I $image failed"
pkg=$(sed -n 's/^ Package: //p' "$T/info")
ver=$(sed -n 's/^ Version: //p' "$T/info")
rel=${pkg#linux-image-}
[[ $rel =~ ^6\.12\.[0-9]+-folio-lab-base-lab$ ]] || fail "image package '$pkg': release '$rel' is not 6.12.N-folio-lab-base-lab"
[[ $ver == *+folio.* ]] || fail "image version '$ver' lacks +folio.<hash>"
echo "ok: $pkg $ver"
hpkg=$(dpkg-deb -f "$headers" Package)
[ "$hpkg" = "linux-headers-$rel" ] || fail "headers package '$hpkg', want linux-headers-$rel"

dpkg-deb -c "$image" | awk '{ print $6 }' >"$T/image.list"
grep -qx "./boot/vmlinuz-$rel" "$T/image.list" || fail "$pkg has no /boot/vmlinuz-$rel"
grep -qx "./boot/config-$rel" "$T/image.list" || fail "$pkg has no /boot/config-$rel"
grep -q "^./lib/modules/$rel/" "$T/image.list" || fail "$pkg has no /lib/modules/$rel/"
dpkg-deb -c "$headers" | awk '{ print $6 }' >"$T/headers.list"
for f in Module.symvers Makefile include/config/auto.conf; do
	grep -qx "./usr/src/linux-headers-$rel/$f" "$T/headers.list" || fail "$hpkg has no $f"
done
echo "ok: $pkg has /boot/vmlinuz-$rel; $hpkg has Module.symvers, Makefile"

# Cached: the second call reuses the entry and prints the same.
start=$(date +%s)
"$BUILD" --deb --config lab base >"$T/out2" 2>"$T/err2" || fail "second call failed: $(cat "$T/err2")"
second=$(($(date +%s) - start))
cmp -s "$T/out" "$T/out2" || fail "second call printed something else: $(cat "$T/out2")"
grep -q reusing "$T/err2" || fail "second call did not reuse the cache: $(cat "$T/err2")"
[ "$second" -le 5 ] || fail "second call took ${second}s: not cached"
echo "ok: second call ${second}s (cached)"

# Labels and configs install side by side: every entry's release differs.
"$BUILD" --deb --config lab --list >"$T/list"
[ "$(cut -f1 "$T/list" | sort -u | wc -l)" = 3 ] || fail "--deb --list: $(cat "$T/list")"
grep -q "^base	lab	$entry$" "$T/list" || fail "--deb --list does not show $entry as built: $(cat "$T/list")"

# folio_lab.ko builds against the packaged headers, for this release.
mkdir "$T/x"
dpkg-deb -x "$headers" "$T/x"
ko=$("$ROOT/kernel-module/build.sh" "$T/x/usr/src/linux-headers-$rel" "$T/mod" 2>"$T/mod.err") ||
	fail "folio_lab.ko against $hpkg: $(tail -n 20 "$T/mod.err")"
magic=$(/sbin/modinfo -F vermagic "$ko" | cut -d' ' -f1)
[ "$magic" = "$rel" ] || fail "folio_lab.ko vermagic '$magic', want '$rel'"
echo "ok: folio_lab.ko builds against $hpkg (vermagic $magic)"

# The running kernel's config, with what the lab needs, checked (no build).
if [ -r "/boot/config-$(uname -r)" ] || [ -r /proc/config.gz ]; then
	"$BUILD" --deb --config-only base >"$T/cfg" 2>"$T/cfg.err" ||
		fail "--config-only (running): $(tail -n 20 "$T/cfg.err")"
	conf=$(cut -f2 "$T/cfg")
	[ -f "$conf" ] || fail "--config-only printed no config: $(cat "$T/cfg")"
	for want in CONFIG_MODULES=y CONFIG_MODULE_UNLOAD=y CONFIG_IO_URING=y CONFIG_DEBUG_INFO_NONE=y \
		'CONFIG_LOCALVERSION=""'; do
		grep -qxF "$want" "$conf" || fail "running config lacks $want"
	done
	if [ -r "/boot/config-$(uname -r)" ]; then src="/boot/config-$(uname -r)"; else
		zcat /proc/config.gz >"$T/running.config"
		src=$T/running.config
	fi
	# The machine's own choices stay: NR_CPUS is not the guests' 64.
	want=$(grep '^CONFIG_NR_CPUS=' "$src" || true)
	[ -z "$want" ] || grep -qxF "$want" "$conf" || fail "running config changed $want to $(grep '^CONFIG_NR_CPUS=' "$conf")"
	echo "ok: running config $conf (${want:-no NR_CPUS} kept, lab options merged)"
else
	echo "note: no config of the running kernel here: --config-only running not checked"
fi
echo "PASS (first --deb call ${first}s, second ${second}s)"
