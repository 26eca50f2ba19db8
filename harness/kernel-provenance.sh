#!/usr/bin/env bash
# Add each kernel tree's provenance to a results directory's meta.json:
#   harness/kernel-provenance.sh DIR LABEL=TREE...
# kernels[LABEL] gains kernel_tree, config_hash (sha256 of TREE/.config, 16
# hex digits) and, when TREE is a git work tree, git_describe and
# git_commit; `folio-lab-history import` identifies builds by them. Labels
# without records in DIR are skipped; meta.json is replaced atomically.
set -euo pipefail

die() { printf 'kernel-provenance.sh: %s\n' "$*" >&2; exit 2; }
[ $# -ge 1 ] || die "usage: kernel-provenance.sh DIR LABEL=TREE..."
dir=$1
shift
meta=$dir/meta.json
[ -f "$meta" ] || die "$meta missing"
command -v jq >/dev/null || die "jq missing"

args=()
for kt in "$@"; do
	[[ $kt == ?*=?* ]] || die "'$kt' is not LABEL=TREE"
	label=${kt%%=*} tree=${kt#*=}
	[ -d "$tree" ] || die "$label: '$tree' is not a directory"
	tree=$(cd "$tree" && pwd)
	hash="" describe="" commit=""
	[ ! -f "$tree/.config" ] || hash=$(sha256sum "$tree/.config" | cut -c1-16)
	if git -C "$tree" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		describe=$(git -C "$tree" describe --always --dirty --tags 2>/dev/null || true)
		commit=$(git -C "$tree" rev-parse HEAD 2>/dev/null || true)
	fi
	args+=("$(jq -cn --arg l "$label" --arg t "$tree" --arg h "$hash" --arg d "$describe" --arg c "$commit" \
		'{label: $l, kernel_tree: $t} + ({config_hash: $h, git_describe: $d, git_commit: $c}
		 | with_entries(select(.value != "")))')")
done

tmp=$(mktemp "$dir/.meta.json.XXXXXX")
trap 'rm -f "$tmp"' EXIT
printf '%s\n' "${args[@]}" | jq -s --slurpfile m "$meta" '
	reduce .[] as $p ($m[0];
		if .kernels[$p.label] then .kernels[$p.label] += ($p | del(.label)) else . end)' >"$tmp"
mv "$tmp" "$meta"
trap - EXIT
