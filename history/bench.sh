#!/usr/bin/env bash
# Times folio-lab-history on a generated history of N builds (default 100):
# import (all at once, and one build per call as a daily CI does), a second
# import of the same directories, list, check, changes and trend. Prints the
# timings; a benchmark of the tool, not a test (nothing is asserted).
#   history/bench.sh [--builds N] [--cases C] [--reps R] [--bin FOLIO_LAB_HISTORY]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${FOLIO_LAB_BUILD:-$root/build}/folio-lab-history
builds=100 cases=40 reps=5
while [ $# -gt 0 ]; do
	case "$1" in
	--builds) builds=$2; shift ;;
	--cases) cases=$2; shift ;;
	--reps) reps=$2; shift ;;
	--bin) bin=$2; shift ;;
	*) echo "usage: $0 [--builds N] [--cases C] [--reps R] [--bin FOLIO_LAB_HISTORY]" >&2; exit 2 ;;
	esac
	shift
done
[ -x "$bin" ] || { echo "no $bin (./run.sh build first, or --bin)" >&2; exit 2; }
[ "$cases" -ge 3 ] || { echo "--cases must be at least 3" >&2; exit 2; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
python3 "$root/tests/history-gen.py" "$T/h" --builds "$builds" --reps "$reps" \
	--extra-cases $((cases - 3)) --step-at $((builds * 2 / 3)) --step -10 --outlier-at $((builds / 3)) --outlier -15
nrec=$(cat "$T"/h/b*/samples.jsonl | wc -l)
t() { # t LABEL CMD...: wall seconds of CMD (its output to a file)
	local a b rc=0
	a=$(date +%s.%N)
	"${@:2}" >"$T/last.out" 2>&1 || rc=$?
	b=$(date +%s.%N)
	printf '%-52s %8.3f s  (exit %d)\n' "$1" "$(echo "$b - $a" | bc)" "$rc"
}
echo "folio-lab-history on $builds builds x $cases cases x $reps repetitions = $nrec records ($(nproc) CPUs, $(uname -r))"
t "import: all $builds directories in one call" "$bin" import --db "$T/a.sqlite" "$T"/h/b*
a=$(date +%s.%N)
for d in "$T"/h/b*; do "$bin" import --db "$T/b.sqlite" "$d" >/dev/null; done
b=$(date +%s.%N)
printf '%-52s %8.3f s  (%.1f ms per build)\n' "import: one build per call, $builds calls" "$(echo "$b - $a" | bc)" \
	"$(echo "($b - $a) * 1000 / $builds" | bc -l)"
t "import again (nothing new)" "$bin" import --db "$T/a.sqlite" "$T"/h/b*
t "list" "$bin" list --db "$T/a.sqlite"
t "check (newest vs history, $cases cases)" "$bin" check --db "$T/a.sqlite"
t "changes ($cases cases)" "$bin" changes --db "$T/a.sqlite"
grep -E '^[0-9]+ changes? in' "$T/last.out" | sed 's/^/    /'
t "trend --workload pread (table only)" "$bin" trend --db "$T/a.sqlite" --workload pread
if command -v gnuplot >/dev/null; then
	t "trend --workload pread --out (charts, section)" "$bin" trend --db "$T/a.sqlite" --workload pread --out "$T/tr"
fi
echo "database: $(du -h "$T/a.sqlite" | cut -f1)"
