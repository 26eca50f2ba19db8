#!/usr/bin/env bash
# harness/kernel-provenance.sh adds a kernel tree's provenance to meta.json
# (git describe/commit for a git tree, config hash), skips labels without
# records, refuses bad arguments, and a later `folio-lab bench` into the same
# directory and label keeps those fields.
set -euo pipefail
BIN=${1:?usage: provenance.sh FOLIO_LAB_BIN}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
run() { "$BIN" bench --quiet --workload atomics --variant cas-loop --workers 1 --duration 0.05 \
	--warmup 0 --reps 1 --kernel "$1" --out "$T/out" >/dev/null; }

run base
mkdir -p "$T/tree" "$T/plain"
git -C "$T/tree" init -q
echo 'CONFIG_X=y' >"$T/tree/.config"
echo 'CONFIG_Y=y' >"$T/plain/.config"
git -C "$T/tree" add .config
git -C "$T/tree" -c user.name=t -c user.email=t@t commit -qm tree
commit=$(git -C "$T/tree" rev-parse HEAD)
"$ROOT/harness/kernel-provenance.sh" "$T/out" "base=$T/tree" "other=$T/plain" || fail "provenance failed"
jq -e --arg c "$commit" '.kernels.base | .git_commit == $c and (.git_describe | length) > 0 and
	(.config_hash | test("^[0-9a-f]{16}$")) and (.kernel_tree | endswith("/tree"))' "$T/out/meta.json" >/dev/null ||
	fail "base lacks its provenance: $(jq -c .kernels.base "$T/out/meta.json")"
jq -e '.kernels | has("other") | not' "$T/out/meta.json" >/dev/null || fail "a label without records was added"

run base # rewrites the label's entry: the provenance must survive
jq -e --arg c "$commit" '.kernels.base | .git_commit == $c and (.commands | length) == 1' \
	"$T/out/meta.json" >/dev/null || fail "bench dropped the provenance: $(jq -c .kernels.base "$T/out/meta.json")"

"$ROOT/harness/kernel-provenance.sh" "$T/out" nolabel 2>/dev/null && fail "accepted 'nolabel'"
"$ROOT/harness/kernel-provenance.sh" "$T/out" "base=$T/missing" 2>/dev/null && fail "accepted a missing tree"
"$ROOT/harness/kernel-provenance.sh" "$T/nodir" "base=$T/tree" 2>/dev/null && fail "accepted a dir without meta.json"
echo "ok - kernel provenance in meta.json (git describe $(jq -r .kernels.base.git_describe "$T/out/meta.json"))"
