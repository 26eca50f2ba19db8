#!/bin/sh
# The lab's default suite: the same script runs natively and inside each
# guest (busybox ash there, so POSIX sh only). Records go to $OUT.
#
# usage: suite.sh [--quick] [--out DIR] [--workloads LIST] [--workers LIST]
#                 [--duration S] [--warmup S] [--reps N] [--profile]
set -eu

usage() {
	cat <<'EOF'
usage: suite.sh [--quick] [--out DIR] [--workloads LIST] [--workers LIST]
                [--duration S] [--warmup S] [--reps N] [--profile]

Runs the suite's runs of each workload of LIST (comma-separated; default:
every workload of the suite that can run here), appending records to
DIR/samples.jsonl. What runs, with which arguments, and the suite's window,
repetitions and worker counts come from the harness: `folio-lab list --suite
full|quick --where native|guest` and `folio-lab bench --suite` (see
docs/workloads.md); --workers, --duration, --warmup and --reps override
them. A
workload that requires what is missing here (module: /dev/folio_lab) is
skipped with a note.
--profile passes --profile to every bench (perf profiles of each window; in a
guest it first sets kptr_restrict 0 and perf_event_paranoid -1).
EOF
}

out=${OUT:-results/suite}
quick=0
workloads=""
workers=""
duration=""
warmup=""
reps=""
profile=""
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) quick=1 ;;
	--out) out=$2; shift ;;
	--workloads) workloads=$2; shift ;;
	--workers) workers=$2; shift ;;
	--duration) duration=$2; shift ;;
	--warmup) warmup=$2; shift ;;
	--reps) reps=$2; shift ;;
	--profile) profile=--profile ;;
	-h | --help) usage; exit 0 ;;
	*) echo "suite.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
	esac
	shift
done

lab=${FOLIO_LAB_BIN:-$(command -v folio-lab || true)}
[ -n "$lab" ] && [ -x "$lab" ] || { echo "suite.sh: folio-lab not found (set FOLIO_LAB_BIN)" >&2; exit 2; }

where=${FOLIO_LAB_WHERE:-native}
suite=full
[ "$quick" = 1 ] && suite=quick

# The harness knows the suites: which workloads take part, with what bench
# arguments (`folio-lab list --suite`), and their window, warm-up,
# repetitions and worker counts (`bench --suite`). This script only passes
# the user's overrides through.
runs=$("$lab" list --suite "$suite" --where "$where" ${workloads:+--workloads "$workloads"}) ||
	exit 2

common="--suite $suite --out $out"
[ -n "$duration" ] && common="$common --duration $duration"
[ -n "$warmup" ] && common="$common --warmup $warmup"
[ -n "$reps" ] && common="$common --reps $reps"
[ -n "$workers" ] && common="$common --workers $workers"
if [ -n "$profile" ]; then
	common="$common $profile"
	if [ "$where" = guest ]; then
		# The guest is ours: let perf see kernel symbols and sample system-wide.
		echo 0 >/proc/sys/kernel/kptr_restrict 2>/dev/null || true
		echo -1 >/proc/sys/kernel/perf_event_paranoid 2>/dev/null || true
	fi
fi

failed=""
# One run a line; its own arguments come last, so they win (handoff: --reps 1).
while read -r run; do
	[ -n "$run" ] || continue
	echo "suite: $run" >&2
	# shellcheck disable=SC2086 # the arguments are one word each
	if ! "$lab" bench $common $run; then
		failed="$failed [$run]"
	fi
done <<EOF
$runs
EOF

if [ -n "$failed" ]; then
	echo "suite: FAILED:$failed" >&2
	exit 1
fi
echo "suite: done, records in $out/samples.jsonl" >&2
