#!/usr/bin/env bash
# analysis/stats.c against scipy: find a python3 that has scipy (Debian's
# python3-scipy lives with /usr/bin/python3, which need not be first in PATH).
set -u
for py in /usr/bin/python3 python3; do
	if command -v "$py" >/dev/null && "$py" -c 'import scipy, numpy' 2>/dev/null; then
		exec "$py" "$(dirname "$0")/analysis-scipy.py" "$@"
	fi
done
echo "SKIP: no python3 with scipy (apt-get install python3-scipy)"
exit 77
