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
phase=start out="" phase_pid=""
# run_phase CMD...: CMD in the background and waited for, so a signal is
# handled at once, not when CMD chooses to end (a shell running a command
# that exits 130 on SIGINT would go on to its next one).
run_phase() {
	"$@" &
	phase_pid=$!
	local rc=0
	wait "$phase_pid" || rc=$?
	phase_pid=""
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
		printf 'interrupted during the %s phase at %s; the records here are whole but the run is incomplete\n' \
			"$phase" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$out/INTERRUPTED"
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
while [ $# -gt 0 ]; do
	case "$1" in
	--quick | --profile) suite_args+=("$1") ;;
	--out) out=${2:?--out needs a directory}; shift ;;
	--kernel)
		[[ ${2:-} == ?*=?* ]] || die "--kernel needs LABEL=PATH"
		kernels+=("$2"); shift ;;
	--baseline) baseline=${2:?}; shift ;;
	--debug-vm) flavour=debug-vm ;;
	--workloads | --workers | --duration | --reps)
		[ $# -ge 2 ] || die "$1 needs a value"
		suite_args+=("$1" "$2"); shift ;;
	--timeout) timeout=${2:?--timeout needs seconds}; shift ;;
	--smp | --nodes | --mem | --placement)
		[ $# -ge 2 ] || die "$1 needs a value"
		guest_args+=("$1" "$2"); shift ;;
	--pin | --no-pin | --hugepages) guest_args+=("$1") ;;
	--no-native) native=0 ;;
	--no-guests) guests=0 ;;
	--no-kunit) kunit=0 ;;
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
if [ -n "$label" ]; then
	if [ -f "$out/samples.jsonl" ] &&
		jq -en --arg l "$label" 'any(inputs; .kernel == $l)' "$out/samples.jsonl" >/dev/null 2>&1; then
		[ "$replace" = 1 ] ||
			die "$out already has records of '$label': another label, another --out, or --replace-label"
		log "dropping the earlier records of '$label' from $out (--replace-label)"
		tmp=$(mktemp "$out/.samples.XXXXXX")
		jq -c --arg l "$label" 'select(.kernel != $l)' "$out/samples.jsonl" >"$tmp"
		mv "$tmp" "$out/samples.jsonl"
		if [ -f "$out/meta.json" ]; then
			tmp=$(mktemp "$out/.meta.XXXXXX")
			jq --arg l "$label" 'del(.kernels[$l])' "$out/meta.json" >"$tmp"
			mv "$tmp" "$out/meta.json"
		fi
	fi
	if [ -f "$out/samples.jsonl" ]; then
		log "appending '$label' to $out (labels there: $(jq -r .kernel "$out/samples.jsonl" | sort -u | paste -sd, -))"
	fi
fi
elapsed() { echo "$(( $(date +%s) - start ))s"; }

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
	if [ "$label" != base ] && [ -f "$out/samples.jsonl" ] &&
		jq -en 'any(inputs; .kernel == "base")' "$out/samples.jsonl" >/dev/null 2>&1; then
		baseline=base
	fi
fi
if [ -z "$baseline" ]; then
	if [ ${#kernels[@]} -gt 0 ]; then baseline=${kernels[0]%%=*}; else baseline=native; fi
fi

phase=native
if [ "$native" = 1 ]; then
	[ "$guests" = 1 ] || load_module
	log "native suite on $(uname -r)${label:+ as $label} [$(elapsed)]"
	native_rc=0
	FOLIO_LAB_BIN="$BUILD_DIR/folio-lab" OUT="$out" \
		run_phase "$LAB_ROOT/harness/suite.sh" --out "$out" "${suite_args[@]}" || native_rc=$?
	unload_module
	[ "$native_rc" = 0 ] || exit "$native_rc"
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

phase=guests
if [ "$guests" = 1 ]; then
	for k in "${kernels[@]}"; do kargs+=(--kernel "$k"); done
	log "guest suites: ${kernels[*]%%=*} [$(elapsed)]"
	run_phase "$LAB_ROOT/guest/run.sh" "${kargs[@]}" "${guest_args[@]}" --timeout "$timeout" \
		--out "$out" --script "$LAB_ROOT/harness/suite.sh" -- "${suite_args[@]}"
	# Which tree each label was (git describe/commit, config hash), for history.
	"$LAB_ROOT/harness/kernel-provenance.sh" "$out" "${kernels[@]}"
fi

# The kernels' refcount semantics, checked by KUnit in each kernel; its
# table goes into the report as a section.
phase=kunit
kunit_rc=none
if [ "$guests" = 1 ] && [ "$kunit" = 1 ]; then
	log "KUnit suite in ${kernels[*]%%=*} [$(elapsed)]"
	kunit_rc=0
	run_phase "$LAB_ROOT/kunit/run.sh" "${kargs[@]}" --out "$out/kunit" || kunit_rc=$?
	mkdir -p "$out/sections"
	"$LAB_ROOT/kunit/run.sh" --html "$out/kunit/kunit.jsonl" >"$out/sections/kunit.html" ||
		rm -f "$out/sections/kunit.html"
fi

phase=compare
verdict=0
if [ "$guests" = 1 ]; then
	log "comparing against '$baseline' [$(elapsed)]"
	run_phase "$BUILD_DIR/folio-lab-compare" compare --baseline "$baseline" \
		--expect "$(IFS=,; echo "${kernels[*]%%=*}")" "${compare_args[@]}" "$out" || verdict=$?
else
	verdict=none
fi
phase=report
log "charts and report [$(elapsed)]"
run_phase "$BUILD_DIR/folio-lab-compare" report --baseline "$baseline" "${compare_args[@]}" "$out"

case $verdict in
0) summary="no regression against $baseline" ;;
1) summary="REGRESSION against $baseline (see compare.md)" ;;
125) summary="cannot decide against $baseline (emulated guests or too few repetitions; see compare.md)" ;;
none)
	summary="native only: nothing to compare"
	if [ -n "$label" ]; then
		summary="'$label' ($(uname -r)) recorded; labels in $out: $(jq -r .kernel "$out/samples.jsonl" | sort -u | paste -sd, -); after a run on each kernel: ./run.sh compare --baseline base $out"
	fi ;;
*) die "compare failed (exit $verdict)" ;;
esac
case $kunit_rc in
0) summary="$summary; KUnit passed in every kernel" ;;
none) ;;
*) summary="$summary; KUnit FAILED (see $out/kunit/kunit-summary.tsv)" ;;
esac
log "done in $(elapsed): $summary"
log "records: $out/samples.jsonl"
log "report:  $out/report.html"
[ "$kunit_rc" = none ] || [ "$kunit_rc" = 0 ] || exit 1
