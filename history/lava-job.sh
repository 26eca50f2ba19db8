#!/bin/sh
# folio-lab lava-job: a LAVA job definition (YAML) that boots the lab's kernel
# and initramfs on a LAVA device, runs the suite inside, reports every
# measurement as a lava-test-case with its measurement and units, and keeps
# the raw records (samples.jsonl + meta.json) as an artefact.
set -eu

usage() {
	cat <<'EOF'
usage: ./run.sh lava-job --kernel-url URL --initrd-url URL [OPTIONS]

Prints a LAVA job definition (YAML) on stdout (or into --out FILE) that
boots the lab's kernel (bzImage) and initramfs (the busybox initramfs of
guest/run.sh, a gzip'd cpio) on a LAVA device, runs /lab/suite.sh with the
suite arguments in LAVA's test shell, and reports:
  - one lava-test-case per measurement (record): measurement = ops/s,
    units = ops/s, named WORKLOAD.VARIANT.MODE.PLACEMENT.wWORKERS.rREP;
  - folio-lab-suite: pass when the suite exits 0;
  - folio-lab-records: the raw records as a tar.gz, printed base64 into the
    job log between FOLIO-LAB-RESULTS-BEGIN/END marker lines (size and
    sha256 on the END line, the format guest/run.sh reads), and uploaded to
    --artifact-url with a lava-test-reference when one is given.

   or: ./run.sh lava-job --extract LOG DIR

--extract: cuts the raw records out of a LAVA job log (plain text, as
`lavacli jobs logs` prints it, or LAVA's YAML log), checks their size and
sha256, and unpacks them into DIR (new or empty), ready for
`./run.sh history import DIR` or `./run.sh export-kcidb DIR`.

Options:
  --kernel-url URL      the kernel image (required)
  --initrd-url URL      the initramfs, gzip'd newc cpio (required)
  --device-type T       qemu (default: LAVA's QEMU device, tmpfs deploy) or
                        x86 (real x86 hardware: TFTP deploy, iPXE boot)
  --suite "ARGS"        arguments of /lab/suite.sh (default: --quick)
  --label L             kernel label of the records (default: lava)
  --job-name NAME       (default: folio-lab L on T)
  --timeout MIN         job timeout in minutes (default 60)
  --artifact-url URL    also upload the records tar.gz there (HTTP PUT)
  --kernel-sha256 H, --initrd-sha256 H   checksums LAVA verifies
  --smp N, --nodes N, --mem MB           QEMU guest shape (default 4, 2, 2048)
  --priority P          high, medium (default), low or 0-100
  --visibility V        public (default) or personal
  --tags LIST           comma-separated LAVA device tags
  --out FILE            write the job there instead of stdout
  -h, --help            this text

The initramfs must give LAVA a shell: guest/init.sh does so when the kernel
command line carries folio_lab.lava (the job sets it), instead of running the
suite on its own.
EOF
}

die() {
	printf 'lava-job: %s\n' "$*" >&2
	exit 2
}

# --extract LOG DIR: the records of a finished job back into a results directory
extract() {
	log=$1 dir=$2
	[ -r "$log" ] || die "cannot read $log"
	if [ -e "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
		die "$dir exists and is not empty"
	fi
	tmp=$(mktemp -d) || die "mktemp failed"
	# plain lines, or LAVA YAML log lines: - {"dt": ..., "lvl": ..., "msg": "..."}
	tr -d '\r' <"$log" | sed 's/^- {.*"msg": "\(.*\)"}$/\1/' | awk -v b="$tmp/b64" -v e="$tmp/end" '
		/^FOLIO-LAB-RESULTS-BEGIN$/ { on = 1; n++; printf "" > b; next }
		/^FOLIO-LAB-RESULTS-END / { if (on) print > e; on = 0; next }
		on { print >> b }'
	[ -s "$tmp/end" ] || { rm -rf "$tmp"; die "$log: no FOLIO-LAB-RESULTS block"; }
	want_sum=$(sed -n 's/.*sha256=\([0-9a-f]*\).*/\1/p' "$tmp/end" | tail -n 1)
	want_size=$(sed -n 's/.*bytes=\([0-9]*\).*/\1/p' "$tmp/end" | tail -n 1)
	base64 -d <"$tmp/b64" >"$tmp/r.tgz" 2>/dev/null || { rm -rf "$tmp"; die "$log: the records block is not base64"; }
	[ "$(wc -c <"$tmp/r.tgz" | tr -d ' ')" = "$want_size" ] &&
		[ "$(sha256sum <"$tmp/r.tgz" | cut -c-64)" = "$want_sum" ] ||
		{ rm -rf "$tmp"; die "$log: the records block is truncated or damaged (size/sha256 mismatch)"; }
	suite_rc=$(sed -n 's/.* rc=\([0-9]*\).*/\1/p' "$tmp/end" | tail -n 1)
	mkdir -p "$dir" && tar -xzf "$tmp/r.tgz" -C "$dir" || { rm -rf "$tmp"; die "cannot unpack into $dir"; }
	rm -rf "$tmp"
	[ -s "$dir/samples.jsonl" ] || die "$dir: the job produced no records"
	printf 'lava-job: %s records into %s (the suite exited %s)\n' \
		"$(wc -l <"$dir/samples.jsonl" | tr -d ' ')" "$dir" "${suite_rc:-?}" >&2
}
if [ "${1:-}" = --extract ]; then
	[ $# -eq 3 ] || die "--extract needs LOG and DIR"
	extract "$2" "$3"
	exit 0
fi

kernel_url="" initrd_url="" device=qemu suite="--quick" label=lava job_name="" timeout=60
artifact="" ksum="" isum="" smp=4 nodes=2 mem=2048 priority=medium visibility=public tags=""
out=""
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel-url) kernel_url=${2:?--kernel-url needs a URL}; shift ;;
	--initrd-url) initrd_url=${2:?--initrd-url needs a URL}; shift ;;
	--device-type) device=${2:?--device-type needs qemu or x86}; shift ;;
	--suite) [ $# -ge 2 ] || die "--suite needs arguments"; suite=$2; shift ;;
	--label) label=${2:?}; shift ;;
	--job-name) job_name=${2:?}; shift ;;
	--timeout) timeout=${2:?}; shift ;;
	--artifact-url) artifact=${2:?}; shift ;;
	--kernel-sha256) ksum=${2:?}; shift ;;
	--initrd-sha256) isum=${2:?}; shift ;;
	--smp) smp=${2:?}; shift ;;
	--nodes) nodes=${2:?}; shift ;;
	--mem) mem=${2:?}; shift ;;
	--priority) priority=${2:?}; shift ;;
	--visibility) visibility=${2:?}; shift ;;
	--tags) tags=${2:?}; shift ;;
	--out) out=${2:?}; shift ;;
	-h | --help) usage; exit 0 ;;
	*) die "unknown option '$1' (try --help)" ;;
	esac
	shift
done
[ -n "$kernel_url" ] || die "--kernel-url is required"
[ -n "$initrd_url" ] || die "--initrd-url is required"
case "$device" in qemu | x86) ;; *) die "--device-type must be qemu or x86" ;; esac
for n in "$timeout" "$smp" "$nodes" "$mem"; do
	case "$n" in '' | *[!0-9]*) die "not a positive number: '$n'" ;; esac
	[ "$n" -gt 0 ] || die "not a positive number: '$n'"
done
[ "$timeout" -ge 30 ] || die "--timeout must be at least 30 minutes (deploy 10, boot 5, test)"
[ $((smp % nodes)) -eq 0 ] || die "--smp must be a multiple of --nodes"
[ $((mem % nodes)) -eq 0 ] || die "--mem must be a multiple of --nodes"
case "$label" in *[!A-Za-z0-9_.-]* | '') die "--label: letters, digits, _ . - only" ;; esac
case "$priority" in high | medium | low) ;; *[!0-9]* | '') die "--priority: high, medium, low or 0-100" ;; esac
case "$visibility" in public | personal) ;; *) die "--visibility: public or personal" ;; esac
[ -n "$job_name" ] || job_name="folio-lab $label on $device"

# YAML single-quoted scalar
q() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"
}

if [ "$device" = qemu ]; then
	where=guest accel=kvm
else
	where=native accel=none
fi
test_min=$((timeout - 16))

say() { printf "%s\n" "$*"; }

emit() {
	say "# folio-lab LAVA job: generated by ./run.sh lava-job"
	say "job_name: $(q "$job_name")"
	say "device_type: $device"
	say "priority: $priority"
	say "visibility: $visibility"
	if [ -n "$tags" ]; then
		say "tags:"
		printf '%s\n' "$tags" | tr ',' '\n' | while read -r t; do
			[ -n "$t" ] && say "- $(q "$t")"
		done
	fi
	say "metadata:"
	say "  folio-lab.label: $(q "$label")"
	say "  folio-lab.suite: $(q "$suite")"
	say "  folio-lab.kernel-url: $(q "$kernel_url")"
	say "  folio-lab.initrd-url: $(q "$initrd_url")"
	say "timeouts:"
	say "  job: {minutes: $timeout}"
	say "  action: {minutes: $test_min}"
	say "  connection: {minutes: 2}"
	if [ "$device" = qemu ]; then
		per_node=$((mem / nodes)) cpn=$((smp / nodes))
		say "context:"
		say "  arch: amd64"
		say "  memory: $mem"
		say "  extra_options:"
		say "  - $(q "-smp $smp,sockets=$nodes,cores=$cpn")"
		i=0
		while [ $i -lt "$nodes" ]; do
			say "  - $(q "-object memory-backend-ram,id=m$i,size=${per_node}M")"
			say "  - $(q "-numa node,nodeid=$i,cpus=$((i * cpn))-$((i * cpn + cpn - 1)),memdev=m$i")"
			i=$((i + 1))
		done
	else
		say "context:"
		say "  extra_kernel_args: $(q "folio_lab.lava FOLIO_LAB_KERNEL_LABEL=$label")"
	fi
	say "actions:"
	say "- deploy:"
	say "    timeout: {minutes: 10}"
	if [ "$device" = qemu ]; then
		say "    to: tmpfs"
		say "    os: oe"
		say "    images:"
		say "      kernel:"
		say "        image_arg: $(q "-kernel {kernel} -append \"console=ttyS0,115200 folio_lab.lava FOLIO_LAB_KERNEL_LABEL=$label\"")"
		say "        url: $(q "$kernel_url")"
		[ -z "$ksum" ] || say "        sha256sum: $(q "$ksum")"
		say "      initrd:"
		say "        image_arg: $(q "-initrd {initrd}")"
		say "        url: $(q "$initrd_url")"
		[ -z "$isum" ] || say "        sha256sum: $(q "$isum")"
		say "        compression: gz"
		say "        format: cpio.newc"
		say "        overlays:"
		say "          lava: true"
	else
		say "    to: tftp"
		say "    os: oe"
		say "    kernel:"
		say "      url: $(q "$kernel_url")"
		[ -z "$ksum" ] || say "      sha256sum: $(q "$ksum")"
		say "    ramdisk:"
		say "      url: $(q "$initrd_url")"
		[ -z "$isum" ] || say "      sha256sum: $(q "$isum")"
		say "      compression: gz"
		say "      install_overlay: true"
		say "      install_modules: false"
	fi
	say "- boot:"
	say "    timeout: {minutes: 5}"
	if [ "$device" = qemu ]; then
		say "    method: qemu"
		say "    media: tmpfs"
	else
		say "    method: ipxe"
		say "    commands: ramdisk"
	fi
	say "    prompts:"
	say "    - '/ # '"
	say "- test:"
	say "    timeout: {minutes: $test_min}"
	say "    definitions:"
	say "    - from: inline"
	say "      name: folio-lab"
	say "      path: inline/folio-lab.yaml"
	say "      repository:"
	say "        metadata:"
	say "          format: Lava-Test Test Definition 1.0"
	say "          name: folio-lab"
	say "          description: $(q "folio-lab suite ($suite): one test case per measurement, raw records as an artefact")"
	say "          os: [oe]"
	say "          scope: [performance]"
	say "        run:"
	say "          steps:"
	# Each step is one line of the test shell's script (busybox sh in the initramfs).
	step() { say "          - $(q "$1")"; }
	step "export FOLIO_LAB_KERNEL_LABEL=$label FOLIO_LAB_WHERE=$where FOLIO_LAB_ACCEL=$accel OUT=/tmp/folio-lab-results"
	step 'mkdir -p "$OUT"; [ -c /dev/folio_lab ] || [ ! -f /lab/folio_lab.ko ] || insmod /lab/folio_lab.ko || echo "folio-lab: insmod failed"'
	step "cd /tmp && sh /lab/suite.sh $suite; echo \$? >/tmp/folio-lab-suite.rc"
	step 'if [ "$(cat /tmp/folio-lab-suite.rc)" = 0 ]; then lava-test-case folio-lab-suite --result pass; else lava-test-case folio-lab-suite --result fail; fi'
	# One lava-test-case per record: fields pulled out of the JSON line with sed.
	step 'f() { printf "%s\n" "$1" | sed -n "s/.*\"$2\": *\"\{0,1\}\([^\",}]*\).*/\1/p"; }; while read -r l; do n=$(printf "%s" "$(f "$l" workload).$(f "$l" variant).$(f "$l" mode).$(f "$l" placement).w$(f "$l" workers).r$(f "$l" rep)" | tr -c "A-Za-z0-9._-" "_"); v=$(f "$l" ops_per_sec); [ -n "$v" ] && lava-test-case "$n" --result pass --measurement "$v" --units ops/s; done <"$OUT/samples.jsonl"'
	step 'cd "$OUT" && tar -cf - . | gzip >/tmp/folio-lab-results.tgz; b=$(wc -c </tmp/folio-lab-results.tgz); s=$(sha256sum /tmp/folio-lab-results.tgz | cut -d" " -f1); echo FOLIO-LAB-RESULTS-BEGIN; base64 /tmp/folio-lab-results.tgz; echo "FOLIO-LAB-RESULTS-END rc=$(cat /tmp/folio-lab-suite.rc) bytes=$b sha256=$s"; lava-test-case folio-lab-records --result pass --measurement "$b" --units bytes'
	if [ -n "$artifact" ]; then
		step "if curl -sSf -T /tmp/folio-lab-results.tgz $(printf '%s' "$artifact" | sed "s/[\\\\\"\$\`]/\\\\&/g; s/.*/\"&\"/") || wget -q --post-file=/tmp/folio-lab-results.tgz -O /dev/null $(printf '%s' "$artifact" | sed "s/[\\\\\"\$\`]/\\\\&/g; s/.*/\"&\"/"); then lava-test-reference folio-lab-records-upload --result pass --reference $(printf '%s' "$artifact" | sed "s/[\\\\\"\$\`]/\\\\&/g; s/.*/\"&\"/"); else lava-test-case folio-lab-records-upload --result fail; fi"
	fi
}

if [ -n "$out" ]; then
	tmp="$out.tmp.$$"
	emit >"$tmp" && mv "$tmp" "$out" || { rm -f "$tmp"; die "cannot write $out"; }
else
	emit
fi
