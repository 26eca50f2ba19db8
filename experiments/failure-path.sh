#!/bin/sh
# summary: failed gets on a frozen word: v5 (junk kept) vs the RFC's undo vs the cas loops; junk growth and the 2^30 reset with get_nr 1 and 1024 (GUP)
#
# usage: failure-path.sh measure [--quick] | summarize DIR
set -eu

# lib.sh: beside this script natively, /lab/bin/lib.sh in a guest.
for d in "$(dirname "$0")" /lab/bin; do
	if [ -f "$d/lib.sh" ]; then
		. "$d/lib.sh"
		break
	fi
done

SCHEMES="frozen-bit frozen-bit-undo cas-loop assume-one"
# The long window of the get_nr 1 reset run (natively, without --quick):
# at a few hundred million failed gets per second, 2^30 of them take a few
# seconds. The summary tells its records from the sweep's by this length.
LONG=8

measure() {
	exp_measure_init "$@"
	for nr in 1 1024; do
		# base_refs=0: the word is free (frozen) for the whole window, so every
		# get takes the failure path: its cost, and the junk it leaves.
		exp_run atomics "$SCHEMES" --opt base_refs=0 --opt get_nr=$nr
	done
	if [ "${1:-}" != --quick ] && [ "${FOLIO_LAB_WHERE:-native}" != guest ]; then
		# One worker, one long window: reach the 2^30 reset with get_nr 1.
		v=$(exp_variants atomics frozen-bit)
		[ -z "$v" ] || "$LAB" bench --quiet --out "$OUT" --workload atomics --variant "$v" \
			--opt base_refs=0 --opt get_nr=1 --workers 1 --duration $LONG --warmup 0.1 \
			--reps 1 >/dev/null
	fi
	if exp_module; then
		# In the kernel: every worker freezes at every iteration and holds
		# the freeze, so the others' gets keep meeting a frozen folio (or
		# frozen private counter). One worker alone never sees a freeze.
		for nr in 1 1024; do
			exp_run module "kernel $SCHEMES" --opt mix=freezer --opt freeze_every=1 \
				--opt hold=50 --opt get_nr=$nr
		done
	fi
}

summarize() {
	dir=$1
	free='workload=atomics,params.base_refs=0'
	sweep="$free,duration_s<$((LONG - 1))"
	long="$free,duration_s>=$((LONG - 1))"
	frz='workload=module,params.mix=freezer'
	key='{kernel} {variant} get_nr={params.get_nr}'
	# Junk-leaving failed gets per second on the word (all workers), and
	# the expected time until they add 2^30 to it: the v5 reset (no junk:
	# a division by zero, no value, "-").
	jrate='(counters.junk_left + counters.guard_resets) / duration_s'
	expect="1073741824 / (($jrate) * params.get_nr)"
	exp_header failure-path "Review question 4 (Kiryl Shutsemau): what a failed speculative get costs, and \
whether the overflow guard matters. In v1-v5 (<code>frozen-bit</code>; the post-v4 page_ref.h in \
linux-mm/linux-mm, commit ae6cb9301d26) a failed get is one fetch-add that leaves its increment \
(junk) on the frozen word; only a word at or above (1 &lt;&lt; 30) | FROZEN is reset to FROZEN by a \
try_cmpxchg loop (<code>guard_resets</code>). The RFC (<code>frozen-bit-undo</code>) tried one \
cmpxchg back to FROZEN per failed get (a winning undo erases all junk before it, so junk never \
piles up there); <code>cas-loop</code> (today) loads, sees 0 and stops \
without writing; <code>assume-one</code> pays a failing cmpxchg. atomics: the word is frozen for \
the whole window (base_refs=0), so every get fails and an iteration is one failed get. module: every \
worker freezes the folio (or private counter) at every iteration and holds it, so gets fail \
only while another worker holds its freeze, and unfreezing erases the junk. GUP pins add 1024 per \
get: 2^20 failed pin-sized gets reach the limit." "$dir"
	exp_table "$dir" "$sweep" "$key" \
		"atomics, frozen word: failed gets, M/s over all workers (median)" \
		'counters.gets_failed / duration_s'
	exp_table "$dir" "$sweep" "$key" \
		"atomics, frozen word: ns per failed get and worker (median)" \
		'workers * duration_s * 1e9 / counters.gets_failed' 1
	for k in $(exp_kernels "$dir"); do
		for nr in 1 1024; do
			s="$sweep,kernel=$k,params.get_nr=$nr"
			exp_ratio "$dir" "$s" variant frozen-bit frozen-bit-undo \
				"atomics on $k, get_nr=$nr: failed-get rate, v5 / RFC undo"
			exp_ratio "$dir" "$s" variant frozen-bit cas-loop \
				"atomics on $k, get_nr=$nr: failed-get rate, v5 / cas-loop"
		done
	done
	exp_table "$dir" "$sweep" "$key" \
		"atomics, frozen word: junk left per failed get (median; v5: every one, undo: those that lost a race)" \
		'counters.junk_left / counters.gets_failed' 1
	# frozen-bit-undo is left out: its undo, when it wins, stores FROZEN and
	# so erases every increment before it; junk never piles up there.
	exp_table "$dir" "$sweep,variant!=frozen-bit-undo" "$key" \
		"atomics, frozen word: expected seconds until the 2^30 reset, 2^30 / (failed gets/s x get_nr) (median; - = no junk)" \
		"$expect" 1
	exp_table "$dir" "$sweep" "$key" \
		"atomics, frozen word: 2^30 resets per second, measured (guard_resets / window, median)" \
		'counters.guard_resets / duration_s' 1
	exp_table "$dir" "$long" "$key, one $LONG s window" \
		"atomics, frozen word, get_nr=1: 2^30 resets measured in one long window" \
		counters.guard_resets 1
	exp_table "$dir" "$long" "$key, one $LONG s window" \
		"atomics, frozen word, get_nr=1: expected resets in that window (window / expected seconds)" \
		"duration_s / ($expect)" 1
	exp_table "$dir" "$frz" "$key" "module, freezer: iterations, Mops/s (median)"
	exp_table "$dir" "$frz" "$key" "module, freezer: failed gets per iteration (median)" \
		'counters.gets_failed / ops' 1
	# The kernel variant cannot see the real folio's junk: in-module copies only.
	exp_table "$dir" "$frz,variant!=kernel" "$key" "module, freezer: junk left per failed get (median)" \
		'counters.junk_left / counters.gets_failed' 1
	exp_table "$dir" "$frz" "$key" "module, freezer: 2^30 resets (median)" counters.guard_resets 1
	exp_table "$dir" "$frz" "$key" "module, freezer: cmpxchg retries per iteration (median)" \
		'counters.cas_retries / ops' 1
	exp_footer
}

case "${1:-}" in
measure) shift; measure "$@" ;;
summarize) shift; summarize "$@" ;;
*) echo "usage: $0 measure [--quick] | summarize DIR" >&2; exit 2 ;;
esac
