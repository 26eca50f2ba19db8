#!/usr/bin/env bash
# Checks the checker: verify.sh must say FAIL (and exit non-zero) when an
# unmutated configuration breaks a property or leaves model code unreached,
# and must reject bad arguments. Exit 77 when spin or gcc is missing.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VERIFY=$HERE/verify.sh
for tool in spin "${CC:-gcc}"; do
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
	frozen-bit-2g 'NOT proven.*|counterexample: assertion violated P2_'

# 2. Dead code (a branch no run can take) makes the proof vacuous: FAIL.
sed 's/^\t:: break$/\t:: w == 200 -> refs = 0\n\t:: break/' "$HERE/refcount.pml" >"$T/dead.pml"
grep -q 'w == 200' "$T/dead.pml" || fail "could not inject dead code (model layout changed?)"
expect_fail "unreached model code is reported as vacuous" "$T/dead.pml" frozen-bit-2g \
	'vacuous: 1 of [0-9]+ model states never reached'

# 3. A guard that is too generous (no headroom left) lets junk wrap: the
# proof of the real configuration must fail.
sed 's/^#define GUARD (1 << (W - 2))$/#define GUARD (1 << (W - 1))/' "$HERE/refcount.pml" >"$T/guard.pml"
grep -q '^#define GUARD (1 << (W - 1))$' "$T/guard.pml" || fail "could not widen the guard"
expect_fail "a guard without headroom is caught" "$T/guard.pml" frozen-bit-2g \
	'P4_junk_never_makes_frozen_word_live'

# 4. Bad usage: exit 2 with a message.
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

# 5. --list names every configuration once.
n=$("$VERIFY" --list | sort | uniq | wc -l)
m=$("$VERIFY" --list | wc -l)
if [ "$n" -lt 10 ] || [ "$n" != "$m" ]; then
	fail "--list: $m names, $n distinct"
else
	echo "selftest: ok: --list names $n configurations"
fi

exit $bad
