#!/usr/bin/env bash
# Build (or reuse from the cache) the lab's guest kernels from Debian's
# linux-source-6.12: `base` as shipped, `patched` = base + the series' v5
# algorithm ported to 6.12, `patched-cas-put` = patched + a put that cannot
# race (the final reference goes straight to FROZEN by a cmpxchg loop).
#
#   kernels/build.sh [--flavour normal|debug-vm] [--jobs N] LABEL...
#   kernels/build.sh [--flavour F] --list
#
# Prints LABEL=/path/to/tree on stdout per label; that tree is a complete
# in-tree kernel build (bzImage, Module.symvers), usable as KDIR for
# `make -C KDIR M=...`. Progress goes to stderr.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${FOLIO_LAB_CACHE:-/var/cache/folio-lab}
SRC_TARBALL=${FOLIO_LAB_KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
SRC_PACKAGE=linux-source-6.12
# Each label: the patches applied to pristine source, in order, and the label
# whose built tree it starts from (Kbuild then rebuilds only what changed).
LABELS_ALL=(base patched patched-cas-put patched-broken)
declare -A PATCHES=(
	[base]=""
	[patched]="frozen-bit-6.12.patch"
	[patched-cas-put]="frozen-bit-6.12.patch frozen-bit-cas-put-6.12.patch"
	[patched-broken]="frozen-bit-6.12.patch test-broken-freed-zero-6.12.patch"
)
declare -A SEED=([base]="" [patched]=base [patched-cas-put]=patched [patched-broken]=patched)
# Test-only labels: built on request, never listed by --list (the lab's
# default set, which the main job and the guest tests take from there).
declare -A TEST_ONLY=([patched-broken]=1)

T0=$(date +%s)
log() { printf '[kernels %4ss] %s\n' "$(($(date +%s) - T0))" "$*" >&2; }
die() {
	printf 'kernels/build.sh: %s\n' "$*" >&2
	exit 2
}

usage() {
	cat <<'EOF'
usage: kernels/build.sh [--flavour normal|debug-vm] [--jobs N] LABEL...
       kernels/build.sh [--flavour normal|debug-vm] --list

LABEL: base             linux-source-6.12 as shipped
       patched          + frozen-bit-6.12.patch (the series' v5 algorithm)
       patched-cas-put  + frozen-bit-cas-put-6.12.patch (race-free final put)
       patched-broken   TEST ONLY: patched + test-broken-freed-zero-6.12.patch
                        (freed pages back to plain 0; the KUnit suite fails)
Builds into $FOLIO_LAB_CACHE/kernels/<label>-<flavour>-<hash>/ (reused when
present) and prints LABEL=TREE per label on stdout.
EOF
}

flavour=normal
jobs=$(nproc)
list=0
labels=()
while [ $# -gt 0 ]; do
	case "$1" in
	--flavour) [ $# -ge 2 ] || die "--flavour needs a value"; flavour=$2; shift 2 ;;
	--flavour=*) flavour=${1#*=}; shift ;;
	--jobs | -j) [ $# -ge 2 ] || die "--jobs needs a value"; jobs=$2; shift 2 ;;
	--list) list=1; shift ;;
	-h | --help) usage; exit 0 ;;
	-*) usage >&2; die "unknown option '$1'" ;;
	*) labels+=("$1"); shift ;;
	esac
done
case "$flavour" in
normal | debug-vm) ;;
*) die "unknown flavour '$flavour' (normal or debug-vm)" ;;
esac
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || die "--jobs wants a positive integer, got '$jobs'"
for l in "${labels[@]}"; do
	[ -n "${PATCHES[$l]+set}" ] ||
		die "unknown kernel label '$l' (valid: ${LABELS_ALL[*]}; use guest/run.sh --kernel LABEL=TREE for your own trees)"

done
[ "$list" = 1 ] || [ ${#labels[@]} -gt 0 ] || { usage >&2; die "no LABEL given"; }

src_version() {
	dpkg-query -W -f='${Version}' "$SRC_PACKAGE" 2>/dev/null ||
		sha256sum "$SRC_TARBALL" | cut -c1-16
}

fragments() {
	printf '%s\n' "$HERE/lab.config"
	[ "$flavour" = normal ] || printf '%s\n' "$HERE/$flavour.config"
}

# Extract the pristine source once; a temp dir + rename keeps it all-or-nothing.
pristine_src() {
	local dir="$CACHE/src/$SRC_PACKAGE-$(src_version)"
	if [ ! -f "$dir/Makefile" ]; then
		log "extracting $SRC_TARBALL into the cache"
		local tmp="$CACHE/src/.tmp-extract-$$"
		rm -rf "$tmp"
		mkdir -p "$tmp"
		tar -xJf "$SRC_TARBALL" -C "$tmp" || {
			rm -rf "$tmp"
			die "extracting $SRC_TARBALL failed"
		}
		rm -rf "$dir"
		mv "$tmp/$SRC_PACKAGE" "$dir"
		rmdir "$tmp"
	fi
	printf '%s\n' "$dir"
}

# Every CONFIG_ line of the fragments must be in .config exactly as asked.
verify_config() {
	local tree=$1 f line sym bad=()
	for f in $(fragments); do
		while IFS= read -r line; do
			case "$line" in
			CONFIG_*=*) grep -qxF -- "$line" "$tree/.config" || bad+=("$line") ;;
			"# CONFIG_"*" is not set")
				sym=${line#\# }
				sym=${sym%% *}
				! grep -q "^$sym=" "$tree/.config" || bad+=("$line") ;;
			esac
		done <"$f"
	done
	if [ ${#bad[@]} -gt 0 ]; then
		printf 'kernels/build.sh: these options did not stick after olddefconfig:\n' >&2
		printf '  %s\n' "${bad[@]}" >&2
		for line in "${bad[@]}"; do
			sym=${line%%=*}
			sym=${sym#\# }
			sym=${sym%% *}
			printf '  .config has: %s\n' "$(grep -E "^$sym=|^# $sym is not set" "$tree/.config" || echo "$sym absent")" >&2
		done
		return 1
	fi
}

# Apply the patches of LABEL that the tree SEEDED_FROM (a label, or empty for
# pristine source) does not have yet: the seed's patches are a prefix.
apply_patches() {
	local tree=$1 label=$2 seeded_from=$3 f
	local -a want have
	read -ra want <<<"${PATCHES[$label]}"
	read -ra have <<<"${seeded_from:+${PATCHES[$seeded_from]}}"
	for f in "${want[@]:${#have[@]}}"; do
		echo "== applying $f"
		(cd "$tree" && patch -p1 --forward --no-backup-if-mismatch -s <"$HERE/$f")
	done
}

configure() {
	local tree=$1
	make -C "$tree" -s tinyconfig
	# shellcheck disable=SC2046
	(cd "$tree" && scripts/kconfig/merge_config.sh -m .config $(fragments))
	make -C "$tree" -s olddefconfig
	verify_config "$tree"
}

# Cache key: everything that decides the tree's contents: source, config
# fragments, the patches in order, and the functions that configure and
# patch (not the whole script, so editing its messages rebuilds nothing).
entry_hash() {
	local label=$1 f
	{
		printf 'src %s\nlabel %s\nflavour %s\n' "$(src_version)" "$label" "$flavour"
		for f in $(fragments); do
			printf '== %s\n' "$(basename "$f")"
			cat "$f"
		done
		for f in ${PATCHES[$label]}; do
			printf '== patch %s\n' "$f"
			cat "$HERE/$f" 2>/dev/null || printf 'missing\n'
		done
		declare -f configure apply_patches
	} | sha256sum | cut -c1-12
}

entry_dir() { printf '%s/kernels/%s-%s-%s' "$CACHE" "$1" "$flavour" "$(entry_hash "$1")"; }

if [ "$list" = 1 ]; then
	for l in "${LABELS_ALL[@]}"; do
		[ -z "${TEST_ONLY[$l]:-}" ] || continue
		d=$(entry_dir "$l")
		if [ -f "$d/.folio-lab-complete" ]; then
			printf '%s\t%s\t%s\n' "$l" "$flavour" "$d"
		else
			printf '%s\t%s\t(not built: %s)\n' "$l" "$flavour" "$d"
		fi
	done
	exit 0
fi

[ -r "$SRC_TARBALL" ] || die "kernel source $SRC_TARBALL missing (apt-get install $SRC_PACKAGE)"
for l in "${labels[@]}"; do
	for f in ${PATCHES[$l]}; do
		[ -s "$HERE/$f" ] || die "$l needs $HERE/$f"
	done
done
mkdir -p "$CACHE/kernels" "$CACHE/src" || die "cannot create the cache under $CACHE"

# An interrupted build leaves no half entry and no stray make behind.
TMP_TREE="" MAKE_PID=""
cleanup() {
	[ -z "$MAKE_PID" ] || kill -- "-$MAKE_PID" 2>/dev/null || true
	[ -z "$TMP_TREE" ] || rm -rf "$TMP_TREE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Build one label into a temp dir beside its entry, rename when complete.
build_one() {
	local label=$1 final tmp logf seed start
	final=$(entry_dir "$label")
	if [ ! -f "$final/.folio-lab-complete" ]; then
		# Another build.sh may be making this entry: wait for it, then reuse.
		exec {lockfd}>"$final.lock"
		if ! flock -n "$lockfd"; then
			log "$label ($flavour): another build of $final is running; waiting"
			flock "$lockfd"
		fi
	fi
	if [ -f "$final/.folio-lab-complete" ]; then
		log "$label ($flavour): reusing $final"
		printf '%s=%s\n' "$label" "$final"
		return 0
	fi
	rm -rf "$final"
	tmp="$CACHE/kernels/.tmp-$(basename "$final")-$$"
	logf="$CACHE/kernels/$(basename "$final").log"
	rm -rf "$tmp"
	TMP_TREE=$tmp
	trap cleanup EXIT
	start=$(date +%s)

	# From a copy of the seed label's finished tree: Kbuild's dependency
	# tracking rebuilds exactly what the patch touches (about half the work).
	seed="" seed_label=""
	if [ -n "${SEED[$label]}" ] && [ -f "$(entry_dir "${SEED[$label]}")/.folio-lab-complete" ]; then
		seed_label=${SEED[$label]}
		seed=$(entry_dir "$seed_label")
	fi
	if [ -n "$seed" ]; then
		log "$label ($flavour): copying $seed_label's built tree $seed"
		cp -a "$seed" "$tmp"
		rm -f "$tmp/.folio-lab-complete" "$tmp/folio-lab-kernel.txt" "$tmp/build.log"
	else
		local src
		src=$(pristine_src)
		log "$label ($flavour): copying pristine source"
		cp -a "$src" "$tmp"
	fi

	log "$label ($flavour): building in $tmp (log: $logf)"
	local rc=0
	# Own process group (set -m), so cleanup can stop make and its children.
	set -m
	{
		set -e
		apply_patches "$tmp" "$label" "$seed_label"
		if [ -z "$seed" ]; then
			echo "== configuring: tinyconfig + $(fragments | xargs -n1 basename | tr '\n' ' ')"
			configure "$tmp"
		fi
		echo "== make -j$jobs bzImage modules"
		make -C "$tmp" -j"$jobs" bzImage modules
	} >"$logf" 2>&1 &
	local pid=$!
	set +m
	MAKE_PID=$pid
	# Elapsed time while make runs, so a 7-minute build does not look hung.
	while kill -0 "$pid" 2>/dev/null; do
		sleep 30
		kill -0 "$pid" 2>/dev/null &&
			log "$label ($flavour): still building, $(($(date +%s) - start)) s ($(tail -n1 "$logf" | cut -c1-60))"
	done
	wait "$pid" || rc=$?
	if [ "$rc" != 0 ]; then
		grep -q 'did not stick' "$logf" && sed -n '/did not stick/,$p' "$logf" >&2
		die "building $label ($flavour) failed (exit $rc); log: $logf"
	fi
	[ -f "$tmp/arch/x86/boot/bzImage" ] || die "$label: no bzImage after make; log: $logf"
	[ -f "$tmp/Module.symvers" ] || die "$label: no Module.symvers after make; log: $logf"

	mv "$logf" "$tmp/build.log"
	{
		printf 'label=%s\nflavour=%s\nsource=%s %s\n' "$label" "$flavour" "$SRC_PACKAGE" "$(src_version)"
		printf 'kernelrelease=%s\n' "$(make -s -C "$tmp" kernelrelease 2>/dev/null)"
		printf 'build_seconds=%s\nseeded_from=%s\nbuilt=%s\n' \
			"$(($(date +%s) - start))" "${seed:-none}" "$(date -u +%FT%TZ)"
	} >"$tmp/folio-lab-kernel.txt"
	touch "$tmp/.folio-lab-complete"
	mv -T "$tmp" "$final"
	TMP_TREE="" MAKE_PID=""
	log "$label ($flavour): built in $(($(date +%s) - start)) s -> $final"
	printf '%s=%s\n' "$label" "$final"
}

# In seed order: each label can then start from its seed's objects.
for l in "${LABELS_ALL[@]}"; do
	for want in "${labels[@]}"; do
		if [ "$want" = "$l" ]; then
			build_one "$l"
			break
		fi
	done
done
