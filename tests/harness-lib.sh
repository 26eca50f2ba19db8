# Sourced by the harness-*.sh tests: a scratch directory removed on exit
# (the test runs inside it), a failure counter, and the closing verdict.
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# finish: exit 1 naming the failed checks, else 0.
finish() { [ "$fails" = 0 ] || { echo "$fails check(s) failed"; exit 1; }; }
