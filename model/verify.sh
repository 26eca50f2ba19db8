#!/usr/bin/env bash
# Model-check the page refcount protocol with SPIN: every configuration of
# model/refcount.pml, exhaustively. Unmutated models must be proven; every
# mutation must be caught (a counterexample found by the expected property).
# Exit 0 when all hold, 1 when any does not, 2 on bad usage, 77 when spin or
# a C compiler is missing. See docs/readme-model.md.
set -euo pipefail

MODEL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# FOLIO_LAB_MODEL_FILE: another model (the tests use it to check that a
# vacuous or broken model is rejected).
MODEL=${FOLIO_LAB_MODEL_FILE:-$MODEL_DIR/refcount.pml}
# DFS stack bound: far above any depth the configurations reach, so a run
# that hits it is reported as incomplete rather than silently truncated.
DEPTH=${FOLIO_LAB_MODEL_DEPTH:-1000000}

usage() {
	cat <<'EOF'
usage: model/verify.sh [--quick] [--only NAME]... [--show NAME] [--list] [--keep]

  --quick      only the 2-getter configurations (a few seconds)
  --only NAME  run only configuration NAME (repeatable)
  --show NAME  run NAME and print SPIN's replay of its counterexample trail
  --list       print the configuration names and exit
  --keep       keep the temporary work directory (pan.c, trails) and print it

Every run is a full (exhaustive) state-space search: no bitstate hashing,
no state compression, search depth bounded by $FOLIO_LAB_MODEL_DEPTH
(default 1000000), checked not to have been reached.
EOF
}

# name ; in --quick ; expected: "proven" or an ERE of the assertion(s) that
# must catch it ; spin -D flags ; what it is
CONFIGS=$(
	cat <<'EOF'
frozen-bit-2g;y;proven;;frozen-bit scheme, 2 getters (all may freeze) + allocator, W=4, 2 lives
cas-loop-2g;y;proven;-DZERO_SCHEME;zero scheme (atomic_add_unless(v,1,0)), 2 getters + allocator
assume-one-2g;y;proven;-DZERO_SCHEME -DASSUME_ONE;zero scheme, Linus' assume-one loop, 2 getters + allocator
mut-no-guard-2g;y;P4_junk;-DMUT_NO_GUARD;mutation: guard removed from the undo, 2 getters
mut-set-zero-2g;y;P2_|P1_;-DMUT_SET_ZERO;mutation: freed page set to plain 0 (seeds/003), 2 getters
mut-or-free-2g;y;P2_|P1_;-DMUT_OR_FREE;mutation: atomic_or(FROZEN) on the final put, 2 getters
mut-freeze-read-store-2g;y;P3_freeze;-DMUT_FREEZE_READ_STORE;mutation: freeze as read + store, not cmpxchg, 2 getters
frozen-bit-3g;n;proven;-DGETTERS=3;frozen-bit scheme, 3 getters (all may freeze) + allocator, W=4, 2 lives
cas-loop-3g;n;proven;-DZERO_SCHEME -DGETTERS=3;zero scheme, 3 getters + allocator
assume-one-3g;n;proven;-DZERO_SCHEME -DASSUME_ONE -DGETTERS=3;zero scheme, assume-one loop, 3 getters + allocator
mut-no-guard-3g;n;P4_junk;-DMUT_NO_GUARD -DGETTERS=3;mutation: guard removed, 3 getters
mut-set-zero-3g;n;P2_|P1_;-DMUT_SET_ZERO -DGETTERS=3;mutation: freed page set to plain 0, 3 getters
mut-or-free-3g;n;P2_|P1_;-DMUT_OR_FREE -DGETTERS=3;mutation: atomic_or on the final put, 3 getters
mut-freeze-read-store-3g;n;P3_freeze;-DMUT_FREEZE_READ_STORE -DGETTERS=3;mutation: freeze as read + store, 3 getters
cas-loop-mut-freeze-read-store-2g;n;P3_freeze;-DZERO_SCHEME -DMUT_FREEZE_READ_STORE;zero scheme with the freeze mutation (the model catches it there too)
frozen-bit-3g-3lives;n;proven;-DGETTERS=3 -DLIVES=3;frozen-bit, 3 getters, 3 lives (reuse across lives)
frozen-bit-3g-w5;n;proven;-DGETTERS=3 -DW=5;frozen-bit, 3 getters, 5-bit word (guard 8, headroom 8)
frozen-bit-nr2-2g;n;proven;-DNR=2;frozen-bit, 2 getters taking 2 refs each (pins): 2x2 = headroom 4
headroom-exact-w3-2g;n;proven;-DW=3;scaling check: 2 getters = headroom 2 of a 3-bit word (guard 2): no wrap
headroom-exceeded-3g;n;P4_junk;-DGETTERS=3 -DW=3;scaling check: 3 getters > headroom 2 of a 3-bit word must wrap
EOF
)

QUICK=0
KEEP=0
SHOW=
ONLY=()
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) QUICK=1 ;;
	--keep) KEEP=1 ;;
	--list)
		printf '%s\n' "$CONFIGS" | cut -d';' -f1
		exit 0
		;;
	--only)
		[ $# -ge 2 ] || { echo "verify.sh: --only needs a configuration name" >&2; exit 2; }
		ONLY+=("$2")
		shift
		;;
	--show)
		[ $# -ge 2 ] || { echo "verify.sh: --show needs a configuration name" >&2; exit 2; }
		SHOW=$2
		ONLY+=("$2")
		shift
		;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		echo "verify.sh: unknown argument '$1' (see --help)" >&2
		exit 2
		;;
	esac
	shift
done

for n in "${ONLY[@]}"; do
	printf '%s\n' "$CONFIGS" | cut -d';' -f1 | grep -qxF -- "$n" ||
		{ echo "verify.sh: no configuration named '$n' (see --list)" >&2; exit 2; }
done

CC=${CC:-gcc}
for tool in spin "$CC"; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "verify.sh: SKIP: '$tool' not found (apt-get install spin gcc)" >&2
		exit 77
	fi
done
[ -r "$MODEL" ] || { echo "verify.sh: cannot read $MODEL" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/folio-lab-model.XXXXXX")
if [ "$KEEP" = 1 ]; then
	echo "work directory kept: $WORK"
else
	trap 'rm -rf "$WORK"' EXIT
fi

now() { date +%s.%N; }

passed=0
failed=0
echo "SPIN model check of the page refcount word ($(spin -V 2>&1 | head -1))"
echo "model: $MODEL; full state-space search, depth bound $DEPTH"
while IFS=';' read -r name quick expect flags desc; do
	[ -n "$name" ] || continue
	if [ ${#ONLY[@]} -gt 0 ]; then
		printf '%s\n' "${ONLY[@]}" | grep -qxF -- "$name" || continue
	elif [ "$QUICK" = 1 ] && [ "$quick" != y ]; then
		continue
	fi
	dir=$WORK/$name
	mkdir -p "$dir"
	cp "$MODEL" "$dir/model.pml"
	t0=$(now)
	# shellcheck disable=SC2086  # flags are words on purpose
	if ! (cd "$dir" && spin $flags -a model.pml >spin.log 2>&1); then
		echo "[FAIL] $name: spin could not generate the verifier:"
		sed 's/^/    /' "$dir/spin.log"
		failed=$((failed + 1))
		continue
	fi
	# -DSAFETY: safety properties only (assertions, invalid end states);
	# no -DBITSTATE, no -DCOLLAPSE, no -DMA: the search is exhaustive.
	if ! (cd "$dir" && "$CC" -O2 -DSAFETY -o pan pan.c >cc.log 2>&1); then
		echo "[FAIL] $name: compiling pan.c failed:"
		sed 's/^/    /' "$dir/cc.log"
		failed=$((failed + 1))
		continue
	fi
	set +e
	# --show: -i shortens the counterexample iteratively (more search, a
	# trail that is easier to read).
	panopts=(-m"$DEPTH")
	[ "$name" = "$SHOW" ] && panopts+=(-i)
	(cd "$dir" && ./pan "${panopts[@]}" >pan.log 2>&1)
	set -e
	t1=$(now)
	log=$dir/pan.log
	stored=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' "$log" | head -1)
	trans=$(sed -n 's/^ *\([0-9.e+]*\) transitions.*/\1/p' "$log" | head -1)
	depth=$(sed -n 's/.*depth reached \([0-9]*\),.*/\1/p' "$log" | head -1)
	errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$log" | head -1)
	pant=$(sed -n 's/^pan: elapsed time \([0-9.e+]*\).*/\1/p' "$log" | head -1)
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	stats="${stored:-?} states stored, ${trans:-?} transitions, depth ${depth:-?}, search ${pant:-?} s (${wall} s with build)"

	# Truncation: any of these means the search did not cover the space.
	trunc=
	grep -q 'Full statespace search' "$log" || trunc="not a full state-space search"
	grep -qi 'max search depth too small' "$log" && trunc="depth bound $DEPTH reached"
	grep -qi 'search not completed' "$log" && trunc="search not completed"
	grep -qi 'out of memory' "$log" && trunc="out of memory"
	if [ -n "$depth" ] && [ "$depth" -ge "$((DEPTH - 1))" ]; then
		trunc="depth bound $DEPTH reached"
	fi
	[ -n "$errors" ] || trunc="no result from pan"

	viol=$(grep -m1 -E '^pan:[0-9]+: ' "$log" | sed 's/^pan:[0-9]*: *//' || true)
	# Vacuity: SPIN lists "(K of N states)" unreached per process type; a
	# proof with K > 0 left part of the protocol (say, the guard loop or a
	# lost cmpxchg) unexercised.
	unreached=$(awk '/^[[:space:]]*\([0-9]+ of [0-9]+ states\)/ {
		gsub(/[()]/, ""); k += $1; n += $3 } END { printf "%d %d", k, n }' "$log")
	unr_k=${unreached% *}
	unr_n=${unreached#* }
	if [ "$expect" = proven ]; then
		if [ -z "$trunc" ] && [ "$errors" = 0 ] && [ "$unr_k" = 0 ] && [ "$unr_n" -gt 0 ]; then
			echo "[PASS] $name: proven P1-P4 ($desc)"
			echo "       $stats; all $unr_n model states reached"
			passed=$((passed + 1))
		else
			echo "[FAIL] $name: NOT proven ($desc)"
			[ -n "$trunc" ] && echo "       incomplete: $trunc"
			[ "$unr_k" != 0 ] && echo "       vacuous: $unr_k of $unr_n model states never reached:" &&
				grep -E '^[[:space:]]+[^([:space:]].*, state [0-9]+' "$log" | head -20 | sed 's/^/         /'
			[ -n "$viol" ] && echo "       counterexample: $viol (replay: model/verify.sh --show $name)"
			echo "       $stats"
			failed=$((failed + 1))
		fi
	else
		if [ "${errors:-0}" != 0 ] && printf '%s\n' "$viol" | grep -qE -- "$expect"; then
			echo "[PASS] $name: caught ($desc)"
			echo "       counterexample: $viol"
			echo "       $stats"
			passed=$((passed + 1))
		elif [ "${errors:-0}" != 0 ]; then
			echo "[FAIL] $name: caught, but not by the expected property /$expect/ ($desc)"
			echo "       counterexample: $viol"
			echo "       $stats"
			failed=$((failed + 1))
		else
			echo "[FAIL] $name: mutation NOT caught ($desc)"
			[ -n "$trunc" ] && echo "       incomplete: $trunc"
			echo "       $stats"
			failed=$((failed + 1))
		fi
	fi
	if [ "$name" = "$SHOW" ]; then
		if [ -e "$dir/model.pml.trail" ]; then
			echo "---- counterexample of $name: step, process, source line, statement -> globals it changed ----"
			# shellcheck disable=SC2086
			(cd "$dir" && spin $flags -t -p -g model.pml) | awk '
				function flush() {
					if (line != "")
						print line (chg != "" ? "   ->" chg : "")
					line = ""; chg = ""
				}
				/^[[:space:]]+[0-9]+:[[:space:]]+proc/ { flush(); line = $0; next }
				/^#processes/ { flush(); done = 1; next }
				done && /^\t\t[A-Za-z_0-9]+ = / { next }
				/^\t\t[A-Za-z_0-9]+ = / {
					if (last[$1] != $3 && $1 !~ /^(P[0-9]_|sanity_)/)
						chg = chg " " $1 "=" $3
					last[$1] = $3
					next
				}
				/^spin: trail ends|^[[:space:]]*$/ { next }
				{ flush(); print }
				END { flush() }' || true
		else
			echo "---- $name: no trail (nothing found) ----"
		fi
	fi
done <<<"$CONFIGS"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
