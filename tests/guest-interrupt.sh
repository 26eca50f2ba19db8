#!/usr/bin/env bash
# Guests that fail or stop at once.
#   guest-interrupt.sh oops    a module that oopses in a base guest: guest/run.sh
#                              fails within a minute (oops=panic panic=-1,
#                              -no-reboot, the console watched), not at its
#                              timeout, with the console kept and no QEMU left
#   guest-interrupt.sh sigint  SIGINT to the process group of the main job
#                              (harness/main-job.sh, what ./run.sh runs; --quick,
#                              guests base then patched) while the base guest
#                              runs: exit 130, no QEMU left, the next guest never
#                              started, the results directory marked
#                              INTERRUPTED, only whole records
# Exit 0 pass, 1 fail, 77 skip.
source "$(dirname "$0")/guest-lib.sh"
need_guest_tools
mode=${1:?usage: guest-interrupt.sh oops|sigint}
[ -x "$FOLIO_LAB_BUILD/static/folio-lab" ] ||
	skip "$FOLIO_LAB_BUILD/static/folio-lab missing: ./run.sh build makes the static guest harness"

# qemu_left DIR: QEMU processes whose command line names DIR (their serial
# files are in it).
qemu_left() { ps -eo pid=,args= | grep -F -- "$1" | grep -F qemu-system | grep -v grep || true; }

case "$mode" in
oops)
	tree=$(kernel_tree base) || fail "no base kernel"
	mod=$TEST_TMP/oops
	mkdir -p "$mod"
	cat >"$mod/oops.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
/* Oopses on load: a read through the address in the addr parameter (0). */
#include <linux/module.h>
static unsigned long addr;
module_param(addr, ulong, 0);
static int __init oops_init(void)
{
	pr_info("folio-lab-oops: reading address %#lx\n", addr);
	return *(volatile int *)addr;
}
module_init(oops_init);
MODULE_DESCRIPTION("folio-lab test: an oops on load");
MODULE_LICENSE("GPL");
EOF
	echo 'obj-m := oops.o' >"$mod/Kbuild"
	make -C "$tree" M="$mod" modules >"$mod/build.log" 2>&1 || {
		cat "$mod/build.log"
		fail "building the oops module failed"
	}
	cat >"$TEST_TMP/oops.sh" <<'EOF'
#!/bin/sh
grep -o 'oops=panic' /proc/cmdline
echo "loading the oops module"
insmod /lab/bin/oops.ko
echo "still alive after the oops: oops=panic did not panic"
sleep 100000
EOF
	out=$TEST_TMP/o-oops
	start=$(date +%s)
	rc=0
	"$LAB_ROOT/guest/run.sh" --bare --accel tcg --timeout 600 --kernel "base=$tree" \
		--add "$mod/oops.ko" --script "$TEST_TMP/oops.sh" --out "$out" \
		>"$TEST_TMP/stdout" 2>"$TEST_TMP/stderr" || rc=$?
	took=$(($(date +%s) - start))
	cat "$TEST_TMP/stderr"
	[ "$rc" != 0 ] || fail "guest/run.sh succeeded with a guest that oopsed"
	grep -q 'kernel base oopsed or panicked' "$TEST_TMP/stderr" ||
		fail "guest/run.sh's message does not say the kernel oopsed or panicked"
	[ "$took" -le 120 ] || fail "it took $took s to fail (timeout 600 s): not at once"
	grep -aq 'loading the oops module' "$out/console-base.log" || fail "console not kept"
	grep -aq 'oops=panic' "$out/console-base.log" || fail "no oops=panic on the guest's command line"
	grep -aqE 'BUG: kernel NULL pointer dereference|Oops' "$out/console-base.log" ||
		fail "the console lacks the oops"
	grep -aq 'Kernel panic - not syncing' "$out/console-base.log" ||
		fail "the oops did not panic the kernel (oops=panic)"
	! grep -aq 'still alive after the oops' "$out/console-base.log" ||
		fail "the guest went on after its oops"
	left=$(qemu_left "$out")
	[ -z "$left" ] || fail "QEMU left running: $left"
	ok "an oopsing guest fails in $took s (timeout 600 s), console kept, no QEMU left" ;;
sigint)
	base=$(kernel_tree base) || fail "no base kernel"
	patched=$(kernel_tree patched) || fail "no patched kernel"
	out=$TEST_TMP/o-sigint
	log=$TEST_TMP/main.log
	# A process group of its own, as a shell's foreground job has, and
	# SIGINT back at its default (a background job of this script would
	# ignore it): SIGINT to that group is Ctrl-C.
	python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setsid()
os.execvp(sys.argv[1], sys.argv[1:])' "$LAB_ROOT/harness/main-job.sh" --quick --no-native --no-kunit --timeout 600 \
		--kernel "base=$base" --kernel "patched=$patched" --out "$out" >"$log" 2>&1 &
	pid=$!
	up=""
	for _ in $(seq 600); do
		if grep -aq 'folio-lab-guest: up' "$out/console-base.log" 2>/dev/null; then
			up=1
			break
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
	done
	[ -n "$up" ] || { cat "$log"; kill -TERM -- "-$pid" 2>/dev/null; fail "the base guest never came up"; }
	sleep 5 # mid-suite
	[ -z "$(qemu_left "$out")" ] && fail "no QEMU running before the signal"
	t0=$(date +%s)
	kill -INT -- "-$pid"
	rc=0
	for _ in $(seq 120); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
	done
	if kill -0 "$pid" 2>/dev/null; then
		cat "$log"
		kill -KILL -- "-$pid" 2>/dev/null
		fail "the main job still runs 60 s after SIGINT"
	fi
	wait "$pid" || rc=$?
	took=$(($(date +%s) - t0))
	cat "$log"
	[ "$rc" = 130 ] || fail "main job exit $rc after SIGINT, want 130"
	sleep 1
	left=$(qemu_left "$out")
	[ -z "$left" ] || fail "QEMU survived the SIGINT: $left"
	[ ! -e "$out/console-patched.log" ] || fail "the next guest (patched) was started after SIGINT"
	[ -f "$out/INTERRUPTED" ] || fail "results directory not marked INTERRUPTED"
	grep -q 'guests phase' "$out/INTERRUPTED" || fail "INTERRUPTED does not name the phase: $(cat "$out/INTERRUPTED")"
	[ ! -e "$out/report.html" ] || fail "a report was written after SIGINT"
	if [ -f "$out/samples.jsonl" ]; then
		python3 -c 'import json, sys
for n, l in enumerate(open(sys.argv[1]), 1):
    json.loads(l)' "$out/samples.jsonl" || fail "a record in $out/samples.jsonl is not whole"
	fi
	ok "SIGINT mid-guest: exit 130 in $took s, no QEMU left, patched never started, INTERRUPTED: $(cat "$out/INTERRUPTED")" ;;
*) fail "unknown mode $mode" ;;
esac
