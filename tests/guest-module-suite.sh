#!/bin/sh
# Runs inside a folio-lab guest (guest/run.sh --script, busybox sh):
# the ABI test of folio_lab.ko, the hostile-input test (if it is in
# /lab/bin), then the `module` workload through the static harness for every
# variant x mix on 1 and 4 workers, records to $OUT.
#   guest-module-suite.sh EXPECTED_SCHEME [quick|small|full] [HOSTILE_SECONDS]
# HOSTILE_SECONDS: the hostile test's random phase (default 12 here, 5 in
# small mode, to keep CI short; the test's own default is 60 s).
# quick: shorter windows, no extra runs. small: the ABI test, then only
# tryget-put and free-cycle for kernel, frozen-bit and frozen-bit-cas-put
# (the patched-cas-put guest: its INFO and its put are what is new there).
# Figures measured here are emulated-guest figures, not scalability results.
expect=${1:-any}
mode=${2:-}
[ "$mode" = full ] && mode=
quick=
[ -n "$mode" ] && quick=quick
hostile_s=${3:-}
[ -n "$hostile_s" ] || { [ "$mode" = small ] && hostile_s=5 || hostile_s=12; }
: "${OUT:=/results}"
rc=0

echo "guest-module: ABI test (expect scheme $expect)"
test_module_abi --expect "$expect" --rmmod --ko /lab/folio_lab.ko >"$OUT/abi-test.log" 2>&1
abi_rc=$?
cat "$OUT/abi-test.log"
if [ "$abi_rc" != 0 ]; then
	echo "guest-module: ABI test FAILED (exit $abi_rc)"
	rc=1
fi
# The ABI test unloads and reloads the module; without it nothing follows.
if [ ! -e /dev/folio_lab ]; then
	echo "guest-module: /dev/folio_lab missing after the ABI test"
	exit 1
fi

# The hostile-input test: deterministic table, conflicting pairs, a seeded
# random phase; it unloads and reloads the module at the end too.
if command -v test_module_hostile >/dev/null; then
	seed=$(date +%s)
	echo "guest-module: hostile test (${hostile_s} s random phase, seed $seed)"
	test_module_hostile --seconds "$hostile_s" --seed "$seed" --ko /lab/folio_lab.ko \
		>"$OUT/hostile-test.log" 2>&1
	hostile_rc=$?
	grep -E '^(FAIL|UNEXPECTED|# |hostile:|[0-9]+ passed)' "$OUT/hostile-test.log"
	if [ "$hostile_rc" != 0 ]; then
		echo "guest-module: hostile test FAILED (exit $hostile_rc)"
		rc=1
	fi
	if [ ! -e /dev/folio_lab ]; then
		echo "guest-module: /dev/folio_lab missing after the hostile test"
		exit 1
	fi
else
	echo "guest-module: no test_module_hostile in the guest: hostile test not run"
fi

dur=0.2
[ -n "$quick" ] && dur=0.1
bench() {
	echo "guest-module: folio-lab bench --workload module $*"
	if ! folio-lab bench --out "$OUT" --workload module --workers 1,4 --reps 1 \
		--duration "$dur" --warmup 0.05 --quiet "$@"; then
		echo "guest-module: bench $* FAILED"
		rc=1
	fi
}
if [ "$mode" = small ]; then
	bench --variant kernel,frozen-bit,frozen-bit-cas-put --opt mix=tryget-put
	bench --variant kernel,frozen-bit,frozen-bit-cas-put --opt mix=free-cycle \
		--opt target=per-worker
	echo "guest-module: done (small), status $rc"
	exit $rc
fi
bench --variant all --opt mix=tryget-put
bench --variant all --opt mix=get-put
# plain-add has no liveness check: it refuses mix=freezer. The variants are
# the harness's (kernel, then refscheme.h's table).
freezer_variants=$(folio-lab list module | sed -n 's/^ *variants: //p' |
	sed 's/ (default)//' | tr ' ' '\n' | grep -v '^plain-add$' | tr '\n' ',' | sed 's/,$//')
bench --variant "$freezer_variants" --opt mix=freezer --opt freeze_every=100
bench --variant all --opt mix=tryget-put --opt target=per-worker
# The free path (review question 3): an allocation and its final put, each
# worker on its own counter (the only target free-cycle takes).
bench --variant all --opt mix=free-cycle --opt target=per-worker
if [ -z "$quick" ]; then
	# GUP-pin-sized gets and a freezer that holds, on 2 MiB folios.
	bench --variant kernel,frozen-bit --opt mix=freezer --opt get_nr=1024 \
		--opt base_refs=3 --opt order=9 --opt freeze_every=50 --opt hold=20
	# Folios on the far node (the guests have two).
	[ -d /sys/devices/system/node/node1 ] &&
		bench --variant kernel --opt mix=tryget-put --opt node=1
	# Processes mode: each worker process opens its own descriptor.
	bench --variant kernel --opt mix=tryget-put --mode processes
fi
echo "guest-module: done, status $rc"
exit $rc
