#!/usr/bin/env bash
# Host-side check of folio_lab.ko: checkpatch-clean, and builds without a
# warning (and with the tree's vermagic) against every finished kernel tree
# in the cache. Exit 77 when there is no tree to build against yet.
#   tests/guest-module-build.sh OUTDIR
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
CACHE=${FOLIO_LAB_CACHE:-/var/cache/folio-lab}
TARBALL=${FOLIO_LAB_KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
OUT=${1:?usage: guest-module-build.sh OUTDIR}
fail=0

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# checkpatch.pl from linux-source, extracted once into the cache.
cp_dir=$CACHE/checkpatch
if [ ! -f "$cp_dir/scripts/checkpatch.pl" ] && [ -f "$TARBALL" ]; then
	mkdir -p "$cp_dir.tmp"
	tar -xJf "$TARBALL" -C "$cp_dir.tmp" --strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'
	rm -rf "$cp_dir"
	mv "$cp_dir.tmp" "$cp_dir"
fi
if [ -f "$cp_dir/scripts/checkpatch.pl" ]; then
	for f in "$ROOT"/kernel-module/*.c "$ROOT"/kernel-module/*.h "$ROOT"/include/folio-lab/refscheme.h \
		"$ROOT"/include/folio-lab/uapi.h "$ROOT"/guest/probe/refprobe.c; do
		ignore=()
		# X-macro tables trip exactly these three macro heuristics
		# (the header says why); every other check still applies.
		[ "${f##*/}" != refscheme.h ] ||
			ignore=(--ignore COMPLEX_MACRO,MACRO_ARG_UNUSED,TRAILING_SEMICOLON)
		if perl "$cp_dir/scripts/checkpatch.pl" --no-tree -q "${ignore[@]}" -f "$f"; then
			echo "ok   - checkpatch clean: ${f#"$ROOT"/}"
		else
			echo "FAIL - checkpatch: ${f#"$ROOT"/}"
			fail=1
		fi
	done
else
	echo "note: no $TARBALL: checkpatch not run"
fi

trees=()
for t in "$CACHE"/kernels/*/; do
	[ -f "$t/.folio-lab-complete" ] && [ -f "$t/Module.symvers" ] && trees+=("${t%/}")
done
if [ ${#trees[@]} -eq 0 ]; then
	echo "SKIP: no finished kernel tree under $CACHE/kernels (./run.sh kernels base builds one)"
	[ $fail = 0 ] && exit 77
	exit 1
fi

for t in "${trees[@]}"; do
	name=$(basename "$t")
	if ko=$("$ROOT/kernel-module/build.sh" "$t" "$OUT/$name" 2>"$OUT/$name.err"); then
		want=$(cat "$t/include/config/kernel.release")
		got=$(/sbin/modinfo -F vermagic "$ko" | cut -d' ' -f1)
		if [ "$got" = "$want" ]; then
			echo "ok   - builds without warnings against $name ($want)"
		else
			echo "FAIL - $name: vermagic '$got', tree is '$want'"
			fail=1
		fi
	else
		cat "$OUT/$name.err"
		echo "FAIL - build against $name"
		fail=1
	fi
done
exit $fail
