#!/usr/bin/env bash
# Build (or reuse from the cache) the lab's guest kernels from Debian's
# linux-source-6.12: `base` as shipped, `patched` = base + the series' v5
# algorithm ported to 6.12, `patched-cas-put` = patched + a put that cannot
# race (the final reference goes straight to FROZEN by a cmpxchg loop).
#
#   kernels/build.sh [--flavour normal|debug-vm] [--jobs N] LABEL...
#   kernels/build.sh [--flavour F] --list
#   kernels/build.sh --deb [--config running|lab|FILE] [--config-only] LABEL...
#
# Prints LABEL=/path/to/tree on stdout per label; that tree is a complete
# in-tree kernel build (bzImage, Module.symvers), usable as KDIR for
# `make -C KDIR M=...`. Progress goes to stderr.
# With --deb: installable Debian packages (linux-image, linux-headers) of each
# label, for bare metal (docs/bare-metal.md); prints LABEL<TAB>DEB per package.
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

usage: kernels/build.sh --deb [--config running|lab|FILE] [--jobs N] LABEL...
       kernels/build.sh --deb [--config C] --config-only LABEL...
       kernels/build.sh --deb [--config C] --list

--deb builds installable Debian packages (make bindeb-pkg): linux-image and
linux-headers (for the module) of each LABEL, kernel release
<version>-folio-lab-<label>[-lab|-custom], so they install side by side.
  --config running  (default) the running kernel's config (/boot/config-$(uname -r)
                    or /proc/config.gz) + kernels/bare-metal.config, olddefconfig:
                    a kernel that boots this machine
  --config lab      the lab's minimal guest config (reuses the cached tree's objects)
  --config FILE     FILE (a .config, or a config.gz) + kernels/bare-metal.config,
                    olddefconfig: e.g. another machine's /boot/config-*
  --config-only     prepare and check the config only; prints LABEL<TAB>CONFIG
Cached in $FOLIO_LAB_CACHE/debs/<label>-<config>-<hash>/; prints LABEL<TAB>DEB
per package on stdout. (linux-libc-dev is not kept: installing it would
replace the system's.)
EOF
}

flavour=normal
jobs=$(nproc)
list=0
deb=0 deb_config="" config_only=0
labels=()
while [ $# -gt 0 ]; do
	case "$1" in
	--flavour) [ $# -ge 2 ] || die "--flavour needs a value"; flavour=$2; shift 2 ;;
	--flavour=*) flavour=${1#*=}; shift ;;
	--jobs | -j) [ $# -ge 2 ] || die "--jobs needs a value"; jobs=$2; shift 2 ;;
	--list) list=1; shift ;;
	--deb) deb=1; shift ;;
	--config) [ $# -ge 2 ] || die "--config needs running, lab or a FILE"; deb_config=$2; shift 2 ;;
	--config=*) deb_config=${1#*=}; shift ;;
	--config-only) config_only=1; shift ;;
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
if [ "$deb" = 0 ]; then
	[ -z "$deb_config" ] || die "--config is for --deb builds (the guest kernels use kernels/lab.config)"
	[ "$config_only" = 0 ] || die "--config-only is for --deb builds"
fi
: "${deb_config:=running}"
# The config a running/FILE --deb build starts from, as a readable file.
DEB_BASECONF="" DEB_BASECONF_FROM="" DEB_TMP_CONF=""
if [ "$deb" = 1 ] && [ "$deb_config" != lab ]; then
	[ "$flavour" = normal ] ||
		die "--flavour $flavour goes with --config lab (for --config $deb_config, put its options in a FILE)"
	if [ "$deb_config" = running ]; then
		if [ -r "/boot/config-$(uname -r)" ]; then
			DEB_BASECONF=/boot/config-$(uname -r)
			DEB_BASECONF_FROM=$DEB_BASECONF
		elif [ -r /proc/config.gz ]; then
			DEB_TMP_CONF=$(mktemp "${TMPDIR:-/tmp}/folio-lab-running-config.XXXXXX")
			trap 'rm -f "$DEB_TMP_CONF"' EXIT
			zcat /proc/config.gz >"$DEB_TMP_CONF" || die "cannot read /proc/config.gz"
			DEB_BASECONF=$DEB_TMP_CONF
			DEB_BASECONF_FROM="/proc/config.gz ($(uname -r))"
		else
			die "no config of the running kernel $(uname -r): neither /boot/config-$(uname -r) nor /proc/config.gz (modprobe configs, or --config FILE)"
		fi
	else
		[ -f "$deb_config" ] && [ -r "$deb_config" ] || die "--config '$deb_config': not running, lab or a readable file"
		DEB_BASECONF=$(readlink -f "$deb_config")
		DEB_BASECONF_FROM=$DEB_BASECONF
		# A copy of another machine's /proc/config.gz will do too.
		if gzip -t "$DEB_BASECONF" 2>/dev/null; then
			DEB_TMP_CONF=$(mktemp "${TMPDIR:-/tmp}/folio-lab-config.XXXXXX")
			trap 'rm -f "$DEB_TMP_CONF"' EXIT
			zcat "$DEB_BASECONF" >"$DEB_TMP_CONF"
			DEB_BASECONF=$DEB_TMP_CONF
		fi
		grep -q '^CONFIG_' "$DEB_BASECONF" || die "--config '$deb_config' has no CONFIG_ lines: not a kernel config"
	fi
fi

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
# verify_config TREE [FRAGMENT...] (default: the flavour's fragments).
verify_config() {
	local tree=$1 f line sym bad=()
	shift
	local -a files=("$@")
	[ ${#files[@]} -gt 0 ] || mapfile -t files < <(fragments)
	for f in "${files[@]}"; do
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

# --- Installable Debian packages (--deb) -------------------------------------
# Kept apart from the guest kernels' entries: their hash (entry_hash) is not
# touched, so a --deb build never invalidates a cached tree.
DEBS=$CACHE/debs
deb_cfg_name() {
	case "$deb_config" in
	lab | running) printf '%s\n' "$deb_config" ;;
	*) printf 'custom\n' ;;
	esac
}

# Kernel release suffix: the label, and the config when it is not the running
# one, so every label's and config's packages install side by side.
deb_localversion() {
	local v="-folio-lab-$1"
	[ "$deb_config" = running ] || v="$v-$(deb_cfg_name)"
	[ "$flavour" = normal ] || v="$v-$flavour"
	printf '%s\n' "$v"
}

# A running/FILE config: the base config, made buildable anywhere (no distro
# certificate paths, a generated module signing key), with the options the
# lab needs (bare-metal.config) merged on top; checked after olddefconfig.
# deb_configure SRC OBJ: OBJ = SRC configures in the tree, else out of it (O=).
deb_configure() {
	local src=$1 obj=$2
	local -a o=()
	[ "$obj" = "$src" ] || o=(O="$obj")
	mkdir -p "$obj"
	cp "$DEB_BASECONF" "$obj/.config"
	"$src/scripts/config" --file "$obj/.config" --set-str SYSTEM_TRUSTED_KEYS "" \
		--set-str SYSTEM_REVOCATION_KEYS "" --set-str MODULE_SIG_KEY certs/signing_key.pem
	(cd "$src" && scripts/kconfig/merge_config.sh -m -O "$obj" "$obj/.config" "$HERE/bare-metal.config")
	make -C "$src" "${o[@]}" -s olddefconfig
	verify_config "$obj" "$HERE/bare-metal.config"
}

# deb_make TREE LABEL TAG: the packages, written beside TREE (dpkg-buildpackage
# puts them in ..). LOCALVERSION comes from the environment, not .config, so a
# lab tree's .config (and its config_hash in provenance) stays the same.
deb_make() {
	local tree=$1 label=$2 tag=$3 kver
	kver=$(make -s -C "$tree" kernelversion)
	env LOCALVERSION="$(deb_localversion "$label")" KDEB_PKGVERSION="$kver+folio.$tag-1" \
		KDEB_SOURCENAME=linux-folio-lab KDEB_CHANGELOG_DIST=unstable KDEB_COMPRESS=gzip \
		DEBFULLNAME=folio-lab DEBEMAIL=folio-lab@localhost \
		make -C "$tree" -j"$jobs" bindeb-pkg
}

# Cache key of LABEL's packages. lab: the lab tree's entry (its hash covers
# source, fragments and patches); running/FILE: source, patches, the base
# config and bare-metal.config. Plus the functions that make the packages.
deb_hash() {
	local label=$1 f
	{
		printf 'deb 1\nlabel %s\nconfig %s\nlocalversion %s\n' "$label" "$(deb_cfg_name)" \
			"$(deb_localversion "$label")"
		if [ "$deb_config" = lab ]; then
			printf 'tree %s\n' "$(basename "$(entry_dir "$label")")"
		else
			printf 'src %s\n' "$(src_version)"
			for f in ${PATCHES[$label]}; do
				printf '== patch %s\n' "$f"
				cat "$HERE/$f" 2>/dev/null || printf 'missing\n'
			done
			printf '== base config\n'
			cat "$DEB_BASECONF"
			printf '== bare-metal.config\n'
			cat "$HERE/bare-metal.config"
		fi
		declare -f deb_configure deb_make
	} | sha256sum | cut -c1-12
}

deb_dir() { printf '%s/%s-%s-%s' "$DEBS" "$1" "$(deb_cfg_name)" "$(deb_hash "$1")"; }

# LABEL<TAB>DEB per package of an entry: image (and -dbg), then headers.
deb_print() {
	local f
	for f in "$2"/linux-image-*.deb "$2"/linux-headers-*.deb; do
		[ ! -f "$f" ] || printf '%s\t%s\n' "$1" "$f"
	done
}

deb_need_tools() {
	local t missing=()
	for t in dpkg-buildpackage dpkg-architecture dh_testdir dh_builddeb; do
		command -v "$t" >/dev/null || missing+=("$t")
	done
	[ ${#missing[@]} -eq 0 ] ||
		die "--deb needs ${missing[*]}: apt-get install dpkg-dev debhelper (./run.sh setup)"
}

# --list (--deb: the packages): each buildable label, its config or flavour
# and its cache entry, built or not.
if [ "$list" = 1 ]; then
	for l in "${LABELS_ALL[@]}"; do
		[ -z "${TEST_ONLY[$l]:-}" ] || continue
		if [ "$deb" = 1 ]; then
			d=$(deb_dir "$l") kind=$(deb_cfg_name)
		else
			d=$(entry_dir "$l") kind=$flavour
		fi
		if [ -f "$d/.folio-lab-complete" ]; then
			printf '%s\t%s\t%s\n' "$l" "$kind" "$d"
		else
			printf '%s\t%s\t(not built: %s)\n' "$l" "$kind" "$d"
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
	[ -z "$DEB_TMP_CONF" ] || rm -f "$DEB_TMP_CONF"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# await_make PID LOG START WHAT FAILED: wait for the background make PID
# (killed by cleanup on exit), saying every 30 s how long WHAT has been
# building so a 7-minute build does not look hung; on failure, the options
# that did not stick and LOG's tail, then die with FAILED.
await_make() {
	local pid=$1 logf=$2 start=$3 what=$4 failed=$5 rc=0
	MAKE_PID=$pid
	while kill -0 "$pid" 2>/dev/null; do
		# In the background and waited for: a signal is handled at once,
		# not when the sleep ends.
		sleep 30 &
		wait $! || true
		kill -0 "$pid" 2>/dev/null &&
			log "$what: still building, $(($(date +%s) - start)) s ($(tail -n1 "$logf" | cut -c1-60))"
	done
	wait "$pid" || rc=$?
	MAKE_PID=""
	if [ "$rc" != 0 ]; then
		grep -q 'did not stick' "$logf" && sed -n '/did not stick/,$p' "$logf" >&2
		tail -n 25 "$logf" >&2
		die "$failed (exit $rc); log: $logf"
	fi
}

# claim_entry DIR WHAT: true when cache entry DIR is complete (reuse it);
# otherwise take DIR.lock first (another build.sh may be making DIR: wait for
# it, said once), then look again. The lock is held until this script exits.
claim_entry() {
	local dir=$1 what=$2 lockfd
	if [ ! -f "$dir/.folio-lab-complete" ]; then
		exec {lockfd}>"$dir.lock"
		if ! flock -n "$lockfd"; then
			log "$what: another build of $dir is running; waiting"
			flock "$lockfd"
		fi
	fi
	[ -f "$dir/.folio-lab-complete" ]
}

# Build one label into a temp dir beside its entry, rename when complete.
build_one() {
	local label=$1 final tmp logf seed start
	final=$(entry_dir "$label")
	if claim_entry "$final" "$label ($flavour)"; then
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
	set +m
	await_make $! "$logf" "$start" "$label ($flavour)" "building $label ($flavour) failed"
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

# deb_config_only LABEL: the config a --deb build of LABEL would use, made out
# of tree from the pristine source (the patches touch no Kconfig), cached.
deb_config_only() {
	local label=$1 final out tmpd
	if [ "$deb_config" = lab ]; then
		final=$(entry_dir "$label")
		[ -f "$final/.folio-lab-complete" ] ||
			die "$label: the lab tree is not built ($final): kernels/build.sh $label"
		printf '%s\t%s\n' "$label" "$final/.config"
		return 0
	fi
	final=$(deb_dir "$label")
	out=$final.config
	if [ ! -f "$out" ]; then
		mkdir -p "$DEBS"
		tmpd=$(mktemp -d "$DEBS/.tmp-config-XXXXXX")
		TMP_TREE=$tmpd
		log "$label ($(deb_cfg_name) config): $DEB_BASECONF_FROM + bare-metal.config, olddefconfig"
		if ! deb_configure "$(pristine_src)" "$tmpd/obj" >"$tmpd/log" 2>&1; then
			sed -n '/did not stick/,$p' "$tmpd/log" >&2
			tail -n 5 "$tmpd/log" >&2
			die "$label: preparing the $(deb_cfg_name) config failed"
		fi
		cp "$tmpd/obj/.config" "$out.tmp.$$"
		mv "$out.tmp.$$" "$out"
		rm -rf "$tmpd"
		TMP_TREE=""
	fi
	printf '%s\t%s\n' "$label" "$out"
}

# deb_build_one LABEL: its packages, built in a temp dir beside the entry and
# renamed when complete. lab: in a copy of the cached lab tree (built first if
# need be), so Kbuild only redoes what the new kernel release touches.
# running/FILE: from pristine source, or from a copy of the seed label's
# --deb tree (kept in the entry for that), like the guest kernels.
deb_build_one() {
	local label=$1 final tmp logf start tree="" seed="" seed_label="" tf f
	final=$(deb_dir "$label")
	mkdir -p "$DEBS"
	if claim_entry "$final" "$label (--deb, $(deb_cfg_name))"; then
		log "$label (--deb, $(deb_cfg_name)): reusing $final"
		deb_print "$label" "$final"
		return 0
	fi
	deb_need_tools
	if [ "$deb_config" = lab ]; then
		tf=$(mktemp "${TMPDIR:-/tmp}/folio-lab-tree.XXXXXX")
		build_one "$label" >"$tf"
		tree=$(cut -d= -f2- "$tf")
		rm -f "$tf"
		[ -f "$tree/.folio-lab-complete" ] || die "$label: no lab tree after building it"
	fi
	rm -rf "$final"
	tmp="$DEBS/.tmp-$(basename "$final")-$$"
	logf="$DEBS/$(basename "$final").log"
	rm -rf "$tmp"
	mkdir -p "$tmp"
	TMP_TREE=$tmp
	trap cleanup EXIT
	start=$(date +%s)
	if [ -n "$tree" ]; then
		log "$label (--deb, lab): copying the lab tree $tree"
		cp -a "$tree" "$tmp/tree"
		rm -f "$tmp/tree/.folio-lab-complete" "$tmp/tree/folio-lab-kernel.txt" "$tmp/tree/build.log"
	else
		if [ -n "${SEED[$label]}" ] && [ -f "$(deb_dir "${SEED[$label]}")/.folio-lab-complete" ] &&
			[ -d "$(deb_dir "${SEED[$label]}")/tree" ]; then
			seed_label=${SEED[$label]}
			seed=$(deb_dir "$seed_label")
			log "$label (--deb, $(deb_cfg_name)): copying $seed_label's --deb tree $seed/tree"
			cp -a "$seed/tree" "$tmp/tree"
			rm -rf "$tmp/tree/debian"
		else
			log "$label (--deb, $(deb_cfg_name)): copying pristine source"
			cp -a "$(pristine_src)" "$tmp/tree"
		fi
	fi

	log "$label (--deb, $(deb_cfg_name)): make bindeb-pkg in $tmp/tree (log: $logf)"
	set -m
	{
		set -e
		if [ -z "$tree" ]; then
			apply_patches "$tmp/tree" "$label" "$seed_label"
			if [ -z "$seed" ]; then
				echo "== configuring: $DEB_BASECONF_FROM + bare-metal.config"
				deb_configure "$tmp/tree" "$tmp/tree"
			fi
		fi
		echo "== make -j$jobs bindeb-pkg LOCALVERSION=$(deb_localversion "$label")"
		deb_make "$tmp/tree" "$label" "$(basename "$final" | sed 's/.*-//')"
	} >"$logf" 2>&1 &
	set +m
	await_make $! "$logf" "$start" "$label (--deb)" \
		"--deb build of $label ($(deb_cfg_name) config) failed"
	# Installing it would replace the system's linux-libc-dev: not kept.
	rm -f "$tmp"/linux-libc-dev_*.deb
	compgen -G "$tmp/linux-image-*.deb" >/dev/null || die "$label: no linux-image .deb; log: $logf"
	if grep -q '^CONFIG_MODULES=y' "$tmp/tree/.config"; then
		compgen -G "$tmp/linux-headers-*.deb" >/dev/null || die "$label: no linux-headers .deb; log: $logf"
	fi
	mv "$logf" "$tmp/build.log"
	{
		printf 'label=%s\nconfig=%s\nconfig_from=%s\nflavour=%s\nsource=%s %s\n' "$label" \
			"$(deb_cfg_name)" "${DEB_BASECONF_FROM:-$tree}" "$flavour" "$SRC_PACKAGE" "$(src_version)"
		printf 'kernelrelease=%s\n' "$(cat "$tmp/tree/include/config/kernel.release")"
		printf 'config_hash=%s\n' "$(sha256sum "$tmp/tree/.config" | cut -c1-16)"
		printf 'build_seconds=%s\nseeded_from=%s\nbuilt=%s\n' \
			"$(($(date +%s) - start))" "${seed:-${tree:-none}}" "$(date -u +%FT%TZ)"
		for f in "$tmp"/*.deb; do printf 'package=%s\n' "${f##*/}"; done
	} >"$tmp/folio-lab-deb.txt"
	cp "$tmp/tree/.config" "$tmp/config"
	# A lab --deb tree is a copy of the cached lab tree (1.8 GB): not kept.
	# A running/FILE one is the seed of the next label's build: kept.
	[ -z "$tree" ] || rm -rf "$tmp/tree"
	touch "$tmp/.folio-lab-complete"
	mv -T "$tmp" "$final"
	TMP_TREE=""
	log "$label (--deb, $(deb_cfg_name)): built in $(($(date +%s) - start)) s -> $final"
	deb_print "$label" "$final"
}

if [ "$deb" = 1 ]; then
	for l in "${LABELS_ALL[@]}"; do
		for want in "${labels[@]}"; do
			if [ "$want" = "$l" ]; then
				if [ "$config_only" = 1 ]; then
					deb_config_only "$l"
				else
					deb_build_one "$l"
				fi
				break
			fi
		done
	done
	exit 0
fi

# In seed order: each label can then start from its seed's objects.
for l in "${LABELS_ALL[@]}"; do
	for want in "${labels[@]}"; do
		if [ "$want" = "$l" ]; then
			build_one "$l"
			break
		fi
	done
done
