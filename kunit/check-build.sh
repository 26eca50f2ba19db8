#!/usr/bin/env bash
# ctest kunit_build: folio_lab_kunit.c is checkpatch-clean and builds without
# a warning against every finished kernel tree in the cache.
#   kunit/check-build.sh OUTDIR      exit 0 pass, 1 fail, 77 nothing to do
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${FOLIO_LAB_CACHE:-/var/cache/folio-lab}
TARBALL=${FOLIO_LAB_KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
OUT=${1:?usage: check-build.sh OUTDIR}
fail=0
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# checkpatch.pl from linux-source (the same extraction the module test uses).
cp_dir=$CACHE/checkpatch
if [ ! -f "$cp_dir/scripts/checkpatch.pl" ] && [ -f "$TARBALL" ]; then
	mkdir -p "$cp_dir.tmp.$$"
	tar -xJf "$TARBALL" -C "$cp_dir.tmp.$$" --strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'
	rm -rf "$cp_dir"
	mv "$cp_dir.tmp.$$" "$cp_dir"
fi
if [ -f "$cp_dir/scripts/checkpatch.pl" ]; then
	if perl "$cp_dir/scripts/checkpatch.pl" --no-tree -q -f "$HERE/folio_lab_kunit.c"; then
		echo "ok   - checkpatch clean: kunit/folio_lab_kunit.c"
	else
		echo "FAIL - checkpatch: kunit/folio_lab_kunit.c"
		fail=1
	fi
else
	echo "note: no $TARBALL: checkpatch not run"
fi

trees=0
for t in "$CACHE"/kernels/*/; do
	t=${t%/}
	[ -f "$t/.folio-lab-complete" ] && grep -q '^CONFIG_KUNIT=y' "$t/.config" || continue
	trees=$((trees + 1))
	name=$(basename "$t")
	if "$HERE/build.sh" "$t" "$OUT/$name" >/dev/null 2>"$OUT/$name.err"; then
		echo "ok   - builds without warnings against $name"
	else
		cat "$OUT/$name.err"
		echo "FAIL - build against $name"
		fail=1
	fi
done
if [ "$trees" = 0 ]; then
	echo "SKIP: no finished kernel tree with CONFIG_KUNIT=y under $CACHE/kernels"
	[ "$fail" = 0 ] && exit 77
fi
exit $fail
