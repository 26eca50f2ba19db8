#!/usr/bin/env bash
# First-run set-up is quiet: `./run.sh setup` with fake package tools
# (FOLIO_LAB_APT, FOLIO_LAB_DPKG_QUERY) that report every package missing
# and print hundreds of lines, as dpkg does. run.sh must print one line per
# step (and a "done in N s" after each), keep the tools' output in the log
# under $FOLIO_LAB_CACHE, stay silent once everything is installed, and on a
# failure print the log's tail and its path and exit non-zero.
set -euo pipefail

LAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/folio-lab-setup-quiet.XXXXXX")
trap 'rm -rf "$T"' EXIT
bad=0
fail() { echo "setup-quiet: FAIL: $*"; bad=1; }
ok() { echo "setup-quiet: ok: $*"; }

# The fakes: the set of installed packages lives in $T/installed.
cat >"$T/dpkg-query" <<'EOF'
#!/usr/bin/env bash
p=${!#}
grep -qxF -- "$p" "$FAKE_STATE/installed" 2>/dev/null || exit 1
echo 'install ok installed'
EOF
cat >"$T/apt-get" <<'EOF'
#!/usr/bin/env bash
echo "$*" >>"$FAKE_STATE/calls"
for i in $(seq 1 300); do echo "Unpacking fake-noise-$i (1.0) ..."; done
echo "some warning on stderr" >&2
case $1 in
update) [ "${FAKE_FAIL:-}" = update ] && { echo "E: The repository is not signed (fake)"; exit 100; } ;;
install)
	[ "${FAKE_FAIL:-}" = install ] && { echo "E: Unable to locate package fake-missing"; exit 100; }
	for p in "$@"; do
		case $p in -* | install) ;; *) [ "$p" = "${FAKE_SKIP:-}" ] || echo "$p" >>"$FAKE_STATE/installed" ;; esac
	done
	;;
esac
exit 0
EOF
chmod +x "$T/dpkg-query" "$T/apt-get"
export FOLIO_LAB_APT=$T/apt-get FOLIO_LAB_DPKG_QUERY=$T/dpkg-query FAKE_STATE=$T
export FOLIO_LAB_CACHE=$T/cache
ndeps=$(bash -c 'source <(sed -n "/^DEPS=(/,/)/p" "$1"); echo ${#DEPS[@]}' _ "$LAB_ROOT/run.sh")

# run NAME: ./run.sh setup, stdout+stderr in $T/NAME.out, exit in $T/NAME.rc
run() {
	local rc=0
	"$LAB_ROOT/run.sh" setup >"$T/$1.out" 2>&1 || rc=$?
	echo "$rc" >"$T/$1.rc"
}

# 1. A fresh machine: every package missing.
run fresh
out=$(cat "$T/fresh.out")
lines=$(wc -l <"$T/fresh.out")
if [ "$(cat "$T/fresh.rc")" != 0 ]; then
	fail "fresh set-up exited $(cat "$T/fresh.rc")"
	cat "$T/fresh.out"
elif [ "$lines" -gt 6 ] || printf '%s\n' "$out" | grep -q 'fake-noise\|warning on stderr'; then
	fail "fresh set-up printed $lines lines (the package tools' output must go to the log):"
	head -20 "$T/fresh.out"
elif ! printf '%s\n' "$out" | grep -q "^\[folio-lab\] installing $ndeps Debian packages (log: $FOLIO_LAB_CACHE/setup.log)$" ||
	! printf '%s\n' "$out" | grep -q '^\[folio-lab\] updating the package lists (log: ' ||
	[ "$(printf '%s\n' "$out" | grep -c '^\[folio-lab\] \.\.\. done in [0-9]* s$')" != 2 ]; then
	fail "fresh set-up: not one line per step and one 'done in N s' after each:"
	cat "$T/fresh.out"
elif [ "$(grep -c 'fake-noise' "$FOLIO_LAB_CACHE/setup.log")" != 600 ] ||
	! grep -q 'warning on stderr' "$FOLIO_LAB_CACHE/setup.log"; then
	fail "the log lacks the package tools' output"
else
	ok "fresh set-up: $lines lines for $ndeps packages, the tools' 600 lines in the log"
fi

# 2. Everything installed: nothing to do, nothing printed, no apt call.
: >"$T/calls"
run again
if [ "$(cat "$T/again.rc")" != 0 ] || [ -s "$T/again.out" ] || [ -s "$T/calls" ]; then
	fail "set-up with everything installed: exit $(cat "$T/again.rc"), output or apt calls:"
	cat "$T/again.out" "$T/calls"
else
	ok "set-up with everything installed is silent and calls no apt-get"
fi

# 3. apt-get install fails: the log's tail (with apt's error) and its path.
: >"$T/installed"
FAKE_FAIL=install run failed
out=$(cat "$T/failed.out")
if [ "$(cat "$T/failed.rc")" = 0 ]; then
	fail "a failed install exited 0"
elif ! printf '%s\n' "$out" | grep -q 'E: Unable to locate package fake-missing' ||
	! printf '%s\n' "$out" | grep -q "set-up failed: .*exited 100 (full log: $FOLIO_LAB_CACHE/setup.log)"; then
	fail "a failed install does not show the log's tail and path:"
	cat "$T/failed.out"
elif [ "$(printf '%s\n' "$out" | grep -c 'fake-noise')" -gt 30 ] ||
	printf '%s\n' "$out" | grep -q 'fake-noise-1 '; then
	fail "a failed install printed more than the log's tail"
else
	ok "a failed install: exit $(cat "$T/failed.rc"), the log's tail and path"
fi

# 4. apt-get update fails: the same.
FAKE_FAIL=update run upd
if [ "$(cat "$T/upd.rc")" = 0 ] || ! grep -q 'E: The repository is not signed' "$T/upd.out" ||
	grep -q 'installing' "$T/upd.out"; then
	fail "a failed update: exit $(cat "$T/upd.rc"), or no tail, or it went on installing:"
	cat "$T/upd.out"
else
	ok "a failed update stops before installing, with the log's tail"
fi

# 5. apt-get says yes but a package is still missing: named, non-zero.
: >"$T/installed"
FAKE_SKIP=jq run skip
if [ "$(cat "$T/skip.rc")" = 0 ] || ! grep -q 'still not installed after .*: jq (log: ' "$T/skip.out"; then
	fail "a package still missing after install: exit $(cat "$T/skip.rc"):"
	cat "$T/skip.out"
else
	ok "a package still missing after apt-get is named"
fi

exit "$bad"
