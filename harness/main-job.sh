#!/usr/bin/env bash
# The lab's main job: kernels, native suite, guest suites, comparison,
# charts, report. Called by ./run.sh (after set-up and the userspace build).
set -euo pipefail

LAB_ROOT=${LAB_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD_DIR=${FOLIO_LAB_BUILD:-$LAB_ROOT/build}

usage() {
	cat <<'EOF'
usage: ./run.sh [main] [OPTIONS]

Builds (or reuses from the cache) the lab's kernels (base, patched: the
series' v5 algorithm, patched-cas-put: patched with a race-free final put),
runs the default suite natively and inside a QEMU guest of each kernel,
compares patched and patched-cas-put against base, draws the charts and
writes the report. Everything lands in one results directory.

Options:
  --quick               smoke run: short windows, workers 1,2, pread and module
  --profile             a perf profile of every measurement, natively and in the
                        guests (`folio-lab bench --profile`)
  --out DIR             results directory (default results/main-<UTC time>)
  --kernel LABEL=PATH   a kernel build tree to test (bzImage + Module.symvers);
                        repeatable; replaces the built-in kernels
  --baseline LABEL      label the others are compared with (default: base,
                        or the first --kernel)
  --debug-vm            use the CONFIG_DEBUG_VM flavour of the built-in kernels
  --workloads LIST      comma-separated workloads for the suites
  --workers LIST        worker counts (default: the topology's sweep: 1, 2, a
                        node's cores, all cores, all PUs; `boundaries`: where
                        the workers fill a core, a node, a socket, all PUs)
  --duration S          measured window per repetition
  --warmup S            untimed warm-up before each window (the records keep
                        both: duration_s, warmup_s; meta.json the commands)
  --reps N              repetitions per point
  --smp N               vCPUs per guest (default 4)
  --nodes N             emulated NUMA nodes per guest (default 2)
  --mem MB              guest memory (default 2048)
  --pin, --no-pin       pin each vCPU thread 1:1 to a host PU (default under
                        KVM; guest/run.sh --help, docs/many-core.md)
  --placement P         the host PUs of pinned vCPUs: compact, scatter, node:N,
                        nosmt, pus:LIST (with --smp host: all it allows)
  --hugepages           back the pinned guests' nodes with hugepages
  --timeout S           per-guest time limit (default 1800)
  --no-native           skip the native suite
  --no-guests           skip the guests (native only; also skips KUnit)
  --label LABEL         with --no-guests and --out: the native records are
                        LABEL's (the kernel booted now, e.g. base), appended
                        to DIR beside other labels' runs; folio_lab.ko is built
                        against /lib/modules/$(uname -r)/build and loaded when
                        the kernel can; then `./run.sh compare --baseline base
                        DIR` (the bare-metal recipe: docs/bare-metal.md)
  --replace-label       with --label: drop LABEL's earlier records from DIR
                        first (otherwise a second run of a label is refused)
  --no-kunit            skip the KUnit suite (kunit/run.sh) in each kernel
  --resume DIR          continue an interrupted or failed run in DIR with its
                        own options: the phases that finished (the native
                        suite, each kernel's guest, KUnit) are kept, the rest
                        run again; compare, charts and report are redone

Each kernel's guest is a phase of its own: when it finishes, its headline
against the baseline is printed; a guest that fails is reported and the job
goes on with the others (exit 1 at the end). Records that compare refuses
(malformed, or the same measurement twice with different values) are named
in the output and the report, and the job exits 2; the rest is reported.
Exit: 0 done (a regression is a verdict, see compare.md, not a failure),
1 a phase failed (a guest, the native suite, KUnit), 2 bad options or
refused records, 130 interrupted (resume with --resume DIR).

Comparison (passed on to folio-lab-compare; `./run.sh compare --help`):
  --alpha A             level of each kernel's family of rows (default 0.05)
  --threshold PCT       smallest |%change| that counts (default 2)
  --correction C        bh (default), holm or none
  --filter K=GLOB       only the cases whose field K matches (repeatable)
  --allow-emulated      give verdicts on TCG guest records (default: emulated)
  --allow-missing       a case missing in a new kernel does not fail the gate
  -h, --help            this text
EOF
}

log() { printf '[folio-lab] %s\n' "$*" >&2; }
die() { printf 'folio-lab: %s\n' "$*" >&2; exit 2; }

# Ctrl-C (SIGINT to the foreground process group) or SIGTERM, in any phase:
# the phase's own process stops (the harness drops the measurement under
# way, guest/run.sh stops its QEMU and merges nothing of that guest), the
# results directory is marked INTERRUPTED, and the job exits 130 without
# going on to the next phase. The records already there are whole ones.
phase=start phase_kernel="" out="" phase_pid=""
# run_phase CMD...: CMD in the background and waited for, so a signal is
# handled at once, not when CMD chooses to end (a shell running a command
# that exits 130 on SIGINT would go on to its next one).
run_phase() {
	"$@" &
	phase_pid=$!
	local rc=0
	wait "$phase_pid" || rc=$?
	phase_pid=""
	# A phase that ended on a signal we did not get ourselves (a Ctrl-C that
	# only QEMU heeded: a background job ignores SIGINT) is an interruption.
	[ "$rc" != 130 ] || interrupted
	return "$rc"
}
# stop_phase: TERM to the phase's children (a harness run, the timeout that
# runs QEMU), then to the phase itself, and wait for them.
stop_phase() {
	[ -n "$phase_pid" ] || return 0
	pkill -TERM -P "$phase_pid" 2>/dev/null || true
	for _ in $(seq 40); do
		pgrep -P "$phase_pid" >/dev/null 2>&1 || break
		sleep 0.25
	done
	kill -TERM "$phase_pid" 2>/dev/null || true
	wait "$phase_pid" 2>/dev/null || true
	phase_pid=""
}
interrupted() {
	trap '' INT TERM
	log "interrupted during the $phase phase: stopping (exit 130)"
	stop_phase
	if [ -n "$out" ] && [ -d "$out" ]; then
		printf 'interrupted during the %s phase%s at %s; the records here are whole but the run is incomplete\n' \
			"$phase" "${phase_kernel:+ (kernel $phase_kernel)}" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$out/INTERRUPTED"
		[ ! -f "$out/.job/args" ] || log "resume with: ./run.sh main --resume $out"
	fi
	unload_module
	exit 130
}
trap interrupted INT TERM

# folio_lab.ko for a --no-guests run on an installed kernel: built against
# the running kernel's headers and loaded, when this kernel can; otherwise
# one line says why and the suite runs without the module workload.
module_loaded=0
load_module() {
	local kdir ko why="" err
	kdir=/lib/modules/$(uname -r)/build
	if [ -e /dev/folio_lab ]; then
		log "module: /dev/folio_lab is there: the module workload runs"
		return 0
	fi
	if [ ! -e /proc/modules ]; then
		why="this kernel ($(uname -r)) cannot load modules (no CONFIG_MODULES)"
	elif [ "$(id -u)" != 0 ]; then
		why="loading folio_lab.ko needs root"
	elif [ ! -f "$kdir/Makefile" ]; then
		why="no headers of $(uname -r) at $kdir (install linux-headers-$(uname -r))"
	elif ! ko=$("$LAB_ROOT/kernel-module/build.sh" "$kdir" "$out/.module-${label:-native}" 2>"$out/.module-${label:-native}.log"); then
		why="building folio_lab.ko against $kdir failed (log: $out/.module-${label:-native}.log)"
	elif ! err=$(insmod "$ko" 2>&1); then
		why="insmod $ko failed: $err"
	else
		module_loaded=1
		for _ in $(seq 50); do
			[ -e /dev/folio_lab ] && break
			sleep 0.1
		done
		[ -e /dev/folio_lab ] || why="folio_lab.ko loaded but /dev/folio_lab did not appear"
	fi
	if [ -n "$why" ]; then
		log "module: not loaded, the suite runs without it: $why"
	else
		log "module: folio_lab.ko built against $kdir and loaded"
	fi
}
unload_module() {
	[ "$module_loaded" = 1 ] || return 0
	module_loaded=0
	rmmod folio_lab 2>/dev/null || log "module: rmmod folio_lab failed; it stays loaded"
}

# The running kernel's tree for provenance: its headers' tree when it has the
# .config (a lab --deb kernel's linux-headers does), else a copy of its config
# (/boot/config-*, /proc/config.gz) in DIR/.kernel-LABEL; empty when none.
running_kernel_tree() {
	local kdir d
	kdir=/lib/modules/$(uname -r)/build
	if [ -f "$kdir/.config" ]; then
		(cd "$kdir" && pwd -P)
		return 0
	fi
	d=$out/.kernel-$label
	mkdir -p "$d"
	if [ -r "/boot/config-$(uname -r)" ]; then
		cp "/boot/config-$(uname -r)" "$d/.config"
	elif [ -r /proc/config.gz ]; then
		zcat /proc/config.gz >"$d/.config"
	else
		rmdir "$d"
		return 0
	fi
	printf '%s\n' "$d"
}

# The lab's kernel labels (kernels/build.sh), for the --label check.
declare -A LAB_LABELS=([base]=1 [patched]=1 [patched-cas-put]=1 [patched-broken]=1)
baseline="" flavour=normal native=1 guests=1 kunit=1 timeout=1800 label="" label_given=0 replace=0
kernels=() suite_args=() guest_args=() compare_args=() kargs=()
# --resume DIR: the run's own options, saved in DIR/.job/args when it began.
resume=0
if [ "${1:-}" = --resume ]; then
	[ $# -eq 2 ] || die "--resume takes the results directory and nothing else (the run's options are kept in DIR/.job/args)"
	[ -f "$2/.job/args" ] || die "--resume $2: not a main job's results directory (no $2/.job/args)"
	out=$(cd "$2" && pwd)
	mapfile -d '' -t saved <"$out/.job/args"
	set -- "${saved[@]}"
	resume=1
fi
job_args=("$@")
# Checked before anything is built, booted or written.
posnum() { [[ $2 =~ ^([0-9]+\.?[0-9]*|\.[0-9]+)$ ]] && [[ $2 =~ [1-9] ]] || die "$1 wants a positive number of seconds, got '$2'"; }
posint() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 wants a positive integer, got '$2'"; }
while [ $# -gt 0 ]; do
	case "$1" in
	--quick | --profile) suite_args+=("$1") ;;
	--out) out=${2:?--out needs a directory}; shift ;;
	--kernel)
		[[ ${2:-} == ?*=?* ]] || die "--kernel needs LABEL=PATH"
		kernels+=("$2"); shift ;;
	--baseline) baseline=${2:?}; shift ;;
	--debug-vm) flavour=debug-vm ;;
	--workloads | --workers | --duration | --warmup | --reps)
		[ $# -ge 2 ] || die "$1 needs a value"
		case $1 in
		--duration) posnum "$1" "$2" ;;
		--warmup) [ "$2" = 0 ] || posnum "$1" "$2" ;;
		--reps) posint "$1" "$2" ;;
		--workers)
			[ "$2" = boundaries ] || [[ $2 =~ ^[1-9][0-9]*(-[1-9][0-9]*)?(,[1-9][0-9]*(-[1-9][0-9]*)?)*$ ]] ||
				die "--workers wants a list of positive counts (1,2,4 or 1-4) or 'boundaries', got '$2'" ;;
		esac
		suite_args+=("$1" "$2"); shift ;;
	--timeout) [ $# -ge 2 ] || die "--timeout needs seconds"; posint "$1" "$2"; timeout=$2; shift ;;
	--smp | --nodes | --mem | --placement)
		[ $# -ge 2 ] || die "$1 needs a value"
		case $1 in --nodes | --mem) posint "$1" "$2" ;; --smp) [ "$2" = host ] || posint "$1" "$2" ;; esac
		guest_args+=("$1" "$2"); shift ;;
	--pin | --no-pin | --hugepages) guest_args+=("$1") ;;
	--no-native) native=0 ;;
	--no-guests) guests=0 ;;
	--no-kunit) kunit=0 ;;
	--resume) die "--resume DIR comes alone, first" ;;
	--label) [ $# -ge 2 ] || die "--label needs a value"; label=$2; label_given=1; shift ;;
	--replace-label) replace=1 ;;
	--alpha | --threshold | --correction | --filter)
		[ $# -ge 2 ] || die "$1 needs a value"
		compare_args+=("$1" "$2"); shift ;;
	--allow-emulated | --allow-missing) compare_args+=("$1") ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; die "unknown option '$1'" ;;
	esac
	shift
done

if [ "$label_given" = 1 ]; then
	[[ $label =~ ^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$ ]] ||
		die "--label '$label': letters, digits and . _ + - only (up to 64), e.g. base, patched, patched-cas-put"
	[ "$guests" = 0 ] || die "--label is for --no-guests runs (the guests' records carry their kernels' labels)"
	[ "$native" = 1 ] || die "--label with --no-native would run nothing"
	[ ${#kernels[@]} -eq 0 ] || die "--label and --kernel do not go together"
	[ -n "$out" ] || die "--label needs --out DIR: the directory each kernel's run appends to"
	# On one of the lab's own kernels (release <version>-folio-lab-<label>
	# [-lab|-custom][-debug-vm]), a different lab label is a mix-up.
	rel=$(uname -r)
	if [[ $rel == *-folio-lab-* ]] && [ -n "${LAB_LABELS[$label]:-}" ]; then
		booted=${rel#*-folio-lab-}
		booted=${booted%-debug-vm}
		booted=${booted%-lab}
		booted=${booted%-custom}
		[ "$booted" = "$label" ] ||
			die "--label $label, but the running kernel is $rel (the lab's '$booted'): boot the $label kernel, or --label $booted"
	fi
	export FOLIO_LAB_KERNEL_LABEL=$label
else
	[ "$replace" = 0 ] || die "--replace-label goes with --label"
fi

start=$(date +%s)
out=${out:-$LAB_ROOT/results/main-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
log "results directory: $out"
# The run's options, for --resume; the phases that finished, one file each.
job=$out/.job
if [ "$resume" = 0 ]; then
	rm -rf "$job/done"
	mkdir -p "$job/done"
	printf '%s\0' "${job_args[@]}" --out "$out" >"$job/args"
else
	mkdir -p "$job/done"
	rm -f "$out/INTERRUPTED"
	log "resuming: kept $(find "$job/done" -type f -printf '%f ' | sed 's/ $//;s/ /, /g' | grep . || echo nothing); the rest runs again"
fi
phase_done() { [ "$resume" = 1 ] && [ -f "$job/done/$1" ]; }
mark_done() { : >"$job/done/$1"; }
# have_label L: DIR has records of kernel label L.
have_label() {
	[ -f "$out/samples.jsonl" ] &&
		jq -en --arg l "$1" 'any(inputs; .kernel == $l)' "$out/samples.jsonl" >/dev/null 2>&1
}
# drop_label LABEL: LABEL's records and provenance out of DIR.
drop_label() {
	local l=$1 tmp
	if have_label "$l"; then
		tmp=$(mktemp "$out/.samples.XXXXXX")
		jq -c --arg l "$l" 'select(.kernel != $l)' "$out/samples.jsonl" >"$tmp"
		mv "$tmp" "$out/samples.jsonl"
	fi
	if [ -f "$out/meta.json" ]; then
		tmp=$(mktemp "$out/.meta.XXXXXX")
		jq --arg l "$l" 'del(.kernels[$l])' "$out/meta.json" >"$tmp"
		mv "$tmp" "$out/meta.json"
	fi
}
if [ -n "$label" ]; then
	if have_label "$label"; then
		[ "$replace" = 1 ] || [ "$resume" = 1 ] ||
			die "$out already has records of '$label': another label, another --out, or --replace-label"
		phase_done native || {
			log "dropping the earlier records of '$label' from $out"
			drop_label "$label"
		}
	fi
	if [ -f "$out/samples.jsonl" ]; then
		log "appending '$label' to $out (labels there: $(jq -r .kernel "$out/samples.jsonl" | sort -u | paste -sd, -))"
	fi
fi
elapsed() { echo "$(( $(date +%s) - start ))s"; }
failed=()

phase=kernels
if [ "$guests" = 1 ] && [ ${#kernels[@]} -eq 0 ]; then
	# The labels are declared once, in kernels/build.sh (base first).
	mapfile -t labels < <("$LAB_ROOT/kernels/build.sh" --list | cut -f1)
	[ ${#labels[@]} -gt 0 ] || die "kernels/build.sh --list gave no labels"
	log "kernels: ${labels[*]} ($flavour flavour) from linux-source-6.12 (cached)"
	# In the background too: a Ctrl-C during a kernel build stops it.
	trees_file=$(mktemp "${TMPDIR:-/tmp}/folio-lab-trees.XXXXXX")
	run_phase "$LAB_ROOT/kernels/build.sh" --flavour "$flavour" "${labels[@]}" >"$trees_file"
	mapfile -t kernels <"$trees_file"
	rm -f "$trees_file"
	[ ${#kernels[@]} -eq ${#labels[@]} ] ||
		die "kernel build returned ${#kernels[@]} trees for ${#labels[@]} labels (${labels[*]})"
	: "${baseline:=base}"
fi
if [ -z "$baseline" ] && [ -n "$label" ]; then
	baseline=$label
	if [ "$label" != base ] && have_label base; then
		baseline=base
	fi
fi
if [ -z "$baseline" ]; then
	if [ ${#kernels[@]} -gt 0 ]; then baseline=${kernels[0]%%=*}; else baseline=native; fi
fi

phase=native
if [ "$native" = 1 ] && phase_done native; then
	log "native suite: kept from the interrupted run"
elif [ "$native" = 1 ]; then
	[ "$resume" = 0 ] || [ -n "$label" ] || drop_label native
	[ "$guests" = 1 ] || load_module
	log "native suite on $(uname -r)${label:+ as $label} [$(elapsed)]"
	native_rc=0
	FOLIO_LAB_BIN="$BUILD_DIR/folio-lab" OUT="$out" \
		run_phase "$LAB_ROOT/harness/suite.sh" --out "$out" "${suite_args[@]}" || native_rc=$?
	unload_module
	if [ "$native_rc" != 0 ]; then
		failed+=("native suite (exit $native_rc)")
	else
		mark_done native
	fi
	if [ -n "$label" ]; then
		# Which kernel this label was (config hash), for history.
		ktree=$(running_kernel_tree)
		if [ -n "$ktree" ]; then
			"$LAB_ROOT/harness/kernel-provenance.sh" "$out" "$label=$ktree"
		else
			log "provenance: no config of $(uname -r) found (/boot/config-*, /proc/config.gz)"
		fi
		# The installed package the kernel came from (a --deb build's
		# version names its cache entry): kernels[LABEL].kernel_package.
		kpkg=$(dpkg-query -S "/boot/vmlinuz-$(uname -r)" 2>/dev/null | head -n1 | cut -d: -f1) || kpkg=""
		if [ -n "$kpkg" ] && [ -f "$out/meta.json" ]; then
			kpkg="$kpkg=$(dpkg-query -W -f='${Version}' "$kpkg" 2>/dev/null || true)"
			tmp=$(mktemp "$out/.meta.XXXXXX")
			jq --arg l "$label" --arg p "$kpkg" \
				'if .kernels[$l] then .kernels[$l].kernel_package = $p else . end' "$out/meta.json" >"$tmp"
			mv "$tmp" "$out/meta.json"
		fi
	fi
fi

# early_headline LABEL: LABEL against the baseline, as soon as both are
# measured (a first answer before the whole job ends; compare.md comes later).
early_headline() {
	local l=$1 tmp
	[ "$l" != "$baseline" ] && have_label "$baseline" || return 0
	tmp=$(mktemp -d "$out/.early.XXXXXX")
	log "$l measured: the headline so far against $baseline (compare.md comes at the end):"
	"$BUILD_DIR/folio-lab-compare" headline --baseline "$baseline" --out "$tmp" \
		"${compare_args[@]}" "$out" >&2 2>/dev/null || true
	rm -rf "$tmp"
}

phase=guests
if [ "$guests" = 1 ]; then
	for k in "${kernels[@]}"; do kargs+=(--kernel "$k"); done
	log "guest suites: ${kernels[*]%%=*} [$(elapsed)]"
	for k in "${kernels[@]}"; do
		l=${k%%=*}
		phase_kernel=$l
		if phase_done "guest-$l"; then
			log "guest $l: kept from the interrupted run"
			continue
		fi
		# A guest merges all of its records or none; a run cut short
		# between the merge and its mark leaves them to drop.
		[ "$resume" = 0 ] || drop_label "$l"
		grc=0
		run_phase "$LAB_ROOT/guest/run.sh" --kernel "$k" "${guest_args[@]}" --timeout "$timeout" \
			--out "$out" --script "$LAB_ROOT/harness/suite.sh" -- "${suite_args[@]}" || grc=$?
		if [ "$grc" != 0 ]; then
			failed+=("guest $l (exit $grc; console: $out/console-$l.log)")
			log "guest $l FAILED (exit $grc): going on with the other kernels [$(elapsed)]"
			continue
		fi
		# Which tree this label was (git describe/commit, config hash), for history.
		"$LAB_ROOT/harness/kernel-provenance.sh" "$out" "$k"
		mark_done "guest-$l"
		early_headline "$l"
	done
	phase_kernel=""
fi

# The kernels' refcount semantics, checked by KUnit in each kernel; its
# table goes into the report as a section.
phase=kunit
kunit_rc=none
if [ "$guests" = 1 ] && [ "$kunit" = 1 ] && phase_done kunit; then
	kunit_rc=0
	log "KUnit: kept from the interrupted run"
elif [ "$guests" = 1 ] && [ "$kunit" = 1 ]; then
	log "KUnit suite in ${kernels[*]%%=*} [$(elapsed)]"
	kunit_rc=0
	run_phase "$LAB_ROOT/kunit/run.sh" "${kargs[@]}" --out "$out/kunit" || kunit_rc=$?
	mkdir -p "$out/sections"
	"$LAB_ROOT/kunit/run.sh" --html "$out/kunit/kunit.jsonl" >"$out/sections/kunit.html" ||
		rm -f "$out/sections/kunit.html"
	[ "$kunit_rc" != 0 ] || mark_done kunit
fi

phase=compare
verdict=none
nlabels=0
[ ! -f "$out/samples.jsonl" ] || nlabels=$(jq -r .kernel "$out/samples.jsonl" | sort -u | wc -l)
if [ "$guests" = 1 ] && [ "$nlabels" -ge 2 ]; then
	log "comparing against '$baseline' [$(elapsed)]"
	verdict=0
	run_phase "$BUILD_DIR/folio-lab-compare" compare --baseline "$baseline" \
		--expect "$(IFS=,; echo "${kernels[*]%%=*}")" "${compare_args[@]}" "$out" || verdict=$?
elif [ "$guests" = 1 ]; then
	verdict=one
fi
phase=report
log "charts and report [$(elapsed)]"
report_rc=0
if [ -f "$out/samples.jsonl" ]; then
	run_phase "$BUILD_DIR/folio-lab-compare" report --baseline "$baseline" "${compare_args[@]}" "$out" ||
		report_rc=$?
else
	report_rc=none
fi

rc=0
case $verdict in
0) summary="no regression against $baseline" ;;
1)
	if [ ${#failed[@]} -gt 0 ]; then
		summary="compared against $baseline without the kernels whose guests failed (missing cases; see compare.md)"
	else
		summary="REGRESSION against $baseline (see compare.md)"
	fi ;;
125) summary="cannot decide against $baseline (emulated guests or too few repetitions; see compare.md)" ;;
2)
	summary="records REFUSED by compare (named above and at the top of compare.md and the report)"
	rc=2 ;;
one) summary="one kernel label ($(jq -r .kernel "$out/samples.jsonl" | sort -u | paste -sd, -)): nothing to compare against; its records are kept (history import)" ;;
none)
	summary="native only: nothing to compare"
	if [ -n "$label" ]; then
		summary="'$label' ($(uname -r)) recorded; labels in $out: $(jq -r .kernel "$out/samples.jsonl" | sort -u | paste -sd, -); after a run on each kernel: ./run.sh compare --baseline base $out"
	fi ;;
*)
	summary="compare failed (exit $verdict)"
	rc=2 ;;
esac
case $report_rc in
0 | none) ;;
2) [ "$verdict" = 2 ] || { summary="$summary; the report refused records (see report.html)"; rc=2; } ;;
*) summary="$summary; the report FAILED (exit $report_rc)"; rc=2 ;;
esac
case $kunit_rc in
0) summary="$summary; KUnit passed in every kernel" ;;
none) ;;
*)
	summary="$summary; KUnit FAILED (see $out/kunit/kunit-summary.tsv)"
	failed+=("KUnit (exit $kunit_rc)") ;;
esac
log "done in $(elapsed): $summary"
log "records: $out/samples.jsonl"
[ "$report_rc" = none ] || log "report:  $out/report.html"
if [ ${#failed[@]} -gt 0 ]; then
	for f in "${failed[@]}"; do log "FAILED: $f"; done
	log "resume with: ./run.sh main --resume $out (the phases that finished are kept)"
	[ "$rc" = 2 ] || rc=1
fi
exit "$rc"
