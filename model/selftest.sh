#!/usr/bin/env bash
# Checks the checker: verify.sh must say FAIL (and exit non-zero) when a
# configuration's outcome differs from the declared one (a property broken,
# an expected counterexample missing), when model code is unreached, when a
# scheme of the table has no configuration; and must reject bad arguments.
# Exit 77 when spin, gcc or python3 is missing.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VERIFY=$HERE/verify.sh
for tool in spin "${CC:-gcc}" python3; do
	command -v "$tool" >/dev/null 2>&1 ||
		{ echo "selftest: SKIP: '$tool' not found" >&2; exit 77; }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/folio-lab-model-selftest.XXXXXX")
trap 'rm -rf "$T"' EXIT
bad=0
fail() { echo "selftest: FAIL: $*"; bad=1; }

# expect_fail NAME MODEL CONFIG PATTERN: verify.sh on MODEL must exit 1 and
# its report must match PATTERN.
expect_fail() {
	local what=$1 model=$2 cfg=$3 pat=$4 out rc
	out=$(FOLIO_LAB_MODEL_FILE=$model "$VERIFY" --only "$cfg" 2>&1)
	rc=$?
	if [ "$rc" != 1 ]; then
		fail "$what: verify.sh exited $rc, expected 1"
		printf '%s\n' "$out"
	elif ! printf '%s\n' "$out" | grep -qE -- "$pat"; then
		fail "$what: report lacks /$pat/"
		printf '%s\n' "$out"
	else
		echo "selftest: ok: $what"
	fi
}

# 1. A bug in the unmutated model (here atomic_or forced on) fails the proof.
{ echo '#define MUT_OR_FREE'; cat "$HERE/refcount.pml"; } >"$T/broken.pml"
expect_fail "property violation in an unmutated config is reported" "$T/broken.pml" \
	frozen-bit-2g '\[FAIL\] frozen-bit +P2 +counterexample +\(expected proven\)'

# 2. Dead code (a branch no run can take) makes the proof vacuous: FAIL.
sed 's/^\t:: break$/\t:: w == 200 -> refs = 0\n\t:: break/' "$HERE/refcount.pml" >"$T/dead.pml"
grep -q 'w == 200' "$T/dead.pml" || fail "could not inject dead code (model layout changed?)"
expect_fail "unreached model code is reported as vacuous" "$T/dead.pml" frozen-bit-cas-put-2g \
	'VACUOUS: 1 of [0-9]+ model states never reached'

# 3. A junk limit without headroom lets junk wrap: the proof of P4 fails.
sed 's/^#define GUARD (1 << (W - 2))$/#define GUARD (1 << (W - 1))/' "$HERE/refcount.pml" >"$T/guard.pml"
grep -q '^#define GUARD (1 << (W - 1))$' "$T/guard.pml" || fail "could not widen the guard"
expect_fail "a junk limit without headroom is caught" "$T/guard.pml" frozen-bit-cas-put-2g \
	'\[FAIL\] frozen-bit-cas-put +P4 +counterexample'

# 4. An expected counterexample that does not come is a failure too: with
# the ownership assertion disarmed, frozen-bit's P5 is "proven".
sed 's/mylife == life);/1);/' "$HERE/refcount.pml" >"$T/noown.pml"
grep -q 'P5_freer_held_ref_in_the_life_it_frees, 5, 1);' "$T/noown.pml" || fail "could not disarm P5"
expect_fail "a missing expected counterexample is reported" "$T/noown.pml" frozen-bit-2g \
	'\[FAIL\] frozen-bit +P5 +proven +\(expected counterexample\)'

# 5. A scheme added to refscheme.h's table without a configuration fails.
sed 's/^#define RS_SCHEMES(X) .*$/&\n\tX(NEW_ONE, new_one, "new-scheme", RS_C_ZERO, "a new entry") \\/' \
	"$HERE/../include/folio-lab/refscheme.h" >"$T/refscheme.h"
grep -q '"new-scheme"' "$T/refscheme.h" || fail "could not add a scheme to the table"
out=$(FOLIO_LAB_REFSCHEME_H=$T/refscheme.h "$VERIFY" --only cas-loop-2g 2>&1)
rc=$?
if [ "$rc" != 1 ] || ! printf '%s\n' "$out" | grep -q 'new-scheme: NO MODEL CONFIGURATION'; then
	fail "an unmodelled scheme: exit $rc"
	printf '%s\n' "$out"
else
	echo "selftest: ok: an unmodelled scheme of the table fails the run"
fi

# 5b. The families follow the table's counter class: a zero-family scheme
# whose class says its failed gets leave junk disagrees with its model.
sed 's/X(CAS_LOOP, cas_loop, "cas-loop", RS_C_ZERO,/X(CAS_LOOP, cas_loop, "cas-loop", RS_C_FROZEN,/' \
	"$HERE/../include/folio-lab/refscheme.h" >"$T/refscheme-class.h"
grep -q '"cas-loop", RS_C_FROZEN' "$T/refscheme-class.h" || fail "could not change cas-loop's counter class"
out=$(FOLIO_LAB_REFSCHEME_H=$T/refscheme-class.h "$VERIFY" --only cas-loop-2g 2>&1)
rc=$?
if [ "$rc" != 1 ] || ! printf '%s\n' "$out" | grep -q 'cas-loop: .*counter class .*junk_left.* and the model.s zero family disagree' ||
	! printf '%s\n' "$out" | grep -qE '\[ok  \] cas-loop +P4 '; then
	fail "a counter class that contradicts the model: exit $rc"
	printf '%s\n' "$out"
else
	echo "selftest: ok: the table's counter class decides the family (P4 checked), and must match the model"
fi

# 6. The race: frozen-bit's P5 trail says, in words, that the freer holds
# no reference in the life it frees; --json gives one object per check.
out=$("$VERIFY" --only frozen-bit-2g --json 2>"$T/report.txt")
rc=$?
if [ "$rc" != 0 ]; then
	fail "frozen-bit-2g --json: exit $rc"
	cat "$T/report.txt"
elif ! grep -q 'frees the page (life 2), but the reference it dropped was from life 1' "$T/report.txt"; then
	fail "frozen-bit-2g: no trail in words for the race"
	cat "$T/report.txt"
elif ! printf '%s\n' "$out" | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
keys = {"scheme", "property", "config", "outcome", "expected", "states", "depth"}
assert len(rows) == 6, len(rows)
assert all(keys <= set(r) for r in rows)
p5 = [r for r in rows if r["property"] == "P5"][0]
assert p5["outcome"] == "counterexample" == p5["expected"]
assert any("(T1)" in l for l in p5["trail"])
assert all(r["outcome"] == "proven" for r in rows if r["property"] != "P5")
'; then
	fail "frozen-bit-2g --json: unexpected objects"
	printf '%s\n' "$out"
else
	echo "selftest: ok: frozen-bit-2g: the race in words, 6 JSON checks"
fi

# 7. Bad usage: exit 2 with a message.
for args in "--bogus" "--only no-such-config" "--only"; do
	# shellcheck disable=SC2086
	out=$("$VERIFY" $args 2>&1)
	rc=$?
	if [ "$rc" != 2 ] || [ -z "$out" ]; then
		fail "verify.sh $args: exit $rc (expected 2 with a message)"
	else
		echo "selftest: ok: verify.sh $args -> exit 2: $out"
	fi
done

# 8. --list names every configuration once.
n=$("$VERIFY" --list | sort | uniq | wc -l)
m=$("$VERIFY" --list | wc -l)
if [ "$n" -lt 10 ] || [ "$n" != "$m" ]; then
	fail "--list: $m names, $n distinct"
else
	echo "selftest: ok: --list names $n configurations"
fi

exit $bad
