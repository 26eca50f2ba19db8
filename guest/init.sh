#!/bin/sh
# folio-lab guest init (PID 1 of the busybox initramfs built by guest/run.sh).
# Mounts the pseudo file systems, loads the module, runs /lab/suite.sh, sends
# $OUT back over the second serial port and ends the guest with reboot -f
# (QEMU runs with -no-reboot; poweroff -f does not end this guest).
export PATH=/lab/bin:/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/tmp

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# The kernel may not have found /dev/console before devtmpfs was mounted.
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1
mkdir -p /dev/shm /tmp
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp

# Settings come on the kernel command line (guest/run.sh writes them).
for w in $(cat /proc/cmdline); do
	case "$w" in
	FOLIO_LAB_KERNEL_LABEL=* | FOLIO_LAB_WHERE=* | FOLIO_LAB_ACCEL=* | OUT=*)
		export "${w?}" ;;
	esac
done
: "${OUT:=/results}"
export OUT
mkdir -p "$OUT"
echo "folio-lab-guest: up: label=$FOLIO_LAB_KERNEL_LABEL accel=$FOLIO_LAB_ACCEL" \
	"cpus=$(nproc) uptime=$(cut -d' ' -f1 /proc/uptime)s release=$(uname -r)"

# Under LAVA (folio_lab.lava on the command line, set by ./run.sh lava-job)
# the job's test shell drives the suite: give it a root shell on the console
# (prompt "/ # ") instead of running the suite and rebooting here.
if grep -qw folio_lab.lava /proc/cmdline; then
	echo "folio-lab-guest: LAVA mode: a shell on the console"
	cd / || exit 1
	while :; do
		setsid cttyhack sh
	done
fi

# A module that does not load is reported; the suite decides what it needs.
if [ -f /lab/folio_lab.ko ]; then
	if insmod /lab/folio_lab.ko; then
		echo "folio-lab-guest: folio_lab.ko loaded"
	else
		echo "folio-lab-guest: insmod /lab/folio_lab.ko FAILED"
	fi
fi

rc=0
if [ -f /lab/suite.sh ]; then
	eval "set -- $(cat /lab/suite.args 2>/dev/null)"
	# --profile among the suite's arguments (guest/run.sh then ships perf):
	# every bench of the suite is profiled, with kernel symbols visible.
	case " $* " in
	*" --profile "*)
		export FOLIO_LAB_PROFILE=1
		echo 0 >/proc/sys/kernel/kptr_restrict 2>/dev/null
		echo -1 >/proc/sys/kernel/perf_event_paranoid 2>/dev/null
		;;
	esac
	cd /tmp || exit 1
	sh /lab/suite.sh "$@"
	rc=$?
else
	echo "folio-lab-guest: no /lab/suite.sh"
	rc=127
fi
echo "folio-lab-guest: suite exited with status $rc"

# Results: tar.gz, base64, between markers that carry size and checksum so
# the host can tell a whole transfer from a truncated one.
cd "$OUT" && tar -cf - . | gzip >/tmp/.results.tgz
size=$(wc -c </tmp/.results.tgz)
sum=$(sha256sum /tmp/.results.tgz | cut -d' ' -f1)
stty -F /dev/ttyS1 raw -echo 2>/dev/null
{
	echo "FOLIO-LAB-RESULTS-BEGIN"
	base64 /tmp/.results.tgz
	echo "FOLIO-LAB-RESULTS-END rc=$rc bytes=$size sha256=$sum"
} >/dev/ttyS1
echo "folio-lab-guest: results sent ($size bytes), uptime=$(cut -d' ' -f1 /proc/uptime)s"
sync
reboot -f
sleep 30
