#!/usr/bin/env bash
# ./run.sh experiment NAME: one review question, answered end to end.
set -euo pipefail

LAB_ROOT=${LAB_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD_DIR=${FOLIO_LAB_BUILD:-$LAB_ROOT/build}
EXP_DIR=$LAB_ROOT/experiments

log() { printf '[experiment] %s\n' "$*" >&2; }
die() { printf 'folio-lab experiment: %s\n' "$*" >&2; exit 2; }

names() {
	local f
	for f in "$EXP_DIR"/*.sh; do
		case ${f##*/} in run.sh | lib.sh) continue ;; esac
		basename "$f" .sh
	done
}

list() {
	local n
	for n in $(names); do
		printf '%-14s %s\n' "$n" "$(sed -n 's/^# summary: //p' "$EXP_DIR/$n.sh")"
	done
}

usage() {
	cat <<EOF
usage: ./run.sh experiment NAME [OPTIONS]
       ./run.sh experiment --list

Runs one experiment natively and in a guest of each kernel (the lab's base,
patched and patched-cas-put, built or taken from the cache, unless --kernel
is given), then writes its charts, a numeric summary (DIR/sections/NAME.html,
also printed) and the report.

Options:
  --out DIR             results directory (default results/NAME-<UTC time>)
  --quick               shorter windows and fewer points
  --profile             perf profile of every measurement (natively and in the
                        guests; \`folio-lab bench --profile\`)
  --kernel LABEL=PATH   kernel build tree(s) to use instead of the lab's kernels
  --no-native           skip the native part
  --no-guests           skip the guest part
  --timeout S           per-guest time limit (default 1800)

Experiments:
$(list | sed 's/^/  /')
EOF
}

[ $# -ge 1 ] || { usage >&2; exit 2; }
case "$1" in
--list) list; exit 0 ;;
-h | --help) usage; exit 0 ;;
-*) usage >&2; die "unknown option '$1'" ;;
esac
name=$1
shift
case "$name" in run | lib) false ;; *) [ -f "$EXP_DIR/$name.sh" ] ;; esac ||
	die "unknown experiment '$name'; valid: $(names | tr '\n' ' ')"

out="" quick="" profile="" native=1 guests=1 timeout=1800 kernels=()
while [ $# -gt 0 ]; do
	case "$1" in
	--out) out=${2:?--out needs a directory}; shift ;;
	--quick) quick=--quick ;;
	--profile) profile=--profile ;;
	--kernel)
		[[ ${2:-} == ?*=?* ]] || die "--kernel needs LABEL=PATH"
		kernels+=("$2"); shift ;;
	--no-native) native=0 ;;
	--no-guests) guests=0 ;;
	--timeout) timeout=${2:?}; shift ;;
	*) usage >&2; die "unknown option '$1'" ;;
	esac
	shift
done

out=${out:-$LAB_ROOT/results/$name-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out/sections"
out=$(cd "$out" && pwd)
log "$name: results in $out"

if [ "$guests" = 1 ] && [ ${#kernels[@]} -eq 0 ]; then
	# The labels are declared once, in kernels/build.sh (base first).
	mapfile -t labels < <("$LAB_ROOT/kernels/build.sh" --list | cut -f1)
	mapfile -t kernels < <("$LAB_ROOT/kernels/build.sh" "${labels[@]}")
	[ ${#labels[@]} -gt 0 ] && [ ${#kernels[@]} -eq ${#labels[@]} ] ||
		die "kernels/build.sh returned ${#kernels[@]} trees for the labels '${labels[*]}'"
fi

if [ "$native" = 1 ]; then
	log "$name: native part"
	FOLIO_LAB_BIN="$BUILD_DIR/folio-lab" OUT="$out" FOLIO_LAB_PROFILE=${profile:+1} \
		sh "$EXP_DIR/$name.sh" measure $quick
fi
if [ "$guests" = 1 ]; then
	kargs=()
	for k in "${kernels[@]}"; do kargs+=(--kernel "$k"); done
	log "$name: guest part on ${kernels[*]%%=*}"
	# lib.sh goes along: the measure parts source it (from /lab/bin there).
	"$LAB_ROOT/guest/run.sh" "${kargs[@]}" --timeout "$timeout" --out "$out" \
		--add "$EXP_DIR/lib.sh" --script "$EXP_DIR/$name.sh" -- measure $quick $profile
fi

log "$name: summary"
# The summary's figures come from the analysis (folio-lab-compare table),
# and so do the charts and the report: one binary, no plot.sh round trip.
export FOLIO_LAB_COMPARE=${FOLIO_LAB_COMPARE:-$BUILD_DIR/folio-lab-compare}
[ -x "$FOLIO_LAB_COMPARE" ] || die "$FOLIO_LAB_COMPARE not built (./run.sh build)"
sh "$EXP_DIR/$name.sh" summarize "$out" >"$out/sections/$name.html.tmp"
mv "$out/sections/$name.html.tmp" "$out/sections/$name.html"
(. "$EXP_DIR/lib.sh" && exp_text <"$out/sections/$name.html")
baseline=native
[ ${#kernels[@]} -gt 0 ] && baseline=${kernels[0]%%=*}
"$FOLIO_LAB_COMPARE" report --baseline "$baseline" "$out"
log "$name: report $out/report.html"
