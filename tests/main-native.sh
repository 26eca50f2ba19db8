#!/usr/bin/env bash
# The bare-metal recipe's runs, natively: `main --no-guests --quick --label L
# --out DIR` twice (base, then patched: both the running kernel here, which is
# all the mechanics need) into one DIR, then `compare --baseline base DIR`.
# Checks: records carry their labels, the second run loses nothing of the
# first, meta.json has each label with the running kernel's provenance, the
# module is loaded or a line says why not, compare exits 0/1/125 naming both;
# refusals: a bad label, --label without --out or with guests, another lab
# label than the booted lab kernel's, a label that is already in DIR (unless
# --replace-label). Native only: seconds.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${FOLIO_LAB_BUILD:-$ROOT/build}
fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
for b in folio-lab folio-lab-compare; do
	[ -x "$BUILD/$b" ] || skip "$BUILD/$b missing (./run.sh build, or set FOLIO_LAB_BUILD)"
done
command -v jq >/dev/null || skip "jq missing"

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
D=$T/bare
main() { FOLIO_LAB_BUILD=$BUILD "$ROOT/harness/main-job.sh" "$@"; }

refuse() {
	local what=$1
	shift
	if main "$@" >"$T/r.log" 2>&1; then
		fail "$what: accepted ($*)"
	fi
	grep -q 'folio-lab:' "$T/r.log" || fail "$what: refused without a message: $(tail -n 3 "$T/r.log")"
	echo "ok: refuses $what: $(grep 'folio-lab:' "$T/r.log" | head -n1)"
}
refuse "a label with a slash" --no-guests --quick --label 'base/x' --out "$D"
refuse "an empty label" --no-guests --quick --label '' --out "$D"
refuse "a label with a space" --no-guests --quick --label 'my kernel' --out "$D"
refuse "--label without --out" --no-guests --quick --label base
refuse "--label with guests" --quick --label base --out "$D"
# On the lab's own patched kernel, --label base is a mix-up (uname faked).
mkdir "$T/bin"
printf '#!/bin/sh\n[ "$1" = -r ] && { echo 6.12.117-folio-lab-patched; exit 0; }\nexec /bin/uname "$@"\n' >"$T/bin/uname"
chmod +x "$T/bin/uname"
PATH=$T/bin:$PATH refuse "--label base on the lab's patched kernel" --no-guests --quick --label base --out "$D"
[ ! -e "$D/samples.jsonl" ] || fail "a refused run wrote records"

labels_in() { jq -r .kernel "$D/samples.jsonl" | sort -u | paste -sd, -; }

main --no-guests --quick --label base --out "$D" >"$T/base.log" 2>&1 ||
	fail "run 'base' failed: $(tail -n 20 "$T/base.log")"
[ "$(labels_in)" = base ] || fail "after 'base': labels $(labels_in)"
nbase=$(jq -c 'select(.kernel == "base")' "$D/samples.jsonl" | wc -l)
[ "$nbase" -gt 0 ] || fail "no records of base"
jq -c 'select(.kernel == "base")' "$D/samples.jsonl" | sort >"$T/base.records"
if [ -e /dev/folio_lab ] || grep -q 'module: folio_lab.ko built' "$T/base.log"; then
	jq -en 'any(inputs; .workload == "module" and .kernel == "base")' "$D/samples.jsonl" >/dev/null ||
		fail "the module was there but no module records"
	echo "ok: module workload ran"
else
	line=$(grep 'module: not loaded' "$T/base.log") || fail "no line says why the module did not run"
	echo "ok: ${line#*] }"
fi

main --no-guests --quick --label patched --out "$D" >"$T/patched.log" 2>&1 ||
	fail "run 'patched' failed: $(tail -n 20 "$T/patched.log")"
[ "$(labels_in)" = base,patched ] || fail "after 'patched': labels $(labels_in)"
jq -c 'select(.kernel == "base")' "$D/samples.jsonl" | sort | cmp -s - "$T/base.records" ||
	fail "the second run changed base's records"
[ "$(jq -c 'select(.kernel == "patched")' "$D/samples.jsonl" | wc -l)" -gt 0 ] || fail "no records of patched"
for l in base patched; do
	jq -e --arg l "$l" --arg r "$(uname -r)" '.kernels[$l].kernel_release == $r' "$D/meta.json" >/dev/null ||
		fail "meta.json: $l lacks kernel_release $(uname -r): $(jq -c --arg l "$l" '.kernels[$l]' "$D/meta.json")"
	if [ -r "/boot/config-$(uname -r)" ] || [ -r /proc/config.gz ] ||
		[ -f "/lib/modules/$(uname -r)/build/.config" ]; then
		jq -e --arg l "$l" '.kernels[$l].config_hash | test("^[0-9a-f]{16}$")' "$D/meta.json" >/dev/null ||
			fail "meta.json: $l has no config_hash (provenance of the running kernel)"
	fi
done
echo "ok: base ($nbase records) kept, patched appended, meta.json has both with provenance"

refuse "a label already in DIR" --no-guests --quick --label base --out "$D"
[ "$(labels_in)" = base,patched ] || fail "the refused rerun changed the labels: $(labels_in)"
jq -c 'select(.kernel == "base")' "$D/samples.jsonl" | sort | cmp -s - "$T/base.records" ||
	fail "the refused rerun changed base's records"

rc=0
"$BUILD/folio-lab-compare" compare --baseline base "$D" >"$T/compare.out" 2>&1 || rc=$?
case $rc in 0 | 1 | 125) ;; *) fail "compare exit $rc: $(tail -n 20 "$T/compare.out")" ;; esac
grep -q 'patched against base' "$T/compare.out" || fail "compare does not name both labels: $(head -n 20 "$T/compare.out")"
echo "ok: compare --baseline base DIR exit $rc (patched against base)"

# --replace-label: patched measured again replaces only its own records.
jq -r 'select(.kernel == "patched") | .run_id' "$D/samples.jsonl" | sort -u >"$T/patched.runs"
main --no-guests --quick --label patched --replace-label --out "$D" >"$T/again.log" 2>&1 ||
	fail "--replace-label run failed: $(tail -n 20 "$T/again.log")"
[ "$(labels_in)" = base,patched ] || fail "after --replace-label: labels $(labels_in)"
jq -c 'select(.kernel == "base")' "$D/samples.jsonl" | sort | cmp -s - "$T/base.records" ||
	fail "--replace-label of patched changed base's records"
jq -r 'select(.kernel == "patched") | .run_id' "$D/samples.jsonl" | sort -u >"$T/patched.runs2"
[ -s "$T/patched.runs2" ] || fail "no patched records after --replace-label"
[ -z "$(comm -12 "$T/patched.runs" "$T/patched.runs2")" ] ||
	fail "--replace-label kept patched's earlier records (runs $(comm -12 "$T/patched.runs" "$T/patched.runs2" | paste -sd' ' -))"
grep -q 'dropping the earlier records' "$T/again.log" || fail "--replace-label did not say it dropped records"
echo "PASS"
