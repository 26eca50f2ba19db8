#!/usr/bin/env bash
# The analysis at scale, and its error rates: prints the figures the README
# quotes (not a timed test: the machine's load decides the seconds).
#   analysis/benchmark.sh [FOLIO_LAB_COMPARE] [--records N] [--seeds N] [--no-rates]
# 1. N records (default 1e6) in two shapes, compared with `compare --quiet`:
#    many cases (2 kernels x N/20 rows x 10 repetitions) and many repetitions
#    (2 kernels x 20 rows x N/40 repetitions); wall time and peak memory
#    (/usr/bin/time: CPU seconds, wall seconds, peak RSS). Target: 20 s and
#    1.5 GiB for 1e6 on a 2-core machine.
# 2. tests/analysis-rates.py: the false-regression rate and the power on
#    seeded records of known answers, for BH (the default), Holm and none.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
BIN=${FOLIO_LAB_COMPARE:-$ROOT/build/folio-lab-compare}
N=1000000 SEEDS=150 RATES=1
while [ $# -gt 0 ]; do
	case "$1" in
	--records) N=$2; shift ;;
	--seeds) SEEDS=$2; shift ;;
	--no-rates) RATES=0 ;;
	-*) echo "usage: $0 [FOLIO_LAB_COMPARE] [--records N] [--seeds N] [--no-rates]" >&2; exit 2 ;;
	*) BIN=$1 ;;
	esac
	shift
done
[ -x "$BIN" ] || { echo "benchmark: $BIN not built" >&2; exit 2; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

scale() { # NAME ROWS REPS
	local d=$T/$1 rc=0
	python3 "$ROOT/tests/analysis-gen.py" "$d" --rows "$2" --reps "$3" --noise 5 \
		--effect -5 --where native --seed 7
	local recs bytes
	recs=$(wc -l <"$d/samples.jsonl")
	bytes=$(stat -c %s "$d/samples.jsonl")
	/usr/bin/time -f '%e %U %S %M' -o "$T/time" "$BIN" compare --quiet --baseline base "$d" \
		>"$T/out" 2>&1 || rc=$?
	[ "$rc" = 0 ] || [ "$rc" = 1 ] || { echo "benchmark: compare exit $rc"; cat "$T/out"; exit 1; }
	read -r secs user sys kib < <(tail -1 "$T/time")
	# CPU seconds are what the machine's load does not change; wall = CPU when idle
	printf 'scale %-10s %7d records (%3d MB, %5d cases x %5d reps x 2 kernels): %5.1f s CPU (%5.1f s wall), %4.0f MiB peak\n' \
		"$1" "$recs" $((bytes / 1000000)) "$2" "$3" "$(echo "$user + $sys" | bc -l)" "$secs" \
		"$(echo "$kib / 1024" | bc -l)"
	rm -rf "$d"
}
scale many-cases $((N / 20)) 10
scale many-reps 20 $((N / 40))

if [ "$RATES" = 1 ]; then
	for c in bh holm none; do
		echo "rates with --correction $c ($SEEDS seeds per scenario):"
		python3 "$ROOT/tests/analysis-rates.py" "$BIN" --seeds "$SEEDS" --correction "$c" |
			sed 's/^/  /' || true
	done
fi
