#!/usr/bin/env bash
# The LAVA path's guest side: `guest/run.sh --initramfs-only` writes a
# kernel's bzImage and initramfs; booted with folio_lab.lava on the command
# line (what ./run.sh lava-job sets), the guest init gives a root shell on
# the console (prompt "/ # ") instead of running a suite, and commands typed
# there run: the static harness is in the image, the module loads.
source "$(dirname "$0")/guest-lib.sh"
need_guest_tools
tree=$(kernel_tree base normal) || fail "base did not build"
"$LAB_ROOT/guest/run.sh" --initramfs-only --kernel "base=$tree" --out "$TEST_TMP/img" >/dev/null 2>&1 ||
	fail "guest/run.sh --initramfs-only failed"
for f in bzImage-base initrd-base.img; do
	[ -s "$TEST_TMP/img/$f" ] || fail "--initramfs-only wrote no $f"
done

# The serial console on a pair of FIFOs: we type, the guest answers.
p=$TEST_TMP/ser
mkfifo "$p.in" "$p.out"
timeout -k 5 240 qemu-system-x86_64 -accel tcg -m 512 -smp 2 -display none -no-reboot \
	-kernel "$TEST_TMP/img/bzImage-base" -initrd "$TEST_TMP/img/initrd-base.img" \
	-append "console=ttyS0 rdinit=/init panic=-1 folio_lab.lava" -serial "pipe:$p" \
	-monitor none >/dev/null 2>&1 &
qemu=$!
exec 3>"$p.in" 4<"$p.out"
log=$TEST_TMP/console.log
: >"$log"
# wait_for RE SECONDS: read the console until a line matches.
wait_for() {
	local end=$((SECONDS + $2)) line
	while [ $SECONDS -lt $end ]; do
		IFS= read -r -t 5 line <&4 || continue
		printf '%s\n' "$line" >>"$log"
		[[ $line =~ $1 ]] && return 0
	done
	return 1
}
wait_for 'LAVA mode' 180 || { kill $qemu; fail "no LAVA mode line: $(tail -5 "$log")"; }
sleep 2
printf 'echo LAVA-OK $((6 * 7))\n' >&3
wait_for '^LAVA-OK 42' 60 || { kill $qemu; fail "the shell did not run a command: $(tail -5 "$log")"; }
printf 'insmod /lab/folio_lab.ko; [ -c /dev/folio_lab ] && /lab/bin/folio-lab list >/dev/null && echo HARNESS-OK\n' >&3
wait_for '^HARNESS-OK' 60 || { kill $qemu; fail "module or harness missing in the image: $(tail -5 "$log")"; }
printf 'reboot -f\n' >&3
wait $qemu || true
exec 3>&- 4<&-
ok "LAVA mode: a shell on the console runs commands, with the harness and the module"
