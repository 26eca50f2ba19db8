#!/bin/sh
# In-guest suite of tests/guest-pair.sh (busybox sh): NUMA as hwloc sees it,
# the refcount probe, and a short pread run recorded by the harness.
set -e
ls -d /sys/devices/system/node/node[0-9]* | wc -l >"$OUT/nodes.txt"
folio-lab plan --placement node:1 --workers 2 >"$OUT/plan.txt"
if [ -f /lab/bin/refprobe.ko ]; then
	insmod /lab/bin/refprobe.ko
	dmesg | grep 'folio-lab-refprobe:' >"$OUT/refprobe.txt"
fi
folio-lab bench --quiet --out "$OUT" --workload pread --workers 1,2 \
	--duration 0.2 --warmup 0.05 --reps 1 >/dev/null
