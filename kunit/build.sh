#!/usr/bin/env bash
# Build the KUnit suite folio_lab_kunit.ko against a kernel build tree, out
# of the checkout.
# usage: kunit/build.sh KDIR OUTDIR    -> prints the .ko path
# KDIR must be a built tree with CONFIG_KUNIT=y (the lab's kernels have it).
set -euo pipefail

die() { printf 'kunit/build.sh: %s\n' "$*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: build.sh KDIR OUTDIR"
KDIR=$1
OUTDIR=$2
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

[ -f "$KDIR/Makefile" ] || die "'$KDIR' is not a kernel build tree (no Makefile)"
[ -f "$KDIR/include/generated/autoconf.h" ] ||
	die "'$KDIR' is not prepared: run 'make modules_prepare' there (no autoconf.h)"
grep -q '^CONFIG_MODULES=y' "$KDIR/.config" 2>/dev/null ||
	die "'$KDIR' has no CONFIG_MODULES=y"
grep -q '^CONFIG_KUNIT=y' "$KDIR/.config" ||
	die "'$KDIR' has no CONFIG_KUNIT=y: the suite needs KUnit built in"
[ -f "$KDIR/Module.symvers" ] ||
	die "'$KDIR' has no Module.symvers: build the kernel fully ('make modules')"

mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
cp "$HERE/Kbuild" "$HERE/Makefile" "$HERE/folio_lab_kunit.c" "$OUTDIR/"

LOG=$OUTDIR/build.log
if ! make -C "$KDIR" M="$OUTDIR" modules >"$LOG" 2>&1; then
	cat "$LOG" >&2
	die "build against $KDIR failed (log above, also in $LOG)"
fi
if grep -E -q 'warning|WARNING' "$LOG"; then
	cat "$LOG" >&2
	die "build against $KDIR had warnings (log above)"
fi
[ -f "$OUTDIR/folio_lab_kunit.ko" ] || die "no folio_lab_kunit.ko after the build (log: $LOG)"
printf '%s\n' "$OUTDIR/folio_lab_kunit.ko"
