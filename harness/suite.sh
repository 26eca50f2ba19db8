#!/bin/sh
# The lab's default suite: the same script runs natively and inside each
# guest (busybox ash there, so POSIX sh only). Records go to $OUT.
#
# usage: suite.sh [--quick] [--out DIR] [--workloads LIST] [--workers LIST]
#                 [--duration S] [--reps N] [--profile]
set -eu

usage() {
	cat <<'EOF'
usage: suite.sh [--quick] [--out DIR] [--workloads LIST] [--workers LIST]
                [--duration S] [--reps N] [--profile]

Runs each workload of LIST (comma-separated; default: every workload that can
run here) with the default variants, options and worker counts, appending
records to DIR/samples.jsonl. `module` runs only where /dev/folio_lab exists.
--profile passes --profile to every bench (perf profiles of each window; in a
guest it first sets kptr_restrict 0 and perf_event_paranoid -1).
EOF
}

out=${OUT:-results/suite}
quick=0
workloads=""
workers=""
duration=""
reps=""
profile=""
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) quick=1 ;;
	--out) out=$2; shift ;;
	--workloads) workloads=$2; shift ;;
	--workers) workers=$2; shift ;;
	--duration) duration=$2; shift ;;
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
if [ "$quick" = 1 ]; then
	: "${workloads:=pread,module}"
	: "${duration:=0.3}"
	: "${reps:=2}"
	: "${workers:=1,2}"
	warmup=0.1
else
	: "${workloads:=atomics,pread,uring-read,fault,handoff,module}"
	if [ "$where" = guest ]; then
		# Emulated guests are slow and their figures are not scalability
		# results: shorter windows. Still 5 repetitions: with 3 against 3
		# the U test's smallest p is 0.1, so compare could never decide.
		: "${duration:=0.7}"
		: "${reps:=5}"
		warmup=0.2
	else
		: "${duration:=2}"
		: "${reps:=5}"
		warmup=0.5
	fi
fi

common="--out $out --duration $duration --warmup $warmup --reps $reps"
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
bench() {
	echo "suite: $*" >&2
	# shellcheck disable=SC2086
	if ! "$lab" bench $common "$@"; then
		failed="$failed [$*]"
	fi
}

for w in $(echo "$workloads" | tr ',' ' '); do
	case "$w" in
	atomics) bench --workload atomics --variant all ;;
	pread)
		bench --workload pread --mode threads
		bench --workload pread --mode processes ;;
	uring-read) bench --workload uring-read ;;
	fault) bench --workload fault ;;
	handoff)
		# The ceiling needs two PUs; it is a property of the machine.
		"$lab" bench --out "$out" --workload handoff --duration "$duration" --reps 1 ||
			failed="$failed handoff" ;;
	module)
		if [ -e /dev/folio_lab ]; then
			bench --workload module --variant all
		else
			echo "suite: skipping module: /dev/folio_lab missing (the module runs in guests)" >&2
		fi ;;
	*) echo "suite.sh: unknown workload '$w'" >&2; exit 2 ;;
	esac
done

if [ -n "$failed" ]; then
	echo "suite: FAILED:$failed" >&2
	exit 1
fi
echo "suite: done, records in $out/samples.jsonl" >&2
