#!/usr/bin/env bash
# Prints, one absolute path a line, what a guest initramfs needs to run perf
# (harness --profile): the perf binary and every shared library `ldd` lists
# for it, its ELF interpreter included. guest/run.sh copies them, at the same
# paths, into the initramfs when the suite arguments hold --profile.
#
# usage: guest/perf-files.sh [PERF]   (default: $FOLIO_LAB_PERF, else `perf`)
# Exit 1 with a message if perf is missing or not a dynamic ELF we can list.
set -euo pipefail

perf=${1:-${FOLIO_LAB_PERF:-$(command -v perf || true)}}
[ -n "$perf" ] && [ -x "$perf" ] || {
	echo "guest/perf-files.sh: no perf tool (apt-get install linux-perf, or set FOLIO_LAB_PERF)" >&2
	exit 1
}
perf=$(readlink -f "$perf")
# Debian's /usr/bin/perf is the binary itself in 6.1; older ones were a
# wrapper script that execs perf_VERSION, which a guest kernel would not match.
head -c 4 "$perf" | grep -q 'ELF' || {
	echo "guest/perf-files.sh: $perf is not an ELF binary (a wrapper script?); set FOLIO_LAB_PERF to the real one" >&2
	exit 1
}
libs=$(ldd "$perf" 2>/dev/null) || {
	echo "guest/perf-files.sh: ldd $perf failed" >&2
	exit 1
}
grep -q 'not found' <<<"$libs" && {
	echo "guest/perf-files.sh: $perf misses libraries:" >&2
	grep 'not found' <<<"$libs" >&2
	exit 1
}
echo "$perf"
# "libx.so => /lib/.../libx.so (0x...)" and "/lib64/ld-linux-x86-64.so.2 (0x...)"
awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }' <<<"$libs" | sort -u
