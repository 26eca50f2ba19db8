#!/usr/bin/env bash
# Run the KUnit suite of the kernels' refcount semantics (folio_lab_kunit.ko)
# in a QEMU guest of each kernel, keep its KTAP, print a summary per kernel.
#
#   kunit/run.sh [--kernel LABEL|LABEL=TREE]... [--out DIR]
#                [--flavour normal|debug-vm] [--timeout S]
#
# Default kernels: base patched patched-cas-put (built or reused with
# kernels/build.sh). LABEL=TREE checks any built x86-64 tree with
# CONFIG_KUNIT=y and CONFIG_MODULES=y the same way; its expectations follow
# the scheme its include/linux/page_ref.h declares.
#
# Out: DIR/kunit-LABEL.ktap (the suite's KTAP), DIR/dmesg-LABEL.txt (the
# guest's kernel log), DIR/kunit-summary.tsv and DIR/kunit.jsonl (one line
# per kernel: scheme, counts, each case's result), DIR/guest-LABEL/ (the
# guest run). Exit 0 only if every case passed (or skipped, with its reason)
# in every kernel, 1 otherwise, 2 on a usage error.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_ROOT=$(cd "$HERE/.." && pwd)
DEFAULT_KERNELS=(base patched patched-cas-put)

T0=$(date +%s)
log() { printf '[kunit %4ss] %s\n' "$(($(date +%s) - T0))" "$*" >&2; }
die() {
	printf 'kunit/run.sh: %s\n' "$*" >&2
	exit 2
}

usage() {
	cat <<'EOF'
usage: kunit/run.sh [--kernel LABEL|LABEL=TREE]... [--out DIR]
                    [--flavour normal|debug-vm] [--timeout S]
       kunit/run.sh --html DIR/kunit.jsonl

Boots each kernel (default: base patched patched-cas-put) under QEMU, loads
folio_lab_kunit.ko (built against it with kunit/build.sh), whose KUnit suite
checks the kernel's page/folio refcount semantics, and keeps the KTAP as
DIR/kunit-LABEL.ktap. Exit 0 only if every case passed in every kernel.

  --kernel LABEL       one of kernels/build.sh's labels (also the test-only
                       patched-broken, on which the suite must fail)
  --kernel LABEL=TREE  any built kernel tree (bzImage, Module.symvers,
                       CONFIG_KUNIT=y)
  --flavour F          flavour of LABEL-only kernels (normal, debug-vm);
                       on a CONFIG_DEBUG_VM frozen-bit kernel the suite also
                       checks that an increment on a frozen page warns once
  --out DIR            default results/kunit-<UTC time>
  --timeout S          per guest, seconds (default 300)
  --html FILE          print an earlier run's kunit.jsonl as an HTML section
                       (the main job puts it into the report) and exit
EOF
}

# One table row per kernel, then the cases that did not pass, with reasons.
html_section() {
	local f=$1
	[ -s "$f" ] || die "--html: '$f' is missing or empty"
	jq -e -s 'length > 0' "$f" >/dev/null 2>&1 || die "--html: '$f' is not kunit.jsonl"
	jq -r -s '
		def esc: tostring | gsub("&"; "&amp;") | gsub("<"; "&lt;") | gsub(">"; "&gt;");
		"<h2 id=\"kunit\">KUnit: the kernels&#39; refcount semantics</h2>",
		"<p>The suite folio_lab_refcount (kunit/folio_lab_kunit.c) in a TCG guest of each kernel; expectations follow the scheme the kernel shows.</p>",
		"<table><tr><th>kernel</th><th>scheme</th><th>passed</th><th>failed</th><th>skipped</th><th>result</th></tr>",
		(.[] | "<tr><td>\(.kernel | esc)</td><td>\(.scheme | esc)</td><td>\(.passed)</td><td>\(.failed)</td><td>\(.skipped)</td><td>\(.result | esc)</td></tr>"),
		"</table>",
		([.[] | .kernel as $k | .cases[] | select(.result != "pass") |
			"<li>\($k | esc): \(.name | esc): \(.result | esc)\(if .reason != "" then " (" + (.reason | esc) + ")" else "" end)</li>"] |
			if length > 0 then "<p>Cases that did not pass:</p><ul>", .[], "</ul>" else empty end),
		([.[] | select((.problems | length) > 0) | .kernel as $k | .problems[] | "<li>\($k | esc): \(. | esc)</li>"] |
			if length > 0 then "<p>Problems:</p><ul>", .[], "</ul>" else empty end)
	' "$f"
}

kernels=()
out=""
flavour=normal
timeout_s=300
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) [ $# -ge 2 ] || die "--kernel needs a value"; kernels+=("$2"); shift 2 ;;
	--out) [ $# -ge 2 ] || die "--out needs a value"; out=$2; shift 2 ;;
	--flavour) [ $# -ge 2 ] || die "--flavour needs a value"; flavour=$2; shift 2 ;;
	--timeout) [ $# -ge 2 ] || die "--timeout needs a value"; timeout_s=$2; shift 2 ;;
	--html) [ $# -ge 2 ] || die "--html needs a file"; html_section "$2"; exit 0 ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; die "unknown argument '$1'" ;;
	esac
done
case "$flavour" in normal | debug-vm) ;; *) die "--flavour wants normal or debug-vm, got '$flavour'" ;; esac
[[ "$timeout_s" =~ ^[1-9][0-9]*$ ]] || die "--timeout wants a positive integer, got '$timeout_s'"
[ ${#kernels[@]} -gt 0 ] || kernels=("${DEFAULT_KERNELS[@]}")
command -v jq >/dev/null || die "jq missing (./run.sh setup installs it)"

out=${out:-$LAB_ROOT/results/kunit-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out" || die "cannot create $out"
out=$(cd "$out" && pwd)

# The scheme a tree's headers declare.
tree_scheme() {
	local h=$1/include/linux/page_ref.h
	if grep -q '^#define PAGEREF_CAS_PUT' "$h"; then
		echo frozen-bit-cas-put
	elif grep -q '^#define PAGEREF_FROZEN_BIT' "$h"; then
		echo frozen-bit
	else
		echo zero
	fi
}

# The scheme the lab's own labels must have.
label_scheme() {
	case "$1" in
	base) echo zero ;;
	patched | patched-broken) echo frozen-bit ;;
	patched-cas-put) echo frozen-bit-cas-put ;;
	*) echo "" ;;
	esac
}

# Resolve every kernel before booting any.
labels=()
trees=()
for spec in "${kernels[@]}"; do
	label=${spec%%=*}
	[[ "$label" =~ ^[A-Za-z0-9._-]+$ ]] ||
		die "kernel label '$label' must be letters, digits, '.', '_' or '-'"
	for l in "${labels[@]}"; do
		[ "$l" != "$label" ] || die "kernel label '$label' given twice"
	done
	if [ "$spec" = "$label" ]; then
		log "$label ($flavour): kernels/build.sh (reuses the cache)"
		tree=$("$LAB_ROOT/kernels/build.sh" --flavour "$flavour" "$label" | sed -n "s/^$label=//p") ||
			die "kernels/build.sh --flavour $flavour $label failed"
		[ -n "$tree" ] || die "kernels/build.sh gave no tree for $label"
	else
		tree=${spec#*=}
	fi
	[ -d "$tree" ] || die "kernel $label: '$tree' is not a directory"
	tree=$(cd "$tree" && pwd)
	[ -f "$tree/arch/x86/boot/bzImage" ] || die "kernel $label: $tree/arch/x86/boot/bzImage missing"
	grep -q '^CONFIG_KUNIT=y' "$tree/.config" 2>/dev/null ||
		die "kernel $label: $tree has no CONFIG_KUNIT=y"
	labels+=("$label")
	trees+=("$tree")
done

: >"$out/kunit.jsonl"
printf 'kernel\tscheme\tdebug_vm\tpassed\tfailed\tskipped\tcases\tresult\tguest_seconds\n' >"$out/kunit-summary.tsv"
overall=0

# check_log LABEL DMESG EXPECT_WARN: the kernel log after the suite started
# has no oops/BUG/panic, and exactly one WARNING (the frozen-page increment
# in page_ref.h) when EXPECT_WARN is 1, none otherwise.
check_log() {
	local label=$1 f=$2 want=$3 bad warns
	bad=$(grep -a -c -E 'Oops|BUG:|Kernel panic|general protection' "$f" || true)
	warns=$(grep -a -c 'WARNING:' "$f" || true)
	if [ "$bad" != 0 ]; then
		echo "kernel log has an oops/BUG/panic: $(grep -a -m2 -E 'Oops|BUG:|Kernel panic|general protection' "$f" | tr '\n' ' ')"
		return 1
	fi
	if [ "$want" = 1 ]; then
		if [ "$warns" != 1 ]; then
			echo "expected exactly one WARNING (page_ref_inc on a frozen page), the log has $warns"
			return 1
		fi
		if ! grep -a 'WARNING:' "$f" | grep -q 'include/linux/page_ref.h'; then
			echo "the WARNING is not the page_ref.h frozen-page check: $(grep -a -m1 'WARNING:' "$f")"
			return 1
		fi
		grep -a -q 'page dumped because: VM_WARN_ON_ONCE_PAGE(__page_is_frozen(page))' "$f" || {
			echo "the page dump of the frozen-page check is missing"
			return 1
		}
	elif [ "$warns" != 0 ]; then
		echo "kernel log has a WARNING: $(grep -a -m1 'WARNING:' "$f")"
		return 1
	fi
}

for i in "${!labels[@]}"; do
	label=${labels[$i]}
	tree=${trees[$i]}
	scheme=$(tree_scheme "$tree")
	want=$(label_scheme "$label")
	debug=0
	grep -q '^CONFIG_DEBUG_VM=y' "$tree/.config" && debug=1
	expect_warn=0
	[ "$debug" = 1 ] && [ "$scheme" != zero ] && expect_warn=1
	problems=()
	[ -z "$want" ] || [ "$want" = "$scheme" ] ||
		problems+=("label $label should be scheme $want, but $tree's page_ref.h declares $scheme")

	log "$label: building folio_lab_kunit.ko against $tree (scheme $scheme, debug_vm $debug)"
	ko=""
	if ! ko=$("$HERE/build.sh" "$tree" "$out/build-$label" 2>"$out/build-$label.err" | tail -n1) ||
		[ ! -f "$ko" ]; then
		cat "$out/build-$label.err" >&2
		problems+=("the suite did not build against $tree")
	fi
	guest_s=0
	ktap=$out/kunit-$label.ktap
	rm -f "$ktap" "$out/dmesg-$label.txt"
	if [ -f "$ko" ]; then
		suite_args=()
		[ "$expect_warn" = 0 ] || suite_args=(expect-warn)
		log "$label: booting the guest (log: $out/guest-$label.log)"
		gstart=$(date +%s)
		if ! "$LAB_ROOT/guest/run.sh" --bare --kernel "$label=$tree" --out "$out/guest-$label" \
			--mem 1024 --timeout "$timeout_s" --add "$ko" --script "$HERE/suite.sh" \
			-- "${suite_args[@]}" >"$out/guest-$label.log" 2>&1; then
			tail -n 20 "$out/guest-$label.log" >&2
			problems+=("the guest run failed ($out/guest-$label.log)")
		fi
		guest_s=$(($(date +%s) - gstart))
		raw=$out/guest-$label/raw-$label
		[ ! -f "$raw/kunit.ktap" ] || cp "$raw/kunit.ktap" "$ktap"
		[ ! -f "$raw/dmesg.txt" ] || cp "$raw/dmesg.txt" "$out/dmesg-$label.txt"
	fi

	# Each case: "    ok N name", "    not ok N name", "... # SKIP reason".
	cases_tsv=$out/cases-$label.tsv
	: >"$cases_tsv"
	plan="" seen_scheme=""
	if [ -s "$ktap" ]; then
		sed -n -E 's/^    (not ok|ok) [0-9]+ ([A-Za-z0-9_]+)( # SKIP ?(.*))?$/\1\t\2\t\4/p' "$ktap" |
			awk -F'\t' '{ r = $1 == "ok" ? ($3 != "" ? "skip" : "pass") : "fail"; printf "%s\t%s\t%s\n", $2, r, $3 }' >"$cases_tsv"
		plan=$(sed -n -E 's/^    1\.\.([0-9]+)$/\1/p' "$ktap" | head -n1)
		seen_scheme=$(sed -n -E 's/.*# scheme_matches_headers: scheme: ([a-z-]+) .*/\1/p' "$ktap" | head -n1)
		[ "$seen_scheme" = "$scheme" ] ||
			problems+=("the suite reports scheme '${seen_scheme:-none}', the headers $scheme")
		why=""
		if [ -f "$out/dmesg-$label.txt" ]; then
			why=$(check_log "$label" "$out/dmesg-$label.txt" "$expect_warn") || problems+=("$why")
		fi
	elif [ -f "$ko" ]; then
		problems+=("no KTAP came back from the guest")
	fi
	passed=$(awk -F'\t' '$2 == "pass"' "$cases_tsv" | wc -l)
	failed=$(awk -F'\t' '$2 == "fail"' "$cases_tsv" | wc -l)
	skipped=$(awk -F'\t' '$2 == "skip"' "$cases_tsv" | wc -l)
	total=$(wc -l <"$cases_tsv")
	if [ -s "$ktap" ] && { [ -z "$plan" ] || [ "$plan" != "$total" ]; }; then
		problems+=("the KTAP is incomplete: plan ${plan:-missing}, $total results")
	fi
	result=pass
	if [ "$failed" != 0 ] || [ ${#problems[@]} -gt 0 ]; then
		result=fail
		overall=1
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$scheme" "$debug" "$passed" "$failed" \
		"$skipped" "$total" "$result" "$guest_s" >>"$out/kunit-summary.tsv"
	jq -n -c --arg kernel "$label" --arg tree "$tree" --arg scheme "$scheme" \
		--argjson debug_vm "$debug" --argjson passed "$passed" --argjson failed "$failed" \
		--argjson skipped "$skipped" --argjson total "$total" --arg result "$result" \
		--argjson guest_seconds "$guest_s" --arg ktap "$ktap" \
		--rawfile cases "$cases_tsv" \
		--args '{kernel: $kernel, tree: $tree, scheme: $scheme, debug_vm: ($debug_vm == 1),
		  passed: $passed, failed: $failed, skipped: $skipped, cases_total: $total,
		  result: $result, guest_seconds: $guest_seconds, ktap: $ktap, problems: $ARGS.positional,
		  cases: ($cases | split("\n") | map(select(length > 0) | split("\t") |
		    {name: .[0], result: .[1], reason: .[2]}))}' \
		"${problems[@]}" >>"$out/kunit.jsonl"

	echo "kunit $label (scheme $scheme$([ "$debug" = 0 ] || echo ", debug-vm")): $passed passed, $failed failed, $skipped skipped of $total cases, guest ${guest_s}s -> ${result^^}"
	awk -F'\t' '$2 == "fail" { printf "  FAIL  %s\n", $1 } $2 == "skip" { printf "  skip  %s: %s\n", $1, $3 }' "$cases_tsv"
	for p in "${problems[@]}"; do echo "  PROBLEM: $p"; done
done
log "KTAP and summaries in $out"
exit $overall
