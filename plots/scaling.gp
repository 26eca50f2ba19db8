# The series' scaling chart: pread's median throughput against workers for
# each kernel (colour) and mode (solid: threads, dashed: processes), the
# 95% CI of the median as a band; dotted verticals at the measured worker
# counts that fill a topology boundary (one core, a node, a socket, all
# PUs), labelled as in the series' table.
load plotsdir."/common.gp"
if (exists("ymax") && ymax > 0) set yrange [0:ymax]
set key inside right bottom vertical
do for [i=1:nb] {
	set arrow i from bx[i], graph 0 to bx[i], graph 1 nohead dt 3 lw 1 lc rgb "#888888"
	set label (200 + i) blab[i] at bx[i], graph 0.97 right rotate by 90 offset -0.6, 0 \
		font ",8" tc rgb "#555555"
}
do for [t in "png svg"] {
	if (t eq "png") {
		set terminal pngcairo size W,H font "sans,10" noenhanced dashed
	} else {
		set terminal svg size W,H font "sans,10" noenhanced dashed
	}
	set output outbase.".".t
	plot for [i=1:nseries] datafile index (i-1) using 1:3:4 with filledcurves \
		fs transparent solid 0.12 noborder lc rgb lcol[i] notitle, \
	     for [i=1:nseries] datafile index (i-1) using 1:2 with linespoints lw 2 ps 0.9 \
		dt ldt[i] lc rgb lcol[i] pt lpt[i] title titles[i]
	unset output
}
