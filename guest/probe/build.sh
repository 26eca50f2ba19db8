#!/usr/bin/env bash
# Build guest/probe/refprobe.ko against a kernel build tree into OUTDIR
# (never into the checkout); prints the .ko path.
# usage: guest/probe/build.sh KDIR OUTDIR
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: guest/probe/build.sh KDIR OUTDIR" >&2; exit 2; }
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ -f "$1/Module.symvers" ] || { echo "guest/probe/build.sh: $1 is not a built kernel tree" >&2; exit 2; }
mkdir -p "$2"
OUTDIR=$(cd "$2" && pwd)
cp "$HERE/refprobe.c" "$HERE/Kbuild" "$OUTDIR/"
if ! make -C "$1" M="$OUTDIR" modules >"$OUTDIR/build.log" 2>&1; then
	cat "$OUTDIR/build.log" >&2
	echo "guest/probe/build.sh: building refprobe.ko against $1 failed" >&2
	exit 1
fi
echo "$OUTDIR/refprobe.ko"
