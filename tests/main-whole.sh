#!/usr/bin/env bash
# The main job whole, as the README runs it (issue 23): `./run.sh main` with
# the full suite's shape (every workload, variant, mode, placement, worker
# count and repetition), natively and in a guest of every lab kernel (the
# default 2 nodes x 2 vCPUs), KUnit, compare, charts and the report; only the
# windows are shortened (--duration/--warmup, which the records keep as
# duration_s/warmup_s and meta.json's commands). `quick` does the same for
# `./run.sh --quick` with its own windows.
# usage: main-whole.sh full|quick
source "$(dirname "$0")/guest-lib.sh"
need_guest_tools
mode=${1:?usage: main-whole.sh full|quick}
lab=$FOLIO_LAB_BUILD/folio-lab
[ -x "$lab" ] && [ -x "$FOLIO_LAB_BUILD/static/folio-lab" ] || skip "build the lab first (./run.sh build)"
out=$TEST_TMP/main
log=$TEST_TMP/main.log
case $mode in
full) args=(main --duration 0.05 --warmup 0.02 --out "$out"); suite=full ;;
quick) args=(--quick --out "$out"); suite=quick ;;
*) fail "unknown mode $mode" ;;
esac
start=$(date +%s)
rc=0
"$LAB_ROOT/run.sh" "${args[@]}" >"$log" 2>&1 || rc=$?
took=$(($(date +%s) - start))
tail -n 40 "$log"
[ "$rc" = 0 ] || fail "./run.sh ${args[*]} exited $rc after $took s (log above)"

mapfile -t kernels < <("$LAB_ROOT/kernels/build.sh" --list | cut -f1)
[ ${#kernels[@]} -ge 3 ] || fail "kernels/build.sh --list names ${#kernels[@]} kernels"
# What each kernel must have measured: the suite's runs as the workloads
# declare them (`folio-lab list --json`: suites x where x bench arguments),
# each variant (--variant all: every one) and mode, at every worker count
# with the suite's repetitions (or the line's own --reps). Natively, a workload whose
# requirement is missing here (module: /dev/folio_lab) is skipped.
check_label() {
	local l=$1 where=$2 wl args variants mode v want_reps got n=0
	want_reps=$("$lab" list --json | jq -r --arg s "$suite" --arg w "$where" \
		'.suite_sizes[] | select(.suite == $s and (.where == $w or .where == "any")) | .reps')
	while IFS=$'\t' read -r wl args req; do
		[ "$where" = guest ] || [ -z "$req" ] || [ -e "$req" ] || continue
		mode=threads
		[[ $args != *"--mode processes"* ]] || mode=processes
		if [[ $args == *"--variant all"* ]]; then
			variants=$("$lab" list --json | jq -r --arg w "$wl" '.workloads[] | select(.name == $w) | .variants[] | if type == "object" then .name else . end')
		else
			variants=$("$lab" list --json | jq -r --arg w "$wl" '.workloads[] | select(.name == $w) | .variants[0] | if type == "object" then .name else . end')
		fi
		for v in $variants; do
			got=$(jq -s -c --arg l "$l" --arg w "$wl" --arg v "$v" --arg m "$mode" '
				[.[] | select(.kernel == $l and .workload == $w and .variant == $v and .mode == $m)]
				| group_by(.workers) | map({w: .[0].workers, reps: ([.[].rep] | unique | length)})' \
				"$out/samples.jsonl")
			[ "$got" != "[]" ] || fail "$l: no records of $wl $v ($mode)"
			# A suite line's own --reps wins (handoff, torture: 1).
			local want=$want_reps
			[[ ! $args =~ --reps\ ([0-9]+) ]] || want=${BASH_REMATCH[1]}
			jq -e --argjson r "$want" 'all(.[]; .reps == $r)' <<<"$got" >/dev/null ||
				fail "$l: $wl $v ($mode): repetitions per worker count $got, the $suite suite has $want"
			n=$((n + 1))
		done
		echo "$l: $wl ($mode): $(wc -w <<<"$variants") variant(s), workers $(jq -c 'map(.w)' <<<"$got")"
	done < <("$lab" list --json | jq -r --arg s "$suite" --arg w "$where" '
		.workloads[] | .name as $n | (.requires // "") as $r | .suites[]?
		| select((.suites | index($s)) and (.where | index($w))) | [$n, .args, $r] | @tsv')
	[ "$n" -gt 0 ] || fail "$l: no suite runs found for $suite/$where"
}
check_label native native
for k in "${kernels[@]}"; do check_label "$k" guest; done
# The guests' full sweep reaches all 4 vCPUs.
if [ "$suite" = full ]; then
	for k in "${kernels[@]}"; do
		[ "$(jq -s -c --arg l "$k" '[.[] | select(.kernel == $l and .workload == "pread") | .workers] | unique' "$out/samples.jsonl")" = "[1,2,4]" ] ||
			fail "$k: pread did not sweep 1, 2 and 4 workers"
	done
	# The shortened windows are in the records (warmup_s) and in the
	# provenance: every bench command of every kernel in meta.json.
	jq -e -s 'all(.[]; .warmup_s == 0.02)' "$out/samples.jsonl" >/dev/null ||
		fail "a record's warm-up is not the shortened one (0.02 s)"
	jq -e '[.kernels[].commands[]? | select(startswith("folio-lab bench"))] | length > 0 and
		all(test("--duration 0[.]05 .*--warmup 0[.]02|--warmup 0[.]02 .*--duration 0[.]05"))' \
		"$out/meta.json" >/dev/null || fail "meta.json's bench commands do not carry the shortened windows"
fi
[ -s "$out/compare.md" ] || fail "no compare.md"
for k in "${kernels[@]:1}"; do
	grep -q "$k" "$out/compare.md" || fail "compare.md does not name $k"
	grep -q "$k measured: the headline so far" "$log" || fail "no early headline after $k's guest"
done
[ -s "$out/report.html" ] || fail "no report.html"
ls "$out"/charts/*.png >/dev/null 2>&1 || fail "no charts"
[ -s "$out/kunit/kunit-summary.tsv" ] || fail "no KUnit summary"
[ ! -e "$out/INTERRUPTED" ] || fail "INTERRUPTED left behind"
grep -q 'done in .*: .*KUnit passed in every kernel' "$log" || fail "the job's last line lacks its summary"
ok "./run.sh ${args[*]}: $(wc -l <"$out/samples.jsonl") records of native and ${kernels[*]}, compare, charts, KUnit and report in $took s"
