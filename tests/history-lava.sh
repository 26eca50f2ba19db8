#!/usr/bin/env bash
# lava-job: the generated LAVA jobs (qemu and x86 device types) pass LAVA's
# own strict schema validator (lava_common.schemas.validate, Debian's
# lava-common), broken ones do not, and the test shell's steps, run under
# busybox sh with stand-ins for lava-test-case and a stub suite, report one
# test case per record with measurement and units and put the raw records
# into the log between the marker lines.
#   history-lava.sh LAVA_JOB_SH
set -u
JOB=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
PY=""
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import yaml, lava_common.schemas' 2>/dev/null; then PY=$p; break; fi
done
[ -n "$PY" ] || { echo "SKIP: lava-common (python3 lava_common.schemas) is not installed"; exit 77; }
cat >"$T/validate.py" <<'PYEOF'
import sys, yaml
from lava_common.schemas import validate
with open(sys.argv[1]) as f:
    job = yaml.safe_load(f)
if len(sys.argv) > 2:
    exec(sys.argv[2])  # a mutation of the job, for the negative cases
try:
    validate(job, strict=True)
except Exception as e:
    print("invalid:", e)
    sys.exit(1)
print("valid")
PYEOF
valid() { # valid NAME FILE [MUTATION] -> 0 when LAVA accepts it
	"$PY" "$T/validate.py" "$2" ${3:+"$3"} >"$T/v.out" 2>&1
}
gen() { # gen FILE ARGS...
	local f=$1; shift
	sh "$JOB" "$@" >"$f" 2>"$T/gen.err" || { echo "FAIL lava-job $*"; cat "$T/gen.err"; fail=1; }
}
K=https://lab.example/kernels/next/bzImage
I=https://lab.example/kernels/next/initramfs.cpio.gz
gen "$T/qemu.yaml" --kernel-url $K --initrd-url $I
gen "$T/qemu2.yaml" --kernel-url $K --initrd-url $I --device-type qemu --suite "--workloads pread,module --reps 3" \
	--label next-20260601 --artifact-url "http://127.0.0.1:9/up/next?x=1" --smp 8 --nodes 2 --mem 4096 \
	--kernel-sha256 "$(printf k | sha256sum | cut -c-64)" --initrd-sha256 "$(printf i | sha256sum | cut -c-64)" \
	--tags numa,kvm --priority 80 --timeout 90 --job-name "folio-lab next-20260601"
gen "$T/x86.yaml" --kernel-url $K --initrd-url $I --device-type x86 --suite "--quick"
for j in qemu qemu2 x86; do
	if valid "$j" "$T/$j.yaml"; then echo "ok   $j job: valid (lava_common.schemas.validate, strict)"; else
		echo "FAIL $j job rejected by LAVA's validator"; cat "$T/v.out"; sed 's/^/  | /' "$T/$j.yaml"; fail=1; fi
done
# the validator is real: broken jobs are rejected
for m in 'del job["visibility"]' 'job["actions"][0]["deploy"]["bogus"] = 1' \
	'job["timeouts"]["job"] = {"minutes": 1}' 'job["actions"][1]["boot"]["method"] = "nonsense"'; do
	if valid mutated "$T/qemu.yaml" "$m"; then echo "FAIL LAVA accepted a broken job ($m)"; fail=1; else
		echo "ok   a broken job is rejected: $m"; fi
done
grep -q 'device_type: x86' "$T/x86.yaml" && grep -q 'method: ipxe' "$T/x86.yaml" && grep -q 'to: tftp' "$T/x86.yaml" &&
	grep -q 'method: qemu' "$T/qemu.yaml" && grep -q 'to: tmpfs' "$T/qemu.yaml" &&
	grep -q "'-numa node,nodeid=1,cpus=4-7,memdev=m1'" "$T/qemu2.yaml" &&
	grep -q 'sh /lab/suite.sh --workloads pread,module --reps 3' "$T/qemu2.yaml" &&
	echo "ok   device types, NUMA shape and suite arguments in the jobs" || { echo "FAIL job contents"; fail=1; }
sh "$JOB" --initrd-url $I >/dev/null 2>&1; [ $? = 2 ] && echo "ok   no --kernel-url -> 2" || { echo "FAIL missing url"; fail=1; }
sh "$JOB" --kernel-url $K --initrd-url $I --device-type arm >/dev/null 2>&1; [ $? = 2 ] &&
	echo "ok   unknown device type -> 2" || { echo "FAIL device type"; fail=1; }

# --- run the test shell's steps as LAVA would (one script), busybox sh; the upload
# goes to the loopback discard port and fails (no network is used)
SH=sh
command -v busybox >/dev/null && SH="busybox sh"
mkdir -p "$T/lab" "$T/bin"
python3 "$(dirname "$0")/history-gen.py" "$T/gen" --builds 1 --reps 2 >/dev/null
cat >"$T/lab/suite.sh" <<SUITE
cp "$T/gen/b001/samples.jsonl" "$T/gen/b001/meta.json" "\$OUT/"
echo "label=\$FOLIO_LAB_KERNEL_LABEL where=\$FOLIO_LAB_WHERE accel=\$FOLIO_LAB_ACCEL args=\$*"
SUITE
printf '#!/bin/sh\necho "CASE $*" >>%s/cases\n' "$T" >"$T/bin/lava-test-case"
printf '#!/bin/sh\necho "REF $*" >>%s/cases\n' "$T" >"$T/bin/lava-test-reference"
printf '#!/bin/sh\nexit 1\n' >"$T/bin/curl"
printf '#!/bin/sh\nexit 1\n' >"$T/bin/wget"
chmod +x "$T"/bin/*
"$PY" -c '
import re, sys, yaml
job = yaml.safe_load(open(sys.argv[1]))
steps = job["actions"][2]["test"]["definitions"][0]["repository"]["run"]["steps"]
root = sys.argv[2]
print("\n".join(re.sub(r"(?<![\w.])/(lab|tmp)/", lambda m: root + "/" + m.group(1) + "/", s) for s in steps))
' "$T/qemu2.yaml" "$T" >"$T/run.sh"
mkdir -p "$T/tmp"
(cd "$T" && PATH="$T/bin:$PATH" $SH "$T/run.sh") >"$T/log" 2>&1
n=$(grep -c '^CASE pread.default.threads.compact.w[12].r[01] --result pass --measurement [0-9.e+]* --units ops/s$' "$T/cases")
[ "$n" = 4 ] && grep -q '^CASE atomics.frozen-bit.threads.compact.w2.r1 --result pass --measurement' "$T/cases" &&
	grep -q '^CASE folio-lab-suite --result pass$' "$T/cases" &&
	grep -q '^CASE folio-lab-records --result pass --measurement [0-9]* --units bytes$' "$T/cases" &&
	grep -q '^CASE folio-lab-records-upload --result fail$' "$T/cases" &&
	grep -q 'label=next-20260601 where=guest accel=kvm args=--workloads pread,module --reps 3' "$T/log" &&
	echo "ok   test shell: one lava-test-case per record with measurement and units ($(grep -c '^CASE' "$T/cases") cases)" ||
	{ echo "FAIL test shell steps"; sed 's/^/  | /' "$T/cases" "$T/log" | head -40; fail=1; }
awk '/^FOLIO-LAB-RESULTS-BEGIN$/ { on = 1; next } /^FOLIO-LAB-RESULTS-END / { on = 0; print > "/dev/stderr"; next } on' \
	"$T/log" 2>"$T/end" | base64 -d >"$T/rec.tgz"
want=$(sed -n 's/.*sha256=\([0-9a-f]*\).*/\1/p' "$T/end")
if [ -n "$want" ] && [ "$(sha256sum <"$T/rec.tgz" | cut -c-64)" = "$want" ] &&
	tar -xzf "$T/rec.tgz" -C "$T/tmp" ./samples.jsonl ./meta.json 2>/dev/null &&
	cmp -s "$T/tmp/samples.jsonl" "$T/gen/b001/samples.jsonl"; then
	echo "ok   raw records in the job log between the markers, checksum and content intact"
else
	echo "FAIL records artefact"; sed 's/^/  | /' "$T/end"; fail=1
fi
# --extract: the records back out of the log, plain and as LAVA's YAML log
if sh "$JOB" --extract "$T/log" "$T/x1" 2>"$T/x.err" && cmp -s "$T/x1/samples.jsonl" "$T/gen/b001/samples.jsonl" &&
	[ -s "$T/x1/meta.json" ]; then
	echo "ok   --extract: records back from the plain log ($(cat "$T/x.err"))"
else
	echo "FAIL --extract plain"; cat "$T/x.err"; fail=1
fi
"$PY" -c '
import json, sys
for l in open(sys.argv[1]):
    print("- " + json.dumps({"dt": "2026-06-01T03:00:00", "lvl": "target", "msg": l.rstrip("\n")}))
' "$T/log" >"$T/log.yaml"
sh "$JOB" --extract "$T/log.yaml" "$T/x2" 2>"$T/x.err" && cmp -s "$T/x2/samples.jsonl" "$T/gen/b001/samples.jsonl" &&
	echo "ok   --extract: from LAVA's YAML log" || { echo "FAIL --extract yaml"; cat "$T/x.err"; fail=1; }
awk '/^FOLIO-LAB-RESULTS-BEGIN$/ { print; getline; print; next } !/^[A-Za-z0-9+\/=]+$/ || /^FOLIO/' "$T/log" >"$T/log.cut"
sh "$JOB" --extract "$T/log.cut" "$T/x3" 2>"$T/x.err"; rc=$?
[ $rc = 2 ] && grep -q 'truncated or damaged' "$T/x.err" && [ ! -e "$T/x3/samples.jsonl" ] &&
	echo "ok   --extract: a truncated block -> 2, nothing unpacked" || { echo "FAIL --extract truncated (rc $rc)"; cat "$T/x.err"; fail=1; }
sh "$JOB" --extract "$T/log" "$T/x1" >/dev/null 2>&1; [ $? = 2 ] &&
	echo "ok   --extract into a non-empty directory -> 2" || { echo "FAIL --extract overwrote"; fail=1; }
[ $fail = 0 ] && echo "history-lava: all passed" || echo "history-lava: FAILED"
exit $fail
