#!/usr/bin/env bash
# Guests that fail or stop at once.
#   guest-interrupt.sh oops    a module that oopses in a base guest: guest/run.sh
#                              fails within a minute (oops=panic panic=-1,
#                              -no-reboot, the console watched), not at its
#                              timeout, with the console kept and no QEMU left
#   guest-interrupt.sh stall   a module that spins with preemption off in a
#                              base guest (an RCU stall, a soft lockup):
#                              guest/run.sh fails within a minute of the
#                              stall's start, naming it, not at its timeout,
#                              with the console kept and no QEMU left
#   guest-interrupt.sh sigint-boot, sigint-build: the same while the base
#                              guest boots, and while a kernel builds (an
#                              empty kernel cache): exit 130, INTERRUPTED
#                              naming the phase, nothing left running
#   guest-interrupt.sh resume  Ctrl-C while the second guest boots, then
#                              `./run.sh main --resume DIR`: the first guest
#                              kept, the second measured, compare and report
#   guest-interrupt.sh sigint  SIGINT to the process group of the main job
#                              (harness/main-job.sh, what ./run.sh runs; --quick,
#                              guests base then patched) while the base guest
#                              runs: exit 130, no QEMU left, the next guest never
#                              started, the results directory marked
#                              INTERRUPTED, only whole records
# Exit 0 pass, 1 fail, 77 skip.
source "$(dirname "$0")/guest-lib.sh"
need_guest_tools
mode=${1:?usage: guest-interrupt.sh oops|stall|sigint|sigint-boot|sigint-build|resume}
[ -x "$FOLIO_LAB_BUILD/static/folio-lab" ] ||
	skip "$FOLIO_LAB_BUILD/static/folio-lab missing: ./run.sh build makes the static guest harness"

# qemu_left DIR: QEMU processes whose command line names DIR (their serial
# files are in it).
qemu_left() { ps -eo pid=,args= | grep -F -- "$1" | grep -F qemu-system | grep -v grep || true; }

# build_module TREE NAME: the module source on stdin, built against TREE in
# $TEST_TMP/NAME; fails the test with the build log if it does not build.
build_module() {
	local tree=$1 name=$2 mod=$TEST_TMP/$2
	mkdir -p "$mod"
	cat >"$mod/$name.c"
	echo "obj-m := $name.o" >"$mod/Kbuild"
	make -C "$tree" M="$mod" modules >"$mod/build.log" 2>&1 || {
		cat "$mod/build.log"
		fail "building the $name module failed"
	}
}

case "$mode" in
oops)
	tree=$(kernel_tree base) || fail "no base kernel"
	mod=$TEST_TMP/oops
	build_module "$tree" oops <<'EOF'
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
stall)
	tree=$(kernel_tree base) || fail "no base kernel"
	mod=$TEST_TMP/stall
	build_module "$tree" stall <<'EOF'
// SPDX-License-Identifier: GPL-2.0
/* Stalls on load: spins with preemption off for up to `seconds`. */
#include <linux/jiffies.h>
#include <linux/module.h>
static unsigned int seconds = 300;
module_param(seconds, uint, 0);
static int __init stall_init(void)
{
	unsigned long end = jiffies + seconds * HZ;

	pr_info("folio-lab-stall: spinning with preemption off for %u s\n", seconds);
	preempt_disable();
	while (time_before(jiffies, end))
		cpu_relax();
	preempt_enable();
	return -EAGAIN;
}
module_init(stall_init);
MODULE_DESCRIPTION("folio-lab test: a CPU stall on load");
MODULE_LICENSE("GPL");
EOF
	cat >"$TEST_TMP/stall.sh" <<'EOF'
#!/bin/sh
grep -o 'panic_on_rcu_stall=1' /proc/cmdline
echo "loading the stall module"
insmod /lab/bin/stall.ko
echo "still alive after the stall"
sleep 100000
EOF
	out=$TEST_TMP/o-stall
	start=$(date +%s)
	rc=0
	"$LAB_ROOT/guest/run.sh" --bare --accel tcg --timeout 600 --kernel "base=$tree" \
		--add "$mod/stall.ko" --script "$TEST_TMP/stall.sh" --out "$out" \
		>"$TEST_TMP/stdout" 2>"$TEST_TMP/stderr" &
	pid=$!
	# The stall starts when the module says so; the clock runs from there.
	stall_at=""
	while kill -0 "$pid" 2>/dev/null; do
		if [ -z "$stall_at" ] && grep -aq 'folio-lab-stall: spinning' "$out/console-base.log" 2>/dev/null; then
			stall_at=$(date +%s)
		fi
		sleep 0.5
	done
	wait "$pid" || rc=$?
	end=$(date +%s)
	cat "$TEST_TMP/stderr"
	[ "$rc" != 0 ] || fail "guest/run.sh succeeded with a guest that stalled"
	[ -n "$stall_at" ] || fail "the stall never started (no 'folio-lab-stall: spinning' on the console)"
	grep -q 'kernel base stalled' "$TEST_TMP/stderr" ||
		fail "guest/run.sh's message does not say the kernel stalled"
	took=$((end - stall_at))
	[ "$took" -le 60 ] || fail "it took $took s from the stall to the failure (timeout 600 s): not within a minute"
	grep -aq 'panic_on_rcu_stall=1' "$out/console-base.log" || fail "no panic_on_rcu_stall on the guest's command line"
	grep -aqE 'rcu: INFO: .*detected stall|watchdog: BUG: soft lockup' "$out/console-base.log" ||
		fail "the console lacks the stall report"
	! grep -aq 'still alive after the stall' "$out/console-base.log" ||
		fail "the guest went on after its stall"
	left=$(qemu_left "$out")
	[ -z "$left" ] || fail "QEMU left running: $left"
	ok "a stalled guest fails $took s after the stall began ($((end - start)) s in all; timeout 600 s), console kept, no QEMU left" ;;
resume)
	# Ctrl-C while the second guest boots, then --resume: the first guest's
	# records are kept (not measured again), the second runs, and the job
	# ends with its comparison and report.
	base=$(kernel_tree base) || fail "no base kernel"
	patched=$(kernel_tree patched) || fail "no patched kernel"
	out=$TEST_TMP/o-resume
	log=$TEST_TMP/main.log
	python3 -c 'import os, sys
os.setsid()
os.execvp(sys.argv[1], sys.argv[1:])' "$LAB_ROOT/run.sh" main --quick --no-native --no-kunit --timeout 600 \
		--kernel "base=$base" --kernel "patched=$patched" --out "$out" >"$log" 2>&1 &
	pid=$!
	for _ in $(seq 1200); do
		grep -aq 'booting patched' "$log" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
	done
	grep -aq 'booting patched' "$log" || { cat "$log"; fail "the patched guest never started"; }
	kill -INT -- "-$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" = 130 ] || { cat "$log"; fail "exit $rc after SIGINT, want 130"; }
	grep -q 'resume with: ./run.sh main --resume' "$log" || fail "the job did not say how to resume"
	nbase=$(jq -s '[.[] | select(.kernel == "base")] | length' "$out/samples.jsonl")
	[ "$nbase" -gt 0 ] || fail "no base records before the resume"
	! jq -e -s 'any(.[]; .kernel == "patched")' "$out/samples.jsonl" >/dev/null ||
		fail "patched records after its guest was interrupted"
	base_console=$(md5sum <"$out/console-base.log")
	rc=0
	"$LAB_ROOT/run.sh" main --resume "$out" >"$TEST_TMP/resume.log" 2>&1 || rc=$?
	cat "$TEST_TMP/resume.log"
	[ "$rc" = 0 ] || fail "--resume exited $rc"
	grep -q 'guest base: kept from the interrupted run' "$TEST_TMP/resume.log" || fail "base was not kept"
	[ "$(md5sum <"$out/console-base.log")" = "$base_console" ] || fail "the base guest ran again"
	[ "$(jq -s '[.[] | select(.kernel == "base")] | length' "$out/samples.jsonl")" = "$nbase" ] ||
		fail "base's records changed on resume"
	jq -e -s 'any(.[]; .kernel == "patched")' "$out/samples.jsonl" >/dev/null || fail "no patched records after the resume"
	[ ! -e "$out/INTERRUPTED" ] || fail "INTERRUPTED left after a finished resume"
	[ -s "$out/report.html" ] && [ -s "$out/compare.md" ] || fail "no report or compare.md after the resume"
	ok "interrupted at patched's boot (exit 130), resumed: base kept ($nbase records), patched measured, compared, reported" ;;
sigint | sigint-boot | sigint-build)
	out=$TEST_TMP/o-sigint
	log=$TEST_TMP/main.log
	# When the signal comes: mid-suite (the base guest's init is up, plus 5 s),
	# while the base guest boots (2 s after "booting base", before its init
	# runs), or while a kernel builds (an empty cache: 3 s into the build).
	case $mode in
	sigint-build)
		export FOLIO_LAB_CACHE=$TEST_TMP/cache
		job=(--quick --no-native --no-kunit --timeout 600)
		want_phase='kernels phase' ;;
	*)
		base=$(kernel_tree base) || fail "no base kernel"
		patched=$(kernel_tree patched) || fail "no patched kernel"
		job=(--quick --no-native --no-kunit --timeout 600 --kernel "base=$base" --kernel "patched=$patched")
		want_phase='guests phase' ;;
	esac
	# ./run.sh main, as a user starts it, in a process group of its own as a
	# shell's foreground job is: SIGINT to that group is Ctrl-C. Started in
	# this script's background, it inherits SIGINT ignored (as a job started
	# by a CI script does); run.sh must put it back for the job to stop
	# cleanly.
	python3 -c 'import os, sys
os.setsid()
os.execvp(sys.argv[1], sys.argv[1:])' "$LAB_ROOT/run.sh" main "${job[@]}" \
		--out "$out" >"$log" 2>&1 &
	pid=$!
	ready=""
	for _ in $(seq 1200); do
		case $mode in
		sigint) grep -aq 'folio-lab-guest: up' "$out/console-base.log" 2>/dev/null && ready=5 ;;
		sigint-boot) grep -aq 'booting base' "$log" 2>/dev/null && ready=2 ;;
		sigint-build) grep -aq 'building in' "$log" 2>/dev/null && ready=3 ;;
		esac
		[ -z "$ready" ] || break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
	done
	[ -n "$ready" ] || { cat "$log"; kill -TERM -- "-$pid" 2>/dev/null; fail "the job never reached the point to signal ($mode)"; }
	sleep "$ready"
	if [ "$mode" = sigint-boot ] && grep -aq 'folio-lab-guest: up' "$out/console-base.log" 2>/dev/null; then
		echo "note: the base guest's init was already up when the signal came"
	fi
	[ "$mode" = sigint-build ] || [ -n "$(qemu_left "$out")" ] || fail "no QEMU running before the signal"
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
	[ "$rc" = 130 ] || fail "main job exit $rc after SIGINT ($mode), want 130"
	sleep 1
	left=$(qemu_left "$out")
	[ -z "$left" ] || fail "QEMU survived the SIGINT: $left"
	if [ "$mode" = sigint-build ]; then
		left=$(ps -eo pid=,args= | grep -F -- "$TEST_TMP/cache" | grep -v grep || true)
		[ -z "$left" ] || fail "the kernel build survived the SIGINT: $left"
	fi
	[ ! -e "$out/console-patched.log" ] || fail "the next guest (patched) was started after SIGINT"
	[ -f "$out/INTERRUPTED" ] || fail "results directory not marked INTERRUPTED"
	grep -q "$want_phase" "$out/INTERRUPTED" || fail "INTERRUPTED does not name the $want_phase: $(cat "$out/INTERRUPTED")"
	grep -q "resume with: ./run.sh main --resume $out" "$log" || fail "the job did not say how to resume"
	[ ! -e "$out/report.html" ] || fail "a report was written after SIGINT"
	if [ -f "$out/samples.jsonl" ]; then
		python3 -c 'import json, sys
for n, l in enumerate(open(sys.argv[1]), 1):
    json.loads(l)' "$out/samples.jsonl" || fail "a record in $out/samples.jsonl is not whole"
	fi
	ok "SIGINT ($mode): exit 130 in $took s, nothing left running, patched never started, INTERRUPTED: $(cat "$out/INTERRUPTED")" ;;
*) fail "unknown mode $mode" ;;
esac
