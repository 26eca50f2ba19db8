# Helpers for the experiments' summaries (host side, sourced; needs jq).
# Every figure is derived from DIR/samples.jsonl.

# jq definitions shared by the helpers.
EXP_JQ_DEFS='
def median: sort | if length == 0 then null
	elif length % 2 == 1 then .[(length - 1) / 2]
	else (.[length / 2 - 1] + .[length / 2]) / 2 end;
def fmt: if . == null then "-" elif . >= 100 then (. * 10 | round / 10 | tostring)
	else (. * 1000 | round / 1000 | tostring) end;
'

# exp_where DIR: one line saying where the records come from.
exp_where() {
	jq -rs '[.[] | "\(.kernel) (\(.where)\(if .accel != "none" then ", " + .accel else "" end), \(.kernel_release))"]
		| unique | join("; ")' "$1/samples.jsonl"
}

# exp_table DIR SELECT KEY TITLE [METRIC [SCALE]]
# An HTML table: one row per value of the jq expression KEY, one column per
# worker count, cells the median over repetitions of the jq expression
# METRIC (default .ops_per_sec) divided by SCALE (default 1e6: Mops/s), for
# records matching the jq boolean SELECT.
exp_table() {
	jq -rs --arg title "$4" --argjson scale "${6:-1e6}" \
		"$EXP_JQ_DEFS"'
	[.[] | select('"$2"')] as $r
	| if ($r | length) == 0 then empty else
	($r | map(.workers) | unique) as $w
	| ($r | map('"$3"') | unique) as $keys
	| "<h3>\($title)</h3>\n<table>\n<tr><th></th>"
	  + ($w | map("<th>\(.) workers</th>") | join("")) + "</tr>",
	  ($keys[] as $k | "<tr><th>\($k)</th>" + ($w | map(. as $n
		| [$r[] | select(('"$3"') == $k and .workers == $n) | ('"${5:-.ops_per_sec}"')]
		| map(select(. != null) / $scale) | median | fmt | "<td>\(.)</td>") | join("")) + "</tr>"),
	  "</table>" end' "$1/samples.jsonl"
}

# exp_ratio DIR SELECT KEY NUM DEN TITLE
# Per worker count: median ops/s of the series KEY == NUM over KEY == DEN.
exp_ratio() {
	jq -rs --arg num "$4" --arg den "$5" --arg title "$6" "$EXP_JQ_DEFS"'
	[.[] | select('"$2"')] as $r
	| ($r | map(.workers) | unique) as $w
	| def med($k; $n): [$r[] | select(('"$3"') == $k and .workers == $n) | .ops_per_sec] | median;
	if ([$w[] | med($num; .), med($den; .)] | map(select(. != null)) | length) == 0 then empty else
	"<h3>\($title)</h3>\n<table>\n<tr><th></th>"
	  + ($w | map("<th>\(.) workers</th>") | join("")) + "</tr>",
	  "<tr><th>\($num) / \($den)</th>" + ($w | map(. as $n
		| (med($num; $n)) as $a | (med($den; $n)) as $b
		| if $a == null or $b == null or $b == 0 then "<td>-</td>"
		  else "<td>\($a / $b * 1000 | round / 1000)</td>" end) | join("")) + "</tr>",
	  "</table>" end' "$1/samples.jsonl"
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
