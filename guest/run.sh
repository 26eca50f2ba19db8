#!/usr/bin/env bash
# Boot kernels under QEMU with an emulated NUMA topology, run a suite inside
# a busybox initramfs, and bring the results back.  `guest/run.sh --help`.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_ROOT=$(cd "$HERE/.." && pwd)
BUILD_DIR=${FOLIO_LAB_BUILD:-$LAB_ROOT/build}
CACHE=${FOLIO_LAB_CACHE:-/var/cache/folio-lab}
QEMU=${FOLIO_LAB_QEMU:-qemu-system-x86_64}
BUSYBOX=${FOLIO_LAB_BUSYBOX:-/bin/busybox}
# Console lines that mean the kernel is unhealthy, whatever the suite says.
BAD_CONSOLE='Oops|BUG:|WARNING:|Kernel panic|general protection|Call Trace'
# Console lines after which the guest is dead or dying: the runner stops it
# at once (the kernel runs with oops=panic panic=-1 and QEMU with
# -no-reboot, so it usually ends by itself first).
FATAL_CONSOLE='Kernel panic - not syncing|Oops|BUG: unable to handle|kernel BUG at|general protection fault'
# Console lines of a stalled kernel: an RCU stall, a soft lockup, a hung
# task. The guest's command line panics on each (STALL_PANIC); the watch
# stops QEMU on the first report in any case, so a stall costs a minute, not
# the guest's timeout.
STALL_CONSOLE='rcu: INFO: [a-z_]+ (self-)?detected stall|rcu_[a-z]+ detected stalls|watchdog: BUG: soft lockup|INFO: task .* blocked for more than'
STALL_PANIC='sysctl.kernel.panic_on_rcu_stall=1 softlockup_panic=1 hung_task_panic=1 sysctl.kernel.hung_task_timeout_secs=60'

T0=$(date +%s)
log() { printf '[guest %4ss] %s\n' "$(($(date +%s) - T0))" "$*" >&2; }
die() {
	printf 'guest/run.sh: %s\n' "$*" >&2
	exit 1
}
# A bad argument or a missing tool, found before anything is built or booted:
# exit 2, as every other command of the lab.
bad() {
	printf 'guest/run.sh: %s\n' "$*" >&2
	exit 2
}

# console_text FILE: the console with CRs dropped and each kernel message
# that cut into a line of the guest's removed, that line joined again (the
# serial console interleaves printk with init's output: a "folio-lab-guest:"
# once arrived split around an input-device message). Read it through
# <(...): a grep that stops at its first match must not fail a pipeline.
console_text() {
	tr -d '\r' <"$1" | awk '
		{ line = held $0; held = "" }
		match(line, /\[ *[0-9]+\.[0-9]+\] /) && RSTART > 1 { held = substr(line, 1, RSTART - 1); next }
		{ print line }
		END { if (held != "") print held }'
}

usage() {
	cat <<'EOF'
usage: guest/run.sh --kernel LABEL[=TREE] [--kernel ...] --out DIR
                    [--smp N] [--nodes N] [--mem MB] [--timeout S]
                    [--accel auto|tcg|kvm] [--flavour normal|debug-vm]
                    [--add FILE]... [--script FILE] [--no-module] [--bare]
                    [--pin|--no-pin] [--placement P] [--hugepages]
                    [-- ARGS...]
       guest/run.sh --plan [--host-topology T] --smp N|host [--nodes M]
                    [--placement P] [--mem MB] [--hugepages]

Boots each kernel under QEMU (default 2 NUMA nodes x 2 vCPUs, 2048 MB) with a
busybox initramfs holding the static harness (/lab/bin/folio-lab), the module
(/lab/folio_lab.ko, built with kernel-module/build.sh), the --add files
(/lab/bin/), and the script (/lab/suite.sh, default harness/suite.sh) which
gets ARGS.  Records come back into DIR (merged with `folio-lab merge`), the
raw result tree into DIR/raw-LABEL/, the console into DIR/console-LABEL.log.

  --kernel LABEL=TREE  a kernel build tree (arch/x86/boot/bzImage and
                       Module.symvers); LABEL alone (one of the lab's kernels:
                       base, patched, patched-cas-put; `kernels/build.sh
                       --list`) builds or reuses it with kernels/build.sh
  --flavour F          flavour for LABEL-only kernels (normal, debug-vm)
  --accel A            auto (default: KVM only if a real test boot works), tcg, kvm
  --timeout S          per guest, seconds (default 900)
  --no-module          do not build or load folio_lab.ko
  --pin                pin each vCPU thread 1:1 to a host PU (default under KVM;
                       opt-in under TCG, which then runs one thread per vCPU):
                       placement P (compact, scatter, node:N, nosmt, pus:LIST;
                       default compact) over this machine's hwloc topology
                       chooses the PUs, the guest's sockets, cores, threads and
                       NUMA nodes mirror them, each guest node's memory bound
                       to its host node (preallocated; --hugepages: hugetlbfs).
                       --smp host takes every PU P allows; --nodes defaults to
                       the host nodes they span. Pins go in through QMP while
                       the guest is paused, are read back from /proc (a
                       mismatch fails the run) and land in meta.json
                       (kernels.LABEL.vcpu_pins). QEMU's other threads are kept
                       off the pinned PUs when any are left.
  --no-pin             floating vCPUs, the emulated topology of --smp/--nodes
  --plan               print the pinned guest's plan (one JSON line per vCPU,
                       one with the QEMU arguments) and boot nothing; with
                       --host-topology T (an hwloc XML file or a synthetic
                       description such as "pack:2 numa:2 core:16 pu:2") for
                       another machine than this one
  --bare               busybox only: no harness, no module, no merge
  --initramfs-only     build each kernel's initramfs and stop: DIR/bzImage-LABEL
                       and DIR/initrd-LABEL.img, for `./run.sh lava-job` or a
                       boot elsewhere (its init gives a shell with folio_lab.lava)

Fails (exit 1) if a guest does not finish, its console shows an oops, BUG,
WARNING, panic or call trace, the suite exits non-zero, or results are
missing or truncated. A guest whose kernel oopses, panics or stalls (an RCU
stall, a soft lockup, a hung task) fails at once (oops=panic panic=-1
panic_on_rcu_stall softlockup_panic hung_task_panic on its command line,
QEMU -no-reboot, and the runner watching the console), with its console
kept. SIGINT or SIGTERM (to this script, or a SIGINT that ends QEMU) stops
the guest's QEMU, merges nothing of that guest and exits 130.
EOF
}

kernels=()
smp=4
nodes=2
mem=2048
timeout_s=900
accel=auto
flavour=normal
adds=()
script=""
out=""
no_module=0
bare=0
initramfs_only=0
suite_args=()
pin=auto
placement=compact
hugepages=0
plan_only=0
host_topology=""
nodes_given=0
need() { [ "$2" -ge 2 ] || bad "$1 needs a value"; }
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) need "$1" $#; kernels+=("$2"); shift 2 ;;
	--smp) need "$1" $#; smp=$2; shift 2 ;;
	--nodes) need "$1" $#; nodes=$2; nodes_given=1; shift 2 ;;
	--pin) pin=on; shift ;;
	--no-pin) pin=off; shift ;;
	--placement) need "$1" $#; placement=$2; shift 2 ;;
	--hugepages) hugepages=1; shift ;;
	--plan) plan_only=1; shift ;;
	--host-topology) need "$1" $#; host_topology=$2; shift 2 ;;
	--mem) need "$1" $#; mem=$2; shift 2 ;;
	--timeout) need "$1" $#; timeout_s=$2; shift 2 ;;
	--accel) need "$1" $#; accel=$2; shift 2 ;;
	--flavour) need "$1" $#; flavour=$2; shift 2 ;;
	--add) need "$1" $#; adds+=("$2"); shift 2 ;;
	--script) need "$1" $#; script=$2; shift 2 ;;
	--out) need "$1" $#; out=$2; shift 2 ;;
	--no-module) no_module=1; shift ;;
	--bare) bare=1; no_module=1; shift ;;
	--initramfs-only) initramfs_only=1; shift ;;
	-h | --help) usage; exit 0 ;;
	--) shift; suite_args=("$@"); break ;;
	*) usage >&2; bad "unknown argument '$1'" ;;
	esac
done

posint() { [[ "$2" =~ ^[1-9][0-9]*$ ]] || bad "$1 wants a positive integer, got '$2'"; }
[ "$smp" = host ] || posint --smp "$smp"
posint --nodes "$nodes"
posint --mem "$mem"
posint --timeout "$timeout_s"
[ "$mem" -ge 256 ] || bad "--mem $mem is too small (256 MB at least)"

# The pinned guest's plan: folio-lab-vmplan (guest/vmplan.c) over an hwloc
# topology, this machine's unless --host-topology. vmplan_args: its options.
VMPLAN=$BUILD_DIR/folio-lab-vmplan
vmplan_args() {
	VMPLAN_ARGS=(--smp "$smp" --placement "$placement" --mem "$mem")
	[ "$nodes_given" = 0 ] || VMPLAN_ARGS+=(--nodes "$nodes")
	[ "$hugepages" = 0 ] || VMPLAN_ARGS+=(--hugepages)
	[ -z "$host_topology" ] || VMPLAN_ARGS+=(--host-topology "$host_topology")
}
if [ "$plan_only" = 1 ]; then
	[ -x "$VMPLAN" ] || bad "$VMPLAN missing: run ./run.sh build first"
	vmplan_args
	exec "$VMPLAN" "${VMPLAN_ARGS[@]}"
fi
[ -z "$host_topology" ] || bad "--host-topology is for --plan; a guest is pinned on this machine"
[ ${#kernels[@]} -gt 0 ] || { usage >&2; bad "no --kernel given"; }
[ -n "$out" ] || bad "--out DIR is required"
# Unpinned guests get the emulated shape of --smp and --nodes.
check_unpinned() {
	[ "$smp" != host ] || bad "--smp host needs pinned vCPUs (--pin)"
	[ $((smp % nodes)) = 0 ] || bad "--smp $smp does not divide into --nodes $nodes"
	[ $((mem % nodes)) = 0 ] || bad "--mem $mem does not divide into --nodes $nodes"
}
[ "$pin" != off ] || check_unpinned
[ "$pin" != on ] || [ "$initramfs_only" = 0 ] || bad "--pin and --initramfs-only do not go together"
if [ "$pin" = on ]; then
	command -v python3 >/dev/null || bad "--pin needs python3 (QMP client guest/qmp.py)"
fi
# Plan now, before any kernel is built: PLAN_TEXT, or PLAN_REFUSED (why).
PLAN_TEXT=""
PLAN_REFUSED=""
if [ "$pin" != off ] && [ "$initramfs_only" = 0 ]; then
	vmplan_args
	if [ ! -x "$VMPLAN" ]; then
		PLAN_REFUSED="$VMPLAN missing: run ./run.sh build first"
	elif ! PLAN_TEXT=$("$VMPLAN" "${VMPLAN_ARGS[@]}" 2>"${TMPDIR:-/tmp}/.folio-lab-vmplan.$$"); then
		PLAN_REFUSED=$(cat "${TMPDIR:-/tmp}/.folio-lab-vmplan.$$")
		PLAN_TEXT=""
	fi
	rm -f "${TMPDIR:-/tmp}/.folio-lab-vmplan.$$"
	if [ "$pin" = on ] && [ -n "$PLAN_REFUSED" ]; then
		printf 'guest/run.sh: --pin: no plan for --smp %s%s --placement %s on this machine:\n%s\n' \
			"$smp" "$([ "$nodes_given" = 0 ] || echo " --nodes $nodes")" "$placement" \
			"$PLAN_REFUSED" >&2
		exit 2
	fi
fi
# Under TCG (explicit), auto means unpinned: check that shape now.
if [ "$pin" = auto ] && [ "$accel" = tcg ]; then
	check_unpinned
fi
case "$accel" in auto | tcg | kvm) ;; *) bad "--accel wants auto, tcg or kvm, got '$accel'" ;; esac
command -v "$QEMU" >/dev/null || bad "$QEMU not found (apt-get install qemu-system-x86)"
[ -x "$BUSYBOX" ] || bad "$BUSYBOX not found (apt-get install busybox-static)"
if [ "$bare" = 0 ]; then
	[ -x "$BUILD_DIR/static/folio-lab" ] ||
		bad "$BUILD_DIR/static/folio-lab missing: run ./run.sh build first"
	[ -n "$script" ] || script="$LAB_ROOT/harness/suite.sh"
fi
[ -z "$script" ] || [ -f "$script" ] || bad "suite script '$script' not found"
for f in "${adds[@]}"; do
	[ -f "$f" ] || bad "--add '$f': no such file"
done

# The lab's own kernel labels (base, patched, patched-cas-put): the first
# column of `kernels/build.sh --list`, the one place they are declared.
lab_kernel_labels() { "$LAB_ROOT/kernels/build.sh" --list | cut -f1; }
lab_kernel_label() {
	local l
	for l in $(lab_kernel_labels); do [ "$l" != "$1" ] || return 0; done
	return 1
}

# Resolve LABEL[=TREE]; check trees now, before anything is booted.
labels=()
trees=()
for spec in "${kernels[@]}"; do
	label=${spec%%=*}
	[[ "$label" =~ ^[A-Za-z0-9._-]+$ ]] ||
		bad "kernel label '$label' must be letters, digits, '.', '_' or '-'"
	for l in "${labels[@]}"; do
		[ "$l" != "$label" ] || bad "kernel label '$label' given twice"
	done
	if [ "$spec" = "$label" ]; then
		lab_kernel_label "$label" ||
			bad "--kernel $label: give a tree (LABEL=TREE), or use one of the lab's kernels: $(lab_kernel_labels | paste -sd ' ')"
		tree=$("$LAB_ROOT/kernels/build.sh" --flavour "$flavour" "$label" | sed -n "s/^$label=//p")
		[ -n "$tree" ] || bad "kernels/build.sh gave no tree for $label"
	else
		tree=${spec#*=}
	fi
	[ -d "$tree" ] || bad "kernel $label: '$tree' is not a directory"
	tree=$(cd "$tree" && pwd)
	[ -f "$tree/arch/x86/boot/bzImage" ] ||
		bad "kernel $label: $tree/arch/x86/boot/bzImage missing (not a built kernel tree?)"
	[ -f "$tree/Module.symvers" ] ||
		bad "kernel $label: $tree/Module.symvers missing (run 'make modules' in the tree)"
	labels+=("$label")
	trees+=("$tree")
done

mkdir -p "$out" || die "cannot create $out"
out=$(cd "$out" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/folio-lab-guest.XXXXXX")
QEMU_PID=""
# stop_qemu: TERM to timeout, which passes it on to QEMU, then make sure.
stop_qemu() {
	[ -n "$QEMU_PID" ] || return 0
	kill "$QEMU_PID" 2>/dev/null || true
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		kill -0 "$QEMU_PID" 2>/dev/null || break
		sleep 0.5
	done
	kill -KILL "$QEMU_PID" 2>/dev/null || true
	pkill -KILL -P "$QEMU_PID" 2>/dev/null || true
	wait "$QEMU_PID" 2>/dev/null || true
	QEMU_PID=""
}
cleanup() {
	stop_qemu
	rm -rf "$WORK"
}
trap cleanup EXIT
# Ctrl-C reaches the whole foreground process group; QEMU runs under
# timeout --foreground so it is in it too, and is stopped here in any case.
on_signal() {
	log "interrupted: stopping the guest"
	stop_qemu
	exit 130
}
trap on_signal INT TERM

# Quote for the guest's sh: 'x' with embedded quotes as '\''.
shquote() {
	local a
	for a in "$@"; do
		printf "'%s' " "${a//\'/\'\\\'\'}"
	done
}

# make_initramfs DIR OUTFILE: busybox + links, init, and whatever DIR holds.
make_initramfs() {
	local root=$1 img=$2 a
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,lab/bin,results,etc}
	cp "$BUSYBOX" "$root/bin/busybox"
	for a in $("$BUSYBOX" --list); do
		[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
	done
	install -m 755 "$HERE/init.sh" "$root/init"
	# The kernel opens /dev/console before init runs; without the node (not
	# root here) init reopens it after mounting devtmpfs.
	mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true
	(cd "$root" && find . | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$img"
}

# qemu_cmd LABEL BZIMAGE INITRD CONSOLE RESULTS ACCEL APPEND -> QEMU_ARGS
# A pinned guest (PINNED=1; not the KVM probe) gets the plan's topology and
# memory, starts paused (-S) with a QMP socket and writes its pid.
PINNED=0
qemu_cmd() {
	local accel=$6 n per_node cpus_per_node first
	QEMU_ARGS=(-nodefaults -display none -monitor none -no-reboot
		-machine pc
		-kernel "$2" -initrd "$3" -append "$7"
		-serial "file:$4" -serial "file:$5")
	if [ "$accel" = kvm ]; then
		QEMU_ARGS+=(-accel kvm -cpu host)
	elif [ "$PINNED" = 1 ] && [ "$1" != probe ]; then
		# Intel's CPUID leaf 0x1f tells the guest about dies (a guest node
		# inside a socket is one, with its own L3); TCG's AMD default does
		# not, and the guest then warns of an LLC spanning nodes.
		QEMU_ARGS+=(-accel tcg,thread=multi -cpu max,vendor=GenuineIntel)
	else
		QEMU_ARGS+=(-accel tcg,thread=multi -cpu max)
	fi
	if [ "$PINNED" = 1 ] && [ "$1" != probe ]; then
		local plan_args
		mapfile -t plan_args < <(jq -r 'select(.qemu) | .qemu[]' <<<"$PLAN_TEXT")
		QEMU_ARGS+=("${plan_args[@]}" -S -pidfile "$WORK/qemu-$1.pid"
			-qmp "unix:$WORK/qmp-$1.sock,server=on,wait=off")
		return 0
	fi
	QEMU_ARGS+=(-m "$mem" -smp "$smp,sockets=$nodes,cores=$((smp / nodes)),threads=1")
	per_node=$((mem / nodes))
	cpus_per_node=$((smp / nodes))
	for ((n = 0; n < nodes; n++)); do
		first=$((n * cpus_per_node))
		QEMU_ARGS+=(-object "memory-backend-ram,id=mem$n,size=${per_node}M"
			-numa "node,nodeid=$n,cpus=$first-$((first + cpus_per_node - 1)),memdev=mem$n")
	done
}

# KVM: /dev/kvm can exist and still hang; only a real boot counts. The
# verdict is cached per host kernel and QEMU version for a day.
probe_kvm() {
	local bz=$1 key cachef root console
	if [ ! -w /dev/kvm ]; then
		log "KVM: /dev/kvm missing or not writable: using TCG"
		echo tcg
		return
	fi
	key="$(uname -r)-$("$QEMU" --version | head -n1 | sha256sum | cut -c1-12)"
	cachef="$CACHE/kvm-probe/$key"
	if [ -f "$cachef" ] && [ -n "$(find "$cachef" -mmin -1440)" ]; then
		log "KVM: cached verdict $(cat "$cachef") ($cachef)"
		cat "$cachef"
		return
	fi
	log "KVM: probing with a test boot (20 s at most)"
	root="$WORK/probe-root"
	mkdir -p "$root/lab"
	# No suite: init reports status 127 and sends (empty) results; the
	# marker we look for is init's "up" line.
	make_initramfs "$root" "$WORK/probe.img"
	console="$WORK/probe-console.log"
	qemu_cmd probe "$bz" "$WORK/probe.img" "$console" "$WORK/probe-results" kvm \
		"console=ttyS0 panic=-1 FOLIO_LAB_KERNEL_LABEL=kvm-probe"
	local verdict=tcg
	local why=""
	if timeout -k 5 20 "$QEMU" "${QEMU_ARGS[@]}" >"$WORK/probe-qemu.out" 2>&1 </dev/null &&
		grep -q 'folio-lab-guest: up' <(console_text "$console"); then
		verdict=kvm
	else
		why=" ($(head -n1 "$WORK/probe-qemu.out" | cut -c1-100))"
	fi
	mkdir -p "$CACHE/kvm-probe" && echo "$verdict" >"$cachef" || true
	log "KVM: test boot says $verdict$why"
	echo "$verdict"
}

# Decode DIR's results file: checks markers, size, checksum; sets SUITE_RC.
collect_results() {
	local label=$1 file=$2 dest=$3 clean end size sum
	clean="$WORK/results-$label.txt"
	tr -d '\r' <"$file" >"$clean" 2>/dev/null || true
	grep -q '^FOLIO-LAB-RESULTS-BEGIN$' "$clean" || return 1
	end=$(grep -m1 '^FOLIO-LAB-RESULTS-END ' "$clean") || {
		echo "truncated: no end marker"
		return 2
	}
	SUITE_RC=$(sed -n 's/.* rc=\([0-9]*\).*/\1/p' <<<"$end")
	size=$(sed -n 's/.* bytes=\([0-9]*\).*/\1/p' <<<"$end")
	sum=$(sed -n 's/.* sha256=\([0-9a-f]*\).*/\1/p' <<<"$end")
	sed -n '/^FOLIO-LAB-RESULTS-BEGIN$/,/^FOLIO-LAB-RESULTS-END /p' "$clean" |
		sed '1d;$d' | base64 -d >"$WORK/results-$label.tgz" 2>/dev/null || {
		echo "base64 payload corrupt"
		return 2
	}
	[ "$(stat -c %s "$WORK/results-$label.tgz")" = "$size" ] || {
		echo "size mismatch: got $(stat -c %s "$WORK/results-$label.tgz"), expected $size"
		return 2
	}
	[ "$(sha256sum "$WORK/results-$label.tgz" | cut -d' ' -f1)" = "$sum" ] || {
		echo "checksum mismatch"
		return 2
	}
	rm -rf "$dest"
	mkdir -p "$dest"
	tar -xzf "$WORK/results-$label.tgz" -C "$dest"
}

run_one() {
	local label=$1 tree=$2 acc=$3 root img console results ko="" rc=0 start boot_s
	root="$WORK/root-$label"
	img="$WORK/initrd-$label.img"
	console="$out/console-$label.log"
	results="$WORK/serial-$label.txt"
	mkdir -p "$root/lab/bin"

	if [ "$no_module" = 0 ] && [ -x "$LAB_ROOT/kernel-module/build.sh" ]; then
		log "$label: building folio_lab.ko against $tree"
		ko=$("$LAB_ROOT/kernel-module/build.sh" "$tree" "$WORK/module-$label" | tail -n1) ||
			die "module build for kernel $label failed (see above)"
		[ -f "$ko" ] || die "kernel-module/build.sh printed '$ko', which is not a file"
		cp "$ko" "$root/lab/folio_lab.ko"
	fi
	if [ "$bare" = 0 ]; then
		install -m 755 "$BUILD_DIR/static/folio-lab" "$root/lab/bin/folio-lab"
	fi
	local f
	for f in "${adds[@]}"; do
		install -m 755 "$f" "$root/lab/bin/$(basename "$f")"
	done
	if [ -n "$script" ]; then
		install -m 755 "$script" "$root/lab/suite.sh"
		shquote "${suite_args[@]}" >"$root/lab/suite.args"
	fi
	# --profile among the suite's arguments: perf and its libraries, at
	# their own paths (guest/perf-files.sh lists them).
	if [[ " ${suite_args[*]} " == *" --profile "* ]]; then
		local pf
		pf=$("$HERE/perf-files.sh") || die "--profile: cannot put perf into the guest (above)"
		for f in $pf; do
			mkdir -p "$root$(dirname "$f")" && cp -L "$f" "$root$f"
		done
	fi
	make_initramfs "$root" "$img"
	if [ "$initramfs_only" = 1 ]; then
		# What a LAVA job (./run.sh lava-job) or a bare-metal boot needs.
		cp "$img" "$out/initrd-$label.img"
		cp "$tree/arch/x86/boot/bzImage" "$out/bzImage-$label"
		log "$label: $out/bzImage-$label and $out/initrd-$label.img (not booted)"
		return 0
	fi

	qemu_cmd "$label" "$tree/arch/x86/boot/bzImage" "$img" "$console" "$results" "$acc" \
		"console=ttyS0 oops=panic panic=-1 $STALL_PANIC rdinit=/init FOLIO_LAB_KERNEL_LABEL=$label FOLIO_LAB_WHERE=guest FOLIO_LAB_ACCEL=$acc OUT=/results"
	if [ "$PINNED" = 1 ]; then
		log "booting $label ($acc, $(jq -r 'select(.qemu) | "\(.sockets * .cores * .threads) vCPUs pinned (\(.placement)): \(.sockets) sockets x \(.dies) dies x \(.cores / .dies) cores x \(.threads) threads, \(.nodes) nodes"' <<<"$PLAN_TEXT"), $mem MB, timeout ${timeout_s}s)..."
	else
		log "booting $label ($acc, $smp vCPUs, $nodes nodes, $mem MB, timeout ${timeout_s}s)..."
	fi
	start=$(date +%s)
	: >"$console"
	rm -f "$WORK/qemu-$label.pid" "$WORK/qmp-$label.sock" "$WORK/pins-$label.json"
	timeout --foreground -k 10 "$timeout_s" "$QEMU" "${QEMU_ARGS[@]}" </dev/null \
		>"$WORK/qemu-$label.out" 2>&1 &
	QEMU_PID=$!
	# Pinned: QEMU waits paused (-S) until every vCPU thread is pinned and
	# read back; only then does guest/qmp.py let it run (cont).
	if [ "$PINNED" = 1 ]; then
		local pin_s
		pin_s=$(date +%s)
		if ! python3 "$HERE/qmp.py" --socket "$WORK/qmp-$label.sock" \
			--pidfile "$WORK/qemu-$label.pid" --plan <(printf '%s\n' "$PLAN_TEXT") \
			--out "$WORK/pins-$label.json" --timeout 60; then
			stop_qemu
			die "pinning the vCPUs of $label failed (above); QEMU said: $(head -c 600 "$WORK/qemu-$label.out" | tr '\n' ' ')"
		fi
		log "$label: vCPUs pinned in $(($(date +%s) - pin_s))s: $(jq -c '[.vcpu_pins[] | "\(.vcpu)->\(.affinity | map(tostring) | join(","))"] | join(" ")' "$WORK/pins-$label.json")"
	fi
	# Watch the console: an oops, a panic or a stall ends the guest now,
	# not at the timeout (the kernel's own panic=-1 reboot usually beats
	# this).
	local fatal="" stall=""
	while kill -0 "$QEMU_PID" 2>/dev/null; do
		if stall=$(grep -a -m3 -E "$STALL_CONSOLE" "$console") ||
			fatal=$(grep -a -m3 -E "$FATAL_CONSOLE" "$console"); then
			sleep 2 # the rest of the trace
			stop_qemu
			break
		fi
		sleep 1
	done
	wait "$QEMU_PID" 2>/dev/null || rc=$?
	QEMU_PID=""
	boot_s=$(($(date +%s) - start))
	# QEMU ends on SIGINT (a Ctrl-C reaches the whole process group) even
	# where this script, a background job of the main job, ignores it:
	# that is an interruption, not a failed guest.
	# (Not its own timeout: that ends QEMU with SIGTERM and exit 124.)
	if [ "$rc" != 124 ] && [ "$rc" != 137 ] &&
		grep -Eq 'terminating on signal 2( |$)' "$WORK/qemu-$label.out" 2>/dev/null; then
		on_signal
	fi
	if [ -n "$stall" ] || stall=$(grep -a -m3 -E "$STALL_CONSOLE" "$console"); then
		die "kernel $label stalled (RCU stall, soft lockup or hung task) after ${boot_s}s; the guest was stopped:
$stall
  console: $console"
	fi
	if [ -n "$fatal" ] || fatal=$(grep -a -m3 -E "$FATAL_CONSOLE" "$console"); then
		die "kernel $label oopsed or panicked after ${boot_s}s; the guest was stopped:
$fatal
  console: $console"
	fi
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		die "guest $label did not finish within $timeout_s s; console: $console"
	fi
	if [ "$rc" != 0 ]; then
		die "QEMU failed for kernel $label (exit $rc) after ${boot_s}s: $(head -c 600 "$WORK/qemu-$label.out" | tr '\n' ' ')
  bzImage: $tree/arch/x86/boot/bzImage; console: $console"
	fi
	if [ ! -s "$console" ]; then
		die "guest $label printed nothing on its console (is $tree/arch/x86/boot/bzImage a bootable x86-64 kernel with a serial console?); console: $console"
	fi
	local bad
	if bad=$(grep -a -m3 -E "$BAD_CONSOLE" "$console"); then
		die "kernel $label reported a problem on its console:
$bad
  console: $console"
	fi
	grep -aq 'folio-lab-guest: up' <(console_text "$console") ||
		die "guest $label never reached its init (no 'folio-lab-guest: up'); console: $console"
	SUITE_RC=""
	local crc=0
	collect_results "$label" "$results" "$out/raw-$label" >"$WORK/why-$label" || crc=$?
	case $crc in
	0) ;;
	1) die "guest $label sent no results; console: $console" ;;
	*) die "results from guest $label are incomplete ($(cat "$WORK/why-$label")); console: $console" ;;
	esac
	[ "$SUITE_RC" = 0 ] ||
		die "the suite in guest $label exited with status $SUITE_RC; console: $console"
	local up
	up=$(grep -a -m1 -o 'folio-lab-guest: up:.*uptime=[0-9.]*s' <(console_text "$console") | sed 's/.*uptime=//')
	local n=0
	if [ -f "$out/raw-$label/samples.jsonl" ]; then
		n=$(wc -l <"$out/raw-$label/samples.jsonl")
	fi
	if [ "$bare" = 0 ]; then
		local lab="$BUILD_DIR/folio-lab" pending=0
		[ -x "$lab" ] || lab="$BUILD_DIR/static/folio-lab"
		# A merge is not cut short: a signal now waits for its end, so
		# DIR holds the whole guest's records or none of them.
		trap 'pending=1' INT TERM
		(trap '' INT TERM && exec "$lab" merge "$out/raw-$label" "$out") ||
			die "merging the results of $label into $out failed"
		trap on_signal INT TERM
		[ "$pending" = 0 ] || on_signal
	fi
	[ "$PINNED" = 0 ] || record_pins "$label"
	log "$label: finished in ${boot_s}s (init up at ${up:-?} guest uptime); results: $n records"
}

# record_pins LABEL: DIR/meta.json's kernels.LABEL gains vcpu_pins (what
# guest/qmp.py read back), vcpu_plan (the guest's shape and QEMU arguments)
# and qemu_threads (where QEMU's other threads went), under the lock the
# harness takes for meta.json (created if --bare left none).
record_pins() {
	local label=$1 meta="$out/meta.json" tmp
	tmp=$(mktemp "$out/.meta.json.XXXXXX")
	(
		flock 9
		[ -f "$meta" ] || echo '{"schema": 1, "kernels": {}}' >"$meta"
		jq --arg l "$label" --slurpfile p "$WORK/pins-$label.json" \
			--argjson plan "$(jq -c 'select(.qemu)' <<<"$PLAN_TEXT")" '
			.kernels[$l] = ((.kernels[$l] // {}) + {vcpu_pins: $p[0].vcpu_pins,
				qemu_threads: $p[0].qemu_threads, vcpu_plan: $plan})' "$meta" >"$tmp" &&
			mv "$tmp" "$meta"
	) 9>"$out/.meta.lock" || {
		rm -f "$tmp"
		die "cannot record the vCPU pins of $label in $meta"
	}
}

if [ "$initramfs_only" = 1 ]; then
	accel=none
elif [ "$accel" = auto ]; then
	accel=$(probe_kvm "${trees[0]}/arch/x86/boot/bzImage")
fi
# --pin, or KVM by default; a default pin that cannot be planned leaves the
# vCPUs floating, loudly.
if [ "$pin" = on ]; then
	PINNED=1
elif [ "$pin" = auto ] && [ "$accel" = kvm ]; then
	if [ -n "$PLAN_REFUSED" ]; then
		log "WARNING: KVM guest NOT pinned (no plan: $PLAN_REFUSED); --no-pin to silence, --pin to insist"
		check_unpinned
	elif ! command -v python3 >/dev/null; then
		log "WARNING: KVM guest NOT pinned (python3 missing)"
		check_unpinned
	else
		PINNED=1
	fi
elif [ "$initramfs_only" = 0 ]; then
	check_unpinned
fi
for i in "${!labels[@]}"; do
	run_one "${labels[$i]}" "${trees[$i]}" "$accel"
done
log "all guests done; results in $out"
