#!/usr/bin/env bash
# Build folio_lab.ko against a kernel build tree, out of the checkout.
# usage: kernel-module/build.sh KDIR OUTDIR    -> prints the .ko path
# The sources and include/folio-lab/ are copied into OUTDIR, so a build
# never writes into the checkout and OUTDIR is self-contained.
set -euo pipefail

die() { printf 'kernel-module/build.sh: %s\n' "$*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: build.sh KDIR OUTDIR"
KDIR=$1
OUTDIR=$2
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

[ -d "$KDIR" ] || die "kernel build tree '$KDIR' does not exist"
[ -f "$KDIR/Makefile" ] || die "'$KDIR' is not a kernel build tree (no Makefile)"
[ -f "$KDIR/include/generated/autoconf.h" ] ||
	die "'$KDIR' is not prepared: run 'make modules_prepare' there (no autoconf.h)"
# A build tree has .config; an installed linux-headers package (make
# bindeb-pkg's) only include/config/auto.conf.
grep -q '^CONFIG_MODULES=y' "$KDIR/.config" 2>/dev/null ||
	grep -q '^CONFIG_MODULES=y' "$KDIR/include/config/auto.conf" 2>/dev/null ||
	die "'$KDIR' has no CONFIG_MODULES=y: it cannot load folio_lab.ko"
# Without Module.symvers (a tree after only `make modules_prepare`) the build
# is a compile check: modpost cannot resolve symbols, so it only warns.
MODPOST_ARGS=()
if [ ! -f "$KDIR/Module.symvers" ]; then
	printf 'kernel-module/build.sh: warning: %s/Module.symvers missing: compile check only, the .ko may not load\n' \
		"$KDIR" >&2
	MODPOST_ARGS=(KBUILD_MODPOST_WARN=1)
fi

mkdir -p "$OUTDIR/include"
OUTDIR=$(cd "$OUTDIR" && pwd)
cp "$HERE/Kbuild" "$HERE/Makefile" "$HERE/folio_lab.c" "$HERE/refscheme-kernel.h" "$OUTDIR/"
rm -rf "$OUTDIR/include/folio-lab"
cp -r "$HERE/../include/folio-lab" "$OUTDIR/include/"

LOG=$OUTDIR/build.log
if ! make -C "$KDIR" M="$OUTDIR" "${MODPOST_ARGS[@]}" modules >"$LOG" 2>&1; then
	cat "$LOG" >&2
	die "module build against $KDIR failed (log above, also in $LOG)"
fi
# -Werror catches compiler warnings; modpost warnings do not fail make.
if grep -E -q 'warning|WARNING' "$LOG"; then
	cat "$LOG" >&2
	if [ ${#MODPOST_ARGS[@]} -gt 0 ] && ! grep -E 'warning|WARNING' "$LOG" |
		grep -v -q -E 'modpost|Module.symvers|KBUILD_MODPOST_WARN'; then
		printf 'kernel-module/build.sh: only modpost warnings above (no Module.symvers in %s)\n' \
			"$KDIR" >&2
	else
		die "module build against $KDIR had warnings (log above)"
	fi
fi
[ -f "$OUTDIR/folio_lab.ko" ] || die "no folio_lab.ko after the build (log: $LOG)"
printf '%s\n' "$OUTDIR/folio_lab.ko"
