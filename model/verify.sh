#!/usr/bin/env bash
# Model-check the page refcount protocol with SPIN: every configuration of
# model/refcount.pml, exhaustively, and each property of each configuration
# judged against the outcome declared for it below ("proven" or
# "counterexample"). Exit 0 when every outcome is the expected one and
# every scheme of include/folio-lab/refscheme.h is modelled; 1 otherwise;
# 2 on bad usage; 77 when spin or a C compiler is missing. See docs/model.md,
# "Model check of the refcount protocol".
set -euo pipefail

MODEL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# FOLIO_LAB_MODEL_FILE: another model (the tests use it to check that a
# vacuous or broken model is rejected).
MODEL=${FOLIO_LAB_MODEL_FILE:-$MODEL_DIR/refcount.pml}
# FOLIO_LAB_REFSCHEME_H: another scheme table (selftest: a new scheme
# without a configuration must fail the run).
REFSCHEME_H=${FOLIO_LAB_REFSCHEME_H:-$MODEL_DIR/../include/folio-lab/refscheme.h}
# DFS stack bound: far above any depth the configurations reach, so a run
# that hits it is reported as incomplete rather than silently truncated.
DEPTH=${FOLIO_LAB_MODEL_DEPTH:-1000000}

usage() {
	cat <<'EOF'
usage: model/verify.sh [--quick] [--only NAME]... [--show NAME] [--json]
                       [--all-trails] [--list] [--schemes] [--keep]

  --quick       only the 2-getter configurations (every scheme, every
                mutation; well under a minute)
  --only NAME   run only configuration NAME (repeatable)
  --show NAME   run NAME and also print SPIN's full replay of each trail
  --json        one JSON object per check (scheme x property x
                configuration) on stdout instead of the text report
  --all-trails  a trail for every counterexample, also a mutation's
                secondary ones (consequences of its first one)
  --list        print the configuration names and exit
  --schemes     print which configurations model each scheme of
                refscheme.h's RS_SCHEMES table, and exit
  --keep        keep the temporary work directory (pan.c, trails)

Every check is a full (exhaustive) state-space search: no bitstate hashing,
no state compression, search depth bounded by $FOLIO_LAB_MODEL_DEPTH
(default 1000000), checked not to have been reached. pan runs with -c0, so
the search goes on past a violation and one search decides every property.
EOF
}

# Properties (SPIN assertion prefixes; an invalid end state counts as P1:
# a life never freed leaves the allocator blocked).
PROPS_ALL="P1 P2 P3 P4 P5 S0"
prop_desc() {
	case $1 in
	P1) echo "freed exactly once per life, no leak" ;;
	P2) echo "no reference taken or held on a freed/frozen page" ;;
	P3) echo "freeze succeeds only at the expected count" ;;
	P4) echo "junk never turns a frozen word live" ;;
	P5) echo "ownership: the freer held a reference in the life it frees" ;;
	S0) echo "sanity: refs never negative (kernel-port: no put on a frozen word)" ;;
	esac
}
prop_bit() { case $1 in S0) echo 0 ;; P*) echo "${1#P}" ;; esac; }

# Which counters can move for each scheme: the counter class column of
# RS_SCHEMES (RS_C_ZERO, RS_C_PLAIN, RS_C_FROZEN, RS_C_CAS_PUT, or any
# expression of RS_C_* and RS_C(field)), expanded through refscheme.h's own
# RS_C_* definitions into "name field field ..." lines. A scheme whose
# failed get can leave no junk (no junk_left counter: the zero family) has
# no P4 to check; the trails' word notation comes from the model (below).
scheme_counters() { # HEADER [NAME=CLASS...]: the extra pairs for non-table configurations
	local h=$1
	shift
	awk -v extra="$*" '
		/^#define RS_C_[A-Z0-9_]+[ \t]/ { n = $2; $1 = ""; $2 = ""; def[n] = $0; next }
		/^#define RS_SCHEMES\(X\)/ { intab = 1 }
		intab && /^[ \t]*$/ { intab = 0 }
		intab && match($0, /X\([A-Z0-9_]+, *[a-z0-9_]+, *"[^"]*", *[^,]*,/) {
			row = substr($0, RSTART, RLENGTH)
			split(row, f, ",")
			nm = f[3]; gsub(/[ "]/, "", nm)
			cls[++k] = nm; expr[nm] = f[4]
		}
		END {
			ne = split(extra, ex, " ")
			for (i = 1; i <= ne; i++) {
				split(ex[i], kv, "=")
				cls[++k] = kv[1]; expr[kv[1]] = kv[2]
			}
			for (i = 1; i <= k; i++) {
				e = expr[cls[i]]
				for (guard = 0; guard < 100 && match(e, /RS_C_[A-Z0-9_]+/); guard++)
					e = substr(e, 1, RSTART - 1) "(" def[substr(e, RSTART, RLENGTH)] ")" substr(e, RSTART + RLENGTH)
				out = cls[i]
				while (match(e, /RS_C\([a-z0-9_]+\)/)) {
					out = out " " substr(e, RSTART + 5, RLENGTH - 6)
					e = substr(e, RSTART + RLENGTH)
				}
				print out
			}
		}' "$h"
}
no_junk() {
	local c
	c=$(printf '%s\n' "$SCHEME_COUNTERS" | awk -v s="$1" '$1 == s')
	[ -n "$c" ] && case " $c " in *" junk_left "*) return 1 ;; *) return 0 ;; esac
	return 1
}
# model_family DIR FLAGS: the word notation the model uses for this
# configuration (zero, frozen or inverted: its *_FAMILY define), asked of
# the C preprocessor; empty when it cannot tell.
model_family() {
	# shellcheck disable=SC2086  # flags are words on purpose
	{
		cat "$1/model.pml"
		printf '#if defined(INVERTED_FAMILY)\n@@family inverted\n#elif defined(ZERO_FAMILY)\n@@family zero\n#elif defined(FROZEN_FAMILY)\n@@family frozen\n#endif\n'
	} | "$CC" -E -P -x c $2 - 2>/dev/null | sed -n 's/^@@family //p' | head -1
}

# Configurations:
#   name ; in --quick ; scheme ; expected counterexamples ; spin -D flags ; what it is
# scheme: a name from RS_SCHEMES, or kernel-port (kernels/frozen-bit-6.12.patch;
# with -DKERNEL_CAS_PUT plus kernels/frozen-bit-cas-put-6.12.patch).
# Expected counterexamples: "-" (every property proven), else the
# properties with a counterexample as PRIMARY[+SECONDARY]: a trail is shown
# for the primary ones; secondary ones (what a mutation's first violation
# leads to once the search goes on past it) are judged, with a trail only
# under --all-trails. Every property not listed must be proven.
CONFIGS=$(
	cat <<'EOF'
cas-loop-2g;y;cas-loop;-;;2 getters (all may freeze) + allocator, W=4, 2 lives
assume-one-2g;y;assume-one;-;;2 getters + allocator
plain-add-2g;y;plain-add;P2+P1,P3,P5;;no liveness check: the ceiling of a get, not a protocol
frozen-bit-2g;y;frozen-bit;P5;;v5: junk kept, reset at the limit, put through 0: the v4 put-path race
frozen-bit-undo-2g;y;frozen-bit-undo;P5;;the RFC's undo per failed get; the same put, the same race
frozen-bit-cas-put-2g;y;frozen-bit-cas-put;-;;v5's get, the final put count -> FROZEN by cmpxchg: no race
inverted-bit-2g;y;inverted-bit;P5;;0 = frozen, live = LIVE|count; its put goes through LIVE|0: the same race
kernel-port-2g;y;kernel-port;P5;;page_ref.h of kernels/frozen-bit-6.12.patch as written (HVO early exit included)
kernel-port-cas-put-2g;y;kernel-port;-;-DKERNEL_CAS_PUT;the same with frozen-bit-cas-put-6.12.patch on top (patched-cas-put)
mut-no-guard-2g;y;frozen-bit;P4+P1,P2,P3,P5;-DMUT_NO_GUARD;mutation: no reset at the junk limit
mut-set-zero-2g;y;frozen-bit;P2+P1,P3,P4,P5;-DMUT_SET_ZERO;mutation: freed page set to plain 0 (the set_page_count(0) hazard of the v1 review)
mut-or-free-2g;y;frozen-bit;P2+P1,P3,P4,P5;-DMUT_OR_FREE;mutation: atomic_or(FROZEN) on the final put
mut-freeze-read-store-2g;y;frozen-bit;P3+P1,P2,P4,P5;-DMUT_FREEZE_READ_STORE;mutation: freeze as read + store, not cmpxchg
cas-loop-3g;n;cas-loop;-;-DGETTERS=3;3 getters + allocator
assume-one-3g;n;assume-one;-;-DGETTERS=3;3 getters + allocator
plain-add-3g;n;plain-add;P2+P1,P3,P5;-DGETTERS=3;no liveness check, 3 getters
frozen-bit-3g;n;frozen-bit;P5;-DGETTERS=3;3 getters + allocator
frozen-bit-undo-3g;n;frozen-bit-undo;P5;-DGETTERS=3;3 getters + allocator
frozen-bit-cas-put-3g;n;frozen-bit-cas-put;-;-DGETTERS=3;3 getters + allocator
inverted-bit-3g;n;inverted-bit;P5;-DGETTERS=3;3 getters + allocator
kernel-port-3g;n;kernel-port;P5;-DGETTERS=3;3 getters + allocator
kernel-port-cas-put-3g;n;kernel-port;-;-DKERNEL_CAS_PUT -DGETTERS=3;patched-cas-put, 3 getters + allocator
mut-no-guard-3g;n;frozen-bit;P4+P1,P2,P3,P5;-DMUT_NO_GUARD -DGETTERS=3;mutation: no reset at the limit, 3 getters
mut-set-zero-3g;n;frozen-bit;P2+P1,P3,P4,P5;-DMUT_SET_ZERO -DGETTERS=3;mutation: freed page set to plain 0, 3 getters
mut-or-free-3g;n;frozen-bit;P2+P1,P3,P4,P5;-DMUT_OR_FREE -DGETTERS=3;mutation: atomic_or on the final put, 3 getters
mut-freeze-read-store-3g;n;frozen-bit;P3+P1,P2,P4,P5;-DMUT_FREEZE_READ_STORE -DGETTERS=3;mutation: freeze as read + store, 3 getters
frozen-bit-undo-mut-no-guard-2g;n;frozen-bit-undo;P4+P1,P2,P3,P5;-DMUT_NO_GUARD;mutation: one undo whatever the junk, never the loop
kernel-port-mut-no-guard-2g;n;kernel-port;P4+P1,P2,P3,P5,S0;-DMUT_NO_GUARD;mutation: the port without its limit loop
cas-loop-mut-freeze-read-store-2g;n;cas-loop;P3+P1,P2,P5;-DMUT_FREEZE_READ_STORE;zero scheme with the freeze mutation
frozen-bit-3g-3lives;n;frozen-bit;P5;-DGETTERS=3 -DLIVES=3;3 getters, 3 lives (reuse across lives)
frozen-bit-cas-put-3g-3lives;n;frozen-bit-cas-put;-;-DGETTERS=3 -DLIVES=3;3 getters, 3 lives
frozen-bit-3g-w5;n;frozen-bit;P5;-DGETTERS=3 -DW=5;3 getters, 5-bit word (limit FROZEN+8)
frozen-bit-cas-put-3g-w5;n;frozen-bit-cas-put;-;-DGETTERS=3 -DW=5;3 getters, 5-bit word
frozen-bit-nr2-2g;n;frozen-bit;P5;-DNR=2;2 getters taking 2 refs each (pins): 2x2 = headroom 4
frozen-bit-cas-put-nr2-2g;n;frozen-bit-cas-put;-;-DNR=2;2 getters taking 2 refs each: headroom 4, no wrap
inverted-bit-nr2-2g;n;inverted-bit;P5;-DNR=2;2 getters taking 2 refs each
headroom-exact-w3-2g;n;frozen-bit-cas-put;-;-DW=3;scaling: 2 getters = headroom 2 of a 3-bit word: no wrap
headroom-exceeded-3g;n;frozen-bit;P4+P1,P2,P3,P5;-DGETTERS=3 -DW=3;scaling: 3 getters > headroom 2 of a 3-bit word must wrap
inverted-headroom-exceeded-3g;n;inverted-bit;P4+P1,P2,P3,P5;-DGETTERS=3 -DW=3;scaling: the same for inverted-bit
EOF
)
# Schemes of RS_SCHEMES deliberately not modelled: "name;reason" lines.
EXCLUDED=""
# Model configurations that are not entries of the table, and their
# counter class (kernel-port is frozen-bit as the kernel patch writes it).
EXTRA_SCHEMES="kernel-port"
EXTRA_CLASSES="kernel-port=RS_C_FROZEN"

QUICK=0
KEEP=0
JSON=0
ALL_TRAILS=0
SHOW=
ONLY=()
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) QUICK=1 ;;
	--keep) KEEP=1 ;;
	--json) JSON=1 ;;
	--all-trails) ALL_TRAILS=1 ;;
	--list)
		printf '%s\n' "$CONFIGS" | cut -d';' -f1
		exit 0
		;;
	--schemes) SCHEMES_ONLY=1 ;;
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

# ---- every scheme of the table is modelled or excluded with a reason ----
[ -r "$REFSCHEME_H" ] || { echo "verify.sh: cannot read $REFSCHEME_H" >&2; exit 2; }
# The quoted names of the X(ID, id, "name", ...) lines of RS_SCHEMES(X).
TABLE=$(sed -n '/^#define RS_SCHEMES(X)/,/^[[:space:]]*$/p' "$REFSCHEME_H" |
	sed -n 's/^[^"]*X([A-Z0-9_]*, *[a-z0-9_]*, *"\([^"]*\)".*/\1/p')
[ -n "$TABLE" ] || { echo "verify.sh: no scheme names found in $REFSCHEME_H's RS_SCHEMES" >&2; exit 2; }
SCHEME_COUNTERS=$(scheme_counters "$REFSCHEME_H" $EXTRA_CLASSES)
for s in $TABLE $EXTRA_SCHEMES; do
	printf '%s\n' "$SCHEME_COUNTERS" | awk -v s="$s" '$1 == s && NF > 1 { f = 1 } END { exit !f }' ||
		{ echo "verify.sh: no counter class for scheme '$s' in $REFSCHEME_H's RS_SCHEMES" >&2; exit 2; }
done
coverage_bad=0
coverage=
for s in $TABLE; do
	cfgs=$(printf '%s\n' "$CONFIGS" | awk -F';' -v s="$s" '$3 == s { printf "%s%s", sep, $1; sep = ", " }')
	why=$(printf '%s\n' "$EXCLUDED" | awk -F';' -v s="$s" '$1 == s { print $2 }')
	if [ -n "$cfgs" ]; then
		coverage+="  $s: $cfgs"$'\n'
	elif [ -n "$why" ]; then
		coverage+="  $s: not modelled: $why"$'\n'
	else
		coverage+="  $s: NO MODEL CONFIGURATION and no stated exclusion"$'\n'
		coverage_bad=1
	fi
done
for s in $(printf '%s\n' "$CONFIGS" | cut -d';' -f3 | sort -u); do
	# shellcheck disable=SC2086  # word lists on purpose
	printf '%s\n' $TABLE $EXTRA_SCHEMES | grep -qxF -- "$s" || {
		coverage+="  $s: configured, but not a scheme of RS_SCHEMES"$'\n'
		coverage_bad=1
	}
done
for s in $EXTRA_SCHEMES; do
	cfgs=$(printf '%s\n' "$CONFIGS" | awk -F';' -v s="$s" '$3 == s { printf "%s%s", sep, $1; sep = ", " }')
	coverage+="  $s (not a table entry: the kernel port): $cfgs"$'\n'
done
if [ "${SCHEMES_ONLY:-0}" = 1 ]; then
	printf 'schemes of %s (RS_SCHEMES) and their model configurations:\n%s' "$REFSCHEME_H" "$coverage"
	exit "$coverage_bad"
fi

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
	echo "work directory kept: $WORK" >&2
else
	trap 'rm -rf "$WORK"' EXIT
fi

# The text report goes to stdout, or to stderr under --json.
if [ "$JSON" = 1 ]; then exec 3>&2; else exec 3>&1; fi
say() { printf '%s\n' "$*" >&3; }

now() { date +%s.%N; }
json_str() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g; s/\t/ /g')"; }

# trail_words DIR FLAGS FAMILY: SPIN's replay of DIR's trail, condensed to
# one line per run of steps of one process, in words.
trail_words() {
	local dir=$1 flags=$2 fam=$3 w=4 nr=1
	case " $flags " in *" -DW="*) w=$(printf '%s\n' "$flags" | sed -n 's/.*-DW=\([0-9]*\).*/\1/p') ;; esac
	case " $flags " in *" -DNR="*) nr=$(printf '%s\n' "$flags" | sed -n 's/.*-DNR=\([0-9]*\).*/\1/p') ;; esac
	# shellcheck disable=SC2086  # flags are words on purpose
	(cd "$dir" && spin $flags -T -t model.pml 2>&1) | awk -v fam="$fam" -v W="$w" -v NR_="$nr" '
		function fmt(v) {
			v += 0
			if (fam == "frozen" && v >= F) return v == F ? "FROZEN" : "FROZEN+" (v - F)
			if (fam == "inverted") return v >= F ? "LIVE|" (v - F) : (v == 0 ? "0" : "0+" v)
			return v
		}
		function who(id) { return id == 0 ? "allocator" : "getter " id }
		function zero_pt() { return fam == "inverted" ? F : 0 }
		# cont: the step continues the operation (get or put) the same
		# process began in the step before, so it joins that line.
		function add(id, s) { n++; act[n] = id; txt[n] = s; knd[n] = kind; cnt[n] = cont }
		BEGIN { F = 2 ^ (W - 1) }
		/^@@ / {
			id = $2; e = $3 " " $4
			kind = $3; cont = (e ~ /^(get (reset|undo|cmpxchg|sees)|put (cmpxchg|or))$/ || $3 == "free")
			if ($3 == "free") kind = "put"
			if (e == "alloc life") add(id, "allocates the page for life " $5 " (init_page_count): w " fmt($7) " -> " fmt($9))
			else if ($3 == "set-frozen") add(id, "set_page_count_frozen() on the free page: w " fmt($4) " -> " fmt($6))
			else if (e == "get add" && $6 == "ok") add(id, "try_get: add_return -> " fmt($5) ", not frozen: takes a reference (life " $8 ")")
			else if (e == "get add" && $6 == "fail") add(id, "try_get: add_return -> " fmt($5) ", frozen: fails, its +" NR_ " stays as junk")
			else if (e == "get add" && $5 + 0 == $5) add(id, "try_get (plain add): " fmt($5) " -> " fmt($7) ": takes a reference (life " $10 ")")
			else if (e == "get reset" && $6 == "->") add(id, "junk at the limit: cmpxchg " fmt($5) " -> " fmt($7) " resets it")
			else if (e == "get reset") { sub(/^w=/, "", $7); add(id, "junk at the limit: cmpxchg " fmt($5) " -> reset fails, w = " fmt($7)) }
			else if (e == "get undo" && $6 == "->") add(id, "undo: cmpxchg " fmt($5) " -> " fmt($7) " wins")
			else if (e == "get undo") { sub(/^w=/, "", $7); add(id, "undo: cmpxchg from " fmt($5) " fails (w = " fmt($7) "): the junk stays") }
			else if (e == "get read") add(id, "try_get: reads " fmt($5))
			else if (e == "get sees") add(id, "try_get: sees 0: fails")
			else if (e == "get cmpxchg" && $6 == "->") add(id, "try_get: cmpxchg " fmt($5) " -> " fmt($7) ": takes a reference (life " $10 ")")
			else if (e == "get cmpxchg") { sub(/^w=/, "", $7); add(id, "try_get: cmpxchg from " fmt($5) " fails (w = " fmt($7) "), retries") }
			else if (e == "get hvo-read") add(id, "try_get (HVO early exit): reads " fmt($5) ", frozen: fails without writing")
			else if (e == "put sub") {
				s = "put: dec_and_test " fmt($5) " -> " fmt($7)
				if ($7 == zero_pt() && fam == "frozen") s = s ", reaches 0: its cmpxchg 0 -> FROZEN is still to come"
				if ($7 == zero_pt() && fam == "inverted") s = s ", reaches LIVE|0: its cmpxchg LIVE|0 -> 0 is still to come"
				add(id, s)
			}
			else if (e == "put read") add(id, "put: reads " fmt($5))
			else if (e == "put cmpxchg" && $6 == "->") add(id, "put: cmpxchg " fmt($5) " -> " fmt($7) " wins")
			else if (e == "put cmpxchg") { sub(/^w=/, "", $7); add(id, "put: cmpxchg from " fmt($5) " fails (w = " fmt($7) ")" ($8 == "retry" ? ", retries" : ": no free")) }
			else if (e == "put or") add(id, "put: atomic_or " fmt($5) " -> " fmt($7))
			else if ($3 == "free") {
				s = "frees the page (life " $5 ")"
				if ($5 != $7) { s = s ", but the reference it dropped was from life " $7 ": it holds none in this life"; stale = id; slife = $5; olife = $7 }
				else freer[$5] = id
				add(id, s)
			}
			else if (e == "freeze cmpxchg") add(id, "freeze: cmpxchg " fmt($5) " -> " fmt($7))
			else if (e == "freeze read") add(id, "freeze: reads " fmt($5))
			else if (e == "freeze store") { gsub(/[(),]/, "", $0); sub(/^w=/, "", $8); add(id, "freeze: stores " fmt($5) " (it read " fmt($7) " before; w was " fmt($8) ")") }
			else if ($3 == "unfreeze") add(id, "unfreeze: store " fmt($4) " -> " fmt($6))
			else add(id, substr($0, 4))
			next
		}
		/assertion violated/ { viol = $0 }
		/trail ends after/ { steps = $0; sub(/.*after /, "", steps); sub(/ steps.*/, "", steps) }
		END {
			if (stale != "") {
				role[stale] = "T1"
				t2 = freer[olife]
				if (t2 != "") role[t2] = (role[t2] == "" ? "T2" : role[t2] ", T2")
				role[0] = (role[0] == "" ? "T3" : role[0] ", T3")
			}
			k = 0
			for (i = 1; i <= n; i++) {
				if (i > 1 && act[i] == act[i - 1] && cnt[i] && knd[i] == knd[i - 1]) { line = line "; " txt[i]; continue }
				if (i > 1) printf "%d. %s\n", ++k, line
				nm = who(act[i]) (role[act[i]] != "" ? " (" role[act[i]] ")" : "")
				line = nm ": " txt[i]
			}
			if (n > 0) printf "%d. %s\n", ++k, line
			if (stale != "")
				printf "In the terms of the v4 report (LKML 2026-06-20, lkml.iu.edu 2606.2/07523): T1 = %s dropped its life-%s reference to 0 and was delayed before its cmpxchg 0 -> FROZEN (inverted-bit: LIVE|0 -> 0); T2 = %s won the cmpxchg and freed life %s; T3 = allocator reallocated the page (life %s) and dropped it to 0; T1'"'"'s old cmpxchg won and T1 freed a page it holds no reference to.\n", who(stale), olife, (t2 == "" ? "?" : who(t2)), olife, slife
			printf "(%s steps)\n", steps == "" ? "?" : steps
		}'
}

# find_trail DIR FLAGS PROP: build a verifier with only PROP armed and find
# a short counterexample of it (pan -i, iterative shortening, within a small
# depth bound first: counterexamples are shallow, the full space is not).
find_trail() {
	local dir=$1 flags=$2 prop=$3 bit mask E=-E m
	bit=$(prop_bit "$prop")
	mask=$((1 << bit))
	[ "$prop" = P1 ] && E=
	# shellcheck disable=SC2086
	(cd "$dir" && rm -f model.pml.trail && spin $flags -DPROPS=$mask -a model.pml >spin-trail.log 2>&1 &&
		"$CC" -O0 -DSAFETY -DREACH -o pan-trail pan.c >cc-trail.log 2>&1) || return 1
	for m in 40 80 160 320; do
		(cd "$dir" && ./pan-trail -m$m -i $E >pan-trail.log 2>&1) || true
		[ -e "$dir/model.pml.trail" ] && return 0
	done
	(cd "$dir" && ./pan-trail -m"$DEPTH" $E >pan-trail.log 2>&1) || true
	[ -e "$dir/model.pml.trail" ]
}

checks_ok=0
checks_bad=0
configs_run=0
t_start=$(now)
say "SPIN model check of the page refcount word ($(spin -V 2>&1 | head -1))"
say "model: $MODEL; full state-space search (pan -c0), depth bound $DEPTH"
say "schemes of refscheme.h's RS_SCHEMES and their configurations:"
printf '%s' "$coverage" >&3
if [ "$coverage_bad" = 1 ]; then
	say "[FAIL] a scheme of the table is neither modelled nor excluded (add a configuration or an EXCLUDED line to model/verify.sh)"
	checks_bad=$((checks_bad + 1))
fi

while IFS=';' read -r name quick scheme expect flags desc; do
	[ -n "$name" ] || continue
	if [ ${#ONLY[@]} -gt 0 ]; then
		printf '%s\n' "${ONLY[@]}" | grep -qxF -- "$name" || continue
	elif [ "$QUICK" = 1 ] && [ "$quick" != y ]; then
		continue
	fi
	configs_run=$((configs_run + 1))
	dir=$WORK/$name
	mkdir -p "$dir"
	cp "$MODEL" "$dir/model.pml"
	sdef=S_$(printf '%s' "$scheme" | tr 'a-z-' 'A-Z_')
	allflags="-DSCHEME=$sdef${flags:+ $flags}"
	primary=${expect%%+*}
	[ "$expect" = - ] && primary=
	expected_cex=$(printf '%s' "$expect" | tr '+,' '  ')
	[ "$expect" = - ] && expected_cex=
	say ""
	say "== $name: $scheme; $desc"
	t0=$(now)
	fail_build=
	# shellcheck disable=SC2086  # flags are words on purpose
	if ! (cd "$dir" && spin $allflags -a model.pml >spin.log 2>&1); then
		fail_build="spin could not generate the verifier: $(tr '\n' ' ' <"$dir/spin.log")"
	# -DSAFETY: safety properties only (assertions, invalid end states);
	# no -DBITSTATE, no -DCOLLAPSE, no -DMA: the search is exhaustive.
	elif ! (cd "$dir" && "$CC" -O1 -DSAFETY -o pan pan.c >cc.log 2>&1); then
		fail_build="compiling pan.c failed: $(head -5 "$dir/cc.log" | tr '\n' ' ')"
	fi
	if [ -n "$fail_build" ]; then
		say "[FAIL] $name: $fail_build"
		checks_bad=$((checks_bad + 1))
		continue
	fi
	set +e
	(cd "$dir" && ./pan -m"$DEPTH" -c0 >pan.log 2>&1)
	set -e
	t1=$(now)
	log=$dir/pan.log
	stored=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' "$log" | head -1)
	trans=$(sed -n 's/^ *\([0-9.e+]*\) transitions.*/\1/p' "$log" | head -1)
	depth=$(sed -n 's/.*depth reached \([0-9]*\),.*/\1/p' "$log" | head -1)
	errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$log" | head -1)
	pant=$(sed -n 's/^pan: elapsed time \([0-9.e+]*\).*/\1/p' "$log" | head -1)
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')

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

	# Vacuity: SPIN lists "(K of N states)" unreached per process type; a
	# search with K > 0 left part of the protocol (say, the limit loop or a
	# lost cmpxchg) unexercised, so its proofs would be vacuous.
	unreached=$(awk '/^[[:space:]]*\([0-9]+ of [0-9]+ states\)/ {
		gsub(/[()]/, ""); k += $1; n += $3 } END { printf "%d %d", k, n }' "$log")
	unr_k=${unreached% *}
	unr_n=${unreached#* }
	vac=
	if [ "$unr_k" != 0 ] || [ "$unr_n" = 0 ]; then
		vac="$unr_k of $unr_n model states never reached"
	fi

	# The violated properties: pan -c0 prints each violation whose message
	# differs from the previous one, so every violated assertion appears.
	violated=$(grep -E '^pan:[0-9]+: ' "$log" | sed 's/^pan:[0-9]*: *//; s/ (at depth.*//' |
		sed 's/^assertion violated \(P[0-9]\|S0\)_.*/\1/; s/^invalid end state.*/P1/' | sort -u | tr '\n' ' ' || true)
	first_msg() { # the first message of property $1, and its depth
		grep -E '^pan:[0-9]+: ' "$log" | sed 's/^pan:[0-9]*: *//' |
			if [ "$1" = P1 ]; then grep -E '^(assertion violated P1_|invalid end state)'; else grep -E "^assertion violated $1_"; fi | head -1 || true
	}
	say "   ${stored:-?} states stored, ${trans:-?} transitions, depth ${depth:-?}, search ${pant:-?} s (${wall} s with build), $((unr_n - unr_k)) of $unr_n model states reached"
	[ -n "$trunc" ] && say "   INCOMPLETE: $trunc"
	[ -n "$vac" ] && {
		say "   VACUOUS: $vac:"
		grep -E '^[[:space:]]+[^([:space:]].*, state [0-9]+' "$log" | head -20 | sed 's/^/     /' >&3
	}
	for v in $violated; do
		case " $PROPS_ALL " in *" $v "*) ;; *) violated="$violated ?" ;; esac
	done

	props=$PROPS_ALL
	junkless=n
	no_junk "$scheme" && junkless=y
	[ "$junkless" = y ] && props=${PROPS_ALL/P4 /}
	# The table's class and the model's word must agree: no junk counter
	# exactly when the model keeps the zero family.
	fam=$(model_family "$dir" "$allflags")
	case $junkless/$fam in
	y/zero | n/frozen | n/inverted) ;;
	*/)
		say "   [FAIL] the model defines no word family (ZERO_/FROZEN_/INVERTED_FAMILY) for $scheme"
		checks_bad=$((checks_bad + 1))
		fam=frozen
		;;
	*)
		say "   [FAIL] $scheme: refscheme.h's counter class ($(printf '%s\n' "$SCHEME_COUNTERS" |
			awk -v s="$scheme" '$1 == s { $1 = ""; print substr($0, 2) }')) and the model's $fam family disagree on junk"
		checks_bad=$((checks_bad + 1))
		;;
	esac
	for p in $props; do
		outcome=proven
		case " $violated " in *" $p "*) outcome=counterexample ;; esac
		[ -n "$trunc" ] && outcome=incomplete
		[ "$outcome" = proven ] && [ -n "$vac" ] && outcome=vacuous
		expected=proven
		case " $expected_cex " in *" $p "*) expected=counterexample ;; esac
		ok=false
		if [ "$outcome" = "$expected" ] && { [ "$outcome" != counterexample ] || [ -z "$vac" ]; }; then
			ok=true
		fi
		# A counterexample in a configuration that left code unreached is
		# still one, but the configuration is not exercising what it says.
		[ -n "$vac" ] && ok=false
		msg='' cex_depth='' trail=''
		if [ "$outcome" = counterexample ]; then
			msg=$(first_msg "$p")
			want_trail=0
			case " $(printf '%s' "$primary" | tr ',' ' ') " in *" $p "*) want_trail=1 ;; esac
			[ "$ALL_TRAILS" = 1 ] && want_trail=1
			[ "$expected" != counterexample ] && want_trail=1
			[ "$name" = "$SHOW" ] && want_trail=1
			if [ "$want_trail" = 1 ]; then
				if find_trail "$dir" "$allflags" "$p"; then
					trail=$(trail_words "$dir" "$allflags" "$fam")
					cex_depth=$(printf '%s\n' "$trail" | sed -n 's/^(\([0-9]*\) steps)$/\1/p' | tail -1)
					if [ "$name" = "$SHOW" ]; then
						say "---- SPIN's replay of $name's $p trail (spin -t -p -g) ----"
						# shellcheck disable=SC2086
						(cd "$dir" && spin $allflags -DPROPS=$((1 << $(prop_bit "$p"))) -t -p -g model.pml) >&3 2>&1 || true
					fi
				else
					trail="(no trail: the targeted search found none; see --keep)"
				fi
			fi
		fi
		if [ "$ok" = true ]; then
			checks_ok=$((checks_ok + 1))
			mark=ok
		else
			checks_bad=$((checks_bad + 1))
			mark=FAIL
		fi
		say "$(printf '   [%-4s] %-19s %-3s %-14s %-25s %s' "$mark" "$scheme" "$p" "$outcome" "(expected $expected)" "$(prop_desc "$p")")"
		[ -n "$msg" ] && say "          $(printf '%s' "$msg" | sed 's/ (at depth \([0-9]*\))$/ (first met at depth \1 of the full search)/')${cex_depth:+; shortest trail found: $cex_depth steps}"
		if [ -n "$trail" ]; then
			printf '%s\n' "$trail" | grep -v '^([0-9?]* steps)$' | sed 's/^/            /' >&3
		fi
		if [ "$JSON" = 1 ]; then
			{
				printf '{"scheme":%s,"property":%s,"config":%s,"outcome":%s,"expected":%s,"ok":%s' \
					"$(json_str "$scheme")" "$(json_str "$p")" "$(json_str "$name")" \
					"$(json_str "$outcome")" "$(json_str "$expected")" "$ok"
				printf ',"states":%s,"transitions":%s,"depth":%s,"unreached":%s,"model_states":%s' \
					"${stored:-null}" "${trans:-null}" "${depth:-null}" "${unr_k:-null}" "${unr_n:-null}"
				printf ',"search_s":%s,"flags":%s,"description":%s,"property_text":%s' \
					"${pant:-null}" "$(json_str "$allflags")" "$(json_str "$desc")" "$(json_str "$(prop_desc "$p")")"
				[ -n "$msg" ] && printf ',"assertion":%s' "$(json_str "$msg")"
				[ -n "$cex_depth" ] && printf ',"cex_depth":%s' "$cex_depth"
				if [ -n "$trail" ]; then
					printf ',"trail":['
					printf '%s\n' "$trail" | grep -v '^([0-9?]* steps)$' | {
						sep=
						while IFS= read -r l; do printf '%s%s' "$sep" "$(json_str "$l")"; sep=,; done
					}
					printf ']'
				fi
				printf '}\n'
			}
		fi
	done
	if printf '%s' "$violated" | grep -q '?'; then
		say "   [FAIL] an error that is no known property: $(grep -E '^pan:[0-9]+: ' "$log" | head -3 | tr '\n' ' ')"
		checks_bad=$((checks_bad + 1))
	fi
done <<<"$CONFIGS"

t_end=$(now)
say ""
say "$configs_run configurations, $((checks_ok + checks_bad)) checks: $checks_ok as expected, $checks_bad not ($(awk -v a="$t_start" -v b="$t_end" 'BEGIN { printf "%.0f", b - a }') s)"
[ "$checks_bad" = 0 ]
