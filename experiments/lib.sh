# Helpers of the experiments: their summaries (host side: folio-lab-compare
# table for the figures, jq to list the records' kernels) and,
# at the end, their measure parts (POSIX sh, natively and in the guests).
# Every figure is derived from DIR/samples.jsonl.

# The analysis computes every statistic (medians, ratios with their
# interval): `folio-lab-compare table`; jq only lists what the records hold.
exp_compare() {
	"${FOLIO_LAB_COMPARE:-${FOLIO_LAB_BUILD:-${LAB_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}/build}/folio-lab-compare}" "$@"
}

# exp_where DIR: one line saying where the records come from.
exp_where() {
	jq -rs '[.[] | "\(.kernel) (\(.where)\(if .accel != "none" then ", " + .accel else "" end), \(.kernel_release))"]
		| unique | join("; ")' "$1/samples.jsonl"
}

# exp_table DIR FILTER ROWS TITLE [METRIC [SCALE]]
# An HTML table: one row per value of ROWS (`table --rows`: fields, or a
# template like '{kernel} get_nr={params.get_nr}'), one column per worker
# count, cells the median over repetitions of METRIC (a field or an
# expression of fields, `table --metric`; default ops_per_sec) divided by
# SCALE (default 1e6: Mops/s), for the records matching FILTER (`table
# --filter`: K=GLOB|GLOB, K!=GLOB, K<N, K>=N..., comma-separated; "" all).
# Nothing when no record matches.
exp_table() {
	exp_compare table ${2:+--filter "$2"} --rows "$3" --title "$4" \
		--metric "${5:-ops_per_sec}" --scale "${6:-1e6}" "$1"
}

# exp_ratio DIR FILTER KEY NUM DEN TITLE [METRIC]
# Per worker count: ops/s (or METRIC) of the series KEY == NUM over
# KEY == DEN, a Hodges-Lehmann ratio with its 95% interval.
exp_ratio() {
	exp_compare table ${2:+--filter "$2"} --ratio-key "$3" --ratio "$4/$5" --title "$6" \
		--metric "${7:-ops_per_sec}" "$1"
}

# exp_header NAME QUESTION DIR
exp_header() {
	printf '<section id="exp-%s">\n<h2>Experiment %s</h2>\n<p>%s</p>\n' "$1" "$1" "$2"
	printf '<p>Records from: %s. Figures from a 2-core VM or an emulated (TCG) guest are not scalability results.</p>\n' \
		"$(exp_where "$3")"
}

exp_footer() {
	printf '</section>\n'
}

# exp_text: the HTML section on stdin as plain text on stdout (for the terminal).
exp_text() {
	sed -e 's#</t[hd]>#  |  #g' -e 's#<h[23]>#\n## #g' -e 's/<[^>]*>//g' -e '/^[[:space:]]*$/d'
}

# ---- measure side (POSIX sh: sourced natively and in the guests, where
# experiments/run.sh adds this file as /lab/bin/lib.sh) ----

# exp_measure_init [--quick]: the harness (LAB) and the suite whose window,
# warm-up, repetitions and worker counts every measurement takes (SUITE:
# full or quick; the sizes are the harness's, `folio-lab list --json`
# suite_sizes, and full is shorter in a guest).
exp_measure_init() {
	LAB=${FOLIO_LAB_BIN:-folio-lab}
	SUITE=full
	[ "${1:-}" = --quick ] && SUITE=quick
	return 0
}

# exp_bench ARGS...: one `folio-lab bench` of the suite above (ARGS win).
exp_bench() {
	"$LAB" bench --quiet --out "${OUT:?}" --suite "$SUITE" "$@" >/dev/null
}

# exp_variants WORKLOAD NAME...: the NAMEs that WORKLOAD offers (as
# `folio-lab list WORKLOAD` prints them), comma-separated on stdout; each
# one it lacks is named on stderr (a module or harness that predates a
# scheme), so the experiment measures what exists and says what it could not.
exp_variants() {
	_ev_w=$1
	shift
	_ev_have=" $("$LAB" list "$_ev_w" | sed -n 's/^ *variants://p' | sed 's/ (default)//g') "
	_ev_out=""
	for _ev_v in "$@"; do
		case "$_ev_have" in
		*" $_ev_v "*) _ev_out="${_ev_out:+$_ev_out,}$_ev_v" ;;
		*) echo "experiment: $_ev_w has no variant '$_ev_v' here: not measured" >&2 ;;
		esac
	done
	echo "$_ev_out"
}

# exp_run WORKLOAD "NAME..." ARGS...: exp_bench of those of the variants
# that WORKLOAD offers (nothing, with a note, if it offers none of them).
exp_run() {
	_er_w=$1
	# shellcheck disable=SC2086 # the names are one word each
	_er_v=$(exp_variants "$_er_w" $2)
	shift 2
	if [ -z "$_er_v" ]; then
		echo "experiment: $_er_w: none of the variants wanted here: skipped" >&2
		return 0
	fi
	exp_bench --workload "$_er_w" --variant "$_er_v" "$@"
}

# exp_schemes: every scheme of refscheme.h's table, as `atomics` lists them.
exp_schemes() {
	"$LAB" list atomics | sed -n 's/^ *variants://p' | sed 's/ (default)//g'
}

# exp_module: true where the module's device is present (the guests).
exp_module() {
	[ -e /dev/folio_lab ] && return 0
	echo "experiment: no /dev/folio_lab here: the module part runs in the guests" >&2
	return 1
}

# exp_kernels DIR: the kernel labels of DIR's records, one a line.
exp_kernels() {
	jq -r '.kernel' "$1/samples.jsonl" | sort -u
}
