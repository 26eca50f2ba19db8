#!/usr/bin/env bash
# The extension promise, checked: a copy of bench/pread.c under a new name,
# with only the name changed, plus its one line in bench/workloads.def, is a
# workload that builds, is listed (text and JSON), runs and writes records,
# is in the default suite, and has its records test, with no other edit.
# Works on a copy of the source tree (git ls-files: tracked and untracked,
# not ignored) in a temporary directory; builds only the folio-lab target.
#
# usage: workload-copy.sh SOURCE_DIR
set -euo pipefail
src=$1
name=copied
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
command -v git >/dev/null || skip "git is not installed"
command -v jq >/dev/null || skip "jq is not installed"
git -C "$src" rev-parse --git-dir >/dev/null 2>&1 || skip "$src is not a git checkout"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/src"
git -C "$src" ls-files -z -co --exclude-standard |
	(cd "$src" && xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh) |
	tar -C "$src" --null -T - -cf - | tar -C "$tmp/src" -xf -
cd "$tmp/src"

# The copy: the variable's name and the workload's name, nothing else.
sed -e "s/\bfl_workload_pread\b/fl_workload_$name/" -e "s/\.name = \"pread\"/.name = \"$name\"/" \
	bench/pread.c >"bench/$name.c"
changed=$(diff bench/pread.c "bench/$name.c" | grep -c '^>' || true)
[ "$changed" -eq 2 ] || fail "the copy should differ from pread.c in 2 lines, not $changed"
echo "FL_WORKLOAD($name)" >>bench/workloads.def

echo "configure and build (folio-lab only) in $tmp/build"
cmake -S . -B "$tmp/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$tmp/configure.log" 2>&1 ||
	fail "configure: $(tail -20 "$tmp/configure.log")"
cmake --build "$tmp/build" -j2 --target folio-lab >"$tmp/build.log" 2>&1 ||
	fail "build: $(tail -30 "$tmp/build.log")"
lab=$tmp/build/folio-lab

names=$("$lab" list --names)
grep -qx "$name" <<<"$names" || fail "not in folio-lab list --names: $names"
[ "$("$lab" list "$name" | head -1)" = "$name" ] || fail "folio-lab list $name"
"$lab" list --json | jq -e --arg n "$name" \
	'.workloads | map(select(.name == $n)) | length == 1 and (.[0].params | length) == 4' \
	>/dev/null || fail "not (or not whole) in folio-lab list --json"
echo "ok: listed (text, --names, --json)"

cd "$tmp"
"$lab" bench --workload "$name" --duration 0.1 --warmup 0 --reps 1 --workers 1 --out r --quiet \
	>bench.log 2>&1 || fail "bench --workload $name: $(cat bench.log)"
jq -e -s --arg n "$name" 'length == 1 and .[0].workload == $n and .[0].ops > 0' r/samples.jsonl \
	>/dev/null || fail "records: $(cat r/samples.jsonl)"
echo "ok: bench --workload $name writes its record"

full=$("$lab" list --suite full 2>/dev/null)
grep -qx -- "--workload $name --mode threads" <<<"$full" || fail "not in the default suite: $full"
FOLIO_LAB_BIN=$lab sh "$tmp/src/harness/suite.sh" --quick --workloads "$name" --duration 0.1 \
	--reps 1 --workers 1 --out s >suite.log 2>&1 || fail "suite.sh: $(cat suite.log)"
[ "$(jq -s --arg n "$name" 'map(select(.workload == $n)) | length' s/samples.jsonl)" = 2 ] ||
	fail "suite.sh --workloads $name: expected 2 records (threads, processes)"
echo "ok: in the default suite (list --suite full) and run by harness/suite.sh"

tests=$(cd "$tmp/build" && ctest -N)
grep -q "workloads-records-$name\$" <<<"$tests" || fail "ctest -N lists no workloads-records-$name: $tests"
(cd "$tmp/build" && ctest -R "^workloads-records-$name\$" --output-on-failure) >ctest.log 2>&1 ||
	fail "its records test: $(tail -20 ctest.log)"
echo "ok: ctest lists and passes workloads-records-$name"
echo "PASS: a copied workload needs its file and its line only"
