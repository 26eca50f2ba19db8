#!/usr/bin/env bash
# folio-lab entry point. `./run.sh help` for the commands.
set -euo pipefail

LAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export LAB_ROOT
BUILD_DIR=${FOLIO_LAB_BUILD:-$LAB_ROOT/build}
export FOLIO_LAB_CACHE=${FOLIO_LAB_CACHE:-/var/cache/folio-lab}

# Debian packages the lab needs; `setup` installs whichever are missing.
DEPS=(cmake make gcc pkg-config libhwloc-dev hwloc liburing-dev libjson-c-dev
	gnuplot-nox linux-perf qemu-system-x86 busybox-static linux-source-6.12
	flex bison bc libelf-dev libssl-dev cpio kmod xz-utils rsync dwarves
	spin python3-scipy chromium file jq libsqlite3-dev sqlite3 lava-common
	dpkg-dev debhelper libnuma-dev libcap-dev)

log() { printf '[folio-lab] %s\n' "$*" >&2; }
die() { printf 'folio-lab: %s\n' "$*" >&2; exit 2; }

usage() {
	cat <<'EOF'
usage: ./run.sh [COMMAND] [OPTIONS]

With no command: the lab's main job (see `./run.sh main --help`).

Commands:
  main [--quick] ...      build or reuse the lab's kernels (base, patched,
                          patched-cas-put), run the suite natively and in a
                          guest of each, compare with base, plot, report
  test                    install what is missing, build, run every test (ctest)
  setup                   install the Debian packages the lab needs
  build                   build the harness (build/) and the static guest harness
  bench ...               one workload on this kernel: `./run.sh bench --help`
  plan ...                print the worker -> PU map only: `./run.sh plan --help`
  list                    workloads, their variants and options
  kernels [LABEL...]      build (or reuse from the cache) the lab's kernels;
                          --list: the labels and what is cached; --deb
                          [--config running|lab|FILE]: installable
                          linux-image/linux-headers packages for bare metal
  guest ...               boot kernels under QEMU and run a suite inside
  kunit [--kernel L...]   the KUnit suite of the refcount semantics in each kernel
  compare BASE NEW...     statistics and a verdict; exit 0/1/125 for gating
  headline ...            compare, printing only the cover-letter headline
  table DIR               medians or ratios per row and worker count
  series DIR              the series' table: platform, boundary worker counts,
                          ops/s, change and CI per kernel
  plot DIR                draw the charts of a results directory
  report DIR              the self-contained HTML report of a results directory
  verify                  model-check the refcount protocol with SPIN
  experiment NAME|--list  one review question, answered end to end
  history CMD ...         kernel builds in SQLite: import, list, trend, changes, check
  export-csv DIR          all records of DIR as DIR/samples.csv
  export-kcidb DIR        a results directory as KCIDB JSON, for KernelCI
  lava-job ...            a LAVA job: boot the lab's kernel + initramfs, run the suite
  help                    this text
EOF
}

# FOLIO_LAB_APT, FOLIO_LAB_DPKG_QUERY: the package tools (tests/setup-quiet.sh
# puts fakes there; with FOLIO_LAB_APT set, set-up does not insist on root).
APT=${FOLIO_LAB_APT:-apt-get}
DPKG_QUERY=${FOLIO_LAB_DPKG_QUERY:-dpkg-query}

missing_deps() {
	local p
	for p in "${DEPS[@]}"; do
		# shellcheck disable=SC2016  # dpkg-query's format, not ours
		"$DPKG_QUERY" -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			printf '%s\n' "$p"
	done
}

# setup_step LOG WHAT CMD...: one line before, one after ("done in N s");
# the command's output goes to LOG only. On failure: LOG's tail, its path,
# exit 2.
setup_step() {
	local slog=$1 what=$2 t0 rc=0
	shift 2
	log "$what (log: $slog)"
	t0=$(date +%s)
	printf '\n==== %s: %s\n' "$(date -u +%FT%TZ)" "$*" >>"$slog"
	"$@" </dev/null >>"$slog" 2>&1 || rc=$?
	if [ "$rc" != 0 ]; then
		printf '%s\n' "---- the last lines of $slog ----" >&2
		tail -n 25 "$slog" >&2
		printf '%s\n' "----" >&2
		die "set-up failed: '$*' exited $rc (full log: $slog)"
	fi
	log "... done in $(($(date +%s) - t0)) s"
}

cmd_setup() {
	local missing n slog list
	missing=$(missing_deps)
	[ -z "$missing" ] && return 0
	n=$(printf '%s\n' "$missing" | wc -l)
	list=$(printf '%s\n' "$missing" | paste -sd' ')
	[ -n "${FOLIO_LAB_APT:-}" ] || [ "$(id -u)" = 0 ] ||
		die "need root to install $n Debian packages: $list"
	slog=$FOLIO_LAB_CACHE/setup.log
	mkdir -p "$FOLIO_LAB_CACHE" 2>/dev/null && : >>"$slog" 2>/dev/null ||
		slog=${TMPDIR:-/tmp}/folio-lab-setup.log
	: >"$slog"
	log "first-run set-up: $n Debian packages missing: $list"
	export DEBIAN_FRONTEND=noninteractive
	setup_step "$slog" "updating the package lists" "$APT" update
	# shellcheck disable=SC2086
	setup_step "$slog" "installing $n Debian packages" \
		"$APT" install -y -o Dpkg::Use-Pty=0 $missing
	missing=$(missing_deps)
	[ -z "$missing" ] ||
		die "set-up: still not installed after $APT: $(printf '%s\n' "$missing" | paste -sd' ') (log: $slog)"
}

cmd_build() {
	local blog t0
	mkdir -p "$BUILD_DIR"
	blog=$BUILD_DIR/build.log
	log "building the userspace in $BUILD_DIR (log: $blog)"
	t0=$(date +%s)
	# Quiet unless it fails: the log's tail then says why.
	if ! {
		cmake -S "$LAB_ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
			cmake --build "$BUILD_DIR" -j"$(nproc)" &&
			cmake -S "$LAB_ROOT" -B "$BUILD_DIR/static" -DFOLIO_LAB_STATIC=ON \
				-DCMAKE_BUILD_TYPE=Release &&
			cmake --build "$BUILD_DIR/static" -j"$(nproc)" --target folio-lab
	} >"$blog" 2>&1; then
		tail -n 40 "$blog" >&2
		die "build failed (full log: $blog)"
	fi
	log "... done in $(($(date +%s) - t0)) s"
}

harness() { exec "$BUILD_DIR/folio-lab" "$@"; }

cmd_test() {
	cmd_setup
	cmd_build
	log "running the tests (ctest)"
	cd "$BUILD_DIR"
	ctest --output-on-failure --timeout 3000 "$@"
}

main() {
	local cmd=${1:-main}
	[ $# -gt 0 ] && shift
	# setup, build and test take --help like every command, and do nothing
	# else then.
	case "$cmd:${1:-}" in
	setup:-h | setup:--help)
		echo "usage: ./run.sh setup    install the Debian packages the lab needs (apt-get; log: \$FOLIO_LAB_CACHE/setup.log)"
		return 0 ;;
	build:-h | build:--help)
		echo "usage: ./run.sh build    build the harness, analysis and tools into build/ (\$FOLIO_LAB_BUILD) and the static guest harness into build/static"
		return 0 ;;
	test:-h | test:--help)
		echo "usage: ./run.sh test [CTEST ARGS]    install what is missing, build, run every test (ctest; e.g. -L unit, -R module_)"
		return 0 ;;
	esac
	case "$cmd" in
	-h | --help | help) usage ;;
	setup) [ $# -eq 0 ] || die "setup takes no arguments (--help)"; cmd_setup ;;
	build) [ $# -eq 0 ] || die "build takes no arguments (--help)"; cmd_setup && cmd_build ;;
	test) cmd_test "$@" ;;
	bench | plan | list | merge)
		cmd_setup && cmd_build && harness "$cmd" "$@" ;;
	compare | headline | table | series | report | export-csv | plotdata)
		cmd_setup && cmd_build && exec "$BUILD_DIR/folio-lab-compare" "$cmd" "$@" ;;
	kernels) cmd_setup && exec "$LAB_ROOT/kernels/build.sh" "$@" ;;
	guest) cmd_setup && cmd_build && exec "$LAB_ROOT/guest/run.sh" "$@" ;;
	kunit) cmd_setup && exec "$LAB_ROOT/kunit/run.sh" "$@" ;;
	plot) cmd_setup && exec "$LAB_ROOT/plots/plot.sh" "$@" ;;
	verify) cmd_setup && exec "$LAB_ROOT/model/verify.sh" "$@" ;;
	experiment) cmd_setup && cmd_build && exec "$LAB_ROOT/experiments/run.sh" "$@" ;;
	history) cmd_setup && cmd_build && exec "$BUILD_DIR/folio-lab-history" "$@" ;;
	export-kcidb) cmd_setup && cmd_build && exec "$BUILD_DIR/folio-lab-history" export-kcidb "$@" ;;
	lava-job) exec sh "$LAB_ROOT/history/lava-job.sh" "$@" ;;
	main | --quick | -*)
		[ "$cmd" = main ] || set -- "$cmd" "$@"
		# A job started in the background of a script inherits SIGINT
		# ignored, and bash cannot trap a signal ignored at its start: put
		# it back, so Ctrl-C stops the job cleanly (exit 130) wherever it
		# was started from.
		cmd_setup && cmd_build &&
			exec env --default-signal=INT,TERM "$LAB_ROOT/harness/main-job.sh" "$@" ;;
	*) usage >&2; die "unknown command '$cmd'" ;;
	esac
}

main "$@"
