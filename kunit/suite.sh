#!/bin/sh
# In-guest side of the KUnit suite (guest/run.sh --script): loads
# /lab/bin/folio_lab_kunit.ko, whose suite runs while insmod loads it, and
# saves the KTAP and the kernel log under $OUT.
#   suite.sh [expect-warn]
# expect-warn (debug-vm kernels): also run the case that makes
# CONFIG_DEBUG_VM warn, with the console muted for it; the host then checks
# the saved kernel log for exactly that warning and nothing else.
set -u
ko=/lab/bin/folio_lab_kunit.ko
param=""
if [ "${1:-}" = expect-warn ]; then
	param=expect_warn=1
	dmesg -n 1
fi
dmesg >"$OUT/dmesg-before.txt"
start=$(date +%s)
insmod "$ko" $param
rc=$?
end=$(date +%s)
[ -z "$param" ] || dmesg -n 7
echo "folio-lab-kunit: insmod exited $rc after $((end - start)) s"
# The kernel log without its timestamps; the KTAP is the part from the last
# top-level "KTAP version 1" (the boot prints an empty "1..0" one).
dmesg | sed 's/^\[ *[0-9.]*\] //' >"$OUT/dmesg.txt"
n=$(grep -n '^KTAP version 1$' "$OUT/dmesg.txt" | tail -n1 | cut -d: -f1)
: >"$OUT/kunit.ktap"
[ -z "$n" ] || tail -n +"$n" "$OUT/dmesg.txt" >"$OUT/kunit.ktap"
echo "insmod_rc=$rc seconds=$((end - start))" >"$OUT/kunit-run.txt"
# The console copy: the summary lines only (the full KTAP comes back in $OUT).
grep -E '^    (not )?ok |^(not )?ok |# Totals' "$OUT/kunit.ktap"
rmmod folio_lab_kunit 2>/dev/null
[ "$rc" = 0 ] && [ -s "$OUT/kunit.ktap" ]
