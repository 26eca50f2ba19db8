#!/usr/bin/env bash
# The kernel's own mm selftests (tools/testing/selftests/mm of Debian's
# linux-source-6.12, the source the lab's kernels are built from), built
# static and run in a bare guest of each kernel, with a gate.
#
#   kernels/selftests-mm.sh build [--out DIR] [--jobs N]
#   kernels/selftests-mm.sh run --kernel LABEL=TREE [--kernel ...] --out DIR
#                               [--accel tcg|kvm|auto] [--timeout S] [--mem MB]
#                               [--tests NAME,NAME...]
#   kernels/selftests-mm.sh report --out DIR LABEL...
#   kernels/selftests-mm.sh list
#
# build: every x86-64 program of the mm selftests' Makefile, static (-static:
# the guest is a busybox initramfs with no libraries), against the pristine
# source's own `make headers`. Cached all-or-nothing in
# $FOLIO_LAB_CACHE/selftests-mm-<hash>/ (hash of the source version, this
# script, the compiler and the static libraries it links); reused when
# present. Prints the directory (bin/, manifest.tsv: NAME<TAB>built|not-built
# <TAB>why, build-logs/). With --out DIR the binaries and manifest are copied
# into DIR, which is printed instead.
#
# run: boots each kernel with guest/run.sh --bare, running
# guest/selftests-mm.sh (the test list, per-test time limits, set-up: debugfs,
# hugetlb pool, THP), which writes KTAP to $OUT/selftests-mm.ktap and a log
# per test. Into DIR: selftests-mm-LABEL.ktap, selftests-mm-LABEL/NAME.log,
# console-LABEL.log, selftests-mm.md (test x kernel, skip reasons); the same
# table on stdout. Exit 1 if a test that passes on the first kernel (the
# baseline) fails on another, naming test and kernel, or if any guest does
# not come back (an oops, a WARNING on its console, a stall, a hang: its
# console is read for the tests it finished, the one it was in and the rest
# count as failed, the console excerpt is shown); a test that fails on the
# baseline too is reported, not gated. Exit 2 on usage or build errors.
#
# report: the table and the gate again from DIR/selftests-mm-LABEL.ktap.
# list: the guest script's tests (NAME TIMEOUT COMMAND), one per line.
# ktap-from-console LABEL CONSOLE WHY [NAME...]: the KTAP run rebuilds
# from the console of a guest that did not come back (for the tests).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_ROOT=$(cd "$HERE/.." && pwd)
SELF="$HERE/$(basename "${BASH_SOURCE[0]}")"
CACHE=${FOLIO_LAB_CACHE:-/var/cache/folio-lab}
SRC_TARBALL=${FOLIO_LAB_KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
SRC_PACKAGE=linux-source-6.12
GUEST_SCRIPT="$LAB_ROOT/guest/selftests-mm.sh"
LIBDIR=/usr/lib/x86_64-linux-gnu
CC=${CC:-gcc}

T0=$(date +%s)
log() { printf '[selftests-mm %4ss] %s\n' "$(($(date +%s) - T0))" "$*" >&2; }
die() {
	printf 'kernels/selftests-mm.sh: %s\n' "$*" >&2
	exit 2
}

usage() { sed -n '2,/^set -euo/p' "$SELF" | sed -e '$d' -e 's/^# \{0,1\}//'; }

# Every x86-64 program of tools/testing/selftests/mm/Makefile (6.12):
# NAME:EXTRA-LIBS (extra sources and flags: target_srcs, target_flags).
# The 32-bit protection_keys/pkey_sighandler_tests need a multilib
# toolchain and are not in the list (the 64-bit ones are).
TARGETS=(
	cow:uring compaction_test gup_longterm:uring gup_test hmm-tests
	hugetlb-madvise hugetlb-read-hwpoison hugetlb-soft-offline hugepage-mmap
	hugepage-mremap hugepage-shm hugepage-vmemmap khugepaged madv_populate
	map_fixed_noreplace map_hugetlb map_populate memfd_secret:cap migration:numa
	mkdirty mlock-random-test:cap mlock2-tests mrelease_test mremap_dontunmap
	mremap_test mseal_test seal_elf on-fault-limit pagemap_ioctl thuge-gen
	transhuge-stress uffd-stress uffd-unit-tests split_huge_page_test
	ksm_tests:numa ksm_functional_tests mdwe_test hugetlb_fault_after_madv
	hugetlb_madv_vs_map hugetlb_dio droppable soft-dirty
	protection_keys_64:dl pkey_sighandler_tests_64:dl va_high_addr_switch
	virtual_address_range write_to_hugetlbfs
	split_huge_page_test-nopc
)
# split_huge_page_test-nopc: the lab's variant of split_huge_page_test
# without its 9 "split a PMD-mapped pagecache folio to order N" subtests.
# They need a filesystem with large pagecache folios (XFS; the guest has no
# block device, and on tmpfs check_huge_file() cannot see them), so they
# always skip here, after writing a 4 MiB file one byte per write(2) each:
# 90 s of a TCG guest for nine skips. The other subtests (PMD THP split,
# PTE-mapped THP split, file-backed THP split on tmpfs huge=always) are
# unchanged; the guest runs this variant under the name split_huge_page_test.

# Static archives: lib -> Debian package. Required ones stop the build when
# missing (the tests the lab cares about need them); optional ones leave
# their tests unbuilt, with the package named as the reason.
declare -A LIB_PKG=([c]=libc6-dev [numa]=libnuma-dev [uring]=liburing-dev [cap]=libcap-dev [dl]=libc6-dev)
REQUIRED_LIBS=(c numa uring)

have_static() { [ -f "$LIBDIR/lib$1.a" ]; }

src_version() {
	dpkg-query -W -f='${Version}' "$SRC_PACKAGE" 2>/dev/null ||
		sha256sum "$SRC_TARBALL" | cut -c1-16
}

# The cache key: what the binaries depend on.
build_key() {
	{
		printf 'src %s %s\n' "$SRC_PACKAGE" "$(src_version)"
		sha256sum <"$SELF"
		"$CC" --version | head -n1
		local l
		for l in c numa uring cap; do
			if have_static "$l"; then
				printf 'lib%s.a %s\n' "$l" "$(sha256sum <"$LIBDIR/lib$l.a" | cut -c1-16)"
			else
				printf 'lib%s.a missing\n' "$l"
			fi
		done
	} | sha256sum | cut -c1-12
}

target_srcs() {
	local n=$1 base=${1%_64}
	case "$n" in
	*-nopc) printf '%s/%s.c' "$VARIANTS" "$n" ;;
	*) printf '%s.c' "$base" ;;
	esac
	printf ' vm_util.c thp_settings.c'
	case "$n" in uffd-*) printf ' uffd-common.c' ;; esac
}

target_flags() {
	case "$1" in
	*_64) printf -- '-m64 -mxsave' ;;
	# 6.12.y's khugepaged.c returns KSFT_SKIP without including
	# kselftest.h (a stable backport; mainline includes it).
	khugepaged) printf -- '-include ../kselftest.h' ;;
	esac
}

# target_link NAME: static, not PIE as the Makefile builds them (-no-pie);
# mremap_test as a static PIE: it lays a 40 MB "preamble" below its
# destination in the low addresses without checking them, where a non-PIE
# static binary's brk heap lies: 1 run in 10 failed with EEXIST (case 15)
# on the host and in guests, on every kernel; 0 in 40 as a static PIE.
target_link() {
	case "$1" in
	mremap_test) printf -- '-static-pie' ;;
	*) printf -- '-no-pie -static' ;;
	esac
}

# make_variants SRC: the lab's variants of the tests' sources, in $VARIANTS.
# A variant whose upstream text moved is not built (the manifest says why).
make_variants() {
	local mm="$1/tools/testing/selftests/mm" v="$VARIANTS/split_huge_page_test-nopc.c"
	mkdir -p "$VARIANTS"
	sed -e 's/ksft_set_plan(3+9);/ksft_set_plan(3);/' \
		-e 's/for (i = 8; i >= 0; i--)/for (i = 8; i >= 0 \&\& 0; i--)/' \
		"$mm/split_huge_page_test.c" >"$v"
	if ! grep -q 'ksft_set_plan(3);' "$v" || ! grep -q 'i >= 0 && 0;' "$v"; then
		rm -f "$v"
	fi
}

# build_one NAME LIBS SRC HDR CFG OUT: one static program, or its log.
build_one() {
	local name=$1 libs=$2 src=$3 hdr=$4 cfg=$5 out=$6 l
	local -a ld=(-lrt -lpthread -lm)
	for l in ${libs//,/ }; do ld+=("-l$l"); done
	# The Makefile's flags (mm/Makefile + lib.mk), plus -static.
	# shellcheck disable=SC2046
	(cd "$src/tools/testing/selftests/mm" &&
		"$CC" -Wall -O2 -I "$src" -I . -isystem "$hdr/usr/include" \
			-isystem "$src/tools/include/uapi" -I "$cfg" -U_FORTIFY_SOURCE \
			-D_GNU_SOURCE= $(target_flags "$name") $(target_link "$name") \
			$(target_srcs "$name") "${ld[@]}" -o "$out/bin/$name") \
		>"$out/build-logs/$name.log" 2>&1
}

cmd_build() {
	local outdir="" jobs
	jobs=$(nproc)
	while [ $# -gt 0 ]; do
		case "$1" in
		--out) [ $# -ge 2 ] || die "--out needs a directory"; outdir=$2; shift 2 ;;
		--jobs) [ $# -ge 2 ] || die "--jobs needs a number"; jobs=$2; shift 2 ;;
		-h | --help) usage; exit 0 ;;
		*) die "build: unknown argument '$1'" ;;
		esac
	done
	command -v "$CC" >/dev/null || die "no C compiler '$CC' (apt-get install gcc)"
	local l
	for l in "${REQUIRED_LIBS[@]}"; do
		have_static "$l" ||
			die "$LIBDIR/lib$l.a missing: the static mm selftests need Debian package ${LIB_PKG[$l]} (apt-get install ${LIB_PKG[$l]})"
	done
	[ -r "$SRC_TARBALL" ] || [ -n "$(ls -d "$CACHE/src/$SRC_PACKAGE"-*/Makefile 2>/dev/null)" ] ||
		die "$SRC_TARBALL missing (apt-get install $SRC_PACKAGE)"
	mkdir -p "$CACHE" || die "cannot create $CACHE"
	local key dir
	key=$(build_key)
	dir="$CACHE/selftests-mm-$key"
	exec 9>"$CACHE/selftests-mm.lock"
	flock 9
	if [ -f "$dir/manifest.tsv" ]; then
		log "cached: $dir"
	else
		build_into "$dir" "$jobs"
	fi
	flock -u 9
	if [ -n "$outdir" ]; then
		mkdir -p "$outdir/bin"
		cp -a "$dir/bin/." "$outdir/bin/"
		cp "$dir/manifest.tsv" "$outdir/"
		printf '%s\n' "$outdir"
	else
		printf '%s\n' "$dir"
	fi
}

# build_into DIR JOBS: build in a temp dir next to DIR, rename at the end.
build_into() {
	local dir=$1 jobs=$2 tmp src ver
	tmp="$CACHE/.tmp-selftests-mm-$$"
	rm -rf "$tmp"
	mkdir -p "$tmp/out/bin" "$tmp/out/build-logs" "$tmp/cfg"
	trap 'rm -rf "$tmp"' EXIT
	ver=$(src_version)
	# The pristine source kernels/build.sh extracted, read only; else our own.
	src="$CACHE/src/$SRC_PACKAGE-$ver"
	if [ ! -f "$src/Makefile" ]; then
		log "extracting $SRC_TARBALL (no pristine source in $CACHE/src)"
		mkdir -p "$tmp/src"
		tar -xJf "$SRC_TARBALL" -C "$tmp/src" || die "extracting $SRC_TARBALL failed"
		src="$tmp/src/$SRC_PACKAGE"
	fi
	[ -f "$src/tools/testing/selftests/mm/Makefile" ] || die "$src has no tools/testing/selftests/mm"
	log "kernel headers of $SRC_PACKAGE $ver (make headers)"
	make -s -C "$src" O="$tmp/hdr" ARCH=x86 headers >"$tmp/out/build-logs/headers.log" 2>&1 || {
		tail -n 20 "$tmp/out/build-logs/headers.log" >&2
		die "make headers failed in $src"
	}
	# What tools/testing/selftests/mm/check_config.sh would find (liburing is
	# required above).
	echo '#define LOCAL_CONFIG_HAVE_LIBURING 1' >"$tmp/cfg/local_config.h"
	VARIANTS="$tmp/variants"
	make_variants "$src"
	log "building ${#TARGETS[@]} programs, static, $jobs at a time"
	local t name libs l miss running=0
	local -a queued=()
	: >"$tmp/out/manifest.tsv"
	for t in "${TARGETS[@]}"; do
		name=${t%%:*}
		libs=""
		[ "$name" = "$t" ] || libs=${t#*:}
		miss=""
		for l in ${libs//,/ }; do
			have_static "$l" || miss+="${miss:+, }$LIBDIR/lib$l.a (Debian package ${LIB_PKG[$l]})"
		done
		if [ -n "$miss" ]; then
			printf '%s\tnot-built\tneeds %s\n' "$name" "$miss" >>"$tmp/out/manifest.tsv"
			continue
		fi
		if [[ "$name" == *-nopc ]] && [ ! -f "$VARIANTS/$name.c" ]; then
			printf '%s\tnot-built\tthe lab variant no longer applies to %s.c (kernels/selftests-mm.sh make_variants)\n' \
				"$name" "${name%-nopc}" >>"$tmp/out/manifest.tsv"
			continue
		fi
		build_one "$name" "$libs" "$src" "$tmp/hdr" "$tmp/cfg" "$tmp/out" &
		queued+=("$name")
		running=$((running + 1))
		if [ "$running" -ge "$jobs" ]; then
			wait -n || true
			running=$((running - 1))
		fi
	done
	wait || true
	local n_ok=0 n_bad=0 why
	for name in "${queued[@]}"; do
		if [ -x "$tmp/out/bin/$name" ]; then
			printf '%s\tbuilt\t\n' "$name" >>"$tmp/out/manifest.tsv"
			rm -f "$tmp/out/build-logs/$name.log"
			n_ok=$((n_ok + 1))
		else
			why=$(grep -m1 -E 'error|undefined reference' "$tmp/out/build-logs/$name.log" |
				sed "s|$src/||g" | cut -c1-200)
			printf '%s\tnot-built\tstatic build failed: %s\n' "$name" "${why:-see build-logs/$name.log}" \
				>>"$tmp/out/manifest.tsv"
			log "not built: $name: ${why:-see build-logs/$name.log}"
			n_bad=$((n_bad + 1))
		fi
	done
	sort -o "$tmp/out/manifest.tsv" "$tmp/out/manifest.tsv"
	printf 'source %s %s\nbuilt %s\nnot-built %s\n' "$SRC_PACKAGE" "$ver" "$n_ok" "$n_bad" >"$tmp/out/source"
	rm -rf "$dir"
	mv "$tmp/out" "$dir"
	rm -rf "$tmp"
	trap - EXIT
	log "built $n_ok programs ($n_bad not built) into $dir"
	awk -F'\t' '$2 == "not-built" { printf "  not built: %s: %s\n", $1, $3 }' "$dir/manifest.tsv" >&2
}

# ---- run ----------------------------------------------------------------

MARK=folio-lab-selftests-mm

# console_results CONSOLE: the KTAP lines the guest echoed on its console
# (CRs and anything printed before the marker on the same line dropped).
console_results() {
	tr -d '\r' <"$1" | grep -a -o "$MARK: .*" | sed "s/^$MARK: //"
}

# first_bad CONSOLE: the first line the guest runner's console watch fails a
# guest on, and the test that was running then (NAME<TAB>LINE), if any.
first_bad() {
	tr -d '\r' <"$1" | awk -v mark="$MARK: start " -v done="$MARK: done" '
		index($0, mark) { s = substr($0, index($0, mark) + length(mark)); split(s, w, /[ :]/); cur = w[2]; next }
		index($0, done) { cur = ""; next }
		/Oops|BUG:|WARNING:|Kernel panic|general protection|Call Trace|rcu_sched self-detected stall|rcu: INFO|soft lockup|blocked for more than/ {
			printf "%s\t%s\n", cur, $0; exit }'
}

# rebuild_ktap LABEL CONSOLE WHY TESTS...: KTAP for a guest that did not
# send its results: what it echoed on the console; the test it was in when
# it failed, and every test after, not ok with the reason.
rebuild_ktap() {
	local label=$1 console=$2 why=$3
	shift 3
	local -a names=("$@")
	local -A line=()
	local l n name cur="" bad="" badtest=""
	while IFS= read -r l; do
		if [[ "$l" =~ ^(not\ )?ok\ ([0-9]+)\ ([^ #]+) ]]; then
			line[${BASH_REMATCH[3]}]=$l
		elif [[ "$l" =~ ^start\ [0-9]+\ ([^ :]+) ]]; then
			cur=${BASH_REMATCH[1]}
		fi
	done < <(console_results "$console")
	IFS=$'\t' read -r badtest bad < <(first_bad "$console") || true
	echo "TAP version 13"
	echo "1..${#names[@]}"
	echo "# kernel $label: the guest did not come back ($why); rebuilt from its console"
	[ -z "$bad" ] || echo "# console: $bad"
	n=0
	for name in "${names[@]}"; do
		n=$((n + 1))
		if [ -n "$bad" ] && [ "$name" = "$badtest" ]; then
			echo "not ok $n $name # KERNEL the console showed: $(cut -c1-160 <<<"$bad")"
		elif [ -n "${line[$name]:-}" ]; then
			echo "${line[$name]}"
		elif [ "$name" = "$cur" ]; then
			echo "not ok $n $name # GUEST running when the guest failed: $why"
		elif [ -n "$cur" ]; then
			echo "not ok $n $name # NOT RUN: the guest failed in $cur"
		else
			echo "not ok $n $name # NOT RUN: the guest failed before the tests ($why)"
		fi
	done
}

# status LINE: pass, fail or skip of a KTAP result line.
ktap_status() {
	case "$1" in
	"not ok "*) echo fail ;;
	ok\ *"# SKIP"*) echo skip ;;
	"ok "*) echo pass ;;
	*) echo fail ;;
	esac
}

cmd_run() {
	local -a kernels=() only=()
	local out="" accel=tcg gtimeout="" mem=""
	while [ $# -gt 0 ]; do
		case "$1" in
		--kernel) [ $# -ge 2 ] || die "--kernel needs LABEL=TREE"; kernels+=("$2"); shift 2 ;;
		--out) [ $# -ge 2 ] || die "--out needs a directory"; out=$2; shift 2 ;;
		--accel) [ $# -ge 2 ] || die "--accel needs tcg, kvm or auto"; accel=$2; shift 2 ;;
		--timeout) [ $# -ge 2 ] || die "--timeout needs seconds"; gtimeout=$2; shift 2 ;;
		--mem) [ $# -ge 2 ] || die "--mem needs MB"; mem=$2; shift 2 ;;
		--tests) [ $# -ge 2 ] || die "--tests needs NAME,NAME..."; IFS=, read -r -a only <<<"$2"; shift 2 ;;
		-h | --help) usage; exit 0 ;;
		*) die "run: unknown argument '$1'" ;;
		esac
	done
	[ ${#kernels[@]} -ge 1 ] || die "run: at least one --kernel LABEL=TREE (the first is the baseline)"
	[ -n "$out" ] || die "run: --out DIR is required"
	local spec
	for spec in "${kernels[@]}"; do
		[[ "$spec" == *=* ]] || die "--kernel '$spec': want LABEL=TREE (trees from kernels/build.sh)"
		[ -f "${spec#*=}/arch/x86/boot/bzImage" ] || die "--kernel '$spec': no arch/x86/boot/bzImage in ${spec#*=}"
	done

	# The tests, in the guest script's order (all, or --tests).
	local -a names=()
	local name t cmd
	while IFS=$'\t' read -r name t cmd; do
		if [ ${#only[@]} -gt 0 ] && [[ " ${only[*]} " != *" $name "* ]]; then continue; fi
		names+=("$name")
	done < <(sh "$GUEST_SCRIPT" --list)
	[ ${#names[@]} -gt 0 ] || die "run: no such tests: ${only[*]} (kernels/selftests-mm.sh list)"
	for name in "${only[@]}"; do
		[[ " ${names[*]} " == *" $name "* ]] || die "run: no test '$name' (kernels/selftests-mm.sh list)"
	done
	# A guest's limit (guest/run.sh's default): the TCG list takes about
	# 3 minutes; a test that hangs is killed at its own limit, a kernel
	# that stalls panics (RCU stall, soft lockup, hung task).
	[ -n "$gtimeout" ] || gtimeout=900

	local bdir
	bdir=$("$SELF" build) || die "building the mm selftests failed (above)"
	mkdir -p "$out"
	out=$(cd "$out" && pwd)
	local stage="$out/.selftests-mm-files"
	rm -rf "$stage"
	mkdir -p "$stage"
	cp "$bdir/manifest.tsv" "$stage/selftests-mm.manifest"
	local -a adds=(--add "$stage/selftests-mm.manifest")
	local prog
	# Only the programs the chosen tests run (a smaller initramfs).
	while IFS=$'\t' read -r name t cmd; do
		[[ " ${names[*]} " == *" $name "* ]] || continue
		prog=${cmd%% *}
		if [ -x "$bdir/bin/$prog" ] && [ ! -e "$stage/$prog" ]; then
			ln -s "$bdir/bin/$prog" "$stage/$prog"
			adds+=(--add "$stage/$prog")
		fi
	done < <(sh "$GUEST_SCRIPT" --list)

	local -a labels=()
	local label tree rc glog why interrupted bad
	for spec in "${kernels[@]}"; do
		label=${spec%%=*}
		tree=${spec#*=}
		labels+=("$label")
		glog="$out/guest-selftests-mm-$label.log"
		rm -rf "$out/raw-$label" "$out/selftests-mm-$label" "$out/selftests-mm-$label.ktap"
		log "$label: ${#names[@]} tests in a guest ($accel; guest limit ${gtimeout}s)"
		local -a extra=()
		[ -z "$mem" ] || extra+=(--mem "$mem")
		rc=0
		interrupted=0
		trap 'interrupted=1' INT TERM
		"$LAB_ROOT/guest/run.sh" --bare --accel "$accel" --kernel "$label=$tree" \
			--out "$out" --timeout "$gtimeout" "${extra[@]}" "${adds[@]}" \
			--script "$GUEST_SCRIPT" -- "${names[@]}" >"$glog" 2>&1 || rc=$?
		trap - INT TERM
		[ "$interrupted" = 0 ] || die "interrupted"
		if [ "$rc" = 130 ]; then
			# guest/run.sh exits 130 when QEMU ends on a signal (before
			# 861081e its own --timeout's too): nobody interrupted us.
			echo "guest/run.sh: guest $label stopped: guest/run.sh exited 130, as it does when its --timeout ($gtimeout s) ends QEMU" >>"$glog"
		fi
		# The results came back (guest/run.sh collects them only from a
		# guest that finished with a clean console), and the console is
		# clean by our own reading too: use them, whatever guest/run.sh
		# did after that. Else rebuild what the console shows.
		bad=$(first_bad "$out/console-$label.log" 2>/dev/null || true)
		if [ -f "$out/raw-$label/selftests-mm.ktap" ] && [ -z "$bad" ]; then
			[ "$rc" = 0 ] || log "$label: guest/run.sh exited $rc after the results came back (see $glog); they are used"
			cp "$out/raw-$label/selftests-mm.ktap" "$out/selftests-mm-$label.ktap"
			[ ! -d "$out/raw-$label/selftests-mm" ] || cp -r "$out/raw-$label/selftests-mm" "$out/selftests-mm-$label"
			[ ! -f "$out/raw-$label/dmesg.txt" ] || cp "$out/raw-$label/dmesg.txt" "$out/selftests-mm-$label/dmesg.txt"
		else
			# guest/run.sh's own message: its first line says why.
			why=$(grep -a -m1 '^guest/run.sh: ' "$glog" | sed 's/^guest\/run.sh: //; s/:$//' | cut -c1-200 || true)
			[ -n "$why" ] || why="guest/run.sh exited $rc"
			[ -z "$bad" ] || [ "$rc" != 0 ] || why="its console shows: $(cut -f2 <<<"$bad" | cut -c1-160)"
			log "$label: the guest failed: $why"
			sed -n '/^guest\/run.sh: /,$p' "$glog" | head -n 8 | sed 's/^/    /' >&2
			rebuild_ktap "$label" "$out/console-$label.log" "$why" "${names[@]}" >"$out/selftests-mm-$label.ktap"
		fi
	done
	rm -rf "$stage"
	report "$out" "${#labels[@]}" "${labels[@]}" "${names[@]}" || return $?
	return 0
}

# report DIR NKERNELS LABEL... NAME...: the table (stdout and
# DIR/selftests-mm.md) and the gate.
report() {
	local out=$1 nk=$2
	shift 2
	local -a labels=("${@:1:$nk}")
	shift "$nk"
	local -a names=("$@")
	local -A st=() why=() secs=() diag=()
	local -a guest_bad=()
	local label l n name s base=${labels[0]}
	for label in "${labels[@]}"; do
		[ -f "$out/selftests-mm-$label.ktap" ] || die "no $out/selftests-mm-$label.ktap"
		! grep -q '^# kernel .*: the guest did not come back' "$out/selftests-mm-$label.ktap" ||
			guest_bad+=("$label")
		while IFS= read -r l; do
			if [[ "$l" =~ ^(not\ )?ok\ [0-9]+\ ([^ #]+)(\ #\ (.*))?$ ]]; then
				name=${BASH_REMATCH[2]}
				st[$label/$name]=$(ktap_status "$l")
				why[$label/$name]=${BASH_REMATCH[4]:-}
				why[$label/$name]=${why[$label/$name]#SKIP }
			elif [[ "$l" =~ ^#\ ([^ :]+):\ ([0-9.]+)s,\ (.*)$ ]]; then
				secs[$label/${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
				diag[$label/${BASH_REMATCH[1]}]=${BASH_REMATCH[3]}
			fi
		done <"$out/selftests-mm-$label.ktap"
	done
	local -a regress=() basefail=()
	local md="$out/selftests-mm.md" cell note row
	{
		printf '| test |'
		printf ' %s |' "${labels[@]}"
		printf ' notes |\n|---|'
		printf -- '---|%.0s' "${labels[@]}"
		printf -- '---|\n'
	} >"$md"
	local w=4
	for name in "${names[@]}"; do [ "${#name}" -le "$w" ] || w=${#name}; done
	printf '%-*s' "$w" test
	printf ' %-16s' "${labels[@]}"
	printf '\n'
	for name in "${names[@]}"; do
		local -a notes=()
		row="| $name |"
		printf '%-*s' "$w" "$name"
		for label in "${labels[@]}"; do
			s=${st[$label/$name]:-fail}
			[ -n "${st[$label/$name]:-}" ] || why[$label/$name]="no result"
			cell=$s
			[ -z "${secs[$label/$name]:-}" ] || cell="$s ${secs[$label/$name]}s"
			if [ "$s" = fail ] && [ -n "${why[$label/$name]:-}" ]; then
				notes+=("$label: ${why[$label/$name]}")
			elif [ "$s" = fail ] && [ "$label" != "$base" ] && [ -n "${diag[$label/$name]:-}" ] &&
				[ "${diag[$label/$name]}" != "${diag[$base/$name]:-}" ]; then
				notes+=("$label: ${diag[$label/$name]}")
			fi
			if [ "$label" != "$base" ] && [ "${st[$base/$name]:-}" = pass ] && [ "$s" = fail ]; then
				cell="**FAIL** ${secs[$label/$name]:+${secs[$label/$name]}s}"
				regress+=("$name on $label${why[$label/$name]:+ (${why[$label/$name]})}")
				notes+=("REGRESSION on $label (passes on $base)")
			elif [ "$s" = fail ]; then
				cell="fail ${secs[$label/$name]:+${secs[$label/$name]}s}"
			fi
			if [ "$s" = pass ] && [[ "${diag[$label/$name]:-}" == *"; flaky: "* ]]; then
				cell="pass (retried)${secs[$label/$name]:+ ${secs[$label/$name]}s}"
				note=${diag[$label/$name]#*; flaky: }
				notes+=("$label: passed after failing (${note%%; its own results*})")
			fi
			if [ "$s" = skip ]; then
				note="skip: ${why[$label/$name]}"
				[[ " ${notes[*]} " == *"$note"* ]] || notes+=("$note")
			fi
			row+=" ${cell% } |"
			printf ' %-16s' "${cell//\*/}"
		done
		if [ "${st[$base/$name]:-fail}" = fail ]; then
			notes+=("fails on $base (baseline): not gated${diag[$base/$name]:+ ($base: ${diag[$base/$name]})}")
			basefail+=("$name")
		elif [[ "${diag[$base/$name]:-}" == *"; all its "* ]]; then
			note=${diag[$base/$name]#*; all its }
			notes+=("passes on $base: its ${note%%; its own results*}")
		fi
		local joined
		joined=$(printf '%s; ' "${notes[@]}")
		joined=${joined%; }
		row+=" ${joined//|/\\|} |"
		printf '%s\n' "$row" >>"$md"
		printf '\n'
	done
	{
		printf '\nKernels: %s (baseline: %s). ' "${labels[*]}" "$base"
		printf 'Times are seconds in the guest.\n'
	} >>"$md"
	local rc=0
	if [ ${#basefail[@]} -gt 0 ]; then
		log "fail on the baseline $base too (reported, not gated): ${basefail[*]}"
	fi
	# A guest that did not come back (an oops, a WARNING, a stall, a hang)
	# fails the gate whichever kernel it ran: its console says why.
	if [ ${#guest_bad[@]} -gt 0 ]; then
		log "guests that did not come back: ${guest_bad[*]} (consoles: $out/console-LABEL.log)"
		for label in "${guest_bad[@]}"; do
			log "GATE: the $label guest did not come back: $(sed -n 's/^# kernel [^:]*: the guest did not come back (\(.*\)); rebuilt from its console$/\1/p' "$out/selftests-mm-$label.ktap" | head -n1)"
			l=$(sed -n 's/^# console: //p' "$out/selftests-mm-$label.ktap" | head -n1)
			[ -z "$l" ] || log "    its console: $l"
		done
		rc=1
	fi
	local r
	for r in "${regress[@]}"; do
		log "GATE: $r: passes on $base"
		rc=1
	done
	log "table: $md; KTAP: $out/selftests-mm-LABEL.ktap; logs: $out/selftests-mm-LABEL/"
	[ "$rc" = 0 ] && log "gate passed: no test that passes on $base fails on ${labels[*]:1}"
	return "$rc"
}

# report --out DIR LABEL...: the table and the gate again, from
# DIR/selftests-mm-LABEL.ktap (the first LABEL is the baseline).
cmd_report() {
	local out=""
	local -a labels=() names=()
	while [ $# -gt 0 ]; do
		case "$1" in
		--out) [ $# -ge 2 ] || die "--out needs a directory"; out=$2; shift 2 ;;
		-*) die "report: unknown option '$1'" ;;
		*) labels+=("$1"); shift ;;
		esac
	done
	if [ -z "$out" ] || [ ${#labels[@]} -eq 0 ]; then
		die "usage: kernels/selftests-mm.sh report --out DIR LABEL..."
	fi
	# The guest script's tests that any of the KTAP files has, in its order.
	local name t cmd label
	while IFS=$'\t' read -r name t cmd; do
		for label in "${labels[@]}"; do
			if grep -Eq "^(not )?ok [0-9]+ $name( |\$)" "$out/selftests-mm-$label.ktap" 2>/dev/null; then
				names+=("$name")
				break
			fi
		done
	done < <(sh "$GUEST_SCRIPT" --list)
	[ ${#names[@]} -gt 0 ] || die "report: no results of the guest script's tests in $out/selftests-mm-{${labels[*]}}.ktap"
	report "$out" "${#labels[@]}" "${labels[@]}" "${names[@]}"
}

main() {
	[ $# -ge 1 ] || { usage >&2; exit 2; }
	local cmd=$1
	shift
	case "$cmd" in
	build) cmd_build "$@" ;;
	run) cmd_run "$@" ;;
	report) cmd_report "$@" ;;
	ktap-from-console)
		[ $# -ge 3 ] || die "usage: kernels/selftests-mm.sh ktap-from-console LABEL CONSOLE WHY [NAME...]"
		local l=$1 c=$2 w=$3
		shift 3
		[ $# -gt 0 ] || mapfile -t -O 0 names < <(sh "$GUEST_SCRIPT" --list | cut -f1)
		[ $# -eq 0 ] || names=("$@")
		rebuild_ktap "$l" "$c" "$w" "${names[@]}" ;;
	list) sh "$GUEST_SCRIPT" --list ;;
	-h | --help | help) usage ;;
	*) die "unknown command '$cmd' (build, run, report, list)" ;;
	esac
}

main "$@"; exit $?
