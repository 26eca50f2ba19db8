# Shared by plots/*.gp. The caller sets cfg (the chart's .gpi written by
# `folio-lab-compare plotdata`) and plotsdir. cfg defines chart_title,
# chart_caption, chart_note, ylabel_text, datafile, outbase, nseries, titles[].
load cfg
set datafile missing "?"
# title and warning as labels, so that they never overlap
unset title
set label 99 chart_title at screen 0.5, screen 0.965 center font ",13"
set xlabel "workers"
set ylabel ylabel_text
set grid lc rgb "#dddddd"
set border lc rgb "#555555"
set key outside right top vertical spacing 1.2 samplen 2.5 box lc rgb "#cccccc"
set yrange [0:*]
set xtics nomirror
set ytics nomirror
# room for the caption below and the warning above the plot
set bmargin 7
set tmargin (strlen(chart_note) > 0 ? 5 : 3.5)
set label 100 chart_caption at screen 0.01, screen 0.06 left font ",9" tc rgb "#444444"
if (strlen(chart_note) > 0) {
	set label 101 chart_note at screen 0.5, screen 0.925 center font ",11" tc rgb "#c00000"
}
W = 1200
H = 680
# workers on a log2 axis: 1, 2, 4, 8 get equal room instead of crowding the left;
# a tic at every measured worker count; the outer points and their bars stay
# off the borders (fairness shifts lines sideways by up to 10%)
set logscale x 2
unset mxtics
if (exists("xmin") && xmin > 0 && exists("xmax") && xmax > xmin) set xrange [xmin / 1.2 : xmax * 1.2]
if (exists("xtics_cmd")) eval xtics_cmd
