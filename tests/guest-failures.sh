#!/usr/bin/env bash
# The runner fails loudly and clearly: an unknown kernel label, a broken
# kernel tree, a hung suite, a "BUG:" on the console, a failing suite.
# usage: guest-failures.sh broken|hang|bug|suite-fails
source "$(dirname "$0")/guest-lib.sh"
need_guest_tools
mode=${1:?usage: guest-failures.sh broken|hang|bug|suite-fails}
run="$LAB_ROOT/guest/run.sh"

# expect_failure SECONDS_MAX PATTERN ARGS...: run.sh must fail, quickly
# enough, with PATTERN in its message.
expect_failure() {
	local max=$1 pattern=$2 start rc=0
	shift 2
	start=$(date +%s)
	"$run" "$@" >"$TEST_TMP/stdout" 2>"$TEST_TMP/stderr" || rc=$?
	cat "$TEST_TMP/stderr"
	[ "$rc" != 0 ] || fail "guest/run.sh $* succeeded; it should have failed"
	grep -Eq "$pattern" "$TEST_TMP/stderr" || fail "message lacks /$pattern/"
	[ $(($(date +%s) - start)) -le "$max" ] || fail "took more than $max s to fail"
}

case "$mode" in
broken)
	fake="$TEST_TMP/fake-tree"
	mkdir -p "$fake/arch/x86/boot"
	# A bare label must be one of the lab's kernels (kernels/build.sh --list).
	expect_failure 10 "use one of the lab's kernels: base patched patched-cas-put" \
		--bare --kernel nonsense --out "$TEST_TMP/o1"
	expect_failure 10 'bzImage missing' --bare --kernel "junk=$fake" --out "$TEST_TMP/o1"
	head -c 3000000 /dev/urandom >"$fake/arch/x86/boot/bzImage"
	expect_failure 10 'Module.symvers missing' --bare --kernel "junk=$fake" --out "$TEST_TMP/o1"
	: >"$fake/Module.symvers"
	printf '#!/bin/sh\ntrue\n' >"$TEST_TMP/true.sh"
	expect_failure 60 'QEMU failed for kernel junk|printed nothing' \
		--bare --accel tcg --timeout 60 --kernel "junk=$fake" --script "$TEST_TMP/true.sh" --out "$TEST_TMP/o1"
	ok "garbage bzImage refused clearly" ;;
hang)
	tree=$(kernel_tree base) || fail "no base kernel"
	printf '#!/bin/sh\necho hanging on purpose\nsleep 100000\n' >"$TEST_TMP/hang.sh"
	expect_failure 120 'guest base did not finish within 40 s; console: .*console-base.log' \
		--bare --accel tcg --timeout 40 --kernel "base=$tree" --script "$TEST_TMP/hang.sh" --out "$TEST_TMP/o2"
	grep -q 'hanging on purpose' "$TEST_TMP/o2/console-base.log" || fail "console of the hung guest not kept"
	ok "hung guest killed at its timeout" ;;
bug)
	tree=$(kernel_tree base) || fail "no base kernel"
	printf '#!/bin/sh\necho "BUG: fake report from the test suite" >/dev/kmsg\n' >"$TEST_TMP/bug.sh"
	expect_failure 300 'kernel base reported a problem on its console' \
		--bare --accel tcg --timeout 240 --kernel "base=$tree" --script "$TEST_TMP/bug.sh" --out "$TEST_TMP/o3"
	grep -q 'BUG: fake report' "$TEST_TMP/o3/console-base.log" || fail "console not kept"
	ok "BUG: on the console is a failure" ;;
suite-fails)
	tree=$(kernel_tree base) || fail "no base kernel"
	printf '#!/bin/sh\necho partial >"$OUT/partial.txt"\nexit 3\n' >"$TEST_TMP/fails.sh"
	expect_failure 300 'suite in guest base exited with status 3' \
		--bare --accel tcg --timeout 240 --kernel "base=$tree" --script "$TEST_TMP/fails.sh" --out "$TEST_TMP/o4"
	[ "$(cat "$TEST_TMP/o4/raw-base/partial.txt")" = partial ] || fail "partial results of a failed suite not kept"
	ok "failing suite reported, partial results kept" ;;
*) fail "unknown mode $mode" ;;
esac
