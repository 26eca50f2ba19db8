#!/bin/sh
# The kernel's mm selftests in a bare guest (busybox sh, POSIX): the suite
# that kernels/selftests-mm.sh run boots with guest/run.sh --bare, the
# static test programs and selftests-mm.manifest (NAME<TAB>built|not-built
# <TAB>why, from kernels/selftests-mm.sh build) in /lab/bin.
#
#   sh guest/selftests-mm.sh --list     the tests (NAME<TAB>LIMIT<TAB>COMMAND), on any host
#   /lab/suite.sh [NAME...]             in the guest: run them (default: all)
#
# Set-up: debugfs, a hugetlb pool of $POOL 2 MiB pages (set to what a test
# needs for it, then put back), THP enabled=madvise (the tests that want
# "always" set it themselves through thp_settings and restore it). Each test
# runs from its own empty directory on tmpfs, bounded by timeout(1), its
# output in $OUT/selftests-mm/NAME.log. KTAP (TAP version 13) goes to
# $OUT/selftests-mm.ktap: "ok N NAME", "not ok N NAME" ("# TIMEOUT S
# seconds" when it ran out of time), "ok N NAME # SKIP why" (the test's own
# skip message, "not built: ..." or "needs ..."), and a diagnostic line per
# test (seconds, exit status, the test's own ok/skip/not ok counts). Each
# result is echoed on the console too ("folio-lab-selftests-mm: ..."), so
# the host can tell how far a guest that died got.
# Exit status 0 when every test ran (pass, fail or skip): failures are in
# the KTAP, the host gates on them.

POOL=32
MARK=folio-lab-selftests-mm

# The tests: NAME|LIMIT|NEEDS|COMMAND|ENV-FAILS
#   LIMIT     seconds (timeout -s KILL), sized for TCG (10-50x slower than
#             the host) with room to spare
#   NEEDS     comma-separated, - for none (see needs() below); nobody:
#             run it as user nobody (su); flaky: a
#             timing-dependent test (KSM's scan counting) gets up to 3
#             attempts, the failed ones noted in its diagnostic line; kvm:WHY
#             skips it in a TCG guest (too slow there), never:WHAT skips
#             it always (the guest lacks WHAT); both last, as they take
#             the rest of the field
#   COMMAND   a program in /lab/bin and its arguments (run_vmtests.sh's)
#   ENV-FAILS for a test that exits non-zero: an ERE matching each of its
#             failure lines (Fail, not ok) that this guest cannot pass
#             (no swap...); if those are its only failures it passes, with
#             the count in its diagnostic line
# The order puts the refcount-heavy ones (THP split, migration, GUP, COW,
# KSM, compaction) first. The whole list takes about 3 minutes per TCG
# guest on the lab's 2-core VM; docs/kernels.md has what was left out, why.
tests() {
	cat <<'EOF'
split_huge_page_test|120|thp,split|split_huge_page_test-nopc|
transhuge-stress|60|thp|transhuge-stress -d 10 128|
khugepaged|180|thp|khugepaged|^Swapout .*Fail
khugepaged-s2|180|thp,kvm:13 s under TCG; the TCG run keeps khugepaged (PMD order)|khugepaged -s 2|^Swapout .*Fail
migration-private_anon|90|nodes2|migration -t private_anon|
migration-private_anon_thp|90|nodes2,thp|migration -t private_anon_thp|
migration-shared_anon_thp|90|nodes2,thp|migration -t shared_anon_thp|
migration-shared_anon|90|nodes2,kvm:20 s each; the TCG run keeps private_anon; private_anon_thp and shared_anon_thp|migration -t shared_anon|
migration-private_anon_htlb|90|nodes2,hugetlb:8,kvm:20 s each; the TCG run keeps private_anon; private_anon_thp and shared_anon_thp|migration -t private_anon_htlb|
migration-shared_anon_htlb|90|nodes2,hugetlb:8,kvm:20 s each; the TCG run keeps private_anon; private_anon_thp and shared_anon_thp|migration -t shared_anon_htlb|
gup_test-u|60|gup_test|gup_test -u|
gup_test-a|60|gup_test|gup_test -a|
gup_test-ct|60|gup_test|gup_test -ct -F 0x1 0 19 0x1000|
gup_longterm|120|-|gup_longterm|
cow|180|thp,hugetlb:4|cow|
ksm_tests-M|60|ksm,flaky|ksm_tests -M -p 10|
ksm_tests-U|60|ksm,flaky|ksm_tests -U|
ksm_tests-Z0|60|ksm,flaky|ksm_tests -Z -p 10 -z 0|
ksm_tests-Z1|60|ksm,flaky|ksm_tests -Z -p 10 -z 1|
ksm_tests-N1|60|ksm,nodes2,flaky|ksm_tests -N -m 1|
ksm_tests-N0|60|ksm,nodes2,flaky|ksm_tests -N -m 0|
ksm_tests-H|60|ksm,thp,flaky|ksm_tests -H -s 100|
ksm_functional_tests|120|ksm|ksm_functional_tests|
compaction_test|120|-|compaction_test|
madv_populate|60|-|madv_populate|
mremap_test|120|-|mremap_test|^not ok .* 2GB mremap
mremap_dontunmap|60|-|mremap_dontunmap|
mlock2-tests|60|-|mlock2-tests|
mlock-random-test|60|-|mlock-random-test|
mkdirty|60|thp|mkdirty|
pagemap_ioctl|120|thp,kvm:10-12 s under TCG; PAGEMAP_SCAN; no refcount path|pagemap_ioctl|
map_fixed_noreplace|60|-|map_fixed_noreplace|
mrelease_test|60|-|mrelease_test|
mdwe_test|60|-|mdwe_test|
mseal_test|60|-|mseal_test|
seal_elf|60|-|seal_elf|
droppable|60|-|droppable|
uffd-unit-tests-register|60|hugetlb:32|uffd-unit-tests -f register-ioctls|
uffd-unit-tests-zeropage|60|hugetlb:32|uffd-unit-tests -f zeropage|
uffd-unit-tests-move|120|hugetlb:32|uffd-unit-tests -f move|
uffd-unit-tests-wp-fork|120|hugetlb:32|uffd-unit-tests -f wp-fork|
uffd-unit-tests-wp-unpopulated|60|hugetlb:32|uffd-unit-tests -f wp-unpopulated|
uffd-unit-tests-sigbus|120|hugetlb:32|uffd-unit-tests -f sigbus|
uffd-unit-tests-minor|120|hugetlb:32,kvm:54 s under TCG|uffd-unit-tests -f minor|
uffd-unit-tests-poison|120|hugetlb:32,kvm:22 s under TCG|uffd-unit-tests -f poison|
uffd-unit-tests-events|120|hugetlb:32,kvm:49 s under TCG (and a UFFDIO_COPY ENOENT once on base there: timing)|uffd-unit-tests -f events|
uffd-stress-anon|120|kvm:random-timing stress; 10 s under TCG|uffd-stress anon 20 16|
uffd-stress-shmem|120|kvm:random-timing stress; 38-53 s under TCG|uffd-stress shmem 20 16|
uffd-stress-hugetlb|120|hugetlb:16,kvm:random-timing stress; 12-14 s under TCG|uffd-stress hugetlb 16 16|
hugepage-mmap|60|hugetlb:128|hugepage-mmap|
map_hugetlb|60|hugetlb:128|map_hugetlb|
hugepage-mremap|60|hugetlb:16|hugepage-mremap 10|
hugepage-vmemmap|60|hugetlb:4|hugepage-vmemmap|
hugetlb-madvise|60|hugetlb:20|hugetlb-madvise|
hugetlb_dio|60|hugetlb:8|hugetlb_dio|
hugetlb_madv_vs_map|60|hugetlb=1|hugetlb_madv_vs_map|
hugetlb_fault_after_madv|180|hugetlb=1,kvm:10000 rounds of two threads; over 60 s under TCG|hugetlb_fault_after_madv|
hugetlb-soft-offline|60|hugetlb:8,soft_offline|hugetlb-soft-offline|
hugetlb-read-hwpoison|60|hugetlb:8|hugetlb-read-hwpoison|
pkey_sighandler_tests_64|60|-|pkey_sighandler_tests_64|
protection_keys_64|120|-|protection_keys_64|
virtual_address_range|60|overcommit|virtual_address_range|
va_high_addr_switch|60|la57,hugetlb:8|va_high_addr_switch --run-hugetlb|
hugepage-shm|60|sysvipc,hugetlb:128|hugepage-shm|
thuge-gen|60|sysvipc,hugetlb:8|thuge-gen|
map_populate|60|net|map_populate|
memfd_secret|60|-|memfd_secret|
soft-dirty|60|-|soft-dirty|
hmm-tests|10|never:the test_hmm module (CONFIG_TEST_HMM), which the lab config does not build|hmm-tests|
on-fault-limit|60|nobody|on-fault-limit|
EOF
}

if [ "${1:-}" = --list ]; then
	tests | while IFS='|' read -r name t need cmd envf; do
		printf '%s\t%s\t%s\n' "$name" "$t" "$cmd"
	done
	exit 0
fi

: "${OUT:=/tmp/out}"
LOGS=$OUT/selftests-mm
KTAP=$OUT/selftests-mm.ktap
MANIFEST=/lab/bin/selftests-mm.manifest
mkdir -p "$LOGS"
export PATH=/lab/bin:$PATH

say() { echo "$MARK: $*"; }
ktap() {
	echo "$*" >>"$KTAP"
	say "$*"
}

# Set-up.
mountpoint -q /sys/kernel/debug 2>/dev/null || mount -t debugfs none /sys/kernel/debug 2>/dev/null
mkdir -p /dev/hugepages
mountpoint -q /dev/hugepages 2>/dev/null || mount -t hugetlbfs none /dev/hugepages 2>/dev/null
THP=/sys/kernel/mm/transparent_hugepage
KSM=/sys/kernel/mm/ksm
[ -w $THP/enabled ] && echo madvise >$THP/enabled
echo $POOL >/proc/sys/vm/nr_hugepages 2>/dev/null
# Users: protection_keys reads /etc/passwd, on-fault-limit runs as nobody
# (run_vmtests.sh: sudo -u nobody); the initramfs has no /etc of its own.
mkdir -p /etc
[ -f /etc/passwd ] || printf 'root:x:0:0:root:/tmp:/bin/sh\nnobody:x:65534:65534:nobody:/tmp:/bin/sh\n' >/etc/passwd
[ -f /etc/group ] || printf 'root:x:0:\nnogroup:x:65534:\n' >/etc/group
# The console keeps the kernel's default log level: the host's console watch
# must see any WARNING or BUG a test provokes.

# needs NEEDS: 0 when the test can run (after setting what it needs up);
# else the reason on stdout.
needs() {
	[ "$1" = - ] && return 0
	case "$1" in
	never:*) echo "needs ${1#never:}"; return 1 ;;
	kvm:* | *,kvm:*)
		if [ "${FOLIO_LAB_ACCEL:-}" = tcg ]; then
			echo "too slow for a TCG guest (runs under KVM): ${1#*kvm:}"
			return 1
		fi ;;
	esac
	for w in $(echo "${1%%kvm:*}" | tr ',' ' '); do
		case "$w" in
		thp)
			[ -r $THP/enabled ] || { echo "needs THP ($THP/enabled)"; return 1; } ;;
		split)
			[ -e /sys/kernel/debug/split_huge_pages ] ||
				{ echo "needs /sys/kernel/debug/split_huge_pages (DEBUG_FS, THP)"; return 1; } ;;
		gup_test)
			[ -e /sys/kernel/debug/gup_test ] ||
				{ echo "needs /sys/kernel/debug/gup_test (CONFIG_GUP_TEST)"; return 1; } ;;
		ksm)
			# A clean KSM: unmerge everything an earlier test left in
			# the stable tree (ksm_tests -U counts pages_shared).
			[ -w $KSM/run ] || { echo "needs KSM ($KSM/run)"; return 1; }
			echo 2 >$KSM/run
			echo 0 >$KSM/run ;;
		nodes2)
			nn=$(ls -d /sys/devices/system/node/node[0-9]* 2>/dev/null | wc -l)
			[ "$nn" -ge 2 ] || { echo "needs 2 NUMA nodes, the guest has $nn"; return 1; } ;;
		la57)
			grep -qw la57 /proc/cpuinfo ||
				{ echo "needs 5-level page tables (la57; run_vmtests.sh runs it only then)"; return 1; } ;;
		sysvipc)
			[ -d /proc/sysvipc ] ||
				{ echo "needs System V shared memory (CONFIG_SYSVIPC), not in the lab config"; return 1; } ;;
		net)
			[ -d /proc/sys/net ] ||
				{ echo "needs socketpair(2) (CONFIG_NET, CONFIG_UNIX), not in the lab config"; return 1; } ;;
		soft_offline)
			[ -w /proc/sys/vm/enable_soft_offline ] ||
				{ echo "needs /proc/sys/vm/enable_soft_offline"; return 1; }
			echo 1 >/proc/sys/vm/enable_soft_offline ;;
		overcommit)
			echo 1 >/proc/sys/vm/overcommit_memory ;;
		flaky) ;;
		nobody)
			grep -q '^nobody:' /etc/passwd ||
				{ echo "needs a user nobody in /etc/passwd"; return 1; } ;;
		hugetlb:* | hugetlb=*)
			want=${w#hugetlb?}
			[ -w /proc/sys/vm/nr_hugepages ] ||
				{ echo "needs hugetlbfs (/proc/sys/vm/nr_hugepages)"; return 1; }
			case "$w" in
			hugetlb=*) echo "$want" >/proc/sys/vm/nr_hugepages ;;
			*) [ "$want" -le $POOL ] || echo "$want" >/proc/sys/vm/nr_hugepages ;;
			esac
			free=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
			[ "${free:-0}" -ge "$want" ] ||
				{ echo "needs $want free 2 MiB huge pages, the pool has ${free:-0}"; return 1; } ;;
		*)
			echo "needs '$w' (unknown to guest/selftests-mm.sh)"
			return 1 ;;
		esac
	done
	return 0
}

# After a test: the settings it may have changed back to the lab's.
restore() {
	[ "$(cat /proc/sys/vm/nr_hugepages 2>/dev/null)" = $POOL ] ||
		echo $POOL >/proc/sys/vm/nr_hugepages 2>/dev/null
	echo 0 >/proc/sys/vm/overcommit_memory 2>/dev/null
	[ -w $THP/enabled ] && echo madvise >$THP/enabled
	[ -w $KSM/run ] && echo 0 >$KSM/run
}

# skip_reason LOG: the test's own skip message.
skip_reason() {
	r=$(grep -i -m1 -E '# *SKIP|skip' "$1" | sed -e 's/^.*# *[Ss][Kk][Ii][Pp]\(ped\)* *//' -e 's/^ *//')
	[ -n "$r" ] || r=$(grep -v '^ *$' "$1" | tail -n1)
	echo "${r:-exit status 4, no message}" | tr -d '\r' | cut -c1-160
}

# run_one: one attempt of the test in $cmd, output in $log.now; sets rc,
# secs, res (its KTAP line), note and its own ok/skip/not ok counts.
run_one() {
	dir=/tmp/st-$name
	rm -rf "$dir"
	mkdir -p "$dir"
	t0=$(cut -d' ' -f1 /proc/uptime)
	# The full path: some tests open or exec their own argv[0].
	# shellcheck disable=SC2086  # the arguments' words
	case ",$need," in
	*,nobody,*)
		chmod 777 "$dir"
		(cd "$dir" && exec timeout -s KILL "$t" su -s /bin/sh nobody -c "/lab/bin/$prog$args") ;;
	*)
		(cd "$dir" && exec timeout -s KILL "$t" "/lab/bin/$prog" $args) ;;
	esac >"$log.now" 2>&1 </dev/null
	rc=$?
	t1=$(cut -d' ' -f1 /proc/uptime)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	restore
	rm -rf "$dir"
	nok=$(grep -c '^ok ' "$log.now")
	nskip=$(grep -c '^ok .*# *SKIP' "$log.now")
	nbad=$(grep -c '^not ok ' "$log.now")
	note=""
	case "$rc" in
	134) note=", SIGABRT" ;;
	135) note=", SIGBUS" ;;
	136) note=", SIGFPE" ;;
	139) note=", SIGSEGV" ;;
	esac
	res=""
	# Its failure lines (khugepaged's exit status is their count, not a
	# kselftest code; a "# Failed to ..." diagnostic is not one), and
	# those this guest cannot pass.
	nf=$(grep -E -c '^not ok |^[^#].*Fail' "$log.now")
	ne=0
	[ -z "$envf" ] || ne=$(grep -E '^not ok |^[^#].*Fail' "$log.now" | grep -E -c -- "$envf")
	if [ "$rc" = 0 ]; then
		res="ok $i $name"
	elif [ "$rc" = 137 ] && awk -v s="$secs" -v t="$t" 'BEGIN { exit !(s + 1 >= t) }'; then
		res="not ok $i $name # TIMEOUT $t seconds"
	elif [ "$rc" -lt 128 ] && [ "$nf" -gt 0 ] && [ "$nf" = "$ne" ]; then
		res="ok $i $name"
		note="$note; all its $ne failures match '$envf' (untestable in this guest)"
	elif [ "$rc" = 4 ] && [ "$nf" = 0 ]; then
		res="ok $i $name # SKIP $(skip_reason "$log.now")"
	fi
	[ -n "$res" ] || res="not ok $i $name"
}

# The tests to run: the arguments, or all.
sel=" $* "
total=$(tests | while IFS='|' read -r name rest; do
	[ "$sel" = "  " ] || case "$sel" in *" $name "*) ;; *) continue ;; esac
	echo "$name"
done | wc -l)

echo "TAP version 13" >"$KTAP"
echo "1..$total" >>"$KTAP"
ktap "# kernel ${FOLIO_LAB_KERNEL_LABEL:-?} $(uname -r); $(nproc) CPUs; $(ls -d /sys/devices/system/node/node[0-9]* | wc -l) nodes; hugetlb pool $(cat /proc/sys/vm/nr_hugepages); THP $(cat $THP/enabled 2>/dev/null)"
say "plan $total"

i=0
tests | while IFS='|' read -r name t need cmd envf; do
	[ "$sel" = "  " ] || case "$sel" in *" $name "*) ;; *) continue ;; esac
	i=$((i + 1))
	log=$LOGS/$name.log
	prog=${cmd%% *}
	args=${cmd#"$prog"}
	if [ ! -x "/lab/bin/$prog" ]; then
		why=$(awk -F'\t' -v p="$prog" '$1 == p && $2 == "not-built" { print $3 }' "$MANIFEST" 2>/dev/null)
		ktap "ok $i $name # SKIP not built: ${why:-$prog is not in /lab/bin}"
		continue
	fi
	if ! why=$(needs "$need"); then
		ktap "ok $i $name # SKIP $why"
		restore
		continue
	fi
	tries=1
	case ",$need," in *,flaky,*) tries=3 ;; esac
	attempt=1
	earlier=""
	: >"$log"
	while :; do
		say "start $i $name: $cmd (limit ${t}s${earlier:+, attempt $attempt})"
		run_one
		[ "$attempt" -gt 1 ] && echo "=== attempt $attempt ===" >>"$log"
		cat "$log.now" >>"$log"
		rm -f "$log.now"
		case "$res" in "not ok "*) ;; *) break ;; esac
		[ "$attempt" -lt "$tries" ] || break
		earlier="$earlier${earlier:+, }attempt $attempt: exit $rc"
		attempt=$((attempt + 1))
		needs "$need" >/dev/null
	done
	if [ -n "$earlier" ]; then
		case "$res" in
		"not ok "*) note="$note; failed all $attempt attempts" ;;
		*) note="$note; flaky: passed at attempt $attempt after $earlier" ;;
		esac
	fi
	ktap "$res"
	ktap "# $name: ${secs}s, exit $rc$note; its own results: $((nok - nskip)) ok, $nskip skip, $nbad not ok"
done
dmesg >"$OUT/dmesg.txt" 2>/dev/null
say "done"
exit 0
